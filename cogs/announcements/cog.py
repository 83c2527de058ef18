"""Announcements said well: checked for sincerity and clarity, previewed, posted or scheduled,
and, for incidents, followed up.

`/announce` makes a draft and shows the author, privately, the post exactly as it will appear
and the check's advice; `/announce post N` sends or schedules it (advice, never a block).
Every occurrence is recorded (one row per occurrence, so each occurrence of a repeat goes out
once) in the same unit of work as the post the runtime's outbox keeps, so a crash between
deciding and posting loses nothing. An incident opens a thread; the author says when
the next update comes, and if that time passes with no update the team is reminded once.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, tzinfo
from typing import Any, Protocol

from bot.actions import Action, Post, Respond
from bot.cog import Cog, CommunityConfig, Context, Listener, Services
from bot.commands import (
    Command,
    CommandKind,
    CommandSpec,
    Option,
    OptionType,
    UsageError,
    command,
)
from bot.config import Config
from bot.events import Actor, CommandInvoked, Community, Event, MessagePosted, ReactionAdded
from bot.permissions import Level
from bot.ports import Job
from bot.scheduler import JobHandler
from bot.text import ChannelLink, Literal, Mention, Text, Timestamp, UserText
from cogs.announcements import sincerity
from cogs.announcements.member_data import AnnouncementsData
from cogs.announcements.schedule import (
    Once,
    Repeat,
    WhenError,
    parse_moment,
    parse_repeat,
    parse_when,
)
from cogs.announcements.settings import AnnouncementsSettings
from cogs.announcements.store import (
    CANCELLED,
    DRAFT,
    OPEN,
    POSTED,
    REPEATING,
    RESOLVED,
    SCHEDULED,
    Announcement,
    AnnouncementStore,
    Outgoing,
)

log = logging.getLogger(__name__)

POST_JOB = "announcements.post"
UPDATE_DUE = "announcements.update_due"
# How much of an announcement /announce list and /help quote.
PREVIEW_CHARS = 80

_NUMBER = Option("number", OptionType.INTEGER, "The announcement's number, like 3", min_value=1)
LIST = CommandSpec("announce list", "See drafts, scheduled and repeating announcements and open "
                   "incidents.", level=Level.MODERATOR)
POST = CommandSpec("announce post", "Post (or schedule) a draft, or an update the check held.",
                   (_NUMBER,), level=Level.MODERATOR)
EDIT = CommandSpec("announce edit", "Change the text of a draft, a scheduled announcement or a "
                   "held update.",
                   (_NUMBER, Option("text", OptionType.TEXT, "The new text", long=True,
                                    max_length=1900)), level=Level.MODERATOR)
CANCEL = CommandSpec("announce cancel", "Cancel a draft or a scheduled announcement, or drop a "
                     "held update.", (_NUMBER,), level=Level.MODERATOR)
# The next update's time comes before the text, so the text can run to the end of the line.
UPDATE = CommandSpec("announce update", "Post an update in an incident's thread.",
                     (_NUMBER,
                      Option("next", OptionType.TEXT, "When the next update comes, like 1h or "
                             "15:00", max_length=40),
                      Option("text", OptionType.TEXT, "What members should know now",
                             long=True, max_length=1900)),
                     level=Level.MODERATOR)
RESOLVE = CommandSpec("announce resolve", "Close an incident with a final post that thanks "
                      "everyone who stayed with you.",
                      (_NUMBER, Option("text", OptionType.TEXT, "What was fixed, and what "
                                       "happens next", long=True, max_length=1900)),
                      level=Level.MODERATOR)


def _root_key(number: int) -> str:
    return f"announce:{number}"


def _job_key(kind: str, community: Community, number: int) -> str:
    return f"{kind}:{community.key}:{number}"


def _announce(config: Config) -> CommandSpec:
    """/announce: a form whose channel choices are the base config's announcement channels
    (command specs are global)."""
    base: AnnouncementsSettings = config.settings.announcements
    return CommandSpec(
        "announce", "Write an announcement: checked, previewed, then posted or scheduled.",
        (Option("channel", OptionType.CHOICE, "Where it goes", choices=tuple(base.channels)),
         Option("text", OptionType.TEXT, "The announcement", long=True,
                max_length=base.max_length),
         Option("when", OptionType.TEXT, "now, 2026-12-24 18:00, or every Monday 10:00",
                required=False, max_length=60, placeholder="now"),
         Option("incident", OptionType.CHOICE, "Is this an incident (outage, problem)?",
                required=False, choices=("no", "yes")),
         Option("next", OptionType.TEXT, "Incidents: when the next update comes, like 1h",
                required=False, max_length=40, placeholder="1h")),
        level=Level.MODERATOR, kind=CommandKind.FORM)


class AnnouncementsConfig(CommunityConfig, Protocol):
    announcements: AnnouncementsSettings


# What this feature's handlers are given: `ctx.settings.announcements` is typed.
Ctx = Context[AnnouncementsConfig]


class AnnouncementsCog(Cog[AnnouncementStore]):
    name = "announcements"
    settings = AnnouncementsSettings
    # The channel choices and the text limit shape /announce as registered with the platforms.
    restart_keys = ("channels", "max_length")
    store_class = AnnouncementStore

    def __init__(self, services: Services, store: AnnouncementStore) -> None:
        super().__init__(services, store)
        services.notice_sources.append(self.notices)
        self.announce = _announce(services.config)

    @classmethod
    def specs(cls, config: Config) -> list[CommandSpec]:
        return [_announce(config), *super().specs(config)]

    def commands(self) -> list[Command]:
        # Every announcement command also admits the configured announcer roles.
        found = [Command(self.announce, self.on_announce), *super().commands()]
        return [dataclasses.replace(c, admits=self._announcer) for c in found]

    def listeners(self) -> dict[type[Event], Listener]:
        return {ReactionAdded: self.on_reaction, MessagePosted: self.on_message}

    def member_data(self) -> AnnouncementsData:
        return AnnouncementsData(self.store.db)

    def jobs(self) -> dict[str, JobHandler]:
        return {POST_JOB: self.post_due, UPDATE_DUE: self.update_due}

    @staticmethod
    def _announcer(actor: Actor, ctx: Ctx) -> bool:
        roles = ctx.settings.announcements.announcer_roles
        return not actor.is_bot and bool(roles) and bool(actor.roles & set(roles))

    # -- /announce -------------------------------------------------------------------------

    async def on_announce(self, event: CommandInvoked, ctx: Ctx, args: dict[str, Any]
                          ) -> list[Action]:
        cfg = self._cfg(ctx)
        channel, text = args["channel"], args["text"]
        if channel not in cfg.channels:
            return self._reply(event, ctx, "unknown_channel", place=channel,
                               choices=", ".join(cfg.channels))
        incident = args.get("incident") == "yes"
        try:
            when = parse_when(args.get("when") or "", ctx.now, self._tz(ctx),
                              repeats=not incident)
            if incident and args.get("next"):
                parse_moment(args["next"], ctx.now, self._tz(ctx))
        except WhenError as exc:
            return self._reply(event, ctx, "bad_when", problem=str(exc))
        number = await self.store.create(
            event.community, author_id=event.actor.user_id, author_name=event.actor.name,
            channel=channel, text=text, due_at=when.at if isinstance(when, Once) else None,
            repeat_rule=when.describe() if isinstance(when, Repeat) else None,
            incident=incident, next_update=args.get("next") if incident else None, at=ctx.now)
        found = await self.store.get(event.community, number)
        assert found is not None
        return [Respond(event.community, event.actor.user_id, self._preview(ctx, found))]

    def _preview(self, ctx: Ctx, a: Announcement) -> Text:
        shown = self._render_body(ctx, a, "incident" if a.incident else "post", a.text,
                                  self._next_update(ctx, a.next_update, ctx.now), [])
        return self._say(
            ctx, "preview", number=a.number,
            place=ChannelLink(ctx.channel(a.channel)), when=self._when(ctx, a), post=shown,
            advice=self._advice(ctx, a))

    def _advice(self, ctx: Ctx, a: Announcement) -> Text:
        findings = self._findings(ctx, a.text)
        if findings is None:
            return self._say(ctx, "all_clear", number=a.number)
        return self._say(ctx, "advice", number=a.number, findings=findings)

    def _findings(self, ctx: Ctx, text: str) -> Text | None:
        cfg = self._cfg(ctx)
        if not cfg.check.enabled:
            return None
        found = sincerity.check(text, cfg.check.rules())
        if not found:
            return None
        lines = []
        for f in found:
            # Phrases are quoted one by one; shouted words and lengths read as they are.
            words = (f.found if f.kind in (sincerity.SHOUTING, sincerity.WALL)
                     else tuple(f'"{w}"' for w in f.found))
            reason = self._say(ctx, f"check_{f.kind}", found=", ".join(words))
            lines.append(self._say(ctx, "finding_line", reason=reason))
        return Text.join(lines)

    def _when(self, ctx: Ctx, a: Announcement) -> Text:
        if a.repeat_rule:
            # A repeat under way knows its next time; a draft's would be the next from now.
            nxt = (a.due_at if a.state == REPEATING and a.due_at
                   else parse_repeat(a.repeat_rule).next_after(ctx.now, self._tz(ctx)))
            return self._say(ctx, "when_repeat", rule=a.repeat_rule, next=Timestamp(nxt))
        if a.due_at is not None:
            return self._say(ctx, "when_once", at=Timestamp(a.due_at))
        return self._say(ctx, "when_now")

    # -- /announce post N ------------------------------------------------------------------

    @command(POST)
    async def on_post(self, event: CommandInvoked, ctx: Ctx, number: int) -> list[Action]:
        a = await self._find(ctx, number)
        if a is None:
            return self._reply(event, ctx, "unknown_announcement", number=number)
        if a.state == OPEN and a.held_kind and a.held_text:
            if a.held_kind == "resolve":
                return await self._resolve(event, ctx, a, a.held_text)
            return await self._post_update(event, ctx, a, a.held_text, a.held_next)
        if a.state != DRAFT:
            return self._reply(event, ctx, "not_a_draft", number=a.number)
        community, tz = event.community, self._tz(ctx)
        if a.repeat_rule:
            first = parse_repeat(a.repeat_rule).next_after(ctx.now, tz)
            async with self.store.transaction():
                if not await self.store.move(community, a.number, frm=(DRAFT,), to=REPEATING,
                                             due_at=first):
                    return self._reply(event, ctx, "not_a_draft", number=a.number)
                await self._arm(POST_JOB, community, a.number, first)
            return self._reply(event, ctx, "scheduled", number=a.number,
                               place=ChannelLink(ctx.channel(a.channel)),
                               when=self._say(ctx, "when_repeat", rule=a.repeat_rule,
                                              next=Timestamp(first)))
        if a.due_at is not None and a.due_at > ctx.now:
            async with self.store.transaction():
                if not await self.store.move(community, a.number, frm=(DRAFT,), to=SCHEDULED,
                                             due_at=a.due_at):
                    return self._reply(event, ctx, "not_a_draft", number=a.number)
                await self._arm(POST_JOB, community, a.number, a.due_at)
            return self._reply(event, ctx, "scheduled", number=a.number,
                               place=ChannelLink(ctx.channel(a.channel)),
                               when=Text((Timestamp(a.due_at),)))
        # Now (or a chosen time that passed while it waited as a draft).
        post = await self._go_out(ctx, a, frm=DRAFT, occurrence="1", at=ctx.now)
        if post is None:
            return self._reply(event, ctx, "not_a_draft", number=a.number)
        return [post, *self._opened(event, ctx, a)]

    def _opened(self, event: CommandInvoked, ctx: Ctx, a: Announcement) -> list[Action]:
        place = ChannelLink(ctx.channel(a.channel))
        if a.incident:
            due = self._next_update(ctx, a.next_update, ctx.now)
            return self._reply(event, ctx, "incident_opened", number=a.number, place=place,
                               next=Timestamp(due))
        return self._reply(event, ctx, "posted", number=a.number, place=place)

    async def _go_out(self, ctx: Ctx, a: Announcement, *, frm: str, occurrence: str,
                      at: datetime) -> Post | None:
        """Send one occurrence: state, outbox row and (for an incident) the promised update
        time commit together; None if someone else already moved it or sent it."""
        community = ctx.community
        kind = "incident" if a.incident else "post"
        key = _root_key(a.number) if occurrence == "1" else f"{_root_key(a.number)}:{occurrence}"
        due = self._next_update(ctx, a.next_update, at) if a.incident else None
        outgoing = Outgoing(community, a.number, occurrence, key, kind, a.text, due)
        async with self.store.transaction():
            if frm != REPEATING and not await self.store.move(
                    community, a.number, frm=(frm,), to=OPEN if a.incident else POSTED, at=at):
                return None
            if not await self.store.queue(outgoing, at):
                return None
            if due is not None:
                await self._expect_update(community, a.number, due, counted=False)
        return await self._render(ctx, a, outgoing)

    async def _arm(self, kind: str, community: Community, number: int, due: datetime) -> None:
        """Schedule (or move) this announcement's one job of `kind`."""
        await self.services.scheduler.schedule(kind, _job_key(kind, community, number),
                                               community, due, {"number": number})

    async def _job_announcement(self, job: Job) -> tuple[Ctx, Announcement | None]:
        return (self.services.context(job.community, job.due_at),
                await self.store.get(job.community, job.payload["number"]))

    async def post_due(self, job: Job) -> list[Action]:
        """A scheduled announcement's time, or one occurrence of a repeat."""
        ctx, a = await self._job_announcement(job)
        if a is None or a.state not in (SCHEDULED, REPEATING):
            return []  # cancelled meanwhile
        now = self.services.clock.now()
        if a.state == SCHEDULED:
            post = await self._go_out(ctx, a, frm=SCHEDULED, occurrence="1", at=now)
            return [post] if post else []
        rule = parse_repeat(a.repeat_rule or "")
        tz = self._tz(ctx)
        # After downtime, occurrences missed in between are not posted one after another:
        # this one goes out late, and the next is the first still ahead.
        following = rule.next_after(max(job.due_at, now), tz)
        async with self.store.transaction():
            # Still repeating (not cancelled while this ran): move on, then send this one.
            if not await self.store.next_due(job.community, a.number, following):
                return []
            await self._arm(POST_JOB, job.community, a.number, following)
            post = await self._go_out(ctx, a, frm=REPEATING,
                                      occurrence=rule.occurrence_key(job.due_at, tz), at=now)
        return [post] if post else []

    # -- incidents -------------------------------------------------------------------------

    @command(UPDATE)
    async def on_update(self, event: CommandInvoked, ctx: Ctx, number: int, next: str,
                        text: str) -> list[Action]:
        a = await self._find(ctx, number)
        if a is None:
            return self._reply(event, ctx, "unknown_announcement", number=number)
        if a.state != OPEN:
            return self._reply(event, ctx, "not_incident", number=a.number)
        if len(text) > self._cfg(ctx).max_length:
            return self._too_long(event, ctx, text)
        self._check_next(ctx, next)
        return await self._checked(event, ctx, a, "update", text, next)

    @command(RESOLVE)
    async def on_resolve(self, event: CommandInvoked, ctx: Ctx, number: int, text: str
                         ) -> list[Action]:
        a = await self._find(ctx, number)
        if a is None:
            return self._reply(event, ctx, "unknown_announcement", number=number)
        if a.state != OPEN:
            return self._reply(event, ctx, "not_incident", number=a.number)
        if len(text) > self._cfg(ctx).max_length:
            return self._too_long(event, ctx, text)
        return await self._checked(event, ctx, a, "resolve", text, None)

    async def _checked(self, event: CommandInvoked, ctx: Ctx, a: Announcement, kind: str,
                       text: str, next_update: str | None) -> list[Action]:
        """Post an update or resolution that reads well; hold one that doesn't, with advice."""
        findings = self._findings(ctx, text)
        if findings is not None:
            await self.store.hold(event.community, a.number, kind, text, next_update)
            return self._reply(event, ctx, "update_held", number=a.number, findings=findings)
        if kind == "resolve":
            return await self._resolve(event, ctx, a, text)
        return await self._post_update(event, ctx, a, text, next_update)

    async def _post_update(self, event: CommandInvoked, ctx: Ctx, a: Announcement,
                           text: str, next_update: str | None) -> list[Action]:
        community = event.community
        due = self._next_update(ctx, next_update, ctx.now)
        async with self.store.transaction():
            current = await self.store.get(community, a.number)
            if current is None or current.state != OPEN:
                return self._reply(event, ctx, "not_incident", number=a.number)
            n = current.updates + 1
            outgoing = Outgoing(community, a.number, f"update-{n}",
                                f"{_root_key(a.number)}:update:{n}", "update", text, due)
            await self.store.queue(outgoing, ctx.now)
            await self._expect_update(community, a.number, due, counted=True)
        return [await self._render(ctx, a, outgoing),
                *self._reply(event, ctx, "update_posted", number=a.number, next=Timestamp(due))]

    async def _resolve(self, event: CommandInvoked, ctx: Ctx, a: Announcement, text: str
                       ) -> list[Action]:
        community = event.community
        outgoing = Outgoing(community, a.number, "resolved", f"{_root_key(a.number)}:resolved",
                            "resolution", text, None)
        async with self.store.transaction():
            if not await self.store.move(community, a.number, frm=(OPEN,), to=RESOLVED,
                                         at=ctx.now):
                return self._reply(event, ctx, "not_incident", number=a.number)
            await self.store.queue(outgoing, ctx.now)
            await self.services.scheduler.cancel(_job_key(UPDATE_DUE, community, a.number))
        names = await self.store.supporters(community, a.number)
        count = len(names)
        return [await self._render(ctx, a, outgoing),
                *self._reply(event, ctx, "resolved", number=a.number,
                             place=ChannelLink(ctx.channel(a.channel)),
                             count=f"{count:,} {'member' if count == 1 else 'members'}")]

    def _check_next(self, ctx: Ctx, next_update: str | None) -> None:
        if next_update:
            try:
                parse_moment(next_update, ctx.now, self._tz(ctx))
            except WhenError as exc:
                raise UsageError(f"**next**: {exc}.") from None

    def _next_update(self, ctx: Ctx, written: str | None, after: datetime) -> datetime:
        """When the author said the next update comes, read from `after` (the post's time)."""
        if written:
            try:
                return parse_moment(written, after, self._tz(ctx))
            except WhenError:
                pass  # checked when written; a time of day that has passed means tomorrow
        return after + self._cfg(ctx).update_every

    async def _expect_update(self, community: Community, number: int, due: datetime,
                             *, counted: bool) -> None:
        await self.store.expect_update(community, number, due, counted=counted)
        await self._arm(UPDATE_DUE, community, number, due)

    async def update_due(self, job: Job) -> list[Action]:
        """The promised update time passed: remind the team, once per promise."""
        ctx, a = await self._job_announcement(job)
        if a is None or a.state != OPEN or a.update_due_at != job.due_at:
            return []
        if not await self.store.mark_reminded(job.community, a.number, job.due_at,
                                              self.services.clock.now()):
            return []
        cfg = self._cfg(ctx)
        local = job.due_at.astimezone(self._tz(ctx))
        text = self._say(ctx, "update_due", author=Mention(a.author_id, a.author_name),
                         number=a.number, place=ChannelLink(ctx.channel(a.channel)),
                         at=Literal(f"{local:%H:%M} {local.tzname()}"))
        return [Post(job.community, ctx.channel(cfg.team_channel), text)]

    # -- who stood by an incident ----------------------------------------------------------

    async def on_reaction(self, event: ReactionAdded, ctx: Ctx) -> list[Action]:
        await self._stood_by(ctx, event.reactor, event.message_id)
        return []

    async def on_message(self, event: MessagePosted, ctx: Ctx) -> list[Action]:
        if event.reply_to is not None:  # plain chat (nearly every message) costs nothing
            await self._stood_by(ctx, event.author, event.reply_to)
        return []

    async def _stood_by(self, ctx: Ctx, member: Actor, message_id: str) -> None:
        if member.is_bot:
            return
        for a in await self.store.open_incidents(ctx.community):
            found = await self.services.posts.find(ctx.community, _root_key(a.number))
            if found is not None and found[1] == message_id and member.user_id != a.author_id:
                await self.store.supporter(ctx.community, a.number, member.user_id, member.name,
                                           ctx.now)

    async def notices(self, ctx: Ctx) -> list[Text]:
        """An open incident, for /help: members shouldn't be left guessing."""
        return [self._say(ctx, "help_notice", number=a.number,
                          place=ChannelLink(ctx.channel(a.channel)), preview=_short(a.text))
                for a in await self.store.open_incidents(ctx.community)]

    # -- list, edit, cancel ----------------------------------------------------------------

    @command(LIST)
    async def on_list(self, event: CommandInvoked, ctx: Ctx) -> list[Action]:
        live = await self.store.live(event.community)
        if not live:
            return self._reply(event, ctx, "list_empty")
        states = {DRAFT: "state_draft", SCHEDULED: "state_scheduled",
                  REPEATING: "state_repeating", OPEN: "state_incident"}
        lines = [self._say(ctx, "list_header", count=len(live))]
        for a in live:
            when = (self._say(ctx, "when_update", at=Timestamp(a.update_due_at))
                    if a.state == OPEN and a.update_due_at else self._when(ctx, a))
            lines.append(self._say(ctx, "list_line", number=a.number,
                                   place=ChannelLink(ctx.channel(a.channel)),
                                   state=self._say(ctx, states[a.state]), when=when,
                                   preview=_short(a.text)))
        return [Respond(event.community, event.actor.user_id, Text.join(lines))]

    @command(EDIT)
    async def on_edit(self, event: CommandInvoked, ctx: Ctx, number: int, text: str
                      ) -> list[Action]:
        a = await self._find(ctx, number)
        if a is None:
            return self._reply(event, ctx, "unknown_announcement", number=number)
        if len(text) > self._cfg(ctx).max_length:
            return self._too_long(event, ctx, text)
        if a.state == OPEN and a.held_kind:
            return await self._checked(event, ctx, a, a.held_kind, text, a.held_next)
        if not await self.store.set_text(event.community, a.number, text):
            return self._reply(event, ctx, "not_a_draft", number=a.number)
        edited = await self.store.get(event.community, a.number)
        assert edited is not None
        return [Respond(event.community, event.actor.user_id,
                        self._say(ctx, "edited", number=a.number) + Text.of("\n")
                        + self._preview(ctx, edited))]

    @command(CANCEL)
    async def on_cancel(self, event: CommandInvoked, ctx: Ctx, number: int) -> list[Action]:
        a = await self._find(ctx, number)
        if a is None:
            return self._reply(event, ctx, "unknown_announcement", number=number)
        community = event.community
        if a.state == OPEN:
            if a.held_kind is None:
                return self._reply(event, ctx, "cannot_cancel_incident", number=a.number)
            await self.store.hold(community, a.number, None, None, None)
            return self._reply(event, ctx, "held_dropped", number=a.number)
        async with self.store.transaction():
            if not await self.store.move(community, a.number, frm=(DRAFT, SCHEDULED, REPEATING),
                                         to=CANCELLED):
                return self._reply(event, ctx, "not_a_draft", number=a.number)
            await self.services.scheduler.cancel(_job_key(POST_JOB, community, a.number))
        return self._reply(event, ctx, "cancelled", number=a.number)

    # -- rendering -------------------------------------------------------------------------

    async def _render(self, ctx: Ctx, a: Announcement, post: Outgoing) -> Post:
        names = (await self.store.supporters(ctx.community, a.number)
                 if post.kind == "resolution" else [])
        text = self._render_body(ctx, a, post.kind, post.body, post.next_at, names)
        channel = ctx.channel(a.channel)
        if post.kind == "incident":
            return Post(ctx.community, channel, text, key=post.key,
                        opens_thread=self._say(ctx, "thread_name", number=a.number).plain())
        if post.kind == "update":
            return Post(ctx.community, channel, text, key=post.key,
                        thread_of=_root_key(a.number))
        return Post(ctx.community, channel, text, key=post.key)

    def _render_body(self, ctx: Ctx, a: Announcement, kind: str, body: str,
                     next_at: datetime | None, names: list[str]) -> Text:
        """The post exactly as members see it; the author's words can't ping or format."""
        written = Text((UserText(body),))
        if kind == "incident":
            return self._say(ctx, "incident_post", text=written,
                             next=Timestamp(next_at or ctx.now))
        if kind == "update":
            return self._say(ctx, "update_post", text=written, next=Timestamp(next_at or ctx.now))
        if kind == "resolution":
            thanked = (self._say(ctx, "resolved_names", names=_names(names)) if names
                       else Text())
            return self._say(ctx, "resolved_post", text=written, names=thanked)
        return written

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _cfg(ctx: Ctx) -> AnnouncementsSettings:
        return ctx.settings.announcements

    @staticmethod
    def _tz(ctx: Ctx) -> tzinfo:
        return ctx.settings.community.timezone

    async def _find(self, ctx: Ctx, number: int) -> Announcement | None:
        found = await self.store.get(ctx.community, number)
        return None if found is None or found.state == CANCELLED else found

    def _say(self, ctx: Ctx, key: str, **fields: Any) -> Text:
        """A message of this feature's, by its key in `[announcements.messages]`."""
        return self.say(ctx, getattr(self._cfg(ctx).messages, key), **fields)

    def _too_long(self, event: CommandInvoked, ctx: Ctx, text: str) -> list[Action]:
        return self._reply(event, ctx, "too_long", length=f"{len(text):,}",
                           limit=f"{self._cfg(ctx).max_length:,}")

    def _reply(self, event: CommandInvoked, ctx: Ctx, key: str, **fields: Any) -> list[Action]:
        return self.reply(event, ctx, getattr(self._cfg(ctx).messages, key), **fields)


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1].rstrip() + "…"


def _names(names: list[str]) -> Text:
    """"ana, ben and cleo": names, never pings."""
    parts = [Text((UserText(n),)) for n in names]
    if len(parts) == 1:
        return parts[0]
    return Text.join(parts[:-1], ", ") + Text.of(" and ") + parts[-1]

