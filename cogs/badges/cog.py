"""Badges: earned by reaching what other features measure (reputation, introductions, days of
membership), or granted by moderators; /badges, /badge grant, /badge revoke.

Badges keep no numbers of their own. They listen for Recognition, Progressed and
ActivityCounted, and ask the features that declared a measure (`Services.measures`) for values.
Their settings stay where admins know them: `[reputation]`'s `badges`, `badge_channel` and the
badge messages, read through `BadgeConfig`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.actions import Action, DirectMessage, GrantRole, Post, RemoveRole, Respond
from bot.cog import (
    Cog,
    CommunityConfig,
    Context,
    Listener,
    Measures,
    ProfileSubject,
    Resolver,
    Services,
    Standing,
)
from bot.commands import CommandSpec, Option, OptionType, Refused, command
from bot.events import (
    ActivityCounted,
    CommandInvoked,
    Community,
    Event,
    MemberJoined,
    MemberRef,
    Progressed,
    Receded,
    Recognition,
)
from bot.memberdata import is_former
from bot.permissions import Level
from bot.ports import Job
from bot.scheduler import JobHandler
from bot.templates import counted
from bot.text import Mention, Text
from cogs.badges.member_data import BadgesData
from cogs.badges.store import BadgeStore

# The job kind keeps its old name, so daily checks already scheduled carry on.
DAILY = "reputation.daily"
# The daily check announces newly qualified members one by one up to this many, then sums up.
DAILY_ANNOUNCE_LIMIT = 5
# Measures that move with activity points (checked by crossing when activity is written).
ACTIVITY_KINDS = ("reputation", "messages")
# Kept by the core's member records, not declared by a feature.
MEMBERSHIP_DAYS = "membership_days"
# How a criterion's threshold reads in its `how_*` message: "1 day", "3 days".
_THRESHOLD_NOUNS = {
    "reputation": ("reputation point", "reputation points"),
    "thanks_from_members": ("different member", "different members"),
    "thanks_received": ("thanks", "thanks"),
    "thanks_given": ("time", "times"),
    "messages": ("conversation", "conversations"),
    "contest_wins": ("contest", "contests"),
    "membership_days": ("day", "days"),
    "solutions": ("question", "questions"),
}
_NOTHING: list[Action] = []

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


class Badge(Protocol):
    """One configured badge, as `[[reputation.badges]]` describes it."""

    @property
    def name(self) -> str: ...
    @property
    def emoji(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def criterion(self) -> str: ...
    @property
    def threshold(self) -> int: ...
    @property
    def role(self) -> str: ...


class BadgeConfig(Protocol):
    """What badges read of the `[reputation]` section (badges, channel, badge messages)."""

    @property
    def badges(self) -> list[Any]: ...
    @property
    def badge_channel(self) -> str: ...
    @property
    def messages(self) -> Any: ...


class BadgesCommunityConfig(CommunityConfig, Protocol):
    reputation: BadgeConfig


# What badges' handlers are given: `ctx.settings.reputation` typed as what badges read of it.
Ctx = Context[BadgesCommunityConfig]


def closeness(value: int, threshold: int) -> tuple[float, float, int]:
    """How close a member is to a badge, in relative terms: where one more step would take
    them (1 of 1 is the whole way; 1 of 365 hardly a start), then where they are now, then the
    smaller goal. A newcomer's next badge is introducing themselves, not a year's membership."""
    done = min(value, threshold)
    return min(done + 1, threshold) / threshold, done / threshold, -threshold


def _cfg(ctx: Ctx) -> BadgeConfig:
    return ctx.settings.reputation


def _days(ctx: Ctx, first_joined: datetime | None) -> int:
    """Whole days a member has been here (0 when Hearth has no record of them)."""
    return (ctx.now - first_joined).days if first_joined else 0


class BadgesCog(Cog[BadgeStore]):
    name = "badges"
    store_class = BadgeStore

    def __init__(self, services: Services, store: BadgeStore) -> None:
        super().__init__(services, store)
        # Communities whose daily check is known to be scheduled by this process.
        self._armed: set[Community] = set()
        # Other features (contests, /whois) read badges through services.standing().
        services.standing_sources.append(self.standing)
        services.profile_fields.append(self.profile_fields)

    def member_data(self) -> BadgesData:
        return BadgesData(self.store.db, lambda settings: settings.reputation.badges)

    def listeners(self) -> dict[type[Event], Listener]:
        return {Recognition: self.on_recognition, Progressed: self.on_progress,
                Receded: self.on_receded,
                ActivityCounted: self.on_activity, MemberJoined: self.on_join}

    def jobs(self) -> dict[str, JobHandler]:
        return {DAILY: self.daily}

    async def start(self) -> list[Action]:
        actions: list[Action] = []
        for community in await self.services.members.communities():
            actions.extend(await self._backfill(community))
            await self._arm(community)
        return actions

    async def reload(self) -> list[Action]:
        # New or changed badge criteria: members who already qualify get them now, as at start.
        actions: list[Action] = []
        for community in await self.services.members.communities():
            actions.extend(await self._backfill(community))
        return actions

    # -- what other features tell us --------------------------------------------------------

    # Each of these also makes sure the community's daily check is scheduled: badges hear of
    # a community when someone joins or earns something there (not from every message, which
    # would put badges on the hot path for nothing).

    async def on_recognition(self, event: Recognition, ctx: Ctx) -> list[Action]:
        if is_former(event.user_id):
            return []  # a forgotten member's old win re-sent at start-up: nobody to award
        await self._arm(event.community)
        return await self._check(ctx, event.user_id, event.name)

    async def on_progress(self, event: Progressed, ctx: Ctx) -> list[Action]:
        await self._arm(event.community)
        return await self._check(ctx, event.user_id, event.name)

    async def on_receded(self, event: Receded, ctx: Ctx) -> list[Action]:
        """A member's numbers went down (an award taken back): badges they earned and no
        longer earn are taken back too, kindly, and can be earned again. A moderator's grant
        stays."""
        cfg = _cfg(ctx)
        by_name = {b.name: b for b in cfg.badges}
        earned = [by_name[h.badge] for h in await self.store.held(ctx.community, event.user_id)
                  if h.awarded_by is None and h.badge in by_name
                  and by_name[h.badge].criterion != MEMBERSHIP_DAYS]
        if not earned:
            return _NOTHING
        values = await self._values(ctx, event.user_id, {b.criterion for b in earned})
        name = event.name or event.user_id
        actions: list[Action] = []
        for badge in earned:
            if values.get(badge.criterion, 0) >= badge.threshold or \
                    not await self.store.forget(ctx.community, event.user_id, badge.name):
                continue
            actions.append(DirectMessage(ctx.community, event.user_id, self.say(
                ctx, cfg.messages.badge_withdrawn_dm, name=name, badge=badge.name,
                emoji=badge.emoji, description=badge.description,
                community=ctx.settings.community.name, member=Mention(event.user_id, name))))
            if badge.role:
                actions.append(RemoveRole(ctx.community, event.user_id, badge.role))
        return actions

    async def on_join(self, event: MemberJoined, ctx: Ctx) -> list[Action]:
        await self._arm(event.community)
        return _NOTHING

    async def on_activity(self, event: ActivityCounted, ctx: Ctx) -> list[Action]:
        """Badges whose threshold this write crossed (old value below it, new one at it)."""
        await self._arm(event.community)
        badges = [b for b in _cfg(ctx).badges if b.criterion in ACTIVITY_KINDS]
        if not badges:
            return _NOTHING
        values = await self.services.measure(ctx.community, [u for u, _, _ in event.counts],
                                             ACTIVITY_KINDS, ctx.now)
        actions: list[Action] = []
        for uid, points, messages in event.counts:
            now_at = values.get(uid)
            if not now_at:
                continue
            for badge in badges:
                delta = points if badge.criterion == "reputation" else messages
                new = now_at.get(badge.criterion, 0)
                if new - delta < badge.threshold <= new:
                    actions.extend(await self._award(ctx, uid, None, badge))
        return actions

    async def standing(self, community: Community, user_id: str) -> Standing:
        held = await self.store.held(community, user_id)
        return Standing(0, frozenset(h.badge for h in held))

    # -- earning ----------------------------------------------------------------------------

    async def _values(self, ctx: Ctx, user_id: str, kinds: set[str]) -> dict[str, int]:
        out = (await self.services.measure(ctx.community, [user_id], kinds - {MEMBERSHIP_DAYS},
                                           ctx.now)).get(user_id, {})
        if MEMBERSHIP_DAYS in kinds:
            record = await self.services.members.get(ctx.community, user_id)
            out[MEMBERSHIP_DAYS] = _days(ctx, record.first_joined if record else None)
        return out

    async def _check(self, ctx: Ctx, user_id: str, name: str | None) -> list[Action]:
        cfg = _cfg(ctx)
        if not cfg.badges:
            return []
        known = await self.store.known(ctx.community, user_id)
        todo = [b for b in cfg.badges if b.name not in known]
        if not todo:
            return []
        values = await self._values(ctx, user_id, {b.criterion for b in todo})
        actions: list[Action] = []
        for badge in todo:
            if values.get(badge.criterion, 0) >= badge.threshold:
                actions.extend(await self._award(ctx, user_id, name, badge))
        return actions

    async def _award(self, ctx: Ctx, user_id: str, name: str | None, badge: Badge,
                     by: str | None = None, reason: str = "") -> list[Action]:
        """Award a badge and announce it; nothing if they already had it."""
        if not await self.store.award(ctx.community, user_id, badge.name, ctx.now, by, reason):
            return []
        if name is None:
            record = await self.services.members.get(ctx.community, user_id)
            name = record.name if record else user_id
        # A moderator who granted it hears if the platform refused the role.
        told = (Respond(ctx.community, by, self.say(
            ctx, _cfg(ctx).messages.badge_role_failed, name=name, badge=badge.name,
            role=badge.role)),) if by and badge.role else ()
        return [self._announce(ctx, user_id, name, badge, reason if by else None),
                *([GrantRole(ctx.community, user_id, badge.role, if_failed=told)]
                  if badge.role else [])]

    def _announce(self, ctx: Ctx, user_id: str, name: str, badge: Badge,
                  reason: str | None) -> Action:
        cfg = _cfg(ctx)
        m = cfg.messages
        fields: dict[str, Any] = dict(
            member=Mention(user_id, name), name=name, badge=badge.name, emoji=badge.emoji,
            description=badge.description, community=ctx.settings.community.name)
        if reason:
            fields["reason"] = reason
            public, private = m.badge_granted, m.badge_granted_dm
        elif reason is not None:
            public, private = m.badge_granted_no_reason, m.badge_granted_no_reason_dm
        else:
            public, private = m.badge_earned, m.badge_earned_dm
        if cfg.badge_channel:
            return Post(ctx.community, ctx.channel(cfg.badge_channel),
                        self.say(ctx, public, **fields))
        return DirectMessage(ctx.community, user_id, self.say(ctx, private, **fields))

    def _awarding(self, ctx: Ctx, badge: Badge
                  ) -> AsyncIterator[list[tuple[str, str]]] | None:
        """Pages of members newly awarded the badge because they qualify, or None when no
        feature measures its criterion here (so there is nothing to backfill yet)."""
        if badge.criterion == MEMBERSHIP_DAYS:
            return self.store.award_member_for(ctx.community, badge.name, badge.threshold,
                                               ctx.now)
        source = self.services.measured(badge.criterion)
        if source is None:
            return None
        return self._award_reaching(ctx, badge, source)

    async def _award_reaching(self, ctx: Ctx, badge: Badge, source: Measures
                              ) -> AsyncIterator[list[tuple[str, str]]]:
        among = await source.reaching(ctx.community, badge.criterion, badge.threshold, ctx.now)
        # A forgotten member's wins and thanks stay counted under a pseudonym: nobody to award.
        among = [user_id for user_id in among if not is_former(user_id)]
        async for page in self.store.award_among(ctx.community, badge.name, among, ctx.now):
            yield page

    async def _backfill(self, community: Community, criteria: tuple[str, ...] | None = None,
                        announce_up_to: int = 0, changed_only: bool = True) -> list[Action]:
        """Award badges to everyone who qualifies but never had them: at start and reload only
        badges whose criteria are new or changed since their last finished backfill (members
        who qualify by what they do are awarded as it happens), daily every days-of-membership
        badge (`changed_only=False`). One summary, not a flood."""
        ctx = self.services.context(community)
        cfg = _cfg(ctx)
        done = await self.store.backfilled(community) if changed_only else {}
        won: list[tuple[Badge, list[tuple[str, str]]]] = []
        for badge in cfg.badges:
            if criteria is not None and badge.criterion not in criteria:
                continue
            fingerprint = f"{badge.criterion}:{badge.threshold}"
            if changed_only and done.get(badge.name) == fingerprint:
                continue
            pages = self._awarding(ctx, badge)
            if pages is None:
                continue  # unmarked: backfilled once the feature measuring it is on
            who: list[tuple[str, str]] = []
            async for page in pages:  # each page committed before the next is read
                who.extend(page)
            # Marked only now: a backfill cut short (a crash, a failed write) runs again.
            await self.store.mark_backfilled(community, badge.name, fingerprint)
            if who:
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
            text = self.say(ctx, cfg.messages.backfill_summary, count=members,
                            summary=Text.of(summary), community=ctx.settings.community.name)
            actions.append(Post(community, ctx.channel(cfg.badge_channel), text))
        for badge, who in won:
            if badge.role:
                actions.extend(GrantRole(community, uid, badge.role) for uid, _ in who)
        return actions

    async def _arm(self, community: Community) -> None:
        """The daily badge check, once per community."""
        if community in self._armed:
            return
        self._armed.add(community)
        key = f"{DAILY}:{community.key}"
        if await self.services.scheduler.pending(key) is None:
            await self.services.scheduler.schedule(
                DAILY, key, community, self.services.clock.now() + timedelta(days=1))

    async def daily(self, job: Job) -> list[Action]:
        """Days-of-membership badges, checked once a day."""
        actions = await self._backfill(job.community, (MEMBERSHIP_DAYS,), DAILY_ANNOUNCE_LIMIT,
                                       changed_only=False)
        await self.services.scheduler.schedule(DAILY, job.key, job.community,
                                               job.due_at + timedelta(days=1))
        return actions

    # -- /profile's badge lines ---------------------------------------------------------------

    def _how(self, ctx: Ctx, cfg: BadgeConfig, badge: Badge) -> Text:
        template = getattr(cfg.messages, f"how_{badge.criterion}")
        one, many = _THRESHOLD_NOUNS.get(badge.criterion, ("", ""))
        threshold = counted(badge.threshold, one, many) if one else badge.threshold
        return self.say(ctx, template, threshold=threshold)

    async def profile_fields(self, ctx: Ctx, subject: ProfileSubject) -> dict[str, Any]:
        """The badges a member holds and the one they are closest to, for /profile. What the
        profile already read (their totals, when they joined) is not asked for again."""
        cfg = _cfg(ctx)
        m = cfg.messages
        user_id, name = subject.user_id, subject.name
        held, known = await self.store.of_member(ctx.community, user_id)
        by_name = {b.name: b for b in cfg.badges}
        badges = (Text.of(", ".join(f"{by_name[h.badge].emoji} {h.badge}" if h.badge in by_name
                                    else h.badge for h in held))
                  if held else self.say(ctx, m.no_badges))
        todo = [b for b in cfg.badges if b.name not in known]
        if todo:
            kinds = {b.criterion for b in todo}
            values = {k: v for k, v in subject.measured.items() if k in kinds}
            values[MEMBERSHIP_DAYS] = _days(ctx, subject.first_joined)
            values.update((await self.services.measure(
                ctx.community, [user_id], kinds - values.keys(), ctx.now)).get(user_id, {}))
            best = max(todo, key=lambda b: closeness(values.get(b.criterion, 0), b.threshold))
            next_text = self.say(ctx, m.profile_next, badge=best.name, emoji=best.emoji,
                                 how=self._how(ctx, cfg, best),
                                 progress=min(values.get(best.criterion, 0), best.threshold),
                                 threshold=best.threshold)
        else:
            next_text = self.say(ctx, m.profile_all_earned, name=name)
        return {"badges": badges, "next": next_text}

    # -- commands ---------------------------------------------------------------------------

    @command(BADGES)
    async def badges(self, event: CommandInvoked, ctx: Ctx) -> list[Action]:
        cfg = _cfg(ctx)
        m = cfg.messages
        if not cfg.badges:
            return [Respond(event.community, event.actor.user_id, self.say(ctx, m.badges_none))]
        holders = await self.store.holders(event.community)
        lines = Text.join([self.say(ctx, m.badges_line, emoji=b.emoji, badge=b.name,
                                    description=b.description, how=self._how(ctx, cfg, b),
                                    holders=holders.get(b.name, 0)) for b in cfg.badges])
        return [Respond(event.community, event.actor.user_id,
                        self.say(ctx, m.badges_list, lines=lines))]

    def resolvers(self) -> dict[str, Resolver]:
        return {"badge": self._badge}

    async def _badge(self, event: CommandInvoked, ctx: Ctx, wanted: str) -> Badge:
        """The configured badge a moderator named (any case), or a refusal listing them."""
        cfg = _cfg(ctx)
        found = next((b for b in cfg.badges if b.name.lower() == wanted.strip().lower()), None)
        if found is not None:
            return found  # type: ignore[no-any-return]
        names = ", ".join(b.name for b in cfg.badges) or "none yet"
        raise Refused([Respond(event.community, event.actor.user_id,
                               self.say(ctx, cfg.messages.unknown_badge, badge=wanted,
                                        badges=names))])

    @command(BADGE_GRANT, suggest="suggest_badge")
    async def badge_grant(self, event: CommandInvoked, ctx: Ctx, member: MemberRef,
                          badge: Badge, reason: str | None) -> list[Action]:
        cfg = _cfg(ctx)
        target = member
        name = target.name or target.user_id
        reason = (reason or "").strip()
        actions = await self._award(ctx, target.user_id, name, badge, event.actor.user_id,
                                    reason)
        template = cfg.messages.badge_grant_done if actions else cfg.messages.badge_already
        reply = Respond(event.community, event.actor.user_id,
                        self.say(ctx, template, name=name, badge=badge.name))
        return [reply, *actions]

    @command(BADGE_REVOKE, suggest="suggest_badge")
    async def badge_revoke(self, event: CommandInvoked, ctx: Ctx, member: MemberRef,
                           badge: Badge) -> list[Action]:
        cfg = _cfg(ctx)
        target = member
        name = target.name or target.user_id
        if not await self.store.revoke(event.community, target.user_id, badge.name, ctx.now):
            return [Respond(event.community, event.actor.user_id,
                            self.say(ctx, cfg.messages.badge_not_held, name=name,
                                                               badge=badge.name))]
        actions: list[Action] = [Respond(
            event.community, event.actor.user_id,
            self.say(ctx, cfg.messages.badge_revoke_done, name=name, badge=badge.name))]
        if badge.role:
            actions.append(RemoveRole(event.community, target.user_id, badge.role))
        return actions

    async def suggest_badge(self, ctx: Ctx, option: str, partial: str
                            ) -> list[tuple[str, str]]:
        if option != "badge":
            return []
        wanted = partial.strip().lower()
        return [(f"{b.emoji} {b.name}", b.name) for b in _cfg(ctx).badges
                if wanted in b.name.lower()][:25]
