"""Ask the team: one private inbox per community, across Discord, Slack and the console.

A member writes to the team by DM, with /ask-team or with "Send to the team" on a message; each
conversation gets a thread in the team inbox channel, and what the member writes is relayed
into it. Only /reply (or "Reply to member") reaches the member, by DM; anything else said in
the thread stays with the team. Each relay is claimed by the platform's message id, so a
retried or re-read message is relayed once; the reply clock raises an unanswered conversation
with the admins once, as a stored job that keeps its time across restarts.
"""

from __future__ import annotations

import re
import statistics
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.actions import Action, DirectMessage, Post, ReadMissed
from bot.cog import Cog, CommunityConfig, Context, Figures, Services
from bot.commands import CommandKind, CommandSpec, Option, OptionType, UsageError, command
from bot.durations import usual_wait
from bot.events import (
    Attachment,
    CommandInvoked,
    Community,
    DirectMessaged,
    Event,
    MemberRef,
    MessageRef,
)
from bot.permissions import Level
from bot.ports import Job
from bot.scheduler import JobHandler
from bot.templates import counted
from bot.text import Literal, Mention, Segment, Text, UserText
from cogs.inbox.member_data import InboxData
from cogs.inbox.rules import REPLY_WINDOW, clock_time, helped_answer, next_team_time, percentile
from cogs.inbox.settings import InboxSettings
from cogs.inbox.store import Conversation, InboxStore, Written

ESCALATE = "inbox.escalate"
REMIND = "inbox.remind"
MOD = Level.MODERATOR
TEXT_LIMIT = 4000
# How long after a close the member's "yes" / "not really" still answers "did we help?".
HELPED_WINDOW = timedelta(days=7)
UNANSWERED_AFTER = timedelta(hours=24)
FIGURES = ("inbox_opened", "inbox_closed", "inbox_median_first_reply_seconds",
           "inbox_p90_first_reply_seconds", "inbox_unanswered_after_24h", "inbox_helped_share")
# A link the platform made for a member's file: shown as it is, so it stays clickable.
_SAFE_URL = re.compile(r"^https://[^\s<>|`]+$")

NUMBER = Option("number", OptionType.INTEGER, "The conversation number, like 3", min_value=1)
ASK = CommandSpec("ask-team", "Write to the team privately; they answer by private message.", (
    Option("text", OptionType.TEXT, "What you'd like the team to know", long=True,
           max_length=TEXT_LIMIT),))
REPLY = CommandSpec(
    "reply", "Answer a member's conversation by private message (start with anon to sign it "
    "\"the team\", or saved:<name> for a saved reply).", (
        Option("number", OptionType.INTEGER, "The conversation number (leave out inside its "
               "thread)", required=False, min_value=1),
        Option("text", OptionType.TEXT, "Your reply, sent to the member", required=False,
               long=True, max_length=TEXT_LIMIT)), MOD)


class _AlreadyClosed(Exception):
    """Someone closed the conversation first: the close's transaction is rolled back."""


class InboxConfig(CommunityConfig, Protocol):
    inbox: InboxSettings


Ctx = Context[InboxConfig]


def _cfg(ctx: Ctx) -> InboxSettings:
    return ctx.settings.inbox


def thread_key(number: int) -> str:
    """The key of a conversation's opening post in the team inbox (its thread)."""
    return f"inbox:{number}"


def relay_key(number: int, seq: int) -> str:
    """The key of the post relaying a member's message: the opening post for the first."""
    return thread_key(number) if seq == 1 else f"inbox:{number}:{seq}"


def escalate_key(community: Community, number: int) -> str:
    return f"{ESCALATE}:{community.key}:{number}"


