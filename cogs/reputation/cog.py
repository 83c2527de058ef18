"""Reputation: thanks (command, reaction, message), activity points, fairness rules, /profile
and /leaderboard. Badges are their own feature; reputation tells them what moved (Progressed,
ActivityCounted) and declares its numbers as measures they can ask for."""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.actions import Action, DirectMessage, Emit, Post, Respond
from bot.cog import Cog, Context, Listener, Measures, Services, Standing
from bot.commands import CommandSpec, Option, OptionType, command
from bot.events import (
    ActivityCounted,
    CommandInvoked,
    Community,
    Event,
    MemberRef,
    MessagePosted,
    Progressed,
    ReactionAdded,
    Recognition,
)
from bot.ports import Job
from bot.scheduler import JobHandler
from bot.text import Mention, Text, UserText
from cogs.reputation.settings import ReputationSettings
from cogs.reputation.store import LedgerEntry, ReputationStore, Totals

FLUSH = "reputation.flush"
WINDOWS = "reputation.windows"
# Window leaderboards keep this many places, so members who left can be skipped when shown.
WINDOW_KEEP = 100
# The numbers reputation declares for badges; TOTALS come from one row per member.
TOTALS = frozenset({"reputation", "messages", "thanks_received", "thanks_given"})
MEASURES = (*sorted(TOTALS), "thanks_from_members", "contest_wins")
PERIODS = {"all": None, "30d": timedelta(days=30), "7d": timedelta(days=7)}
_NOTHING: list[Action] = []
_ID_MENTION = re.compile(r"<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>")
_NAME_MENTION = re.compile(r"(?<![\w<@])@([A-Za-z0-9_.-]{1,32})")

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


@dataclass(slots=True)
class _Activity:
    """Activity held in memory for one community until the next flush."""

    # user id -> when their next message may earn points again
    next_at: dict[str, datetime] = field(default_factory=dict)
    # user id -> messages that earned points since the last flush
    pending: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Thanker:
    user_id: str
    name: str
    is_bot: bool


