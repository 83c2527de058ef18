"""Contests: moderators run them, members enter and vote, Hearth closes them on time.

Closing is one conditional state change in storage; only the caller that made it announces, so
the winners are announced once whatever restarts, double-fired jobs or racing commands happen.
The same change marks the announcement pending; start-up finishes any close a crash cut short,
re-sending the winners' awards (recorded once) and posting an announcement that never went out
(a crash after the post but before its receipt is stored would repeat it: the one window left).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from bot.actions import Action, DirectMessage, Emit, Post, Respond
from bot.cog import Cog, Context, Services
from bot.commands import Command, CommandSpec, Option, OptionType
from bot.durations import format_duration
from bot.events import CommandInvoked, Community, MemberRef, Recognition
from bot.permissions import Level
from bot.ports import Job
from bot.scheduler import JobHandler
from bot.templates import counted
from bot.text import ChannelLink, Literal, Mention, Text, UserText
from cogs.contests import draw
from cogs.contests.settings import ContestsSettings
from cogs.contests.store import ContestRecord, ContestStore, EntryRecord, NewContest, WinnerRecord

log = logging.getLogger(__name__)

CLOSE = "contests.close"
REMIND = "contests.remind"
METHODS = ("votes", "draw", "pick")
YES_NO = ("yes", "no")
MOD = Level.MODERATOR

CONTEST = Option("contest", OptionType.INTEGER, "The contest number, like #3", min_value=1,
                 autocomplete=True)
ENTRY = Option("entry", OptionType.INTEGER, "The entry number, like 2", min_value=1)

SPECS = {
    "create": CommandSpec(
        "contest create", "Start a contest: members enter, and winners are chosen on time.", (
            Option("title", OptionType.TEXT, "A short name for the contest", max_length=100),
            Option("description", OptionType.TEXT, "What to share and what can be won",
                   max_length=1500, long=True),
            Option("closes", OptionType.DATETIME,
                   "When it closes: a duration like 3d or a date like 2026-12-24 18:00"),
            Option("method", OptionType.CHOICE, "How winners are chosen", choices=METHODS),
            Option("winners", OptionType.INTEGER, "How many winners", required=False,
                   min_value=1, max_value=25),
            Option("entries", OptionType.INTEGER, "Entries allowed per member", required=False,
                   min_value=1, max_value=25),
            Option("min_reputation", OptionType.INTEGER, "Reputation needed to enter",
                   required=False, min_value=0),
            Option("min_days", OptionType.INTEGER, "Days in the community needed to enter",
                   required=False, min_value=0, max_value=3650),
            Option("badge", OptionType.TEXT, "A badge needed to enter", required=False,
                   max_length=64),
            Option("review", OptionType.CHOICE, "Moderators approve entries first",
                   required=False, choices=YES_NO),
            Option("anonymous", OptionType.CHOICE, "Hide authors until it closes",
                   required=False, choices=YES_NO),
        ), MOD),
    "list": CommandSpec("contest list", "See the open contests and how long they have left."),
    "show": CommandSpec("contest show", "See a contest and its entries.", (CONTEST,)),
    "enter": CommandSpec("contest enter", "Enter a contest with some text or a link.", (
        CONTEST, Option("entry", OptionType.TEXT, "Your entry: some text or a link",
                        max_length=1000, long=True))),
    "withdraw": CommandSpec("contest withdraw", "Take back your entry while the contest is open.",
                            (CONTEST, Option("entry", OptionType.INTEGER,
                                             "Which of your entries, if you have several",
                                             required=False, min_value=1))),
    "vote": CommandSpec("contest vote", "Vote for an entry (one vote; you can change it).",
                        (CONTEST, ENTRY)),
    "close": CommandSpec("contest close", "Close a contest now and choose its winners.",
                         (CONTEST,), MOD),
    "cancel": CommandSpec("contest cancel", "Cancel a contest, telling members why.", (
        CONTEST, Option("reason", OptionType.TEXT, "Why, in a few words members will see",
                        max_length=500)), MOD),
    "reroll": CommandSpec("contest reroll", "Redraw one winner's place.", (
        CONTEST, Option("winner", OptionType.MEMBER, "The winner whose place is redrawn")), MOD),
    "pick": CommandSpec("contest pick", "Choose a winning entry (contests decided by moderators).",
                        (CONTEST, ENTRY), MOD),
    "approve": CommandSpec("contest approve", "Let an entry waiting for review into a contest.",
                           (CONTEST, ENTRY), MOD),
    "decline": CommandSpec("contest decline", "Turn down an entry, telling its author why.", (
        CONTEST, ENTRY, Option("reason", OptionType.TEXT, "Why; sent to them privately",
                               max_length=500)), MOD),
}
# Which contests autocomplete offers for each command.
SUGGEST = {"pick": ("judging", "closed"), "reroll": ("closed",), "show": ("open", "judging")}


def label(number: int) -> str:
    return f"#{number}"


class ContestsCog(Cog):
    name = "contests"
    settings = ContestsSettings
    store_class = ContestStore

    def __init__(self, services: Services, store: ContestStore) -> None:
        super().__init__(services, store)
        self.store: ContestStore = store
        self.repo = store

    def commands(self) -> list[Command]:
        handlers = {
            "create": self.create, "list": self.list_open, "show": self.show, "enter": self.enter,
            "withdraw": self.withdraw, "vote": self.vote, "close": self.close,
            "cancel": self.cancel, "reroll": self.reroll, "pick": self.pick,
            "approve": self.approve, "decline": self.decline,
        }
        out = []
        for key, spec in SPECS.items():
            suggest = self._suggester(SUGGEST.get(key, ("open",))) if spec.options else None
            out.append(Command(spec, handlers[key], autocomplete=suggest))
        return out

    def jobs(self) -> dict[str, JobHandler]:
        return {CLOSE: self.close_job, REMIND: self.remind_job}

    async def start(self) -> list[Action]:
        """Finish what a crash may have cut short after a close: the winners' awards are sent
        again (recorded once, so a repeat changes nothing) and the announcement is posted if
        it never went out; a delivered one is forgotten."""
        actions: list[Action] = []
        for community, contest in await self.repo.pending_announcements():
            ctx = self.services.context(community)
            winners = await self.repo.winners(community, contest.number)
            actions.extend(self._recognise(ctx, contest, w) for w in winners)
            if await self.services.posts.find(community, _announcement_key(contest)):
                await self.repo.announced(community, contest.number)
                continue
            log.info("announcing contest %s in %s: its announcement never went out",
                     label(contest.number), community.key)
            entries = await self.repo.entries(community, contest.number, "approved")
            if contest.state == "judging":
                actions.extend(self._judging(ctx, contest, entries))
            elif contest.state == "closed":
                actions.append(self._announcement(ctx, contest, entries, winners))
        return actions

    # -- helpers ----------------------------------------------------------------------------

    def _cfg(self, ctx: Context) -> ContestsSettings:
        return ctx.settings.contests

    def _say(self, ctx: Context, key: str, **values: Any) -> Text:
        variants = getattr(self._cfg(ctx).messages, key)
        return variants.render(self.services.rng, ctx.channels, **values)

    def _reply(self, event: CommandInvoked, ctx: Context, key: str, **values: Any
               ) -> list[Action]:
        return [Respond(event.community, event.actor.user_id, self._say(ctx, key, **values))]

    def _post(self, ctx: Context, channel_key: str, text: Text, key: str | None = None) -> Post:
        return Post(ctx.community, ctx.channel(channel_key), text, key=key)

    @staticmethod
    def _c(contest: ContestRecord) -> dict[str, Any]:
        return {"contest": label(contest.number), "title": contest.title}

    def _rule(self, ctx: Context, method: str) -> Text:
        return self._say(ctx, f"rule_{method}")

    def _take_part(self, ctx: Context, contest: ContestRecord) -> Text:
        key = "take_part_votes" if contest.method == "votes" else "take_part"
        return self._say(ctx, key, contest=label(contest.number))

    def _suggester(self, states: tuple[str, ...]) -> Any:
        async def suggest(ctx: Context, option: str, partial: str) -> list[tuple[str, str]]:
            if option != "contest":
                return []
            wanted = partial.strip().lstrip("#").lower()
            out = []
            for c in await self.repo.with_state(ctx.community, *states):
                if wanted and wanted not in str(c.number) and wanted not in c.title.lower():
                    continue
                left = c.closes_at - ctx.now
                when = f"closes in {format_duration(left)}" if c.state == "open" else c.state
                out.append((f"#{c.number} {c.title} ({when})"[:100], str(c.number)))
            return out[:25]
        return suggest

    async def _contest(self, event: CommandInvoked, ctx: Context, number: int
                       ) -> tuple[ContestRecord | None, list[Action]]:
        found = await self.repo.get(ctx.community, number)
        if found is None:
            return None, self._reply(event, ctx, "unknown_contest", contest=label(number))
        return found, []

    def _accepting(self, contest: ContestRecord, now: datetime) -> bool:
        # A deadline can pass while Hearth is down; the contest is closed either way.
        return contest.state == "open" and now < contest.closes_at

    async def _days_here(self, community: Community, user_id: str, now: datetime
                         ) -> tuple[timedelta, datetime]:
        record = await self.services.members.get(community, user_id)
        since = record.first_joined if record is not None else now
        return now - since, since

    # -- creating -----------------------------------------------------------------------------

    async def create(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                     ) -> list[Action]:
        cfg = self._cfg(ctx)
        closes: datetime = args["closes"]
        yes = {"yes": True, "no": False}
        new = NewContest(
            title=args["title"], description=args["description"],
            created_by=event.actor.user_id, created_at=ctx.now, closes_at=closes,
            method=args["method"], winners=args["winners"] or cfg.winners,
            entries_per_member=args["entries"] or cfg.entries_per_member,
            min_reputation=args["min_reputation"] or 0, min_days=args["min_days"] or 0,
            badge=(args["badge"] or "").strip() or None,
            review=yes[args["review"]] if args["review"] else cfg.review_entries,
            anonymous=yes[args["anonymous"]] if args["anonymous"] else cfg.anonymous_voting,
            # Sealed now, revealed at close: nobody can steer the draw by timing or entries.
            secret=f"{self.services.rng.getrandbits(128):032x}",
        )
        async with self.repo.transaction(ctx.community.key):
            number = await self.repo.create(ctx.community, new)
            key = f"{ctx.community.key}:{number}"
            await self.services.scheduler.schedule(CLOSE, f"{CLOSE}:{key}", ctx.community,
                                                   closes, {"contest": number})
            remind_at = closes - cfg.remind_before
            if cfg.remind and remind_at > ctx.now:
                await self.services.scheduler.schedule(REMIND, f"{REMIND}:{key}", ctx.community,
                                                       remind_at, {"contest": number})
        contest = await self.repo.get(ctx.community, number)
        assert contest is not None
        announcement = self._say(
            ctx, "created", **self._c(contest), description=contest.description,
            rule=self._rule(ctx, contest.method), take_part=self._take_part(ctx, contest),
            closes=closes,
            requirements=self._requirements(ctx, contest), seal=draw.seal(contest.secret))
        return [
            self._post(ctx, cfg.channel, announcement),
            *self._reply(event, ctx, "created_ack", **self._c(contest), closes=closes,
                         where=ChannelLink(ctx.channel(cfg.channel))),
        ]

    def _requirements(self, ctx: Context, contest: ContestRecord) -> Text:
        parts = []
        if contest.min_days:
            parts.append(self._say(ctx, "requirement_days",
                                    days=counted(contest.min_days, "day", "days")))
        if contest.min_reputation:
            parts.append(self._say(ctx, "requirement_reputation", points=contest.min_reputation))
        if contest.badge:
            parts.append(self._say(ctx, "requirement_badge", badge=contest.badge))
        if not parts:
            return Text()
        listed = Text.join(parts[:-1], ", ") + Text.of(" and ") + parts[-1] if len(parts) > 1 \
            else parts[0]
        return self._say(ctx, "requirements", list=listed)

    # -- looking ------------------------------------------------------------------------------

    async def list_open(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                   ) -> list[Action]:
        cfg = self._cfg(ctx)
        open_now = [c for c in await self.repo.with_state(ctx.community, "open")
                    if self._accepting(c, ctx.now)]
        if not open_now:
            return self._reply(event, ctx, "listing_empty",
                               where=ChannelLink(ctx.channel(cfg.channel)))
        items = []
        for c in open_now:
            entries = await self.repo.entries(ctx.community, c.number, "approved")
            method = self._say(ctx, f"method_{c.method}")
            items.append(self._say(ctx, "listing_item", **self._c(c), closes=c.closes_at,
                                   entries=counted(len(entries), "entry", "entries"),
                                   method=method))
        return self._reply(event, ctx, "listing", contests=Text.join(items))

    async def show(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                   ) -> list[Action]:
        contest, refusal = await self._contest(event, ctx, args["contest"])
        if contest is None:
            return refusal
        community, is_mod = ctx.community, ctx.level >= MOD
        statuses = ("approved", "pending") if is_mod else ("approved",)
        reveal = is_mod or not contest.anonymous or contest.state in ("closed", "judging")
        lines = []
        for e in await self.repo.entries(community, contest.number, *statuses):
            if e.status == "pending":
                lines.append(self._say(ctx, "show_entry_pending", entry=e.number, name=e.name,
                                       content=e.content))
            elif reveal:
                lines.append(self._say(ctx, "show_entry", entry=e.number, name=e.name,
                                       content=e.content))
            else:
                lines.append(self._say(ctx, "show_entry_anonymous", entry=e.number,
                                       content=e.content))
        if lines and not reveal:
            lines.append(self._say(ctx, "show_hidden_authors"))
        entries = Text.join(lines) if lines else self._say(ctx, "show_no_entries")
        return self._reply(event, ctx, "show", **self._c(contest),
                           description=contest.description, rule=self._rule(ctx, contest.method),
                           status=await self._status(ctx, contest), entries=entries)

    async def _status(self, ctx: Context, contest: ContestRecord) -> Text:
        if contest.state == "cancelled":
            return self._say(ctx, "status_cancelled", reason=contest.cancel_reason or "")
        if contest.state == "judging":
            return self._say(ctx, "status_judging")
        if contest.state == "open" and not self._accepting(contest, ctx.now):
            return self._say(ctx, "status_closing")
        if contest.state == "open":
            return self._say(ctx, "status_open", closes=contest.closes_at)
        winners = await self.repo.winners(ctx.community, contest.number)
        if not winners:
            return self._say(ctx, "status_closed_none")
        return self._say(ctx, "status_closed", winners=self._winner_list(ctx, contest, winners,
                                                                         mention=False))

    # -- entering -----------------------------------------------------------------------------

    async def enter(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                    ) -> list[Action]:
        contest, refusal = await self._contest(event, ctx, args["contest"])
        if contest is None:
            return refusal
        c, actor, community = self._c(contest), event.actor, ctx.community
        if not self._accepting(contest, ctx.now):
            return self._reply(event, ctx, "contest_not_open", **c)
        refusal = await self._requirement_refusal(event, ctx, contest)
        if refusal:
            return refusal
        status = "pending" if contest.review else "approved"
        async with self.repo.transaction(ctx.community.key):
            # Checked again inside the write, so a racing close or a double send can't slip by.
            current = await self.repo.get(community, contest.number)
            if current is None or not self._accepting(current, ctx.now):
                return self._reply(event, ctx, "contest_not_open", **c)
            mine = await self.repo.entries_by(community, contest.number, actor.user_id)
            if len(mine) >= contest.entries_per_member:
                return self._reply(event, ctx, "entry_limit", **c, name=actor.name,
                                   limit=contest.entries_per_member)
            number = await self.repo.add_entry(community, contest.number, actor.user_id,
                                               actor.name, args["entry"], ctx.now, status)
        cfg = self._cfg(ctx)
        if status == "pending":
            return [
                *self._reply(event, ctx, "entered_pending", **c, entry=number, name=actor.name),
                self._post(ctx, cfg.mod_channel, self._say(
                    ctx, "review_needed", **c, entry=number, name=actor.name,
                    content=args["entry"])),
            ]
        return [*self._reply(event, ctx, "entered", **c, entry=number, name=actor.name,
                             closes=contest.closes_at),
                *self._entry_post(ctx, contest, number, actor.name, args["entry"])]

    def _entry_post(self, ctx: Context, contest: ContestRecord, number: int, name: str,
                    content: str) -> list[Action]:
        cfg = self._cfg(ctx)
        if not cfg.post_entries:
            return []
        if contest.anonymous:
            text = self._say(ctx, "entry_posted_anonymous", **self._c(contest), entry=number,
                             content=content)
        else:
            text = self._say(ctx, "entry_posted", **self._c(contest), entry=number, name=name,
                             content=content)
        return [self._post(ctx, cfg.channel, text)]

    async def _requirement_refusal(self, event: CommandInvoked, ctx: Context,
                                   contest: ContestRecord) -> list[Action]:
        c, actor = self._c(contest), event.actor
        if contest.min_days:
            here, since = await self._days_here(ctx.community, actor.user_id, ctx.now)
            if here < timedelta(days=contest.min_days):
                return self._reply(event, ctx, "need_days", **c, name=actor.name,
                                   days=counted(contest.min_days, "day", "days"),
                                   when=since + timedelta(days=contest.min_days))
        if contest.min_reputation or contest.badge:
            standing = await self.services.standing(ctx.community, actor.user_id)
            if standing.points < contest.min_reputation:
                return self._reply(event, ctx, "need_reputation", **c, name=actor.name,
                                   points=contest.min_reputation, have=standing.points)
            badges = {b.lower() for b in standing.badges}
            if contest.badge and contest.badge.lower() not in badges:
                return self._reply(event, ctx, "need_badge", **c, name=actor.name,
                                   badge=contest.badge)
        return []

    async def withdraw(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                       ) -> list[Action]:
        contest, refusal = await self._contest(event, ctx, args["contest"])
        if contest is None:
            return refusal
        c, actor = self._c(contest), event.actor
        if not self._accepting(contest, ctx.now):
            return self._reply(event, ctx, "contest_not_open", **c)
        mine = await self.repo.entries_by(ctx.community, contest.number, actor.user_id)
        if args["entry"] is not None:
            mine = [e for e in mine if e.number == args["entry"]]
        if not mine:
            return self._reply(event, ctx, "nothing_to_withdraw", **c, name=actor.name)
        if len(mine) > 1:
            return self._reply(event, ctx, "which_entry", **c,
                               entries=", ".join(str(e.number) for e in mine))
        entry = mine[0]
        if not await self.repo.set_entry_status(ctx.community, contest.number, entry.number,
                                                entry.status, "withdrawn"):
            return self._reply(event, ctx, "nothing_to_withdraw", **c, name=actor.name)
        return self._reply(event, ctx, "withdrawn", **c, entry=entry.number, name=actor.name)

    # -- voting -------------------------------------------------------------------------------

    async def vote(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                   ) -> list[Action]:
        contest, refusal = await self._contest(event, ctx, args["contest"])
        if contest is None:
            return refusal
        c, actor, community = self._c(contest), event.actor, ctx.community
        if not self._accepting(contest, ctx.now):
            return self._reply(event, ctx, "contest_not_open", **c)
        if contest.method != "votes":
            return self._reply(event, ctx, "no_voting", **c, rule=self._rule(ctx, contest.method))
        entry = await self.repo.entry(community, contest.number, args["entry"])
        if entry is None or entry.status != "approved":
            return self._reply(event, ctx, "unknown_entry", **c, entry=args["entry"])
        if entry.user_id == actor.user_id:
            return self._reply(event, ctx, "own_entry", **c, name=actor.name)
        need = self._cfg(ctx).min_days_to_vote
        if need:
            here, since = await self._days_here(community, actor.user_id, ctx.now)
            if here < timedelta(days=need):
                return self._reply(event, ctx, "vote_too_new", **c, name=actor.name,
                                   days=counted(need, "day", "days"),
                                   when=since + timedelta(days=need))
        async with self.repo.transaction(ctx.community.key):
            current = await self.repo.get(community, contest.number)
            still = await self.repo.entry(community, contest.number, entry.number)
            if current is None or not self._accepting(current, ctx.now):
                return self._reply(event, ctx, "contest_not_open", **c)
            if still is None or still.status != "approved":
                return self._reply(event, ctx, "unknown_entry", **c, entry=entry.number)
            previous = await self.repo.vote_of(community, contest.number, actor.user_id)
            if previous == entry.number:
                return self._reply(event, ctx, "vote_same", **c, entry=entry.number,
                                   name=actor.name)
            await self.repo.vote(community, contest.number, actor.user_id, entry.number, ctx.now)
        if previous is None:
            return self._reply(event, ctx, "voted", **c, entry=entry.number, name=actor.name,
                               closes=contest.closes_at)
        return self._reply(event, ctx, "vote_changed", **c, entry=entry.number,
                           previous=previous, name=actor.name, closes=contest.closes_at)

    # -- review -------------------------------------------------------------------------------

    async def _review(self, event: CommandInvoked, ctx: Context, args: dict[str, Any],
                      outcome: str
                      ) -> tuple[ContestRecord | None, EntryRecord | None, list[Action]]:
        """Move a waiting entry to `outcome`; the contest and entry, or the refusal."""
        contest, refusal = await self._contest(event, ctx, args["contest"])
        if contest is None:
            return None, None, refusal
        c = self._c(contest)
        if not self._accepting(contest, ctx.now):
            return None, None, self._reply(event, ctx, "contest_not_open", **c)
        entry = await self.repo.entry(ctx.community, contest.number, args["entry"])
        if entry is None:
            return None, None, self._reply(event, ctx, "unknown_entry", **c, entry=args["entry"])
        if entry.status != "pending" or not await self.repo.set_entry_status(
                ctx.community, contest.number, entry.number, "pending", outcome):
            return None, None, self._reply(event, ctx, "not_pending", **c, entry=entry.number)
        return contest, entry, []

    async def approve(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                      ) -> list[Action]:
        contest, entry, refusal = await self._review(event, ctx, args, "approved")
        if contest is None or entry is None:
            return refusal
        c = self._c(contest)
        dm = DirectMessage(ctx.community, entry.user_id, self._say(
            ctx, "approved", **c, entry=entry.number, name=entry.name))
        return [*self._reply(event, ctx, "approved_ack", **c, entry=entry.number,
                             name=entry.name), dm,
                *self._entry_post(ctx, contest, entry.number, entry.name, entry.content)]

    async def decline(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                      ) -> list[Action]:
        contest, entry, refusal = await self._review(event, ctx, args, "declined")
        if contest is None or entry is None:
            return refusal
        c = self._c(contest)
        undelivered = Respond(ctx.community, event.actor.user_id,
                              self._say(ctx, "declined_undelivered", name=entry.name))
        dm = DirectMessage(ctx.community, entry.user_id, self._say(
            ctx, "declined", **c, entry=entry.number, name=entry.name, reason=args["reason"],
            closes=contest.closes_at), if_undelivered=(undelivered,))
        return [*self._reply(event, ctx, "declined_ack", **c, entry=entry.number,
                             name=entry.name), dm]

    # -- closing ------------------------------------------------------------------------------

    async def close(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                    ) -> list[Action]:
        contest, refusal = await self._contest(event, ctx, args["contest"])
        if contest is None:
            return refusal
        announced = await self._close(ctx, contest.number)
        if announced is None:
            return self._reply(event, ctx, "contest_not_open", **self._c(contest))
        return [*announced, *self._reply(event, ctx, "closed_ack", **self._c(contest),
                                         where=ChannelLink(ctx.channel(self._cfg(ctx).channel)))]

    async def close_job(self, job: Job) -> list[Action]:
        ctx = self.services.context(job.community)
        return await self._close(ctx, int(job.payload["contest"])) or []

    async def remind_job(self, job: Job) -> list[Action]:
        ctx = self.services.context(job.community)
        contest = await self.repo.get(ctx.community, int(job.payload["contest"]))
        if contest is None or not self._accepting(contest, ctx.now):
            return []
        entries = await self.repo.entries(ctx.community, contest.number, "approved")
        text = self._say(ctx, "reminder", **self._c(contest), closes=contest.closes_at,
                         entries=counted(len(entries), "entry", "entries"),
                         take_part=self._take_part(ctx, contest))
        return [self._post(ctx, self._cfg(ctx).channel, text)]

    async def _close(self, ctx: Context, number: int) -> list[Action] | None:
        """Close a contest; the announcement for the one caller that closed it, else None."""
        community = ctx.community
        key = f"{community.key}:{number}"
        async with self.repo.transaction(ctx.community.key):
            contest = await self.repo.get(community, number)
            if contest is None or contest.state != "open":
                return None
            # Entries stopped at the deadline, even if Hearth was down and closes it later.
            at = min(ctx.now, contest.closes_at)
            entries = await self.repo.entries(community, number, "approved")
            seed_input = draw.seed_input(community.key, number, at,
                                         [e.number for e in entries], contest.secret)
            judging = contest.method == "pick" and bool(entries)
            if not await self.repo.transition(community, number, "open",
                                              "judging" if judging else "closed", at,
                                              seed_input=seed_input):
                return None
            if not judging:
                chosen = self._ranked(contest, entries, await self.repo.vote_counts(
                    community, number), seed_input)
                by_entry = {e.number: e for e in entries}
                for candidate in draw.choose(chosen, contest.winners):
                    await self.repo.add_winner(
                        community, number, by_entry[candidate.entry],
                        candidate.votes if contest.method == "votes" else None, at)
            await self.services.scheduler.cancel(f"{CLOSE}:{key}")
            await self.services.scheduler.cancel(f"{REMIND}:{key}")
        contest = await self.repo.get(community, number)
        assert contest is not None
        if judging:
            return self._judging(ctx, contest, entries)
        return await self._announce(ctx, contest, entries)

    def _judging(self, ctx: Context, contest: ContestRecord, entries: list[EntryRecord]
                 ) -> list[Action]:
        cfg, c = self._cfg(ctx), self._c(contest)
        count = counted(len(entries), "entry", "entries")
        return [
            self._post(ctx, cfg.channel, self._say(ctx, "judging", **c, entries=count),
                       key=_announcement_key(contest)),
            self._post(ctx, cfg.mod_channel, self._say(
                ctx, "pick_needed", **c, entries=count,
                winners=counted(contest.winners, "winner", "winners"))),
        ]

    @staticmethod
    def _ranked(contest: ContestRecord, entries: list[EntryRecord], votes: dict[int, int],
                seed_input: str) -> list[draw.Candidate]:
        pool = draw.candidates([(e.number, e.user_id) for e in entries], votes)
        return draw.order(draw.sha256(seed_input), pool, by_votes=contest.method == "votes")

    async def _announce(self, ctx: Context, contest: ContestRecord,
                        entries: list[EntryRecord]) -> list[Action]:
        """The winners' announcement and their awards."""
        winners = await self.repo.winners(ctx.community, contest.number)
        return [self._announcement(ctx, contest, entries, winners),
                *(self._recognise(ctx, contest, w) for w in winners)]

    def _announcement(self, ctx: Context, contest: ContestRecord, entries: list[EntryRecord],
                      winners: list[WinnerRecord]) -> Post:
        cfg, c, key = self._cfg(ctx), self._c(contest), _announcement_key(contest)
        if not winners:
            return self._post(ctx, cfg.channel, self._say(ctx, "closed_no_entries", **c), key)
        text = self._say(
            ctx, "closed", **c, entries=counted(len(entries), "entry", "entries"),
            entrants=counted(len({e.user_id for e in entries}), "member", "members"),
            winners=self._winner_list(ctx, contest, winners, mention=True), award=cfg.award,
            rule=self._rule(ctx, contest.method), audit=self._audit(ctx, contest))
        return self._post(ctx, cfg.channel, _trim(text), key)

    def _audit(self, ctx: Context, contest: ContestRecord) -> Text:
        if contest.method == "pick" or not contest.seed_input:
            return Text()
        return self._say(ctx, "audit", seed=draw.sha256(contest.seed_input),
                         seed_input=contest.seed_input, secret=contest.secret)

    def _winner_list(self, ctx: Context, contest: ContestRecord, winners: list[WinnerRecord],
                     *, mention: bool) -> Text:
        parts = []
        for w in winners:
            who = Mention(w.user_id, w.name) if mention else UserText(w.name)
            if contest.method == "votes":
                parts.append(self._say(ctx, "winner_votes", member=who, entry=w.entry,
                                       votes=w.votes or 0))
            else:
                parts.append(self._say(ctx, "winner", member=who, entry=w.entry))
        if len(parts) == 1:
            return parts[0]
        return Text.join(parts[:-1], ", ") + Text.of(" and ") + parts[-1]

    def _recognise(self, ctx: Context, contest: ContestRecord, winner: WinnerRecord) -> Emit:
        return Emit(ctx.community, Recognition(
            ctx.community, ctx.now, user_id=winner.user_id, name=winner.name,
            source="contest_win", points=self._cfg(ctx).award,
            reason=f"won contest {label(contest.number)}", once=True))

    async def cancel(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                     ) -> list[Action]:
        contest, refusal = await self._contest(event, ctx, args["contest"])
        if contest is None:
            return refusal
        c, key = self._c(contest), f"{ctx.community.key}:{contest.number}"
        async with self.repo.transaction(ctx.community.key):
            moved = False
            for state in ("open", "judging"):
                moved = moved or await self.repo.transition(
                    ctx.community, contest.number, state, "cancelled", ctx.now,
                    reason=args["reason"])
            if not moved:
                return self._reply(event, ctx, "contest_not_open", **c)
            await self.services.scheduler.cancel(f"{CLOSE}:{key}")
            await self.services.scheduler.cancel(f"{REMIND}:{key}")
        return [self._post(ctx, self._cfg(ctx).channel,
                           self._say(ctx, "cancelled", **c, reason=args["reason"])),
                *self._reply(event, ctx, "cancelled_ack", **c)]

    # -- after closing: picks and redraws ----------------------------------------------------

    async def pick(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                   ) -> list[Action]:
        contest, refusal = await self._contest(event, ctx, args["contest"])
        if contest is None:
            return refusal
        c, community = self._c(contest), ctx.community
        async with self.repo.transaction(ctx.community.key):
            contest = await self.repo.get(community, contest.number)
            assert contest is not None
            current = await self.repo.winners(community, contest.number)
            every = await self.repo.winners(community, contest.number, include_replaced=True)
            entries = await self.repo.entries(community, contest.number, "approved")
            wanted = min(contest.winners, len({e.user_id for e in entries}))
            if contest.method != "pick" or contest.state not in ("judging", "closed") \
                    or len(current) >= wanted:
                return self._reply(event, ctx, "not_judging", **c)
            entry = next((e for e in entries if e.number == args["entry"]), None)
            if entry is None:
                return self._reply(event, ctx, "unknown_entry", **c, entry=args["entry"])
            if entry.user_id in {w.user_id for w in every}:
                return self._reply(event, ctx, "already_won", **c, name=entry.name)
            await self.repo.add_winner(community, contest.number, entry, None, ctx.now)
            remaining = wanted - len(current) - 1
            finished = contest.state == "judging" and remaining == 0 and \
                await self.repo.transition(community, contest.number, "judging", "closed",
                                           ctx.now)
        ack = self._reply(event, ctx, "picked_ack", **c, entry=entry.number, name=entry.name,
                          remaining=remaining)
        if finished:
            closed = await self.repo.get(community, contest.number)
            assert closed is not None
            return [*await self._announce(ctx, closed, entries), *ack]
        if contest.state == "closed":
            # A place freed by a redraw: announce just the new winner.
            winner = (await self.repo.winners(community, contest.number))[-1]
            text = self._say(ctx, "picked_late", **c, member=Mention(entry.user_id, entry.name),
                             entry=entry.number, award=self._cfg(ctx).award)
            return [self._post(ctx, self._cfg(ctx).channel, text),
                    self._recognise(ctx, contest, winner), *ack]
        return ack

    async def reroll(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                     ) -> list[Action]:
        contest, refusal = await self._contest(event, ctx, args["contest"])
        if contest is None:
            return refusal
        c, community, who = self._c(contest), ctx.community, args["winner"]
        assert isinstance(who, MemberRef)
        name = who.name or who.user_id
        async with self.repo.transaction(ctx.community.key):
            contest = await self.repo.get(community, contest.number)
            assert contest is not None
            if contest.state != "closed":
                return self._reply(event, ctx, "not_closed", **c)
            current = await self.repo.winners(community, contest.number)
            if who.user_id not in {w.user_id for w in current}:
                return self._reply(event, ctx, "not_a_winner", **c, name=name)
            if contest.method == "pick":
                await self.repo.replace_winner(community, contest.number, who.user_id, ctx.now)
                return self._reply(event, ctx, "redraw_pick", **c, name=name)
            every = await self.repo.winners(community, contest.number, include_replaced=True)
            entries = await self.repo.entries(community, contest.number, "approved")
            # Ranked exactly as at closing: the same seed and the votes as they stood then.
            ranked = self._ranked(contest, entries, await self.repo.vote_counts(
                community, contest.number), contest.seed_input or "")
            found = draw.choose(ranked, 1, exclude={w.user_id for w in every})
            if not found:
                return self._reply(event, ctx, "nobody_left", **c)
            await self.repo.replace_winner(community, contest.number, who.user_id, ctx.now)
            entry = next(e for e in entries if e.number == found[0].entry)
            votes = found[0].votes if contest.method == "votes" else None
            await self.repo.add_winner(community, contest.number, entry, votes, ctx.now)
        winner = (await self.repo.winners(community, contest.number))[-1]
        text = self._say(ctx, "redrawn", **c, member=Mention(entry.user_id, entry.name),
                         entry=entry.number, award=self._cfg(ctx).award,
                         rule=self._say(ctx, "rule_redraw"), audit=self._audit(ctx, contest))
        return [self._post(ctx, self._cfg(ctx).channel, _trim(text)),
                self._recognise(ctx, contest, winner),
                *self._reply(event, ctx, "redrawn_ack", **c,
                             where=ChannelLink(ctx.channel(self._cfg(ctx).channel)))]


def _trim(text: Text) -> Text:
    """Drop trailing blank lines left by an empty optional part (no audit for picks)."""
    segments = list(text.segments)
    while segments and isinstance(segments[-1], Literal) and not segments[-1].text.strip():
        segments.pop()
    if segments and isinstance(segments[-1], Literal):
        segments[-1] = Literal(segments[-1].text.rstrip())
    return Text(tuple(segments))


def _announcement_key(contest: ContestRecord) -> str:
    """The posted-message key that shows a contest's latest announcement was delivered."""
    return f"contest:{contest.number}:{contest.state}"
