"""Feedback: members send ideas, problems, praise and questions; the team moves each through its
statuses, and the author and every supporter hear about each step.

Anonymous items keep no author id or name, only a keyed hash (see anonymity.py). The review
clock raises an item still new after `review_within` once, and a line lists the overdue ones
every `overdue_every`; both are stored jobs, so they keep their time across restarts.
"""

from __future__ import annotations

import logging
import os
import statistics
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot import tone
from bot.actions import Action, DirectMessage, EditPost, Post
from bot.cog import Cog, CommunityConfig, Context, Figures, Resolver, Services
from bot.commands import (
    CommandKind,
    CommandSpec,
    Option,
    OptionType,
    Refused,
    UsageError,
    command,
)
from bot.events import CommandInvoked, Community
from bot.permissions import Level
from bot.ports import Job
from bot.scheduler import JobHandler
from bot.templates import counted
from bot.text import ChannelLink, Text, Timestamp
from cogs.feedback import anonymity
from cogs.feedback.member_data import FeedbackData
from cogs.feedback.rules import (
    CLOSED,
    KINDS,
    REVIEW_WINDOW,
    SETTABLE,
    STATUSES,
    next_after,
    reviewed_in_time,
    usual_review_time,
)
from cogs.feedback.settings import FeedbackSettings
from cogs.feedback.store import FeedbackStore, Item, NewItem

log = logging.getLogger(__name__)

REVIEW = "feedback.review"
OVERDUE = "feedback.overdue"
YOU_SAID = "feedback.you_said"
MOD = Level.MODERATOR
# Text fields take up to the platforms' limit; the configured limits are checked by the cog so
# the member hears them in Hearth's own words.
TEXT_LIMIT = 4000
OPEN = ("new", "under-review", "planned", "in-progress")
# Each figure with what it means (community health shows the definition beside it).
DEFINITIONS = {
    "feedback_received": "Feedback items members sent in the span (anonymous ones included).",
    "feedback_reviewed_in_time": "Of those, how many the team first reviewed (changed their "
                                 "status) within feedback.review_within of being sent.",
    "feedback_median_first_review_seconds": "Median time from an item being sent to the "
                                            "team's first status change, for items sent "
                                            "and reviewed in the span.",
    "feedback_done": "Items moved to done in the span.",
    "feedback_declined": "Items declined in the span.",
}
FIGURES = tuple(DEFINITIONS)

NUMBER = Option("number", OptionType.INTEGER, "The feedback number, like 3", min_value=1)
SEND = CommandSpec(
    "feedback", "Send the team an idea, a problem, praise or a question.", (
        Option("kind", OptionType.CHOICE, "What it is", choices=KINDS),
        Option("title", OptionType.TEXT, "A short title", max_length=100),
        Option("text", OptionType.TEXT, "Tell us more", long=True, max_length=TEXT_LIMIT),
        Option("anonymous", OptionType.CHOICE, "Send it without your name", required=False,
               choices=("no", "yes")),
    ), kind=CommandKind.FORM)


class FeedbackConfig(CommunityConfig, Protocol):
    feedback: FeedbackSettings


Ctx = Context[FeedbackConfig]


def _cfg(ctx: Ctx) -> FeedbackSettings:
    return ctx.settings.feedback


def public_key(number: int) -> str:
    return f"feedback:{number}"


def team_key(number: int) -> str:
    return f"feedback-team:{number}"


def raise_key(number: int) -> str:
    return f"feedback-raised:{number}"