class InboxCog(Cog[InboxStore]):
    name = "inbox"
    settings = InboxSettings
    store_class = InboxStore

    def __init__(self, services: Services, store: InboxStore) -> None:
        super().__init__(services, store)
        services.figures.append(Figures(FIGURES, self.figures))

    def listeners(self) -> dict[type[Event], Any]:
        return {DirectMessaged: self.on_dm}

    def jobs(self) -> dict[str, JobHandler]:
        return {ESCALATE: self.escalate_due, REMIND: self.remind_due}

    def member_data(self) -> InboxData:
        return InboxData(self.store.db)

    async def start(self) -> list[Action]:
        """Finish what a crash may have cut off (relays and escalations marked but maybe not
        posted), then ask the platforms for DMs that came while Hearth was down."""
        actions: list[Action] = []
        for community, number, seq in await self.store.pending_relays():
            if await self.services.posts.find(community, relay_key(number, seq)):
                await self.store.relayed(community, number, seq)
                continue
            conv = await self.store.get(community, number)
            if conv is not None:
                actions += await self._relay(self.services.context(community), conv, seq)
        for community, conv in await self.store.pending_escalations():
            if await self.services.posts.find(community, self._escalation_key(conv.number)):
                await self.store.escalation_posted(community, conv.number)
            else:
                actions.append(self._escalation(self.services.context(community), conv))
        actions += [ReadMissed(w.community, w.user_id, w.channel, w.last_seen)
                    for w in await self.store.listening()]
        return actions

    # -- helpers ----------------------------------------------------------------------------

    def _say(self, ctx: Ctx, key: str, **values: Any) -> Text:
        return self.say(ctx, getattr(_cfg(ctx).messages, key), **values)

    def _reply(self, event: CommandInvoked, ctx: Ctx, key: str, **values: Any
               ) -> list[Action]:
        return self.reply(event, ctx, getattr(_cfg(ctx).messages, key), **values)

    def _f(self, conv: Conversation) -> dict[str, Any]:
        return {"number": conv.number, "name": conv.name}

    def _thread_post(self, ctx: Ctx, number: int, text: Text, key: str | None = None
                     ) -> Post:
        return Post(ctx.community, ctx.channel(_cfg(ctx).channel), text, key=key,
                    thread_of=thread_key(number))

    def _files(self, ctx: Ctx, attachments: tuple[Attachment, ...]) -> str:
        """Files as lines of `name: link` (never re-uploaded), kept with the message."""
        return "".join(f"\n📎 {a.name}: {a.url}" for a in attachments)

    def _body(self, ctx: Ctx, body: str) -> Text:
        """A stored message for showing: the member's words escaped, a file's link as the
        platform gave it (so it stays a link), its name escaped."""
        text, _, files = body.partition("\n📎 ")
        parts: list[Segment] = [UserText(text)] if text else []
        for line in (f"📎 {files}".split("\n📎 ") if files else []):
            name, _, url = line.removeprefix("📎 ").rpartition(": ")
            shown = Literal(url) if _SAFE_URL.match(url) else UserText(url)
            parts.extend(self._say(ctx, "attachment_line", file=name,
                                   url=shown).segments)
        return Text(tuple(parts))

    async def usual_reply_time(self, ctx: Ctx) -> timedelta:
        cfg = _cfg(ctx)
        waits = [replied - opened for opened, replied in
                 await self.store.reply_waits(ctx.community, ctx.now - REPLY_WINDOW)
                 if replied is not None]
        return usual_wait(waits, cfg.reply_time_fallback, cfg.reply_time_min_conversations)

    def _hours(self, ctx: Ctx) -> Text | str:
        hours = _cfg(ctx).team_hours
        if not hours.enabled:
            return ""
        back = next_team_time(ctx.now, ctx.settings.community.timezone, hours.days,
                              clock_time(hours.start), clock_time(hours.end))
        return self._say(ctx, "outside_hours", when=back) if back else ""

    # -- the member writes ------------------------------------------------------------------

    async def on_dm(self, event: DirectMessaged, _: Ctx) -> list[Action]:
        author = event.author
        if not event.shared:
            ctx: Ctx = self.services.context(event.community)
            return [DirectMessage(event.community, author.user_id,
                                  self._say(ctx, "not_a_member", name=author.name))]
        community = event.shared[0]
        for candidate in event.shared:
            if await self.store.open_of(candidate, author.user_id) is not None:
                community = candidate
                break
        ctx = self.services.context(community)

        def tell(key: str, **values: Any) -> list[Action]:
            return [DirectMessage(community, author.user_id, self._say(ctx, key, **values))]

        answer = helped_answer(event.content)
        if answer is not None and not event.attachments:
            number = await self.store.asked(community, author.user_id, ctx.now - HELPED_WINDOW)
            if number is not None:
                return await self._helped(ctx, number, answer, tell)
        return await self._wrote(ctx, author.user_id, author.name, event.content,
                                 event.attachments, tell, how="how_dm",
                                 source=f"{event.channel}:{event.message_id}",
                                 dm_channel=event.channel, seen=event.message_id)

    async def _wrote(self, ctx: Ctx, user_id: str, name: str, content: str,
                     attachments: tuple[Attachment, ...], tell: Any, how: str,
                     how_fields: dict[str, Any] | None = None, **where: Any) -> list[Action]:
        """A member's message, whichever way it came: checked, stored once, relayed."""
        cfg = _cfg(ctx)
        content = content.strip()
        if not content and not attachments:
            return tell("empty")  # type: ignore[no-any-return]
        if len(content) > cfg.message_max:
            return tell("too_long", length=len(content), limit=cfg.message_max)  # type: ignore[no-any-return]
        body = content + self._files(ctx, attachments)
        written = await self.store.member_wrote(ctx.community, user_id, name, body, ctx.now,
                                                **where)
        if written is None:
            return []  # this very message was relayed already (a retry, a re-read)
        conv = await self.store.get(ctx.community, written.number)
        assert conv is not None
        if not written.opened:
            return [*tell("added", **self._f(conv)), *await self._relay(ctx, conv, written.seq)]
        await self.services.scheduler.schedule(
            ESCALATE, escalate_key(ctx.community, conv.number), ctx.community,
            ctx.now + cfg.escalate_after, {"number": conv.number})
        return [*tell("opened", **self._f(conv), reply_time=await self.usual_reply_time(ctx),
                      hours=self._hours(ctx)),
                *await self._opening(ctx, conv, written, how, how_fields or {})]

    async def _opening(self, ctx: Ctx, conv: Conversation, written: Written, how: str,
                       how_fields: dict[str, Any]) -> list[Action]:
        message = await self.store.message(ctx.community, conv.number, written.seq)
        assert message is not None
        text = self._body(ctx, message.body)
        return [Post(ctx.community, ctx.channel(_cfg(ctx).channel), self._say(
            ctx, "team_opened", **self._f(conv), member=conv.name, text=text,
            how=self._say(ctx, how, **how_fields)), key=thread_key(conv.number),
            opens_thread=self._say(ctx, "thread_name", **self._f(conv)).plain()[:100])]

    async def _relay(self, ctx: Ctx, conv: Conversation, seq: int) -> list[Action]:
        """The post relaying a member's message into the conversation's thread."""
        message = await self.store.message(ctx.community, conv.number, seq)
        if message is None:
            return []
        if seq == 1:
            return await self._opening(ctx, conv, Written(conv.number, 1, True), "how_dm", {})
        return [self._thread_post(ctx, conv.number, self._say(
            ctx, "relayed", **self._f(conv), text=self._body(ctx, message.body)),
            key=relay_key(conv.number, seq))]

    async def _helped(self, ctx: Ctx, number: int, helped: bool, tell: Any) -> list[Action]:
        if not await self.store.answer_helped(ctx.community, number, helped):
            return []
        conv = await self.store.get(ctx.community, number)
        assert conv is not None
        said = "helped_note_yes" if helped else "helped_note_no"
        return [*tell("helped_thanks",
                      helped=self._say(ctx, "helped_yes" if helped else "helped_no")),
                self._thread_post(ctx, number, self._say(ctx, "helped_note", **self._f(conv),
                                                         helped=self._say(ctx, said)))]

    @command(ASK)
    async def ask(self, event: CommandInvoked, ctx: Ctx, text: str) -> list[Action]:
        def tell(key: str, **values: Any) -> list[Action]:
            return self._reply(event, ctx, key, **values)
        return await self._wrote(ctx, event.actor.user_id, event.actor.name, text, (), tell,
                                 how="how_command")

    @command(CommandSpec("send-to-team", "Send a message to the team privately, quoted, with "
                         "a note of your own.", (
                             Option("message", OptionType.MESSAGE, "The message to send"),
                             Option("note", OptionType.TEXT, "Anything to add for the team",
                                    required=False, long=True, max_length=TEXT_LIMIT)),
                         kind=CommandKind.MESSAGE_ACTION, label="Send to the team"))
    async def send_message(self, event: CommandInvoked, ctx: Ctx, message: MessageRef,
                           note: str | None) -> list[Action]:
        def tell(key: str, **values: Any) -> list[Action]:
            return self._reply(event, ctx, key, **values)
        author = message.author.name or message.author.user_id
        quoted = f"> {author} wrote: {message.content}"
        content = f"{quoted}\n{note or ''}".strip()
        return await self._wrote(ctx, event.actor.user_id, event.actor.name, content, (), tell,
                                 how="how_message", how_fields={"author": author})

    @command(CommandSpec("ask-team close", "End your conversation with the team."))
    async def close_mine(self, event: CommandInvoked, ctx: Ctx) -> list[Action]:
        number = await self.store.member_closed(ctx.community, event.actor.user_id, ctx.now)
        if number is None:
            return self._reply(event, ctx, "nothing_open")
        conv = await self.store.get(ctx.community, number)
        assert conv is not None
        await self.services.scheduler.cancel(escalate_key(ctx.community, number))
        return [*self._reply(event, ctx, "member_closed", **self._f(conv)),
                self._thread_post(ctx, number, self._say(ctx, "member_left_note",
                                                         **self._f(conv)))]

    @command(CommandSpec("ask-team show", "See your conversations with the team, or one of "
                         "them with every reply.", (
                             Option("number", OptionType.INTEGER, "The conversation number",
                                    required=False, min_value=1),)))
    async def show(self, event: CommandInvoked, ctx: Ctx, number: int | None) -> list[Action]:
        mine = await self.store.of_member(ctx.community, event.actor.user_id)
        if number is None:
            if not mine:
                return self._reply(event, ctx, "mine_empty")
            items = Text.join([self._say(ctx, "mine_item", **self._f(c), when=c.opened_at,
                                         status=self._status(ctx, c)) for c in mine], "")
            return self._reply(event, ctx, "mine", items=items)
        conv = next((c for c in mine if c.number == number), None)
        if conv is None:
            return self._reply(event, ctx, "unknown_conversation", number=number)
        lines = [self._say(ctx, "show_line", when=m.at, text=self._body(ctx, m.body),
                           **{"from": self._sender(ctx, m.from_team, m.anonymous, m.author_name)
                              if m.from_team else self._say(ctx, "show_you")})
                 for m in await self.store.messages(ctx.community, number)]
        return self._reply(event, ctx, "show", **self._f(conv), status=self._status(ctx, conv),
                           lines=Text.join(lines, ""))

    def _status(self, ctx: Ctx, conv: Conversation) -> Text:
        return self._say(ctx, "show_open" if conv.open else "show_closed")

    def _sender(self, ctx: Ctx, from_team: bool, anonymous: bool, name: str) -> Text | str:
        return self._say(ctx, "the_team") if anonymous else name

    # -- the team answers -------------------------------------------------------------------

    async def _conversation_in(self, ctx: Ctx, channel: str | None) -> Conversation | None:
        """The conversation whose thread `channel` is (or whose opening post it is): learnt
        from the posts Hearth recorded, once per conversation."""
        if not channel:
            return None
        found = await self.store.by_thread(ctx.community, channel)
        if found is not None:
            return found
        for number in await self.store.without_thread(ctx.community):
            posted = await self.services.posts.find(ctx.community, thread_key(number))
            if posted is not None:
                await self.store.set_thread(ctx.community, number, posted[1])
                if posted[1] == channel:
                    return await self.store.get(ctx.community, number)
        return None

    @command(REPLY)
    async def reply_cmd(self, event: CommandInvoked, ctx: Ctx, number: int | None,
                        text: str | None) -> list[Action]:
        conv = (await self.store.get(ctx.community, number) if number is not None
                else await self._conversation_in(ctx, event.channel))
        if conv is None:
            return (self._reply(event, ctx, "unknown_conversation", number=number)
                    if number is not None else self._reply(event, ctx, "reply_where"))
        return await self._send_reply(event, ctx, conv, text or "")

    @command(CommandSpec("reply-to-member", "Answer the member of the conversation this "
                         "message opened, by private message.", (
                             Option("message", OptionType.MESSAGE, "The conversation's first "
                                    "post"),
                             Option("text", OptionType.TEXT, "Your reply (start with anon to "
                                    "sign it \"the team\")", long=True, max_length=TEXT_LIMIT)),
                         MOD, kind=CommandKind.MESSAGE_ACTION, label="Reply to member"))
    async def reply_to_message(self, event: CommandInvoked, ctx: Ctx, message: MessageRef,
                               text: str | None) -> list[Action]:
        conv = await self._conversation_in(ctx, message.message_id)
        if conv is None:
            return self._reply(event, ctx, "not_a_conversation")
        return await self._send_reply(event, ctx, conv, text or "")

    def _compose(self, event: CommandInvoked, ctx: Ctx, conv: Conversation, text: str
                 ) -> tuple[bool, str] | list[Action]:
        """(anonymous, the reply's text) from what the moderator typed: `anon` first signs it
        "the team"; `saved:<name>` puts a saved reply first. A list: what they're told
        instead."""
        cfg = _cfg(ctx)
        words = text.strip().split(None, 1)
        anonymous = bool(words) and words[0].lower() == "anon"
        if anonymous:
            text = words[1] if len(words) > 1 else ""
        words = text.strip().split(None, 1)
        if words and words[0].lower().startswith("saved:"):
            name = words[0][len("saved:"):].lower()
            snippet = next((s for s in cfg.snippets if s.name == name), None)
            if snippet is None:
                known = (", ".join(s.name for s in cfg.snippets) if cfg.snippets
                         else self._say(ctx, "no_snippets"))
                return self._reply(event, ctx, "unknown_snippet", snippet=name, known=known)
            saved = self.say(ctx, snippet.text, **self._f(conv),
                             team=ctx.settings.community.name).plain()
            text = f"{saved}\n{words[1]}" if len(words) > 1 else saved
        text = text.strip()
        if not text:
            return self._reply(event, ctx, "reply_empty")
        if len(text) > cfg.message_max:
            raise UsageError("too_long", option=REPLY.option("text"), length=len(text),
                             limit=cfg.message_max)
        return anonymous, text

    async def _send_reply(self, event: CommandInvoked, ctx: Ctx, conv: Conversation,
                          typed: str) -> list[Action]:
        composed = self._compose(event, ctx, conv, typed)
        if isinstance(composed, list):
            return composed
        anonymous, text = composed
        actor = event.actor
        seq = await self.store.team_replied(ctx.community, conv.number, actor.user_id,
                                            actor.name, anonymous, text, ctx.now)
        if seq is None:
            return self._reply(event, ctx, "reply_closed", **self._f(conv))
        await self.services.scheduler.cancel(escalate_key(ctx.community, conv.number))
        sender = self._sender(ctx, True, anonymous, actor.name)
        told = self._thread_post(ctx, conv.number, self._say(ctx, "undelivered",
                                                             **self._f(conv)))
        return [*self._reply(event, ctx, "reply_sent", **self._f(conv)),
                DirectMessage(ctx.community, conv.user_id, self._say(
                    ctx, "to_member", **self._f(conv), text=text, **{"from": sender}),
                    if_undelivered=(told,)),
                self._thread_post(ctx, conv.number, self._say(
                    ctx, "team_replied", **self._f(conv), text=text, **{"from": sender}))]

    async def _closing(self, event: CommandInvoked, ctx: Ctx, number: int,
                       message: str | None, remind: timedelta | None) -> list[Action]:
        cfg = _cfg(ctx)
        conv = await self.store.get(ctx.community, number)
        if conv is None:
            return self._reply(event, ctx, "unknown_conversation", number=number)
        follow_up = ctx.now + remind if remind else None
        # "Did we help?" waits for a real ending, not for "we'll get back to you".
        ask = cfg.ask_helped and follow_up is None
        if message and len(message) > cfg.message_max:
            raise UsageError("too_long", option=Option("message", OptionType.TEXT, "message"),
                             length=len(message), limit=cfg.message_max)
        if not conv.open:
            return self._reply(event, ctx, "already_closed", **self._f(conv))
        try:
            async with self.store.transaction():
                # The last word is a reply like any other (it may be the first); then the close.
                if message:
                    await self.store.team_replied(ctx.community, number, event.actor.user_id,
                                                  event.actor.name, False, message, ctx.now)
                if not await self.store.team_closed(ctx.community, number, ctx.now, ask,
                                                    follow_up):
                    raise _AlreadyClosed
                if follow_up is not None:
                    await self.services.scheduler.schedule(
                        REMIND, f"{REMIND}:{ctx.community.key}:{number}", ctx.community,
                        follow_up, {"number": number})
        except _AlreadyClosed:  # closed by someone else between the look and the close
            return self._reply(event, ctx, "already_closed", **self._f(conv))
        await self.services.scheduler.cancel(escalate_key(ctx.community, number))
        said = self._say(ctx, "closed_text", text=message) if message else ""
        to_member = self._say(ctx, "closed_later" if follow_up else "closed_by_team",
                              **self._f(conv), text=said)
        if ask:
            to_member = to_member + self._say(ctx, "helped_question")
        told = self._thread_post(ctx, number, self._say(ctx, "undelivered", **self._f(conv)))
        reminder = self._say(ctx, "remind_note", when=follow_up) if follow_up else ""
        return [*self._reply(event, ctx, "closed_ack", **self._f(conv),
                             told=self._say(ctx, "closed_told")),
                DirectMessage(ctx.community, conv.user_id, to_member, if_undelivered=(told,)),
                self._thread_post(ctx, number, self._say(
                    ctx, "team_closed_note", **self._f(conv), by=event.actor.name,
                    remind=reminder))]

    @command(CommandSpec("inbox close", "Close a conversation, with a last message to the "
                         "member if you like.", (
                             NUMBER, Option("message", OptionType.TEXT, "A last word for the "
                                            "member", required=False, long=True,
                                            max_length=TEXT_LIMIT)), MOD))
    async def close(self, event: CommandInvoked, ctx: Ctx, number: int, message: str | None
                    ) -> list[Action]:
        return await self._closing(event, ctx, number, message, None)

    @command(CommandSpec("inbox later", "Close a conversation telling the member the team will "
                         "get back to them; the team is reminded after `remind`.", (
                             NUMBER, Option("remind", OptionType.DURATION, "When to remind "
                                            "the team, like 2d"),
                             Option("message", OptionType.TEXT, "What the member is told",
                                    required=False, long=True, max_length=TEXT_LIMIT)), MOD))
    async def later(self, event: CommandInvoked, ctx: Ctx, number: int, remind: timedelta,
                    message: str | None) -> list[Action]:
        return await self._closing(event, ctx, number, message, remind)

    @command(CommandSpec("inbox history", "List one member's conversations with the team.", (
        Option("member", OptionType.MEMBER, "The member"),), MOD))
    async def history(self, event: CommandInvoked, ctx: Ctx, member: MemberRef
                      ) -> list[Action]:
        who = member.name or member.user_id
        convs = await self.store.of_member(ctx.community, member.user_id)
        if not convs:
            return self._reply(event, ctx, "history_empty", member=who)
        items = Text.join([self._say(ctx, "history_item", **self._f(c), when=c.opened_at,
                                     status=self._status(ctx, c),
                                     replies=counted(c.replies, "reply", "replies"))
                           for c in convs], "")
        return self._reply(event, ctx, "history", member=who, items=items)

    # -- the reply clock ----------------------------------------------------------------------

    def _escalation_key(self, number: int) -> str:
        return f"inbox-raised:{number}"

    def _escalation(self, ctx: Ctx, conv: Conversation) -> Post:
        admins = [Mention(uid, uid) for uid in ctx.settings.community.admins]
        named = Text.join([Text((m,)) for m in admins], " ") + Text.of(" ") if admins else ""
        return Post(ctx.community, ctx.channel(_cfg(ctx).escalate_channel), self._say(
            ctx, "escalated", **self._f(conv), waiting=ctx.now - conv.opened_at, admins=named),
            key=self._escalation_key(conv.number))

    async def escalate_due(self, job: Job) -> list[Action]:
        """A conversation's reply time passed: raise it with the admins once if the team
        hasn't answered."""
        ctx = self.services.context(job.community)
        number = int(job.payload["number"])
        if not await self.store.escalate_once(job.community, number, ctx.now):
            return []
        conv = await self.store.get(job.community, number)
        assert conv is not None
        return [self._escalation(ctx, conv)]

    async def remind_due(self, job: Job) -> list[Action]:
        """The team said they'd get back to a member: remind them, unless they already did."""
        ctx = self.services.context(job.community)
        conv = await self.store.get(job.community, int(job.payload["number"]))
        if conv is None or conv.follow_up_at is None:
            return []
        return [self._thread_post(ctx, conv.number, self._say(ctx, "reminder",
                                                              **self._f(conv)))]

    # -- figures for community health --------------------------------------------------------

    async def figures(self, community: Community, since: datetime, until: datetime
                      ) -> dict[str, float | None]:
        """Opened and closed, median and 90th-percentile time to first reply (seconds),
        conversations unanswered after 24 hours, and the share that said we helped, over
        [since, until)."""
        opened = [(o, r) for o, r in await self.store.reply_waits(community, since) if o < until]
        waits = [(r - o).total_seconds() for o, r in opened if r is not None and r < until]
        unanswered = sum(1 for o, r in opened if o + UNANSWERED_AFTER <= until
                         and (r is None or r - o > UNANSWERED_AFTER))
        closed, answered, yes = await self.store.closed_between(community, since, until)
        return {
            "inbox_opened": len(opened),
            "inbox_closed": closed,
            "inbox_median_first_reply_seconds": statistics.median(waits) if waits else None,
            "inbox_p90_first_reply_seconds": percentile(waits, 0.9),
            "inbox_unanswered_after_24h": unanswered,
            "inbox_helped_share": yes / answered if answered else None,
        }
