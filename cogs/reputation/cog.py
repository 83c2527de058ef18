"""Reputation and badges: thanks (command, reaction, message), activity points, fairness rules,
/profile, /leaderboard, badges earned automatically or granted by moderators."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.actions import Action, DirectMessage, GrantRole, Post, RemoveRole, Respond
from bot.cog import Cog, Context, Listener, Services, Standing
from bot.commands import Command, CommandSpec, Option, OptionType
from bot.events import (
    CommandInvoked,
    Community,
    Event,
    MemberJoined,
    MemberRef,
    MessagePosted,
    ReactionAdded,
    Recognition,
)
from bot.memberdata import MemberData
from bot.permissions import Level
from bot.ports import Job
from bot.scheduler import JobHandler
from bot.templates import counted
from bot.text import Mention, Text, UserText
from cogs.reputation.badge_data import BadgesData
from cogs.reputation.member_data import ReputationData
from cogs.reputation.settings import ACTIVITY_CRITERIA, BadgeSettings, ReputationSettings
from cogs.reputation.store import LedgerEntry, ReputationStores

FLUSH = "reputation.flush"
DAILY = "reputation.daily"
WINDOWS = "reputation.windows"
# Window leaderboards keep this many places, so members who left can be skipped when shown.
WINDOW_KEEP = 100
# How a criterion's threshold reads in its `how_*` message: "1 day", "3 days".
_THRESHOLD_NOUNS = {
    "reputation": ("reputation point", "reputation points"),
    "thanks_from_members": ("different member", "different members"),
    "thanks_received": ("thanks", "thanks"),
    "thanks_given": ("time", "times"),
    "messages": ("conversation", "conversations"),
    "contest_wins": ("contest", "contests"),
    "membership_days": ("day", "days"),
}
# Badge criteria another feature keeps and declares as a measure (see Services.measures).
FOREIGN_CRITERIA = ("introduced",)
PERIODS = {"all": None, "30d": timedelta(days=30), "7d": timedelta(days=7)}
# The daily check announces newly qualified members one by one up to this many, then sums up.
DAILY_ANNOUNCE_LIMIT = 5
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
BADGES = CommandSpec("badges", "See every badge, how to earn it and how many hold it.")
BADGE_GRANT = CommandSpec(
    "badge grant", "Give a member a badge.",
    (Option("member", OptionType.MEMBER, "Who receives the badge"),
     Option("badge", OptionType.TEXT, "The badge's name", max_length=40, autocomplete=True),
     Option("reason", OptionType.TEXT, "Why, shown in the announcement", required=False,
            max_length=300)),
    level=Level.MODERATOR,
)
BADGE_REVOKE = CommandSpec(
    "badge revoke", "Take a badge back from a member.",
    (Option("member", OptionType.MEMBER, "Whose badge"),
     Option("badge", OptionType.TEXT, "The badge's name", max_length=40, autocomplete=True)),
    level=Level.MODERATOR,
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
    store_class = ReputationStores

    def __init__(self, services: Services, store: ReputationStores) -> None:
        super().__init__(services, store)
        self.store: ReputationStores = store
        self._activity: dict[Community, _Activity] = {}
        self._flush_armed = False
        self._words: dict[tuple[str, ...], re.Pattern[str]] = {}
        # When each window leaderboard was last computed by this process.
        self._windows: dict[tuple[Community, str], datetime] = {}
        # Communities whose window leaderboards have a refresh scheduled.
        self._windows_due: set[Community] = set()
        # Other cogs (contests) read points and badges through services.standing().
        services.standing_sources.append(self.standing)

    def commands(self) -> list[Command]:
        return [
            Command(THANKS, self.thanks), Command(PROFILE, self.profile),
            Command(LEADERBOARD, self.leaderboard), Command(BADGES, self.badges),
            Command(BADGE_GRANT, self.badge_grant, self.suggest_badge),
            Command(BADGE_REVOKE, self.badge_revoke, self.suggest_badge),
        ]

    def member_data(self) -> list[MemberData]:
        return [ReputationData(self.store.reputation.db, self._drop_held),
                BadgesData(self.store.badges.db, lambda settings: settings.reputation.badges)]

    def _drop_held(self, community: Community, user_id: str) -> None:
        state = self._activity.get(community)
        if state is not None:
            state.pending.pop(user_id, None)
            state.next_at.pop(user_id, None)

    def listeners(self) -> dict[type[Event], Listener]:
        return {MessagePosted: self.on_message, ReactionAdded: self.on_reaction,
                Recognition: self.on_recognition, MemberJoined: self.on_join}

    def jobs(self) -> dict[str, JobHandler]:
        return {FLUSH: self.flush_job, DAILY: self.daily, WINDOWS: self.refresh_windows}

    async def start(self) -> list[Action]:
        actions: list[Action] = []
        for community in await self.store.reputation.communities():
            actions.extend(await self._backfill(community))
            await self._arm_jobs(community)
        return actions

    async def stop(self) -> None:
        # Activity held in memory is written before shutdown; see flush_every in the config.
        await self.flush()

    # -- thanks -------------------------------------------------------------------------

    async def thanks(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                     ) -> list[Action]:
        cfg: ReputationSettings = ctx.settings.reputation
        actor, target = event.actor, args["member"]
        giver = _Thanker(actor.user_id, actor.name, actor.is_bot)
        reason = (args.get("reason") or "").strip()
        if giver.is_bot and not cfg.bots_take_part:
            return []
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
        refusal = await self._refusal(ctx, giver, target)
        if refusal is not None:
            return [DirectMessage(ctx.community, giver.user_id, refusal)]
        return await self._record_thanks(ctx, giver, target, source, reason)

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
        repo = self.store.reputation
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
        await self.store.reputation.record(ctx.community, [LedgerEntry(
            target.user_id, cfg.thanks_points, source, ctx.now, giver.user_id, reason)])
        await self._points_changed(ctx.community)
        return [*await self._check_badges(ctx, target.user_id, target.name),
                *await self._check_badges(ctx, giver.user_id, giver.name)]

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
            await self._arm_jobs(event.community)
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
            await self.services.scheduler.schedule(FLUSH, FLUSH, event.community,
                                                   now + cfg.flush_every)
        return actions

    async def flush_job(self, job: Job) -> list[Action]:
        return await self.flush()

    async def flush(self) -> list[Action]:
        """Write held activity points, one transaction per community; returns badge news."""
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
            await self.store.reputation.add_activity(community, items, ctx.now)
        except Exception:
            # Keep the points for the next try rather than lose them.
            for uid, n in pending.items():
                state.pending[uid] = state.pending.get(uid, 0) + n
            raise
        await self._points_changed(community)
        return await self._activity_badges(ctx, items)

    async def _activity_badges(self, ctx: Context, items: list[tuple[str, int, int]]
                               ) -> list[Action]:
        """Badges whose threshold this flush crossed (old value below it, new one at it)."""
        cfg: ReputationSettings = ctx.settings.reputation
        badges = [b for b in cfg.badges if b.criterion in ACTIVITY_CRITERIA]
        if not badges:
            return []
        totals = await self.store.reputation.totals_many(ctx.community,
                                                           [uid for uid, _, _ in items])
        actions: list[Action] = []
        for uid, points, messages in items:
            now_at = totals.get(uid)
            if now_at is None:
                continue
            for badge in badges:
                new, delta = ((now_at.points, points) if badge.criterion == "reputation"
                              else (now_at.messages, messages))
                if new - delta < badge.threshold <= new:
                    actions.extend(await self._award(ctx, uid, None, badge))
        return actions

    async def _points(self, community: Community, user_id: str) -> int:
        """Points including activity not yet flushed."""
        totals = await self.store.reputation.totals(community, user_id)
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
                await self.store.reputation.record(event.community, [entry])
            elif not await self.store.reputation.record_once(event.community, entry):
                return []  # already recorded: this is a repeat
            await self._points_changed(event.community)
        return await self._check_badges(ctx, event.user_id, event.name)

    async def standing(self, community: Community, user_id: str) -> Standing:
        held = await self.store.badges.held(community, user_id)
        return Standing(await self._points(community, user_id),
                        frozenset(h.badge for h in held))

    # -- badges ---------------------------------------------------------------------------

    async def _metrics(self, ctx: Context, user_id: str, kinds: set[str]) -> dict[str, int]:
        community, out = ctx.community, {}
        if kinds & {"reputation", "messages", "thanks_received", "thanks_given"}:
            t = await self.store.reputation.totals(community, user_id)
            out.update(reputation=t.points + self._pending_points(community, user_id),
                       messages=t.messages + self._pending_messages(community, user_id),
                       thanks_received=t.thanks_received, thanks_given=t.thanks_given)
        if "thanks_from_members" in kinds:
            out["thanks_from_members"] = await self.store.reputation.distinct_givers(
                community, user_id)
        if "contest_wins" in kinds:
            out["contest_wins"] = await self.store.reputation.count_source(
                community, user_id, "contest_win")
        if "introduced" in kinds:
            introduced = self.services.measures.get("introduced")
            out["introduced"] = (await introduced.of(community, user_id, ctx.now)
                                 if introduced else 0)
        if "membership_days" in kinds:
            record = await self.services.members.get(community, user_id)
            out["membership_days"] = (ctx.now - record.first_joined).days if record else 0
        return out

    async def _check_badges(self, ctx: Context, user_id: str, name: str | None
                            ) -> list[Action]:
        cfg: ReputationSettings = ctx.settings.reputation
        if not cfg.badges:
            return []
        known = await self.store.badges.known(ctx.community, user_id)
        todo = [b for b in cfg.badges if b.name not in known]
        if not todo:
            return []
        values = await self._metrics(ctx, user_id, {b.criterion for b in todo})
        actions: list[Action] = []
        for badge in todo:
            if values.get(badge.criterion, 0) >= badge.threshold:
                actions.extend(await self._award(ctx, user_id, name, badge))
        return actions

    async def _award(self, ctx: Context, user_id: str, name: str | None, badge: BadgeSettings,
                     by: str | None = None, reason: str = "") -> list[Action]:
        """Award a badge and announce it; nothing if they already had it."""
        if not await self.store.badges.award(ctx.community, user_id, badge.name, ctx.now,
                                               by, reason):
            return []
        if name is None:
            record = await self.services.members.get(ctx.community, user_id)
            name = record.name if record else user_id
        return [self._announce(ctx, user_id, name, badge, reason if by else None),
                *([GrantRole(ctx.community, user_id, badge.role)] if badge.role else [])]

    def _announce(self, ctx: Context, user_id: str, name: str, badge: BadgeSettings,
                  reason: str | None) -> Action:
        cfg: ReputationSettings = ctx.settings.reputation
        m = cfg.messages
        fields: dict[str, Any] = dict(
            member=Mention(user_id, name), name=name, badge=badge.name, emoji=badge.emoji,
            description=badge.description, community=ctx.settings.community.name)
        rng, channels = self.services.rng, ctx.channels
        if reason is not None:
            fields["reason"] = reason or badge.description
            public, private = m.badge_granted, m.badge_granted_dm
        else:
            public, private = m.badge_earned, m.badge_earned_dm
        if cfg.badge_channel:
            return Post(ctx.community, ctx.channel(cfg.badge_channel),
                        public.render(rng, channels, **fields))
        return DirectMessage(ctx.community, user_id, private.render(rng, channels, **fields))

    async def _backfill(self, community: Community, criteria: tuple[str, ...] | None = None,
                        announce_up_to: int = 0) -> list[Action]:
        """Award badges to everyone who qualifies but never had them (a badge added or changed
        since the last run, or days of membership passing): one summary, not a flood."""
        ctx = self.services.context(community)
        cfg: ReputationSettings = ctx.settings.reputation
        won: list[tuple[BadgeSettings, list[tuple[str, str]]]] = []
        for badge in cfg.badges:
            if criteria is not None and badge.criterion not in criteria:
                continue
            among = None
            if badge.criterion in FOREIGN_CRITERIA:
                # Kept by another feature: it says who reaches the threshold.
                measure = self.services.measures.get(badge.criterion)
                among = await measure.reaching(community, badge.threshold, ctx.now) \
                    if measure else []
            who = await self.store.badges.qualifying(community, badge.name, badge.criterion,
                                                     badge.threshold, ctx.now, among)
            if who:
                await self.store.badges.award_many(community, [u for u, _ in who],
                                                     badge.name, ctx.now)
                won.append((badge, who))
        count = sum(len(who) for _, who in won)
        if not count:
            return []
        actions: list[Action] = []
        if count <= announce_up_to:
            for badge, who in won:
                actions.extend(self._announce(ctx, uid, name, badge, None) for uid, name in who)
        elif cfg.badge_channel:
            summary = ", ".join(f"{b.emoji} {b.name} ({len(who)})" for b, who in won)
            members = len({uid for _, who in won for uid, _ in who})
            text = cfg.messages.backfill_summary.render(
                self.services.rng, ctx.channels, count=members, summary=Text.of(summary),
                community=ctx.settings.community.name)
            actions.append(Post(community, ctx.channel(cfg.badge_channel), text))
        for badge, who in won:
            if badge.role:
                actions.extend(GrantRole(community, uid, badge.role) for uid, _ in who)
        return actions

    async def on_join(self, event: MemberJoined, ctx: Context) -> list[Action]:
        if event.community not in self._activity:
            self._activity[event.community] = _Activity()
            await self._arm_jobs(event.community)
        return []

    async def _arm_jobs(self, community: Community) -> None:
        """The daily badge check, once per community."""
        key = f"{DAILY}:{community.key}"
        if await self.services.scheduler.pending(key) is None:
            await self.services.scheduler.schedule(
                DAILY, key, community, self.services.clock.now() + timedelta(days=1))

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
        await self.store.reputation.refresh_window(ctx.community, period, ctx.now - window,
                                                     ctx.now, WINDOW_KEEP)
        self._windows[(ctx.community, period)] = ctx.now

    async def daily(self, job: Job) -> list[Action]:
        """Days-of-membership badges, checked once a day."""
        actions = await self._backfill(job.community, ("membership_days",), DAILY_ANNOUNCE_LIMIT)
        await self.services.scheduler.schedule(DAILY, job.key, job.community,
                                               job.due_at + timedelta(days=1))
        return actions

    # -- commands: profile, leaderboard, badges ---------------------------------------------

    def _how(self, cfg: ReputationSettings, badge: BadgeSettings) -> Text:
        template = getattr(cfg.messages, f"how_{badge.criterion}")
        one, many = _THRESHOLD_NOUNS.get(badge.criterion, ("", ""))
        threshold = counted(badge.threshold, one, many) if one else badge.threshold
        return template.render(self.services.rng, None, threshold=threshold)

    async def profile(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                      ) -> list[Action]:
        cfg: ReputationSettings = ctx.settings.reputation
        m, rng, channels = cfg.messages, self.services.rng, ctx.channels
        target = args.get("member") or MemberRef(event.actor.user_id, event.actor.name)
        community = event.community
        record = await self.services.members.get(community, target.user_id)
        name = record.name if record else (target.name or target.user_id)
        points = await self._points(community, target.user_id)
        if points > 0:
            rank, ranked = await self.store.reputation.rank(community, points)
            rank_text = m.profile_rank.render(rng, channels, rank=rank, ranked=max(ranked, rank))
        else:
            rank_text = m.profile_unranked.render(rng, channels)
        held = await self.store.badges.held(community, target.user_id)
        by_name = {b.name: b for b in cfg.badges}
        badges = (Text.of(", ".join(f"{by_name[h.badge].emoji} {h.badge}" if h.badge in by_name
                                    else h.badge for h in held))
                  if held else m.no_badges.render(rng, channels))
        known = await self.store.badges.known(community, target.user_id)
        todo = [b for b in cfg.badges if b.name not in known]
        if todo:
            values = await self._metrics(ctx, target.user_id, {b.criterion for b in todo})
            best = max(todo, key=lambda b: (min(values.get(b.criterion, 0), b.threshold)
                                            / b.threshold, -b.threshold))
            next_text = m.profile_next.render(
                rng, channels, badge=best.name, emoji=best.emoji, how=self._how(cfg, best),
                progress=min(values.get(best.criterion, 0), best.threshold),
                threshold=best.threshold)
        else:
            next_text = m.profile_all_earned.render(rng, channels, name=name)
        since = record.first_joined if record else ctx.now
        text = m.profile.render(
            rng, channels, member=Mention(target.user_id, name), name=name, points=points,
            rank=rank_text, tenure=max(ctx.now - since, timedelta(minutes=1)), since=since,
            badges=badges, next=next_text)
        return [Respond(community, event.actor.user_id, text)]

    async def leaderboard(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                          ) -> list[Action]:
        cfg: ReputationSettings = ctx.settings.reputation
        m, rng, channels = cfg.messages, self.services.rng, ctx.channels
        period = args.get("period") or "all"
        window = PERIODS[period]
        period_text = getattr(m, f"period_{period}").render(rng, channels)
        if window is None:
            rows = await self.store.reputation.top(event.community, cfg.leaderboard_size)
        else:
            last = self._windows.get((event.community, period))
            # Normally the periodic job keeps it fresh; compute now if it hasn't run lately.
            if last is None or ctx.now - last > 2 * cfg.leaderboard_refresh:
                await self._refresh_window(ctx, period)
            rows = await self.store.reputation.window_top(event.community, period,
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

    async def badges(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                     ) -> list[Action]:
        cfg: ReputationSettings = ctx.settings.reputation
        m, rng, channels = cfg.messages, self.services.rng, ctx.channels
        if not cfg.badges:
            return [Respond(event.community, event.actor.user_id, m.badges_none.render(rng))]
        holders = await self.store.badges.holders(event.community)
        lines = Text.join([m.badges_line.render(
            rng, channels, emoji=b.emoji, badge=b.name, description=b.description,
            how=self._how(cfg, b), holders=holders.get(b.name, 0)) for b in cfg.badges])
        return [Respond(event.community, event.actor.user_id,
                        m.badges_list.render(rng, channels, lines=lines))]

    # -- commands: moderators' grants -------------------------------------------------------

    def _find_badge(self, cfg: ReputationSettings, wanted: str) -> BadgeSettings | None:
        return next((b for b in cfg.badges if b.name.lower() == wanted.strip().lower()), None)

    def _unknown_badge(self, event: CommandInvoked, ctx: Context, wanted: str) -> list[Action]:
        cfg: ReputationSettings = ctx.settings.reputation
        names = ", ".join(b.name for b in cfg.badges) or "none yet"
        return [Respond(event.community, event.actor.user_id, cfg.messages.unknown_badge.render(
            self.services.rng, ctx.channels, badge=wanted, badges=names))]

    async def badge_grant(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                          ) -> list[Action]:
        cfg: ReputationSettings = ctx.settings.reputation
        badge = self._find_badge(cfg, args["badge"])
        if badge is None:
            return self._unknown_badge(event, ctx, args["badge"])
        target = args["member"]
        name = target.name or target.user_id
        reason = (args.get("reason") or "").strip()
        actions = await self._award(ctx, target.user_id, name, badge, event.actor.user_id,
                                    reason)
        rng, channels = self.services.rng, ctx.channels
        template = cfg.messages.badge_grant_done if actions else cfg.messages.badge_already
        reply = Respond(event.community, event.actor.user_id,
                        template.render(rng, channels, name=name, badge=badge.name))
        return [reply, *actions]

    async def badge_revoke(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                           ) -> list[Action]:
        cfg: ReputationSettings = ctx.settings.reputation
        badge = self._find_badge(cfg, args["badge"])
        if badge is None:
            return self._unknown_badge(event, ctx, args["badge"])
        target = args["member"]
        name = target.name or target.user_id
        rng, channels = self.services.rng, ctx.channels
        if not await self.store.badges.revoke(event.community, target.user_id, badge.name,
                                                ctx.now):
            return [Respond(event.community, event.actor.user_id,
                            cfg.messages.badge_not_held.render(rng, channels, name=name,
                                                               badge=badge.name))]
        actions: list[Action] = [Respond(
            event.community, event.actor.user_id,
            cfg.messages.badge_revoke_done.render(rng, channels, name=name, badge=badge.name))]
        if badge.role:
            actions.append(RemoveRole(event.community, target.user_id, badge.role))
        return actions

    async def suggest_badge(self, ctx: Context, option: str, partial: str
                            ) -> list[tuple[str, str]]:
        if option != "badge":
            return []
        cfg: ReputationSettings = ctx.settings.reputation
        wanted = partial.strip().lower()
        return [(f"{b.emoji} {b.name}", b.name) for b in cfg.badges
                if wanted in b.name.lower()][:25]