class FeedbackCog(Cog[FeedbackStore]):
    name = "feedback"
    settings = FeedbackSettings
    store_class = FeedbackStore

    def __init__(self, services: Services, store: FeedbackStore) -> None:
        super().__init__(services, store)
        self._key: bytes | None = None
        services.figures.append(Figures(FIGURES, self.figures, DEFINITIONS))

    def jobs(self) -> dict[str, JobHandler]:
        return {REVIEW: self.review_due, OVERDUE: self.overdue_line, YOU_SAID: self.you_said}

    async def start(self) -> list[Action]:
        await self._load_key()
        for community in await self.store.communities():
            await self._keep_you_said(self.services.context(community))
        return await self._finish_raises()

    async def _finish_raises(self) -> list[Action]:
        """Post any raise a crash cut off between marking it and posting it; forget the ones
        whose post is on record. (A crash after the post but before its record would repeat
        it: the one window left, as for contest announcements.)"""
        actions: list[Action] = []
        for community, item in await self.store.pending_raises():
            if await self.services.posts.find(community, raise_key(item.number)):
                await self.store.raise_posted(community, item.number)
                continue
            ctx = self.services.context(community)
            actions.append(self._raise_post(ctx, item))
        return actions

    def _raise_post(self, ctx: Ctx, item: Item) -> Post:
        return Post(ctx.community, ctx.channel(_cfg(ctx).team_channel), self._say(
            ctx, "review_overdue", **self._fields(ctx, item),
            waiting=ctx.now - item.created_at),
            key=raise_key(item.number))

    # -- helpers ----------------------------------------------------------------------------

    def _say(self, ctx: Ctx, key: str, **values: Any) -> Text:
        """A `[feedback.messages]` template by key (some keys are chosen, like to_author or
        to_author_duplicate)."""
        return self.say(ctx, getattr(_cfg(ctx).messages, key), **values)

    def _reply(self, event: CommandInvoked, ctx: Ctx, key: str, **values: Any
               ) -> list[Action]:
        return self.reply(event, ctx, getattr(_cfg(ctx).messages, key), **values)

    async def _load_key(self) -> bytes:
        if self._key is None:
            key = anonymity.env_key(os.environ)
            if key is None:
                log.warning("feedback: %s is not set, so anonymous authors' hashes use a key "
                            "kept in the database; see README, 'Anonymous feedback'",
                            anonymity.ENV_KEY)
                key = (await self.store.generated_key(anonymity.new_key())).encode()
            self._key = key
        return self._key

    async def _data_key(self, community: Community, user_id: str) -> str:
        # Data requests may come from the command line, where the feature never started.
        return anonymity.author_key(await self._load_key(), community, user_id)

    def member_data(self) -> FeedbackData:
        return FeedbackData(self.store.db, self._data_key)

    def _author_key(self, community: Community, user_id: str) -> str:
        assert self._key is not None, "feedback used before start()"
        return anonymity.author_key(self._key, community, user_id)

    def _fields(self, ctx: Ctx, item: Item) -> dict[str, Any]:
        return {"number": item.number, "title": item.title,
                "kind": _cfg(ctx).kind_labels[item.kind]}

    def _status(self, ctx: Ctx, item: Item) -> str:
        label = _cfg(ctx).status_labels[item.status]
        return f"{label} of #{item.duplicate_of}" if item.duplicate_of else label

    def _author(self, ctx: Ctx, item: Item) -> Text | str:
        if item.anonymous:
            return self._say(ctx, "anonymous_author")
        return item.author_name or ""

    def resolvers(self) -> dict[str, Resolver]:
        return {"number": self._item}

    async def _item(self, event: CommandInvoked, ctx: Ctx, number: int) -> Item:
        """The item a member named, or a refusal; members see only public items and their own."""
        item = await self.store.get(ctx.community, number)
        if item is None or not (ctx.level >= MOD or item.public or await self.store.is_author(
                ctx.community, number, self._author_key(ctx.community, event.actor.user_id))):
            raise Refused(self._reply(event, ctx, "unknown_item", number=number))
        return item

    async def usual_review_time(self, ctx: Ctx) -> timedelta:
        cfg = _cfg(ctx)
        waits = [reviewed - sent for sent, reviewed in
                 await self.store.review_waits(ctx.community, ctx.now - REVIEW_WINDOW)
                 if reviewed is not None]
        return usual_review_time(waits, cfg.review_time_fallback, cfg.review_time_min_items)

    def _heat(self, ctx: Ctx, text: str) -> str | None:
        wanted = set(_cfg(ctx).heat_signals)
        found = [s for s in tone.check(text) if s.kind in wanted]
        if not found:
            return None
        return "; ".join(f"{s.kind.replace('_', ' ')}: {', '.join(s.found)}" for s in found)

    # -- posts ------------------------------------------------------------------------------

    def _team_text(self, ctx: Ctx, item: Item) -> Text:
        heated = self._say(ctx, "team_heated", found=item.heated) if item.heated else ""
        return self._say(ctx, "team_item", **self._fields(ctx, item), text=item.body,
                         author=self._author(ctx, item), status=self._status(ctx, item),
                         supporters=counted(item.supporters, "supporter", "supporters"),
                         heated=heated, actions=self._say(ctx, "team_actions",
                                                          number=item.number))

    def _public_text(self, ctx: Ctx, item: Item) -> Text:
        hint = "" if item.status in CLOSED else self._say(ctx, "support_hint",
                                                          number=item.number)
        return self._say(ctx, "public_item", **self._fields(ctx, item), text=item.body,
                         author=self._author(ctx, item), status=self._status(ctx, item),
                         supporters=counted(item.supporters, "supporter", "supporters"),
                         support=hint)

    async def _refresh(self, ctx: Ctx, number: int) -> list[Action]:
        """Edit the item's posts to show where it stands now."""
        item = await self.store.get(ctx.community, number)
        assert item is not None
        cfg = _cfg(ctx)
        out: list[Action] = [EditPost(ctx.community, ctx.channel(cfg.team_channel),
                                      team_key(number), self._team_text(ctx, item))]
        if item.public:
            out.append(EditPost(ctx.community, ctx.channel(cfg.channel), public_key(number),
                                self._public_text(ctx, item)))
        return out

    # -- sending ------------------------------------------------------------------------------

    @command(SEND)
    async def send(self, event: CommandInvoked, ctx: Ctx, kind: str | None, title: str | None,
                   text: str | None, anonymous: str | None) -> list[Action]:
        cfg, actor, community = _cfg(ctx), event.actor, ctx.community
        # A form's fields may arrive empty (the core leaves that check to the form's owner).
        for name, given in (("kind", kind), ("title", title), ("text", text)):
            if not given:
                raise UsageError("missing_option", option=SEND.option(name))
        assert kind and title and text
        for what, value, limit in (("title", title, cfg.title_max), ("text", text, cfg.text_max)):
            if len(value) > limit:
                return self._reply(event, ctx, "too_long", what=what, length=len(value),
                                   limit=limit)
        hidden = anonymous == "yes"
        key = self._author_key(community, actor.user_id)
        since = ctx.now - cfg.rate_limit.per
        new = NewItem(kind=kind, title=title, body=text, anonymous=hidden,
                      author_id=None if hidden else actor.user_id,
                      author_name=None if hidden else actor.name, author_key=key,
                      public=kind in cfg.public_kinds, heated=self._heat(ctx, f"{title}\n{text}"),
                      created_at=ctx.now)
        async with self.store.transaction():
            number = await self.store.add(community, new, cfg.rate_limit.items, since)
            if number is not None:
                await self.services.scheduler.schedule(
                    REVIEW, f"{REVIEW}:{community.key}:{number}", community,
                    ctx.now + cfg.review_within, {"number": number})
        if number is None:
            oldest = await self.store.oldest_recent(community, key, since)
            return self._reply(event, ctx, "rate_limited",
                               limit=counted(cfg.rate_limit.items, "item", "items"),
                               per=cfg.rate_limit.per,
                               when=Timestamp((oldest or ctx.now) + cfg.rate_limit.per))
        await self._keep_you_said(ctx)
        item = await self.store.get(community, number)
        assert item is not None
        where = (self._say(ctx, "where_public", place=ChannelLink(ctx.channel(cfg.channel)))
                 if item.public else self._say(ctx, "where_team"))
        review_time = await self.usual_review_time(ctx)
        if hidden:
            reply = self._reply(event, ctx, "received_anonymous", **self._fields(ctx, item),
                                review_time=review_time, where=where)
        else:
            reply = self._reply(event, ctx, "received", **self._fields(ctx, item),
                                name=actor.name, review_time=review_time, where=where)
        posts: list[Action] = [Post(community, ctx.channel(cfg.team_channel),
                                    self._team_text(ctx, item), key=team_key(number))]
        if item.public:
            posts.append(Post(community, ctx.channel(cfg.channel), self._public_text(ctx, item),
                              key=public_key(number)))
        return [*reply, *posts]

    # -- supporting ---------------------------------------------------------------------------

    @command(CommandSpec("feedback support", "Support an idea (one per member; you can take it "
                         "back).", (NUMBER,)))
    async def support(self, event: CommandInvoked, ctx: Ctx, number: Item
                      ) -> list[Action]:
        item, actor, community = number, event.actor, ctx.community
        f = self._fields(ctx, item)
        if not item.public:
            return self._reply(event, ctx, "not_public", **f)
        if item.status == "duplicate":
            return self._reply(event, ctx, "cannot_support_duplicate", **f,
                               original=item.duplicate_of)
        if item.status in CLOSED:
            return self._reply(event, ctx, "cannot_support", **f,
                               status=self._status(ctx, item))
        if item.author_id == actor.user_id or await self.store.is_author(
                community, item.number, self._author_key(community, actor.user_id)):
            return self._reply(event, ctx, "own_item", **f)
        if not await self.store.support(community, item.number, actor.user_id, actor.name,
                                        ctx.now):
            return self._reply(event, ctx, "already_supported", **f)
        refreshed = await self._refresh(ctx, item.number)
        now = await self.store.get(community, item.number)
        assert now is not None
        return [*self._reply(event, ctx, "supported", **f,
                             supporters=counted(now.supporters, "supporter", "supporters")),
                *refreshed]

    @command(CommandSpec("feedback unsupport", "Take back your support for an idea.",
                         (NUMBER,)))
    async def unsupport(self, event: CommandInvoked, ctx: Ctx, number: Item
                        ) -> list[Action]:
        item = number
        f = self._fields(ctx, item)
        if not await self.store.unsupport(ctx.community, item.number, event.actor.user_id):
            return self._reply(event, ctx, "not_supported", **f)
        return [*self._reply(event, ctx, "unsupported", **f),
                *await self._refresh(ctx, item.number)]

    # -- looking ------------------------------------------------------------------------------

    @command(CommandSpec("feedback list", "See the open feedback, or one status.", (
        Option("status", OptionType.CHOICE, "Only this status", required=False,
               choices=STATUSES),)))
    async def listing(self, event: CommandInvoked, ctx: Ctx, status: str | None
                      ) -> list[Action]:
        cfg = _cfg(ctx)
        statuses = (status,) if status else OPEN
        shown = cfg.status_labels[status] if status else self._say(ctx, "listing_all")
        items = await self.store.listed(ctx.community, statuses, public_only=ctx.level < MOD)
        if not items:
            return self._reply(event, ctx, "listing_empty", status=shown)
        lines = [self._say(ctx, "listing_item", **self._fields(ctx, i),
                           status=self._status(ctx, i),
                           supporters=counted(i.supporters, "supporter", "supporters"))
                 for i in items]
        return self._reply(event, ctx, "listing", status=shown, items=Text.join(lines))

    @command(CommandSpec("feedback show", "See one feedback item and its history.", (NUMBER,)))
    async def show(self, event: CommandInvoked, ctx: Ctx, number: Item) -> list[Action]:
        item, cfg = number, _cfg(ctx)
        lines = [self._say(ctx, "show_history_line", status=cfg.status_labels[s.status],
                           when=s.at, reason=f": {s.reason}" if s.reason else "")
                 for s in await self.store.history(ctx.community, item.number)]
        if ctx.level >= MOD:
            lines += [self._say(ctx, "show_note_line", name=n.by_name, when=n.at, text=n.body)
                      for n in await self.store.notes(ctx.community, item.number)]
        return self._reply(event, ctx, "show", **self._fields(ctx, item), text=item.body,
                           author=self._author(ctx, item), status=self._status(ctx, item),
                           supporters=counted(item.supporters, "supporter", "supporters"),
                           history=Text.join(lines, ""))

    @command(CommandSpec("feedback mine", "See the feedback you've sent, anonymous items too."))
    async def mine(self, event: CommandInvoked, ctx: Ctx) -> list[Action]:
        items = await self.store.by_key(ctx.community,
                                        self._author_key(ctx.community, event.actor.user_id))
        if not items:
            return self._reply(event, ctx, "mine_empty")
        lines = [self._say(ctx, "mine_item", **self._fields(ctx, i), status=self._status(ctx, i),
                           supporters=counted(i.supporters, "supporter", "supporters"),
                           anonymous=self._say(ctx, "mine_anonymous") if i.anonymous else "")
                 for i in items]
        return self._reply(event, ctx, "mine", items=Text.join(lines))

    # -- the team -----------------------------------------------------------------------------

    @command(CommandSpec("feedback status", "Move feedback to a new status; its author and "
                         "supporters are told.", (
                             NUMBER,
                             Option("status", OptionType.CHOICE, "The new status",
                                    choices=SETTABLE),
                             Option("reason", OptionType.TEXT, "Why, written for the author "
                                    "(needed to decline)", required=False, long=True,
                                    max_length=1000)), MOD))
    async def set_status(self, event: CommandInvoked, ctx: Ctx, number: Item, status: str,
                         reason: str | None) -> list[Action]:
        item = number
        f = self._fields(ctx, item)
        if item.status == status:
            return self._reply(event, ctx, "status_same", **f, status=self._status(ctx, item))
        if status == "declined" and not reason:
            return self._reply(event, ctx, "reason_needed", **f)
        if not await self.store.move(ctx.community, item.number, item.status, status, reason,
                                     event.actor.user_id, event.actor.name, ctx.now):
            return self._reply(event, ctx, "status_same", **f, status=self._status(ctx, item))
        return await self._moved(event, ctx, item.number, reason)

    @command(CommandSpec("feedback duplicate", "Mark feedback as a duplicate; its supporters "
                         "are asked whether to move their support.", (
                             NUMBER, Option("of", OptionType.INTEGER, "The item it repeats",
                                            min_value=1)), MOD))
    async def duplicate(self, event: CommandInvoked, ctx: Ctx, number: Item, of: int
                        ) -> list[Action]:
        item = number
        f = self._fields(ctx, item)
        if of == item.number:
            return self._reply(event, ctx, "not_duplicate_of_itself", number=of)
        original = await self.store.get(ctx.community, of)
        if original is None:
            return self._reply(event, ctx, "unknown_item", number=of)
        if original.status == "duplicate":
            return self._reply(event, ctx, "duplicate_chain", number=item.number, original=of,
                               root=original.duplicate_of)
        if item.status == "duplicate":
            return self._reply(event, ctx, "status_same", **f, status=self._status(ctx, item))
        if not await self.store.move(ctx.community, item.number, item.status, "duplicate", None,
                                     event.actor.user_id, event.actor.name, ctx.now,
                                     duplicate_of=of):
            return self._reply(event, ctx, "status_same", **f, status=self._status(ctx, item))
        return await self._moved(event, ctx, item.number, None, original)

    async def _moved(self, event: CommandInvoked, ctx: Ctx, number: int,
                     reason: str | None, original: Item | None = None) -> list[Action]:
        """After a status change: tell the author and every supporter, refresh the posts."""
        community = ctx.community
        item = await self.store.get(community, number)
        assert item is not None
        await self.services.scheduler.cancel(f"{REVIEW}:{community.key}:{number}")
        f, status = self._fields(ctx, item), self._status(ctx, item)
        why = self._say(ctx, "reason_line", reason=reason) if reason else ""
        extra = ({"original": original.number, "original_title": original.title}
                 if original else {"status": status, "reason": why})
        suffix = "_duplicate" if original else ""
        dms: list[Action] = []
        if item.author_id:
            dms.append(self._dm(event, ctx, number, item.author_id, item.author_name or "",
                                self._say(ctx, "to_author" + suffix, **f,
                                          name=item.author_name, **extra)))
        supporters = await self.store.supporters(community, number)
        for s in supporters:
            if s.user_id != item.author_id:
                dms.append(self._dm(event, ctx, number, s.user_id, s.name, self._say(
                    ctx, "to_supporter" + suffix, **f, name=s.name, **extra)))
        count = counted(len(supporters), "supporter", "supporters")
        if item.anonymous:
            told = (self._say(ctx, "told_supporters", supporters=count) if supporters
                    else self._say(ctx, "told_nobody"))
        else:
            told = (self._say(ctx, "told_both", supporters=count) if supporters
                    else self._say(ctx, "told_author"))
        ack = self._reply(event, ctx, "status_done_ack", **f, status=status, told=told)
        return [*ack, *dms, *await self._refresh(ctx, number)]

    def _dm(self, event: CommandInvoked, ctx: Ctx, number: int, user_id: str, name: str,
            text: Text) -> DirectMessage:
        """A DM about an item; the moderator who moved it hears if it can't be delivered."""
        told = self._reply(event, ctx, "dm_undelivered", name=name, number=number)
        return DirectMessage(ctx.community, user_id, text, if_undelivered=tuple(told))

    @command(CommandSpec("feedback note", "Add an internal note to feedback (never sent).", (
        NUMBER, Option("text", OptionType.TEXT, "The note", long=True, max_length=TEXT_LIMIT)),
        MOD))
    async def note(self, event: CommandInvoked, ctx: Ctx, number: Item, text: str
                   ) -> list[Action]:
        await self.store.note(ctx.community, number.number, event.actor.user_id,
                              event.actor.name, text, ctx.now)
        return self._reply(event, ctx, "noted", **self._fields(ctx, number))

    @command(CommandSpec("feedback publish", "Show a problem, praise or question publicly, so "
                         "members can support it.", (NUMBER,), MOD))
    async def publish(self, event: CommandInvoked, ctx: Ctx, number: Item
                      ) -> list[Action]:
        cfg, f = _cfg(ctx), self._fields(ctx, number)
        if not await self.store.publish(ctx.community, number.number):
            return self._reply(event, ctx, "already_public", **f)
        item = await self.store.get(ctx.community, number.number)
        assert item is not None
        channel = ctx.channel(cfg.channel)
        return [Post(ctx.community, channel, self._public_text(ctx, item),
                     key=public_key(item.number)),
                *self._reply(event, ctx, "published", **f, place=ChannelLink(channel))]

    # -- the review clock ---------------------------------------------------------------------

    async def review_due(self, job: Job) -> list[Action]:
        """An item's review time passed: raise it with the team once if it is still new."""
        ctx = self.services.context(job.community)
        number = int(job.payload["number"])
        item = await self.store.get(job.community, number)
        if item is None or item.status != "new" or not await self.store.raise_once(
                job.community, number, ctx.now):
            return []
        cfg = _cfg(ctx)
        weekly = f"{OVERDUE}:{job.community.key}"
        if await self.services.scheduler.pending(weekly) is None:
            await self.services.scheduler.schedule(OVERDUE, weekly, job.community,
                                                   ctx.now + cfg.overdue_every)
        return [self._raise_post(ctx, item)]

    async def overdue_line(self, job: Job) -> list[Action]:
        """The weekly line of items still waiting; it repeats while any is overdue."""
        ctx = self.services.context(job.community)
        cfg = _cfg(ctx)
        waiting = await self.store.overdue(job.community, ctx.now - cfg.review_within)
        if not waiting:
            return []
        await self.services.scheduler.schedule(OVERDUE, job.key, job.community,
                                               next_after(job.due_at, cfg.overdue_every, ctx.now))
        items = Text.join([self._say(ctx, "overdue_weekly_item", number=i.number, title=i.title,
                                     waiting=ctx.now - i.created_at) for i in waiting], "; ")
        return [Post(job.community, ctx.channel(cfg.team_channel), self._say(
            ctx, "overdue_weekly", count=len(waiting), items=items))]

    # -- you said, we did ---------------------------------------------------------------------

    async def _keep_you_said(self, ctx: Ctx) -> None:
        cfg = _cfg(ctx).you_said_we_did
        key = f"{YOU_SAID}:{ctx.community.key}"
        if cfg.enabled and await self.services.scheduler.pending(key) is None:
            await self.services.scheduler.schedule(YOU_SAID, key, ctx.community,
                                                   ctx.now + cfg.every,
                                                   {"since": ctx.now.timestamp()})

    async def you_said(self, job: Job) -> list[Action]:
        ctx = self.services.context(job.community)
        cfg = _cfg(ctx)
        if not cfg.you_said_we_did.enabled:
            return []
        since = datetime.fromtimestamp(float(job.payload.get("since", 0)), job.due_at.tzinfo)
        done = await self.store.done_since(job.community, since, ctx.now)
        await self.services.scheduler.schedule(
            YOU_SAID, job.key, job.community,
            next_after(job.due_at, cfg.you_said_we_did.every, ctx.now),
            {"since": ctx.now.timestamp()})
        if not done:
            return []
        lines = [self._say(ctx, "you_said_we_did_item", number=i.number, title=i.title,
                           who=self._say(ctx, "you_said_anonymous") if i.anonymous
                           else i.author_name) for i in done]
        return [Post(job.community, ctx.channel(cfg.channel), self._say(
            ctx, "you_said_we_did", items=Text.join(lines), count=len(done)))]

    # -- figures for community health --------------------------------------------------------

    async def figures(self, community: Community, since: datetime, until: datetime
                      ) -> dict[str, float | None]:
        """Received, reviewed in time, median time to first review (seconds), done and
        declined, for items over [since, until)."""
        cfg: FeedbackSettings = self.services.config.for_community(community).feedback
        sent = [(s, r) for s, r in await self.store.review_waits(community, since) if s < until]
        waits = [(r - s).total_seconds() for s, r in sent if r is not None and r < until]
        return {
            "feedback_received": len(sent),
            "feedback_reviewed_in_time": sum(
                1 for s, r in sent if r is not None and r < until
                and reviewed_in_time(s, r, cfg.review_within)),
            "feedback_median_first_review_seconds": statistics.median(waits) if waits else None,
            "feedback_done": await self.store.moved_to(community, "done", since, until),
            "feedback_declined": await self.store.moved_to(community, "declined", since, until),
        }