class ReputationCog(Cog):
    name = "reputation"
    settings = ReputationSettings
    store_class = ReputationStore

    def __init__(self, services: Services, store: ReputationStore) -> None:
        super().__init__(services, store)
        self.store: ReputationStore = store
        self._activity: dict[Community, _Activity] = {}
        self._flush_armed = False
        self._words: dict[tuple[str, ...], re.Pattern[str]] = {}
        # When each window leaderboard was last computed by this process.
        self._windows: dict[tuple[Community, str], datetime] = {}
        # Communities whose window leaderboards have a refresh scheduled.
        self._windows_due: set[Community] = set()
        # Other features (contests) read points through services.standing(), badges ask for
        # the numbers behind them through the measures declared here.
        services.standing_sources.append(self.standing)
        services.measures.append(Measures(MEASURES, self.measure, self.reaching))

    def listeners(self) -> dict[type[Event], Listener]:
        return {MessagePosted: self.on_message, ReactionAdded: self.on_reaction,
                Recognition: self.on_recognition}

    def jobs(self) -> dict[str, JobHandler]:
        return {FLUSH: self.flush_job, WINDOWS: self.refresh_windows}

    async def stop(self) -> list[Action]:
        # Activity held in memory is written before shutdown; see flush_every in the config.
        return await self.flush()

    # -- thanks -------------------------------------------------------------------------

    @command(THANKS)
    async def thanks(self, event: CommandInvoked, ctx: Context, member: MemberRef,
                     reason: str | None) -> list[Action]:
        cfg: ReputationSettings = ctx.settings.reputation
        actor, target = event.actor, member
        giver = _Thanker(actor.user_id, actor.name, actor.is_bot)
        reason = (reason or "").strip()
        if giver.is_bot and not cfg.bots_take_part:
            return []
        async with self._limits(ctx, giver):
            refusal = await self._refusal(ctx, giver, target)
            if refusal is not None:
                return [Respond(event.community, actor.user_id, refusal)]
            actions = await self._record_thanks(ctx, giver, target, "thanks", reason)
        rng, channels = self.services.rng, ctx.channels
        member = Mention(target.user_id, target.name or target.user_id)
        if cfg.announce_thanks and event.channel:
            if reason:
                text = cfg.messages.thanked_for.render(rng, channels, giver=actor.name,
                                                       member=member, name=member.name,
                                                       reason=reason)
            else:
                text = cfg.messages.thanked.render(rng, channels, giver=actor.name,
                                                   member=member, name=member.name)
            note: Action = Post(event.community, event.channel, text)
        else:
            note = Respond(event.community, actor.user_id, cfg.messages.thanks_noted.render(
                rng, channels, name=actor.name, member=member))
        return [note, *actions]

    async def on_reaction(self, event: ReactionAdded, ctx: Context) -> list[Action]:
        cfg: ReputationSettings = ctx.settings.reputation
        if event.emoji not in cfg.thank_reactions or event.message_author is None:
            return _NOTHING
        target = await self._known(event.community, event.message_author)
        giver = _Thanker(event.reactor.user_id, event.reactor.name, event.reactor.is_bot)
        return await self._passive_thanks(ctx, giver, target, "thanks_reaction",
                                          f"reacted {event.emoji}")

    async def _thanks_in_message(self, event: MessagePosted, ctx: Context,
                                 cfg: ReputationSettings) -> list[Action]:
        content = event.content
        if not self._thanks_words(cfg).search(content):
            return _NOTHING
        community = event.community
        targets: dict[str, MemberRef] = {}
        for user_id in _ID_MENTION.findall(content):
            found = await self.services.members.by_id(community, user_id)
            if found is not None:
                targets.setdefault(found.user_id, found)
        for name in _NAME_MENTION.findall(content):
            found = (await self.services.members.by_name(community, name)
                     or await self.services.members.by_name(community, name.rstrip(".-_")))
            if found is not None:
                targets.setdefault(found.user_id, found)
        author = event.author
        giver = _Thanker(author.user_id, author.name, author.is_bot)
        actions: list[Action] = []
        for target in targets.values():
            actions.extend(await self._passive_thanks(ctx, giver, target, "thanks_message",
                                                      content[:300]))
        return actions

    def _thanks_words(self, cfg: ReputationSettings) -> re.Pattern[str]:
        key = tuple(cfg.thanks_words)
        pattern = self._words.get(key)
        if pattern is None:
            words = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in key)
            pattern = self._words[key] = re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)
        return pattern

    async def _passive_thanks(self, ctx: Context, giver: _Thanker, target: MemberRef,
                              source: str, reason: str) -> list[Action]:
        """Thanks said with a reaction or in a message: refusals are explained privately,
        except for ones nobody meant (thanking yourself or a bot in passing)."""
        cfg: ReputationSettings = ctx.settings.reputation
        if target.user_id == giver.user_id and not cfg.allow_self_thanks:
            return _NOTHING
        if giver.is_bot and not cfg.bots_take_part:
            return _NOTHING
        if target.is_bot and not cfg.bots_take_part:
            return _NOTHING
        async with self._limits(ctx, giver):
            refusal = await self._refusal(ctx, giver, target)
            if refusal is not None:
                return [DirectMessage(ctx.community, giver.user_id, refusal)]
            return await self._record_thanks(ctx, giver, target, source, reason)

    def _limits(self, ctx: Context, giver: _Thanker) -> AbstractAsyncContextManager[None]:
        """The giver's limits are checked and their thanks written in one transaction that no
        other thanks from them (in any worker) can interleave with, so two at once can't both
        slip under the daily limit or the pair cooldown."""
        return self.store.transaction(ctx.community.key, giver.user_id)

    async def _refusal(self, ctx: Context, giver: _Thanker, target: MemberRef
                       ) -> Text | None:
        """Why this thanks can't be recorded, in words for the giver; None if it can."""
        cfg: ReputationSettings = ctx.settings.reputation
        m, rng, channels = cfg.messages, self.services.rng, ctx.channels
        community, now = ctx.community, ctx.now
        member = Mention(target.user_id, target.name or target.user_id)
        if target.user_id == giver.user_id and not cfg.allow_self_thanks:
            return m.refused_self.render(rng, channels, name=giver.name)
        if target.is_bot and not cfg.bots_take_part:
            return m.refused_bot.render(rng, channels, name=giver.name, member=member)
        repo = self.store
        if cfg.daily_limit:
            count, oldest = await repo.thanks_given_since(community, giver.user_id,
                                                          now - timedelta(days=1))
            if count >= cfg.daily_limit:
                again = (oldest or now) + timedelta(days=1)
                return m.refused_daily_limit.render(rng, channels, name=giver.name,
                                                    limit=cfg.daily_limit, again=again)
        if cfg.pair_cooldown:
            last = await repo.last_thanks(community, giver.user_id, target.user_id,
                                          now - cfg.pair_cooldown)
            if last is not None:
                return m.refused_pair.render(rng, channels, name=giver.name, member=member,
                                             again=last + cfg.pair_cooldown)
        if cfg.max_share_per_giver < 1:
            total = await self._points(community, target.user_id) + cfg.thanks_points
            if total >= cfg.share_applies_from:
                mine = await repo.points_from(community, target.user_id, giver.user_id)
                if (mine + cfg.thanks_points) / total > cfg.max_share_per_giver:
                    return m.refused_share.render(rng, channels, name=giver.name, member=member)
        return None

    async def _record_thanks(self, ctx: Context, giver: _Thanker, target: MemberRef,
                             source: str, reason: str) -> list[Action]:
        cfg: ReputationSettings = ctx.settings.reputation
        await self.store.record(ctx.community, [LedgerEntry(
            target.user_id, cfg.thanks_points, source, ctx.now, giver.user_id, reason)])
        await self._points_changed(ctx.community)
        return [Emit(ctx.community, Progressed(ctx.community, ctx.now, target.user_id,
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

    async def on_message(self, event: MessagePosted, ctx: Context) -> list[Action]:
        author = event.author
        cfg: ReputationSettings = ctx.settings.reputation
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
            state = self._activity[event.community] = _Activity()
        uid, now = author.user_id, ctx.now
        allowed = state.next_at.get(uid)
        if allowed is not None and now < allowed:
            return actions
        if cfg.activity_cooldown:
            state.next_at[uid] = now + cfg.activity_cooldown
        state.pending[uid] = state.pending.get(uid, 0) + 1
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
        return await self.flush()

    async def flush(self) -> list[Action]:
        """Write held activity points, one transaction per community; returns what badges
        should hear."""
        self._flush_armed = False
        actions: list[Action] = []
        for community, state in list(self._activity.items()):
            if state.pending:
                actions.extend(await self._flush_community(community, state))
            now = self.services.clock.now()
            # Cooldowns that have run out would allow the next message anyway.
            state.next_at = {u: t for u, t in state.next_at.items() if t > now}
        return actions

    async def _flush_community(self, community: Community, state: _Activity) -> list[Action]:
        pending, state.pending = state.pending, {}
        ctx = self.services.context(community)
        cfg: ReputationSettings = ctx.settings.reputation
        items = [(uid, n * cfg.activity_points, n) for uid, n in pending.items()]
        try:
            await self.store.add_activity(community, items, ctx.now)
        except Exception:
            # Keep the points for the next try rather than lose them.
            for uid, n in pending.items():
                state.pending[uid] = state.pending.get(uid, 0) + n
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

    async def on_recognition(self, event: Recognition, ctx: Context) -> list[Action]:
        if event.points:
            entry = LedgerEntry(event.user_id, event.points, event.source, event.at,
                                event.giver_id, event.reason)
            if not event.once:
                await self.store.record(event.community, [entry])
            elif not await self.store.record_once(event.community, entry):
                return []  # already recorded: this is a repeat
            await self._points_changed(event.community)
        return []

    async def standing(self, community: Community, user_id: str) -> Standing:
        return Standing(await self._points(community, user_id))

    async def measure(self, community: Community, user_ids: Sequence[str],
                      kinds: frozenset[str], now: datetime) -> dict[str, dict[str, int]]:
        """Members' numbers for badges, counting activity not yet written."""
        out: dict[str, dict[str, int]] = {uid: {} for uid in user_ids}
        if kinds & TOTALS:
            totals = await self.store.totals_many(community, user_ids)
            for uid in user_ids:
                t = totals.get(uid) or Totals()
                out[uid].update(reputation=t.points + self._pending_points(community, uid),
                                messages=t.messages + self._pending_messages(community, uid),
                                thanks_received=t.thanks_received, thanks_given=t.thanks_given)
        for uid in user_ids:
            if "thanks_from_members" in kinds:
                out[uid]["thanks_from_members"] = await self.store.distinct_givers(community,
                                                                                   uid)
            if "contest_wins" in kinds:
                out[uid]["contest_wins"] = await self.store.count_source(community, uid,
                                                                         "contest_win")
        return out

    async def reaching(self, community: Community, kind: str, threshold: int, now: datetime
                       ) -> list[str]:
        return await self.store.reaching(community, kind, threshold)

    async def _points_changed(self, community: Community) -> None:
        """Schedule a refresh of the window leaderboards, at most one per interval. A quiet
        community schedules nothing; /leaderboard recomputes there if it is out of date."""
        if community in self._windows_due:
            return
        self._windows_due.add(community)
        cfg: ReputationSettings = self.services.config.for_community(community).reputation
        await self.services.scheduler.schedule(
            WINDOWS, f"{WINDOWS}:{community.key}", community,
            self.services.clock.now() + cfg.leaderboard_refresh)

    async def refresh_windows(self, job: Job) -> list[Action]:
        self._windows_due.discard(job.community)
        ctx = self.services.context(job.community, job.due_at)
        for period in PERIODS:
            if PERIODS[period] is not None:
                await self._refresh_window(ctx, period)
        return []

    async def _refresh_window(self, ctx: Context, period: str) -> None:
        window = PERIODS[period]
        assert window is not None
        await self.store.refresh_window(ctx.community, period, ctx.now - window,
                                                     ctx.now, WINDOW_KEEP)
        self._windows[(ctx.community, period)] = ctx.now

    # -- commands: profile, leaderboard ---------------------------------------------

    @command(PROFILE)
    async def profile(self, event: CommandInvoked, ctx: Context, member: MemberRef | None
                      ) -> list[Action]:
        cfg: ReputationSettings = ctx.settings.reputation
        m, rng, channels = cfg.messages, self.services.rng, ctx.channels
        target = member or MemberRef(event.actor.user_id, event.actor.name)
        community = event.community
        record = await self.services.members.get(community, target.user_id)
        name = record.name if record else (target.name or target.user_id)
        points = await self._points(community, target.user_id)
        if points > 0:
            rank, ranked = await self.store.rank(community, points)
            rank_text = m.profile_rank.render(rng, channels, rank=rank, ranked=max(ranked, rank))
        else:
            rank_text = m.profile_unranked.render(rng, channels)
        fields: dict[str, Any] = {}
        for source in self.services.profile_fields:  # badges: what they hold and what's next
            fields.update(await source(ctx, target.user_id, name))
        if not fields:
            fields = {"badges": m.no_badges.render(rng, channels),
                      "next": m.profile_all_earned.render(rng, channels, name=name)}
        since = record.first_joined if record else ctx.now
        text = m.profile.render(
            rng, channels, member=Mention(target.user_id, name), name=name, points=points,
            rank=rank_text, tenure=max(ctx.now - since, timedelta(minutes=1)), since=since,
            **fields)
        return [Respond(community, event.actor.user_id, text)]

    @command(LEADERBOARD)
    async def leaderboard(self, event: CommandInvoked, ctx: Context, period: str | None
                          ) -> list[Action]:
        cfg: ReputationSettings = ctx.settings.reputation
        m, rng, channels = cfg.messages, self.services.rng, ctx.channels
        period = period or "all"
        window = PERIODS[period]
        period_text = getattr(m, f"period_{period}").render(rng, channels)
        if window is None:
            rows = await self.store.top(event.community, cfg.leaderboard_size)
        else:
            last = self._windows.get((event.community, period))
            # Normally the periodic job keeps it fresh; compute now if it hasn't run lately.
            if last is None or ctx.now - last > 2 * cfg.leaderboard_refresh:
                await self._refresh_window(ctx, period)
            rows = await self.store.window_top(event.community, period,
                                                            cfg.leaderboard_size)
        if not rows:
            text = m.leaderboard_empty.render(rng, channels, period=period_text)
        else:
            # Names, not mentions: a leaderboard shouldn't ping everyone on it.
            lines = Text.join([m.leaderboard_line.render(rng, channels, rank=i,
                                                         name=UserText(r.name), points=r.points)
                               for i, r in enumerate(rows, start=1)])
            text = m.leaderboard.render(rng, channels, period=period_text, lines=lines)
        return [Respond(event.community, event.actor.user_id, text)]
