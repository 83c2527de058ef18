"""Reputation: thanks (command, reaction, message), activity points, fairness rules, /profile
and /leaderboard. Badges are their own feature; reputation tells them what moved (Progressed,
ActivityCounted) and declares its numbers as measures they can ask for."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.actions import Action, DirectMessage, Emit, Post, Respond
from bot.cog import (
    Cog,
    CommunityConfig,
    Context,
    Listener,
    Measures,
    ProfileSubject,
    Services,
    Standing,
)
from bot.commands import CommandSpec, Option, OptionType, command
from bot.emoji import canonical
from bot.events import (
    ActivityCounted,
    CommandInvoked,
    Community,
    Event,
    MemberRef,
    MessagePosted,
    Progressed,
    ReactionAdded,
    Receded,
    Recognition,
    Tally,
    Thanked,
    Withdrawn,
)
from bot.memberdata import is_former
from bot.ports import Job
from bot.scheduler import JobHandler
from bot.text import Mention, Text, UserText
from cogs.reputation.activity import Activity
from cogs.reputation.member_data import ReputationData
from cogs.reputation.ranking import places
from cogs.reputation.settings import ReputationSettings
from cogs.reputation.store import WINDOW_DAYS, LedgerEntry, ReputationStore, Totals, day_of
from cogs.reputation.thanked import thanked
from cogs.reputation.thanks import History, Thanker, passed_over, refusal


class ReputationConfig(CommunityConfig, Protocol):
    reputation: ReputationSettings


# What this feature's handlers are given: `ctx.settings.reputation` is typed.
Ctx = Context[ReputationConfig]

FLUSH = "reputation.flush"
WINDOWS = "reputation.windows"
# Members' activity written per transaction: at a million members each costs about half a
# millisecond of random writes (ledger, day and window buckets, totals), so a page holds the
# writer for tens of milliseconds however many members spoke since the last flush.
FLUSH_PAGE = 50
# Transactions of expiry (EXPIRE_CHUNK members each) a /leaderboard may wait for.
INLINE_EXPIRY_STEPS = 4
# The numbers reputation declares for badges; TOTALS come from one row per member.
TOTALS = frozenset({"reputation", "messages", "thanks_received", "thanks_given"})
MEASURES = (*sorted(TOTALS), "thanks_from_members", "contest_wins")
# /leaderboard's periods: all-time, then the windows the store keeps, longest first.
PERIODS = ("all", *sorted(WINDOW_DAYS, key=WINDOW_DAYS.__getitem__, reverse=True))
_NOTHING: list[Action] = []
_NO_TOTALS = Totals()

THANKS = CommandSpec(
    "thanks", "Thank a member who helped you; it adds to their reputation.",
    (Option("member", OptionType.MEMBER, "Who you'd like to thank"),
     Option("reason", OptionType.TEXT, "What they did, in a few words", required=False,
            max_length=300)),
)
PROFILE = CommandSpec(
    "profile", "See reputation, rank and badges, yours or a member's.",
    (Option("member", OptionType.MEMBER, "Whose profile (yours if left out)", required=False),),
)
LEADERBOARD = CommandSpec(
    "leaderboard", "See who has earned the most reputation.",
    (Option("period", OptionType.CHOICE, "all, 30d or 7d", required=False,
            choices=tuple(PERIODS)),),
)


class ReputationCog(Cog[ReputationStore]):
    name = "reputation"
    settings = ReputationSettings
    store_class = ReputationStore

    def __init__(self, services: Services, store: ReputationStore) -> None:
        super().__init__(services, store)
        self._activity: dict[Community, Activity] = {}
        self._flush_armed = False
        # Communities with a check for days leaving the window leaderboards scheduled.
        self._windows_due: set[Community] = set()
        # Other features (contests) read points through services.standing(), badges ask for
        # the numbers behind them through the measures declared here.
        services.standing_sources.append(self.standing)
        services.measures.append(Measures(MEASURES, self.measure, self.reaching))

    def member_data(self) -> ReputationData:
        return ReputationData(self.store.db, self._drop_held)

    def _drop_held(self, community: Community, user_id: str) -> None:
        state = self._activity.get(community)
        if state is not None:
            state.pending.pop(user_id, None)
            state.next_at.pop(user_id, None)

    def listeners(self) -> dict[type[Event], Listener]:
        return {MessagePosted: self.on_message, ReactionAdded: self.on_reaction,
                Recognition: self.on_recognition, Withdrawn: self.on_withdrawn}

    def jobs(self) -> dict[str, JobHandler]:
        return {FLUSH: self.flush_job, WINDOWS: self.refresh_windows}

    async def stop(self) -> list[Action]:
        # Activity held in memory is written before shutdown; see flush_every in the config.
        return await self.flush()

    # -- thanks -------------------------------------------------------------------------

    @command(THANKS)
    async def thanks(self, event: CommandInvoked, ctx: Ctx, member: MemberRef,
                     reason: str | None) -> list[Action]:
        cfg = ctx.settings.reputation
        actor, target = event.actor, member
        giver = Thanker(actor.user_id, actor.name, actor.is_bot)
        # "/thanks @bob for the tips": the template says "for", so the quote starts after it.
        reason = re.sub(r"^for\s+", "", (reason or "").strip(), flags=re.IGNORECASE)
        if giver.is_bot and not cfg.bots_take_part:
            return []
        said = self._said(ctx, giver, target, event.channel, None)
        async with self._limits(ctx, giver):
            refusal = await self._refusal(ctx, giver, target)
            if refusal is not None:
                return [Respond(event.community, actor.user_id, refusal), *said]
            actions = [*await self._record_thanks(ctx, giver, target, "thanks", reason), *said]
        mention = Mention(target.user_id, target.name or target.user_id)
        if cfg.announce_thanks and event.channel:
            if reason:
                text = self.say(ctx, cfg.messages.thanked_for, giver=actor.name,
                                                       member=mention, name=mention.name,
                                                       reason=reason)
            else:
                text = self.say(ctx, cfg.messages.thanked, giver=actor.name,
                                                   member=mention, name=mention.name)
            note: Action = Post(event.community, event.channel, text)
        else:
            note = Respond(event.community, actor.user_id, self.say(
                ctx, cfg.messages.thanks_noted, name=actor.name, member=mention))
        return [note, *actions]

    async def on_reaction(self, event: ReactionAdded, ctx: Ctx) -> list[Action]:
        cfg = ctx.settings.reputation
        if (canonical(event.emoji) not in {canonical(e) for e in cfg.thank_reactions}
                or event.message_author is None):
            return _NOTHING
        target = await self._known(event.community, event.message_author)
        giver = Thanker(event.reactor.user_id, event.reactor.name, event.reactor.is_bot)
        return [*await self._passive_thanks(ctx, giver, target, "thanks_reaction",
                                            f"reacted {event.emoji}"),
                *self._said(ctx, giver, target, event.channel, event.message_id)]

    async def _thanks_in_message(self, event: MessagePosted, ctx: Ctx,
                                 cfg: ReputationSettings) -> list[Action]:
        content = event.content
        said = thanked(content, tuple(cfg.thanks_words))
        if not said:
            return _NOTHING
        community = event.community
        targets: dict[str, MemberRef] = {}
        for user_id in said.user_ids:
            found = await self.services.members.by_id(community, user_id)
            if found is not None:
                targets.setdefault(found.user_id, found)
        for name in said.names:
            found = await self.services.members.by_name(community, name)
            if found is not None:
                targets.setdefault(found.user_id, found)
        author = event.author
        giver = Thanker(author.user_id, author.name, author.is_bot)
        actions: list[Action] = []
        refusals: list[Text] = []
        for target in targets.values():
            if passed_over(cfg, giver, target.user_id, bool(target.is_bot)):
                continue
            actions.extend(self._said(ctx, giver, target, event.channel, event.reply_to))
            refused = await self._refusal(ctx, giver, target)
            if refused is not None:
                if refused not in refusals:
                    refusals.append(refused)
                continue
            actions.extend(await self._record_thanks(ctx, giver, target, "thanks_message",
                                                     content[:300]))
        if refusals:
            # One message thanking several people is answered with one private note.
            actions.append(DirectMessage(community, giver.user_id, Text.join(refusals)))
        return actions

    async def _passive_thanks(self, ctx: Ctx, giver: Thanker, target: MemberRef,
                              source: str, reason: str) -> list[Action]:
        """Thanks said with a reaction: refusals are explained privately, except for ones
        nobody meant (thanking yourself or a bot in passing)."""
        cfg = ctx.settings.reputation
        if passed_over(cfg, giver, target.user_id, bool(target.is_bot)):
            return _NOTHING
        async with self._limits(ctx, giver):
            refusal = await self._refusal(ctx, giver, target)
            if refusal is not None:
                return [DirectMessage(ctx.community, giver.user_id, refusal)]
            return await self._record_thanks(ctx, giver, target, source, reason)

    def _said(self, ctx: Ctx, giver: Thanker, target: MemberRef, channel: str | None,
              about: str | None) -> list[Action]:
        """Tell features that take thanks as evidence (questions) who thanked whom, where;
        thanks nobody meant (yourself, a bot) are not said."""
        if passed_over(ctx.settings.reputation, giver, target.user_id, bool(target.is_bot)):
            return _NOTHING
        return [Emit(ctx.community, Thanked(
            ctx.community, ctx.now, giver.user_id, giver.name, target.user_id,
            target.name or target.user_id, channel, about))]

    def _limits(self, ctx: Ctx, giver: Thanker) -> AbstractAsyncContextManager[None]:
        """The giver's limits are checked and their thanks written in one transaction that no
        other thanks from them (in any worker) can interleave with, so two at once can't both
        slip under the daily limit or the pair cooldown."""
        return self.store.transaction(ctx.community.key, giver.user_id)

    async def _refusal(self, ctx: Ctx, giver: Thanker, target: MemberRef
                       ) -> Text | None:
        """Why this thanks can't be recorded, in words for the giver; None if it can."""
        cfg = ctx.settings.reputation
        reason = refusal(cfg, giver, target.user_id, bool(target.is_bot),
                         await self._history(ctx, cfg, giver, target), ctx.now)
        if reason is None:
            return None
        key, fields = reason
        member = Mention(target.user_id, target.name or target.user_id)
        return self.say(ctx, getattr(cfg.messages, key), name=giver.name, member=member,
                        **fields)

    async def _history(self, ctx: Ctx, cfg: ReputationSettings, giver: Thanker,
                       target: MemberRef) -> History:
        """What the fairness rules in force need to know, and nothing they don't."""
        community, now = ctx.community, ctx.now
        if (target.user_id == giver.user_id and not cfg.allow_self_thanks) or \
                (target.is_bot and not cfg.bots_take_part):
            return History()  # refused without looking further
        given, oldest = await self.store.thanks_given_since(
            community, giver.user_id, now - timedelta(days=1)) if cfg.daily_limit else (0, None)
        last = await self.store.last_thanks(community, giver.user_id, target.user_id,
                                            now - cfg.pair_cooldown) \
            if cfg.pair_cooldown else None
        points = mine = 0
        if cfg.max_share_per_giver < 1:
            points = await self._points(community, target.user_id)
            mine = await self.store.points_from(community, target.user_id, giver.user_id)
        return History(given, oldest, last, points, mine)

    async def _record_thanks(self, ctx: Ctx, giver: Thanker, target: MemberRef,
                             source: str, reason: str) -> list[Action]:
        cfg = ctx.settings.reputation
        await self.store.record(ctx.community, [LedgerEntry(
            target.user_id, cfg.thanks_points, source, ctx.now, giver.user_id, reason)])
        await self._points_changed(ctx.community)
        return [Emit(ctx.community, Tally(ctx.community, ctx.now, "thanks", giver.user_id,
                                          target.user_id)),
                Emit(ctx.community, Progressed(ctx.community, ctx.now, target.user_id,
                                               target.name)),
                Emit(ctx.community, Progressed(ctx.community, ctx.now, giver.user_id,
                                               giver.name))]

    async def _known(self, community: Community, ref: MemberRef) -> MemberRef:
        if ref.name is not None and ref.is_bot is not None:
            return ref
        known = await self.services.members.by_id(community, ref.user_id)
        if known is None:
            return MemberRef(ref.user_id, ref.name or ref.user_id, bool(ref.is_bot))
        return MemberRef(ref.user_id, ref.name or known.name,
                         known.is_bot if ref.is_bot is None else ref.is_bot)

    # -- activity (the hot path) ----------------------------------------------------------

    async def on_message(self, event: MessagePosted, ctx: Ctx) -> list[Action]:
        author = event.author
        cfg = ctx.settings.reputation
        if author.is_bot and not cfg.bots_take_part:
            return _NOTHING
        actions = _NOTHING
        content = event.content
        if cfg.thank_by_message and "@" in content:
            actions = await self._thanks_in_message(event, ctx, cfg)
        if not cfg.activity_points or len(content) < cfg.activity_min_length:
            return actions
        state = self._activity.get(event.community)
        if state is None:
            state = self._activity[event.community] = Activity()
        now = ctx.now
        if not state.count(author.user_id, now, cfg.activity_cooldown):
            return actions
        if not cfg.batch_activity:
            return [*actions, *await self._flush_community(event.community, state)]
        if not self._flush_armed:
            self._flush_armed = True
            # Held points live in this process, so the flush is this worker's own job.
            await self.services.scheduler.schedule(
                FLUSH, f"{FLUSH}:{self.services.scheduler.worker}", event.community,
                now + cfg.flush_every)
        return actions

    async def flush_job(self, job: Job) -> list[Action]:
        # Armed stays true while this runs, so messages meanwhile don't arm another.
        waiting = sum(len(state.pending) for state in self._activity.values())
        try:
            actions = await self._flush_page()
        except BaseException:
            self._flush_armed = False
            raise
        now = self.services.clock.now()
        if waiting > FLUSH_PAGE:
            # More than a page was waiting: the next page is written at once, as a job of its
            # own, so whoever waits for the writer has it in between.
            await self.services.scheduler.schedule(FLUSH, job.key, job.community, now)
            return actions
        for state in self._activity.values():
            state.forget_cooldowns(now)
        if waiting or self._held():
            # Points are still coming in: the next flush is armed from this one's unit, which
            # holds the write lock already, so a steady stream of messages never waits for
            # the lock to store a schedule of its own. A quiet interval lets it lapse.
            cfg = self.services.config.for_community(job.community).reputation
            await self.services.scheduler.schedule(
                FLUSH, job.key, job.community, now + cfg.flush_every)
        else:
            self._flush_armed = False
        return actions

    def _held(self) -> bool:
        return any(state.pending for state in self._activity.values())

    async def flush(self) -> list[Action]:
        """Write all held activity points (at shutdown), a page per transaction; returns what
        badges should hear."""
        self._flush_armed = False
        actions: list[Action] = []
        while self._held():
            actions.extend(await self._flush_page())
        return actions

    async def _flush_page(self) -> list[Action]:
        """Up to FLUSH_PAGE members' held activity, community by community."""
        actions: list[Action] = []
        room = FLUSH_PAGE
        for community, state in list(self._activity.items()):
            if room and state.pending:
                taking = min(room, len(state.pending))
                actions.extend(await self._flush_community(community, state, taking))
                room -= taking
        return actions

    async def _flush_community(self, community: Community, state: Activity,
                               most: int = FLUSH_PAGE) -> list[Action]:
        pending = state.take(most)
        ctx = self.services.context(community)
        cfg = ctx.settings.reputation
        items = [(uid, n * cfg.activity_points, n) for uid, n in pending.items()]
        started = time.perf_counter()
        try:
            await self.store.add_activity(community, items, ctx.now)
            self.services.metrics.activity_flush.observe(time.perf_counter() - started)
            self.services.metrics.activity_batch.observe(len(items))
        except Exception:
            state.give_back(pending)
            raise
        await self._points_changed(community)
        return [Emit(community, ActivityCounted(community, ctx.now, tuple(items)))]

    async def _points(self, community: Community, user_id: str) -> int:
        """Points including activity not yet flushed."""
        totals = await self.store.totals(community, user_id)
        return totals.points + self._pending_points(community, user_id)

    def _pending_points(self, community: Community, user_id: str) -> int:
        state = self._activity.get(community)
        if state is None:
            return 0
        cfg: ReputationSettings = self.services.config.for_community(community).reputation
        return state.pending.get(user_id, 0) * cfg.activity_points

    def _pending_messages(self, community: Community, user_id: str) -> int:
        state = self._activity.get(community)
        return state.pending.get(user_id, 0) if state is not None else 0

    # -- recognition from other cogs -----------------------------------------------------

    async def on_recognition(self, event: Recognition, ctx: Ctx) -> list[Action]:
        if is_former(event.user_id):
            return []  # a forgotten member's old win re-sent at start-up: nobody to give it to
        if event.points:
            entry = LedgerEntry(event.user_id, event.points, event.source, event.at,
                                event.giver_id, event.reason)
            if not event.once:
                await self.store.record(event.community, [entry])
            elif not await self.store.record_once(event.community, entry):
                return []  # already recorded: this is a repeat
            await self._points_changed(event.community)
        return []

    async def on_withdrawn(self, event: Withdrawn, ctx: Ctx) -> list[Action]:
        """An award taken back: its points are reversed in the ledger (once), and features
        rewarding the numbers hear they went down."""
        if not await self.store.reverse(event.community, event.user_id, event.source,
                                        event.reason, event.at, event.by):
            return []
        await self._points_changed(event.community)
        return [Emit(event.community, Receded(event.community, event.at, event.user_id,
                                              event.name))]

    async def standing(self, community: Community, user_id: str) -> Standing:
        return Standing(await self._points(community, user_id))

    async def measure(self, community: Community, user_ids: Sequence[str],
                      kinds: frozenset[str], now: datetime) -> dict[str, dict[str, int]]:
        """Members' numbers for badges, counting activity not yet written."""
        out: dict[str, dict[str, int]] = {uid: {} for uid in user_ids}
        if kinds & TOTALS:
            totals = await self.store.totals_many(community, user_ids)
            for uid in user_ids:
                out[uid] = self._measured(community, uid, totals.get(uid) or _NO_TOTALS)
        givers, wins = "thanks_from_members" in kinds, "contest_wins" in kinds
        if givers or wins:
            for uid in user_ids:
                counted = await self.store.ledger_counts(community, uid, givers=givers,
                                                         wins=wins)
                if givers:
                    out[uid]["thanks_from_members"] = counted[0]
                if wins:
                    out[uid]["contest_wins"] = counted[1]
        return out

    def _measured(self, community: Community, user_id: str, totals: Totals) -> dict[str, int]:
        """The TOTALS measures of a member, counting activity not yet written."""
        n = self._pending_messages(community, user_id)  # right after a flush, nothing
        per = self.services.config.for_community(community).reputation.activity_points \
            if n else 0
        return {"reputation": totals.points + n * per, "messages": totals.messages + n,
                "thanks_received": totals.thanks_received, "thanks_given": totals.thanks_given}

    async def reaching(self, community: Community, kind: str, threshold: int, now: datetime
                       ) -> list[str]:
        return await self.store.reaching(community, kind, threshold)

    async def _points_changed(self, community: Community) -> None:
        """Schedule a check for days leaving the window leaderboards, at most one per interval.
        A quiet community schedules nothing; /leaderboard catches up there if it is due."""
        if community in self._windows_due:
            return
        self._windows_due.add(community)
        cfg: ReputationSettings = self.services.config.for_community(community).reputation
        await self.services.scheduler.schedule(
            WINDOWS, f"{WINDOWS}:{community.key}", community,
            self.services.clock.now() + cfg.leaderboard_refresh)

    async def refresh_windows(self, job: Job) -> list[Action]:
        """Take days that have left the 7d / 30d windows off their running sums (the sums
        themselves are kept on every write)."""
        self._windows_due.discard(job.community)
        await self.store.advance_windows(job.community, day_of(self.services.clock.now()))
        return []

    # -- commands: profile, leaderboard ---------------------------------------------

    @command(PROFILE)
    async def profile(self, event: CommandInvoked, ctx: Ctx, member: MemberRef | None
                      ) -> list[Action]:
        cfg = ctx.settings.reputation
        m = cfg.messages
        target = member or MemberRef(event.actor.user_id, event.actor.name)
        community = event.community
        # One statement: the member's record (joined with the directory), totals and rank.
        # What it read travels on to the fields below, so they needn't read it again.
        found = await self.store.profile(community, target.user_id,
                                         self._pending_points(community, target.user_id))
        name = found.name if found.name is not None else (target.name or target.user_id)
        measured = self._measured(community, target.user_id, found.totals)
        points = measured["reputation"]
        if found.rank:
            rank_text = self.say(ctx, m.profile_rank, rank=found.rank,
                                 ranked=max(found.ranked, found.rank))
        else:
            rank_text = self.say(ctx, m.profile_unranked)
        subject = ProfileSubject(target.user_id, name, found.first_joined, measured)
        fields: dict[str, Any] = {}
        for source in self.services.profile_fields:  # badges: what they hold and what's next
            fields.update(await source(ctx, subject))
        if not fields:
            fields = {"badges": self.say(ctx, m.no_badges),
                      "next": self.say(ctx, m.profile_all_earned, name=name)}
        since = found.first_joined or ctx.now
        text = self.say(
            ctx, m.profile, member=Mention(target.user_id, name), name=name, points=points,
            rank=rank_text, tenure=max(ctx.now - since, timedelta(minutes=1)), since=since,
            **fields)
        return [Respond(community, event.actor.user_id, text)]

    @command(LEADERBOARD)
    async def leaderboard(self, event: CommandInvoked, ctx: Ctx, period: str | None
                          ) -> list[Action]:
        cfg = ctx.settings.reputation
        m = cfg.messages
        period = period or "all"
        period_text = self.say(ctx, getattr(m, f"period_{period}"))
        if period == "all":
            rows = await self.store.top(event.community, cfg.leaderboard_size)
        else:
            # Normally the periodic job has taken off days that left the window; in a quiet
            # community nothing scheduled it, so do it now. A busy day is more than one member
            # should wait for: past a few short steps the job finishes it, at once.
            today = day_of(ctx.now)
            if (await self.store.windows_due(event.community, today)
                    and not await self.store.advance_windows(event.community, today,
                                                             steps=INLINE_EXPIRY_STEPS)):
                self._windows_due.add(event.community)
                await self.services.scheduler.schedule(
                    WINDOWS, f"{WINDOWS}:{event.community.key}", event.community, ctx.now)
            rows = await self.store.top(event.community, cfg.leaderboard_size, period=period)
        rows = places(rows, cfg.leaderboard_size)
        if not rows:
            text = self.say(ctx, m.leaderboard_empty, period=period_text)
        else:
            # Names, not mentions: a leaderboard shouldn't ping everyone on it.
            lines = Text.join([self.say(ctx, m.leaderboard_line, rank=i,
                                                         name=UserText(r.name), points=r.points)
                               for i, r in enumerate(rows, start=1)])
            text = self.say(ctx, m.leaderboard, period=period_text, lines=lines)
        return [Respond(event.community, event.actor.user_id, text)]
