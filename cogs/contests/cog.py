"""Contests: moderators run them, members enter and vote, Hearth closes them on time.

Closing is one conditional state change in storage; only the caller that made it announces, so
the winners are announced once whatever restarts, double-fired jobs or racing commands happen.
The close, the winners' awards (the Recognition they emit) and the announcement commit as one
unit of work with the runtime's outbox, which delivers the announcement at least once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.actions import Action, DirectMessage, Emit, Respond
from bot.cog import Cog, Resolver, Services
from bot.commands import CommandSpec, Option, OptionType, Refused, command
from bot.durations import format_duration
from bot.events import CommandInvoked, Community, MemberRef, Recognition, Withdrawn
from bot.permissions import Level
from bot.ports import Job
from bot.scheduler import JobHandler
from bot.templates import counted
from bot.text import ChannelLink, Mention, Text
from cogs.contests import draw
from cogs.contests.member_data import ContestsData
from cogs.contests.rules import (
    accepting,
    label,
    places_to_fill,
    ranked,
)
from cogs.contests.settings import ContestsSettings
from cogs.contests.store import ContestRecord, ContestStore, EntryRecord, NewContest, WinnerRecord
from cogs.contests.texts import ContestTexts, Ctx, trim

log = logging.getLogger(__name__)

CLOSE = "contests.close"
REMIND = "contests.remind"
METHODS = ("votes", "draw", "pick")
YES_NO = ("yes", "no")
MOD = Level.MODERATOR
# The Recognition a win gives, and what names it so a redraw can take it back.
WIN = "contest_win"


def _won(contest: ContestRecord) -> str:
    return f"won contest {label(contest.number)}"


CONTEST = Option("contest", OptionType.INTEGER, "The contest number, like #3", min_value=1,
                 autocomplete=True)
ENTRY = Option("entry", OptionType.INTEGER, "The entry number, like 2", min_value=1)


class ContestsCog(Cog[ContestStore]):
    name = "contests"
    settings = ContestsSettings
    store_class = ContestStore

    def __init__(self, services: Services, store: ContestStore) -> None:
        super().__init__(services, store)
        self.texts = ContestTexts(self.say)

    def member_data(self) -> ContestsData:
        return ContestsData(self.store.db)

    def jobs(self) -> dict[str, JobHandler]:
        return {CLOSE: self.close_job, REMIND: self.remind_job}

    # -- helpers ----------------------------------------------------------------------------

    def _cfg(self, ctx: Ctx) -> ContestsSettings:
        return ctx.settings.contests

    async def _suggest(self, ctx: Ctx, option: str, partial: str,
                       states: tuple[str, ...]) -> list[tuple[str, str]]:
        if option != "contest":
            return []
        wanted = partial.strip().lstrip("#").lower()
        out = []
        for c in await self.store.with_state(ctx.community, *states):
            if wanted and wanted not in str(c.number) and wanted not in c.title.lower():
                continue
            left = c.closes_at - ctx.now
            when = f"closes in {format_duration(left)}" if c.state == "open" else c.state
            out.append((f"#{c.number} {c.title} ({when})"[:100], str(c.number)))
        return out[:25]

    async def suggest_open(self, ctx: Ctx, option: str, partial: str
                           ) -> list[tuple[str, str]]:
        return await self._suggest(ctx, option, partial, ("open",))

    async def suggest_visible(self, ctx: Ctx, option: str, partial: str
                              ) -> list[tuple[str, str]]:
        return await self._suggest(ctx, option, partial, ("open", "judging"))

    async def suggest_decided(self, ctx: Ctx, option: str, partial: str
                              ) -> list[tuple[str, str]]:
        return await self._suggest(ctx, option, partial, ("judging", "closed"))

    async def suggest_closed(self, ctx: Ctx, option: str, partial: str
                             ) -> list[tuple[str, str]]:
        return await self._suggest(ctx, option, partial, ("closed",))

    def resolvers(self) -> dict[str, Resolver]:
        return {"contest": self._contest}

    async def _contest(self, event: CommandInvoked, ctx: Ctx, number: int
                       ) -> ContestRecord:
        """The contest a member named, or a refusal saying there is none."""
        found = await self.store.get(ctx.community, number)
        if found is None:
            raise Refused(self.texts.reply(event, ctx, "unknown_contest",
                                           contest=label(number)))
        return found

    async def _days_here(self, community: Community, user_id: str, now: datetime
                         ) -> tuple[timedelta, datetime]:
        record = await self.services.members.get(community, user_id)
        since = record.first_joined if record is not None else now
        return now - since, since

    # -- creating -----------------------------------------------------------------------------

    @command(CommandSpec(
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
        ), MOD))
    async def create(self, event: CommandInvoked, ctx: Ctx,
                     title: str, description: str, closes: datetime, method: str,
                     winners: int | None, entries: int | None, min_reputation: int | None,
                     min_days: int | None, badge: str | None, review: str | None,
                     anonymous: str | None) -> list[Action]:
        cfg = self._cfg(ctx)
        yes = {"yes": True, "no": False}
        new = NewContest(
            title=title, description=description,
            created_by=event.actor.user_id, created_at=ctx.now, closes_at=closes,
            method=method, winners=winners or cfg.winners,
            entries_per_member=entries or cfg.entries_per_member,
            min_reputation=min_reputation or 0, min_days=min_days or 0,
            badge=(badge or "").strip() or None,
            review=yes[review] if review else cfg.review_entries,
            anonymous=yes[anonymous] if anonymous else cfg.anonymous_voting,
            # Sealed now, revealed at close: nobody can steer the draw by timing or entries.
            secret=f"{self.services.rng.getrandbits(128):032x}",
        )
        async with self.store.transaction(ctx.community.key):
            number = await self.store.create(ctx.community, new)
            key = f"{ctx.community.key}:{number}"
            await self.services.scheduler.schedule(CLOSE, f"{CLOSE}:{key}", ctx.community,
                                                   closes, {"contest": number})
            remind_at = closes - cfg.remind_before
            if cfg.remind and remind_at > ctx.now:
                await self.services.scheduler.schedule(REMIND, f"{REMIND}:{key}", ctx.community,
                                                       remind_at, {"contest": number})
        contest = await self.store.get(ctx.community, number)
        assert contest is not None
        announcement = self.texts.say(
            ctx, "created", **self.texts.fields(contest), description=contest.description,
            rule=self.texts.rule(ctx, contest.method), take_part=self.texts.take_part(ctx, contest),
            closes=closes,
            requirements=self.texts.requirements(ctx, contest), seal=draw.seal(contest.secret))
        return [
            self.texts.post(ctx, cfg.channel, announcement),
            *self.texts.reply(event, ctx, "created_ack", **self.texts.fields(contest),
                              closes=closes,
                         where=ChannelLink(ctx.channel(cfg.channel))),
        ]


    @command(CommandSpec(
        "contest edit", "Fix an open contest: its deadline, title or description.", (
            CONTEST,
            Option("closes", OptionType.DATETIME,
                   "A new deadline: a duration like 3d or a date like 2026-12-24 18:00",
                   required=False),
            Option("title", OptionType.TEXT, "A new title", required=False, max_length=100),
            Option("description", OptionType.TEXT, "A new description", required=False,
                   max_length=1500, long=True),
        ), MOD), suggest="suggest_open")
    async def edit(self, event: CommandInvoked, ctx: Ctx, contest: ContestRecord,
                   closes: datetime | None, title: str | None, description: str | None
                   ) -> list[Action]:
        c, cfg = self.texts.fields(contest), self._cfg(ctx)
        if closes is None and title is None and description is None:
            return self.texts.reply(event, ctx, "edit_nothing", **c)
        key = f"{ctx.community.key}:{contest.number}"
        async with self.store.transaction():
            if not accepting(contest, ctx.now) or not await self.store.edit(
                    ctx.community, contest.number, title=title, description=description,
                    closes_at=closes):
                return self.texts.reply(event, ctx, "contest_not_open", **c)
            if closes is not None:
                await self.services.scheduler.schedule(CLOSE, f"{CLOSE}:{key}", ctx.community,
                                                       closes, {"contest": contest.number})
                await self.services.scheduler.cancel(f"{REMIND}:{key}")
                if cfg.remind and closes - cfg.remind_before > ctx.now:
                    await self.services.scheduler.schedule(
                        REMIND, f"{REMIND}:{key}", ctx.community, closes - cfg.remind_before,
                        {"contest": contest.number})
        edited = await self.store.get(ctx.community, contest.number)
        assert edited is not None
        e = self.texts.fields(edited)
        actions: list[Action] = [self.texts.post(ctx, cfg.channel, self.texts.say(
            ctx, "edited", **e, was=contest.title, description=edited.description,
            closes=edited.closes_at))]
        if closes is not None and closes != contest.closes_at:
            # Everyone who entered hears of the new deadline from us, not by surprise.
            entries = await self.store.entries(ctx.community, contest.number, "approved",
                                               "pending")
            authors = {e.user_id: e.name for e in entries}
            actions.extend(DirectMessage(ctx.community, uid, self.texts.say(
                ctx, "deadline_changed", **e, name=name, closes=closes,
                was=contest.closes_at)) for uid, name in authors.items())
        return [*actions, *self.texts.reply(event, ctx, "edited_ack", **e,
                                            closes=edited.closes_at)]

    # -- looking ------------------------------------------------------------------------------

    @command(CommandSpec("contest list", "See the open contests and how long they have left."))
    async def list_open(self, event: CommandInvoked, ctx: Ctx) -> list[Action]:
        cfg = self._cfg(ctx)
        open_now = [c for c in await self.store.with_state(ctx.community, "open")
                    if accepting(c, ctx.now)]
        if not open_now:
            return self.texts.reply(event, ctx, "listing_empty",
                               where=ChannelLink(ctx.channel(cfg.channel)))
        items = []
        for c in open_now:
            entries = await self.store.entries(ctx.community, c.number, "approved")
            method = self.texts.say(ctx, f"method_{c.method}")
            items.append(self.texts.say(ctx, "listing_item", **self.texts.fields(c),
                                        closes=c.closes_at,
                                   entries=counted(len(entries), "entry", "entries"),
                                   method=method))
        return self.texts.reply(event, ctx, "listing", contests=Text.join(items))

    @command(CommandSpec("contest show", "See a contest and its entries.", (CONTEST,)),
             suggest="suggest_visible")
    async def show(self, event: CommandInvoked, ctx: Ctx,
                   contest: ContestRecord) -> list[Action]:
        community, is_mod = ctx.community, ctx.level >= MOD
        statuses = ("approved", "pending") if is_mod else ("approved",)
        reveal = is_mod or not contest.anonymous or contest.state in ("closed", "judging")
        lines = []
        for e in await self.store.entries(community, contest.number, *statuses):
            if e.status == "pending":
                lines.append(self.texts.say(ctx, "show_entry_pending", entry=e.number, name=e.name,
                                       content=e.content))
            elif reveal:
                lines.append(self.texts.say(ctx, "show_entry", entry=e.number, name=e.name,
                                       content=e.content))
            else:
                lines.append(self.texts.say(ctx, "show_entry_anonymous", entry=e.number,
                                       content=e.content))
        if lines and not reveal:
            lines.append(self.texts.say(ctx, "show_hidden_authors"))
        entries = Text.join(lines) if lines else self.texts.say(ctx, "show_no_entries")
        return self.texts.reply(event, ctx, "show", **self.texts.fields(contest),
                           description=contest.description,
                           rule=self.texts.rule(ctx, contest.method),
                           status=await self._status(ctx, contest), entries=entries)

    async def _status(self, ctx: Ctx, contest: ContestRecord) -> Text:
        if contest.state == "cancelled":
            return self.texts.say(ctx, "status_cancelled", reason=contest.cancel_reason or "")
        if contest.state == "judging":
            return self.texts.say(ctx, "status_judging")
        if contest.state == "open" and not accepting(contest, ctx.now):
            return self.texts.say(ctx, "status_closing")
        if contest.state == "open":
            return self.texts.say(ctx, "status_open", closes=contest.closes_at)
        winners = await self.store.winners(ctx.community, contest.number)
        if not winners:
            return self.texts.say(ctx, "status_closed_none")
        return self.texts.say(ctx, "status_closed", winners=self.texts.winner_list(
            ctx, contest, winners,
                                                                         mention=False))

    # -- entering -----------------------------------------------------------------------------

    @command(CommandSpec("contest enter", "Enter a contest with some text or a link.", (
        CONTEST, Option("entry", OptionType.TEXT, "Your entry: some text or a link",
                        max_length=1000, long=True))), suggest="suggest_open")
    async def enter(self, event: CommandInvoked, ctx: Ctx,
                    contest: ContestRecord, entry: str) -> list[Action]:
        c, actor, community = self.texts.fields(contest), event.actor, ctx.community
        if not accepting(contest, ctx.now):
            return self.texts.reply(event, ctx, "contest_not_open", **c)
        refusal = await self._requirement_refusal(event, ctx, contest)
        if refusal:
            return refusal
        status = "pending" if contest.review else "approved"
        async with self.store.transaction(ctx.community.key):
            # Checked again inside the write, so a racing close or a double send can't slip by.
            current = await self.store.get(community, contest.number)
            if current is None or not accepting(current, ctx.now):
                return self.texts.reply(event, ctx, "contest_not_open", **c)
            mine = await self.store.entries_by(community, contest.number, actor.user_id)
            if len(mine) >= contest.entries_per_member:
                return self.texts.reply(event, ctx, "entry_limit", **c, name=actor.name,
                                   limit=contest.entries_per_member)
            number = await self.store.add_entry(community, contest.number, actor.user_id,
                                               actor.name, entry, ctx.now, status)
        cfg = self._cfg(ctx)
        if status == "pending":
            return [
                *self.texts.reply(event, ctx, "entered_pending", **c, entry=number,
                                  name=actor.name),
                self.texts.post(ctx, cfg.mod_channel, self.texts.say(
                    ctx, "review_needed", **c, entry=number, name=actor.name,
                    content=entry)),
            ]
        return [*self.texts.reply(event, ctx, "entered", **c, entry=number, name=actor.name,
                             closes=contest.closes_at),
                *self.texts.entry_post(ctx, contest, number, actor.name, entry)]


    async def _requirement_refusal(self, event: CommandInvoked, ctx: Ctx,
                                   contest: ContestRecord) -> list[Action]:
        c, actor = self.texts.fields(contest), event.actor
        if contest.min_days:
            here, since = await self._days_here(ctx.community, actor.user_id, ctx.now)
            if here < timedelta(days=contest.min_days):
                return self.texts.reply(event, ctx, "need_days", **c, name=actor.name,
                                   days=counted(contest.min_days, "day", "days"),
                                   when=since + timedelta(days=contest.min_days))
        if contest.min_reputation or contest.badge:
            standing = await self.services.standing(ctx.community, actor.user_id)
            if standing.points < contest.min_reputation:
                return self.texts.reply(event, ctx, "need_reputation", **c, name=actor.name,
                                   points=contest.min_reputation, have=standing.points)
            badges = {b.lower() for b in standing.badges}
            if contest.badge and contest.badge.lower() not in badges:
                return self.texts.reply(event, ctx, "need_badge", **c, name=actor.name,
                                   badge=contest.badge)
        return []

    @command(CommandSpec("contest withdraw", "Take back your entry while the contest is open.",
                            (CONTEST, Option("entry", OptionType.INTEGER,
                                             "Which of your entries, if you have several",
                                             required=False, min_value=1))), suggest="suggest_open")
    async def withdraw(self, event: CommandInvoked, ctx: Ctx,
                       contest: ContestRecord, entry: int | None) -> list[Action]:
        c, actor = self.texts.fields(contest), event.actor
        if not accepting(contest, ctx.now):
            return self.texts.reply(event, ctx, "contest_not_open", **c)
        mine = await self.store.entries_by(ctx.community, contest.number, actor.user_id)
        if entry is not None:
            mine = [e for e in mine if e.number == entry]
        if not mine:
            return self.texts.reply(event, ctx, "nothing_to_withdraw", **c, name=actor.name)
        if len(mine) > 1:
            return self.texts.reply(event, ctx, "which_entry", **c,
                               entries=", ".join(str(e.number) for e in mine))
        chosen = mine[0]
        if not await self.store.set_entry_status(ctx.community, contest.number, chosen.number,
                                                chosen.status, "withdrawn"):
            return self.texts.reply(event, ctx, "nothing_to_withdraw", **c, name=actor.name)
        return self.texts.reply(event, ctx, "withdrawn", **c, entry=chosen.number, name=actor.name)

    # -- voting -------------------------------------------------------------------------------

    @command(CommandSpec("contest vote", "Vote for an entry (one vote; you can change it).",
                        (CONTEST, ENTRY)), suggest="suggest_open")
    async def vote(self, event: CommandInvoked, ctx: Ctx,
                   contest: ContestRecord, entry: int) -> list[Action]:
        c, actor, community = self.texts.fields(contest), event.actor, ctx.community
        if not accepting(contest, ctx.now):
            return self.texts.reply(event, ctx, "contest_not_open", **c)
        if contest.method != "votes":
            return self.texts.reply(event, ctx, "no_voting", **c,
                                    rule=self.texts.rule(ctx, contest.method))
        found = await self.store.entry(community, contest.number, entry)
        if found is None or found.status != "approved":
            return self.texts.reply(event, ctx, "unknown_entry", **c, entry=entry)
        if found.user_id == actor.user_id:
            return self.texts.reply(event, ctx, "own_entry", **c, name=actor.name)
        need = self._cfg(ctx).min_days_to_vote
        if need:
            here, since = await self._days_here(community, actor.user_id, ctx.now)
            if here < timedelta(days=need):
                return self.texts.reply(event, ctx, "vote_too_new", **c, name=actor.name,
                                   days=counted(need, "day", "days"),
                                   when=since + timedelta(days=need))
        async with self.store.transaction(ctx.community.key):
            current = await self.store.get(community, contest.number)
            still = await self.store.entry(community, contest.number, found.number)
            if current is None or not accepting(current, ctx.now):
                return self.texts.reply(event, ctx, "contest_not_open", **c)
            if still is None or still.status != "approved":
                return self.texts.reply(event, ctx, "unknown_entry", **c, entry=found.number)
            previous = await self.store.vote_of(community, contest.number, actor.user_id)
            if previous == found.number:
                return self.texts.reply(event, ctx, "vote_same", **c, entry=found.number,
                                   name=actor.name)
            await self.store.vote(community, contest.number, actor.user_id, found.number, ctx.now)
        if previous is None:
            return self.texts.reply(event, ctx, "voted", **c, entry=found.number, name=actor.name,
                               closes=contest.closes_at)
        return self.texts.reply(event, ctx, "vote_changed", **c, entry=found.number,
                           previous=previous, name=actor.name, closes=contest.closes_at)

    # -- closing ------------------------------------------------------------------------------

    @command(CommandSpec("contest close", "Close a contest now and choose its winners.",
                         (CONTEST,), MOD), suggest="suggest_open")
    async def close(self, event: CommandInvoked, ctx: Ctx,
                    contest: ContestRecord) -> list[Action]:
        announced = await self._close(ctx, contest.number)
        if announced is None:
            return self.texts.reply(event, ctx, "contest_not_open", **self.texts.fields(contest))
        return [*announced, *self.texts.reply(event, ctx, "closed_ack",
                                              **self.texts.fields(contest),
                                         where=ChannelLink(ctx.channel(self._cfg(ctx).channel)))]

    async def close_job(self, job: Job) -> list[Action]:
        ctx = self.services.context(job.community)
        return await self._close(ctx, int(job.payload["contest"])) or []

    async def remind_job(self, job: Job) -> list[Action]:
        ctx = self.services.context(job.community)
        contest = await self.store.get(ctx.community, int(job.payload["contest"]))
        if contest is None or not accepting(contest, ctx.now):
            return []
        entries = await self.store.entries(ctx.community, contest.number, "approved")
        text = self.texts.say(ctx, "reminder", **self.texts.fields(contest),
                              closes=contest.closes_at,
                         entries=counted(len(entries), "entry", "entries"),
                         take_part=self.texts.take_part(ctx, contest))
        return [self.texts.post(ctx, self._cfg(ctx).channel, text)]

    async def _close(self, ctx: Ctx, number: int) -> list[Action] | None:
        """Close a contest; the announcement for the one caller that closed it, else None."""
        community = ctx.community
        key = f"{community.key}:{number}"
        async with self.store.transaction(ctx.community.key):
            contest = await self.store.get(community, number)
            if contest is None or contest.state != "open":
                return None
            # Entries stopped at the deadline, even if Hearth was down and closes it later.
            at = min(ctx.now, contest.closes_at)
            entries = await self.store.entries(community, number, "approved")
            # Entries nobody reviewed in time don't enter; their authors are told kindly below.
            unreviewed = [e for e in await self.store.entries(community, number, "pending")
                          if await self.store.set_entry_status(community, number, e.number,
                                                               "pending", "declined")]
            seed_input = draw.seed_input(community.key, number, at,
                                         [e.number for e in entries], contest.secret)
            judging = contest.method == "pick" and bool(entries)
            if not await self.store.transition(community, number, "open",
                                              "judging" if judging else "closed", at,
                                              seed_input=seed_input):
                return None
            if not judging:
                chosen = ranked(contest, entries, await self.store.vote_counts(
                    community, number), seed_input)
                by_entry = {e.number: e for e in entries}
                for candidate in draw.choose(chosen, contest.winners):
                    await self.store.add_winner(
                        community, number, by_entry[candidate.entry],
                        candidate.votes if contest.method == "votes" else None, at)
            await self.services.scheduler.cancel(f"{CLOSE}:{key}")
            await self.services.scheduler.cancel(f"{REMIND}:{key}")
        contest = await self.store.get(community, number)
        assert contest is not None
        waited = self._unreviewed(ctx, contest, unreviewed)
        if judging:
            return [*self.texts.judging(ctx, contest, entries), *waited]
        return [*await self._announce(ctx, contest, entries, len(unreviewed)), *waited]

    def _unreviewed(self, ctx: Ctx, contest: ContestRecord, entries: list[EntryRecord]
                    ) -> list[Action]:
        """What still waited for review at the close: the moderators hear which, and each
        author is told kindly that it closed before anyone could look."""
        if not entries:
            return []
        c, cfg = self.texts.fields(contest), self._cfg(ctx)
        listed = Text.join([self.texts.say(ctx, "unreviewed_line", entry=e.number, name=e.name,
                                           content=e.content) for e in entries])
        actions: list[Action] = [self.texts.post(ctx, cfg.mod_channel, self.texts.say(
            ctx, "unreviewed_at_close", **c,
            count=counted(len(entries), "entry was", "entries were"), entries=listed))]
        actions.extend(DirectMessage(ctx.community, e.user_id, self.texts.say(
            ctx, "unreviewed_author", **c, entry=e.number, name=e.name)) for e in entries)
        return actions


    async def _announce(self, ctx: Ctx, contest: ContestRecord,
                        entries: list[EntryRecord], unreviewed: int = 0) -> list[Action]:
        """The winners' announcement and their awards."""
        winners = await self.store.winners(ctx.community, contest.number)
        return [self.texts.announcement(ctx, contest, entries, winners, unreviewed),
                *(self._recognise(ctx, contest, w) for w in winners)]




    def _recognise(self, ctx: Ctx, contest: ContestRecord, winner: WinnerRecord) -> Emit:
        return Emit(ctx.community, Recognition(
            ctx.community, ctx.now, user_id=winner.user_id, name=winner.name,
            source=WIN, points=self._cfg(ctx).award, reason=_won(contest), once=True))

    def _take_back(self, event: CommandInvoked, ctx: Ctx, contest: ContestRecord,
                   user_id: str, name: str) -> list[Action]:
        """A win redrawn: what it gave is taken back (reputation reverses the points, badges
        what no longer holds), and the member hears it kindly from us first."""
        return [
            DirectMessage(ctx.community, user_id, self.texts.say(
                ctx, "win_withdrawn", **self.texts.fields(contest), name=name,
                award=self._cfg(ctx).award)),
            Emit(ctx.community, Withdrawn(
                ctx.community, ctx.now, user_id=user_id, name=name, source=WIN,
                reason=_won(contest), why="redrawn", by=event.actor.user_id)),
        ]

    @command(CommandSpec("contest cancel", "Cancel a contest, telling members why.", (
        CONTEST, Option("reason", OptionType.TEXT, "Why, in a few words members will see",
                        max_length=500)), MOD), suggest="suggest_open")
    async def cancel(self, event: CommandInvoked, ctx: Ctx,
                     contest: ContestRecord, reason: str) -> list[Action]:
        c, key = self.texts.fields(contest), f"{ctx.community.key}:{contest.number}"
        async with self.store.transaction(ctx.community.key):
            moved = False
            for state in ("open", "judging"):
                moved = moved or await self.store.transition(
                    ctx.community, contest.number, state, "cancelled", ctx.now,
                    reason=reason)
            if not moved:
                return self.texts.reply(event, ctx, "contest_not_open", **c)
            await self.services.scheduler.cancel(f"{CLOSE}:{key}")
            await self.services.scheduler.cancel(f"{REMIND}:{key}")
        return [self.texts.post(ctx, self._cfg(ctx).channel,
                           self.texts.say(ctx, "cancelled", **c, reason=reason)),
                *self.texts.reply(event, ctx, "cancelled_ack", **c)]

    # -- after closing: picks and redraws ----------------------------------------------------

    @command(CommandSpec("contest reroll", "Redraw one winner's place.", (
        CONTEST, Option("winner", OptionType.MEMBER, "The winner whose place is redrawn")), MOD),
        suggest="suggest_closed")
    async def reroll(self, event: CommandInvoked, ctx: Ctx,
                     contest: ContestRecord, winner: MemberRef) -> list[Action]:
        c, community, who = self.texts.fields(contest), ctx.community, winner
        assert isinstance(who, MemberRef)
        name = who.name or who.user_id
        async with self.store.transaction(ctx.community.key):
            fresh = await self.store.get(community, contest.number)
            assert fresh is not None
            contest = fresh
            if contest.state != "closed":
                return self.texts.reply(event, ctx, "not_closed", **c)
            current = await self.store.winners(community, contest.number)
            if who.user_id not in {w.user_id for w in current}:
                return self.texts.reply(event, ctx, "not_a_winner", **c, name=name)
            every = await self.store.winners(community, contest.number, include_replaced=True)
            entries = await self.store.entries(community, contest.number, "approved")
            if contest.method == "pick":
                # The place is freed only if someone else can take it: never no winner and
                # no way to choose one.
                if not {e.user_id for e in entries} - {w.user_id for w in every}:
                    return self.texts.reply(event, ctx, "nobody_left", **c)
                await self.store.replace_winner(community, contest.number, who.user_id, ctx.now)
                return [*self.texts.reply(event, ctx, "redraw_pick", **c, name=name),
                        *self._take_back(event, ctx, contest, who.user_id, name)]
            # Ranked exactly as at closing: the same seed and the votes as they stood then.
            order = ranked(contest, entries, await self.store.vote_counts(
                community, contest.number), contest.seed_input or "")
            found = draw.choose(order, 1, exclude={w.user_id for w in every})
            if not found:
                return self.texts.reply(event, ctx, "nobody_left", **c)
            await self.store.replace_winner(community, contest.number, who.user_id, ctx.now)
            entry = next(e for e in entries if e.number == found[0].entry)
            votes = found[0].votes if contest.method == "votes" else None
            await self.store.add_winner(community, contest.number, entry, votes, ctx.now)
        drawn = (await self.store.winners(community, contest.number))[-1]
        text = self.texts.say(ctx, "redrawn", **c, member=Mention(entry.user_id, entry.name),
                         entry=entry.number, award=self._cfg(ctx).award,
                         rule=self.texts.say(ctx, "rule_redraw"),
                         audit=self.texts.audit(ctx, contest))
        return [self.texts.post(ctx, self._cfg(ctx).channel, trim(text)),
                *self._take_back(event, ctx, contest, who.user_id, name),
                self._recognise(ctx, contest, drawn),
                *self.texts.reply(event, ctx, "redrawn_ack", **c,
                             where=ChannelLink(ctx.channel(self._cfg(ctx).channel)))]

    @command(CommandSpec("contest pick", "Choose a winning entry (contests decided by moderators).",
                        (CONTEST, ENTRY), MOD), suggest="suggest_decided")
    async def pick(self, event: CommandInvoked, ctx: Ctx,
                   contest: ContestRecord, entry: int) -> list[Action]:
        c, community = self.texts.fields(contest), ctx.community
        async with self.store.transaction(ctx.community.key):
            fresh = await self.store.get(community, contest.number)
            assert fresh is not None
            contest = fresh
            current = await self.store.winners(community, contest.number)
            every = await self.store.winners(community, contest.number, include_replaced=True)
            entries = await self.store.entries(community, contest.number, "approved")
            wanted = places_to_fill(contest, entries)
            if contest.method != "pick" or contest.state not in ("judging", "closed") \
                    or len(current) >= wanted:
                return self.texts.reply(event, ctx, "not_judging", **c)
            chosen = next((e for e in entries if e.number == entry), None)
            if chosen is None:
                return self.texts.reply(event, ctx, "unknown_entry", **c, entry=entry)
            if chosen.user_id in {w.user_id for w in every}:
                return self.texts.reply(event, ctx, "already_won", **c, name=chosen.name)
            await self.store.add_winner(community, contest.number, chosen, None, ctx.now)
            remaining = wanted - len(current) - 1
            finished = contest.state == "judging" and remaining == 0 and \
                await self.store.transition(community, contest.number, "judging", "closed",
                                           ctx.now)
        ack = self.texts.reply(
            event, ctx, "picked_ack", **c, entry=chosen.number, name=chosen.name,
            remaining=self.texts.say(ctx, "picked_remaining",
                                     count=counted(remaining, "winner", "winners"))
            if remaining else self.texts.say(ctx, "picked_complete"))
        if finished:
            closed = await self.store.get(community, contest.number)
            assert closed is not None
            return [*await self._announce(ctx, closed, entries), *ack]
        if contest.state == "closed":
            # A place freed by a redraw: announce just the new winner.
            winner = (await self.store.winners(community, contest.number))[-1]
            text = self.texts.say(ctx, "picked_late", **c,
                                  member=Mention(chosen.user_id, chosen.name),
                             entry=chosen.number, award=self._cfg(ctx).award)
            return [self.texts.post(ctx, self._cfg(ctx).channel, text),
                    self._recognise(ctx, contest, winner), *ack]
        return ack

    @command(CommandSpec("contest remove", "Take an entry out of a contest, telling its "
                         "author why.", (
        CONTEST, ENTRY, Option("reason", OptionType.TEXT, "Why; sent to them privately",
                               max_length=500)), MOD), suggest="suggest_visible")
    async def remove(self, event: CommandInvoked, ctx: Ctx, contest: ContestRecord,
                     entry: int, reason: str) -> list[Action]:
        c, community = self.texts.fields(contest), ctx.community
        if contest.state not in ("open", "judging"):
            return self.texts.reply(event, ctx, "contest_not_open", **c)
        found = await self.store.entry(community, contest.number, entry)
        if found is None or found.status not in ("approved", "pending"):
            return self.texts.reply(event, ctx, "unknown_entry", **c, entry=entry)
        winners = await self.store.winners(community, contest.number)
        if any(w.entry == found.number for w in winners):
            return self.texts.reply(event, ctx, "remove_winner", **c, entry=found.number,
                                    name=found.name)
        if not await self.store.set_entry_status(community, contest.number, found.number,
                                                 found.status, "declined"):
            return self.texts.reply(event, ctx, "unknown_entry", **c, entry=entry)
        undelivered = Respond(community, event.actor.user_id,
                              self.texts.say(ctx, "declined_undelivered", name=found.name))
        dm = DirectMessage(community, found.user_id, self.texts.say(
            ctx, "removed", **c, entry=found.number, name=found.name, reason=reason),
            if_undelivered=(undelivered,))
        return [*self.texts.reply(event, ctx, "removed_ack", **c, entry=found.number,
                                  name=found.name), dm]

    # -- review -------------------------------------------------------------------------------

    async def _review(self, event: CommandInvoked, ctx: Ctx, contest: ContestRecord,
                      number: int, outcome: str) -> EntryRecord:
        """Move a waiting entry to `outcome`; the entry, or a refusal."""
        c = self.texts.fields(contest)
        if not accepting(contest, ctx.now):
            raise Refused(self.texts.reply(event, ctx, "contest_not_open", **c))
        entry = await self.store.entry(ctx.community, contest.number, number)
        if entry is None:
            raise Refused(self.texts.reply(event, ctx, "unknown_entry", **c, entry=number))
        if entry.status != "pending" or not await self.store.set_entry_status(
                ctx.community, contest.number, entry.number, "pending", outcome):
            raise Refused(self.texts.reply(event, ctx, "not_pending", **c, entry=entry.number))
        return entry

    @command(CommandSpec("contest approve", "Let an entry waiting for review into a contest.",
                           (CONTEST, ENTRY), MOD), suggest="suggest_open")
    async def approve(self, event: CommandInvoked, ctx: Ctx,
                      contest: ContestRecord, entry: int) -> list[Action]:
        found = await self._review(event, ctx, contest, entry, "approved")
        c = self.texts.fields(contest)
        dm = DirectMessage(ctx.community, found.user_id, self.texts.say(
            ctx, "approved", **c, entry=found.number, name=found.name))
        return [*self.texts.reply(event, ctx, "approved_ack", **c, entry=found.number,
                             name=found.name), dm,
                *self.texts.entry_post(ctx, contest, found.number, found.name, found.content)]

    @command(CommandSpec("contest decline", "Turn down an entry, telling its author why.", (
        CONTEST, ENTRY, Option("reason", OptionType.TEXT, "Why; sent to them privately",
                               max_length=500)), MOD), suggest="suggest_open")
    async def decline(self, event: CommandInvoked, ctx: Ctx,
                      contest: ContestRecord, entry: int, reason: str) -> list[Action]:
        found = await self._review(event, ctx, contest, entry, "declined")
        c = self.texts.fields(contest)
        undelivered = Respond(ctx.community, event.actor.user_id,
                              self.texts.say(ctx, "declined_undelivered", name=found.name))
        dm = DirectMessage(ctx.community, found.user_id, self.texts.say(
            ctx, "declined", **c, entry=found.number, name=found.name, reason=reason,
            closes=contest.closes_at), if_undelivered=(undelivered,))
        return [*self.texts.reply(event, ctx, "declined_ack", **c, entry=found.number,
                             name=found.name), dm]
