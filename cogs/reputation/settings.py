"""Config for reputation and badges: `[reputation]` and `[[reputation.badges]]` in the TOML."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import Field, PlainSerializer, PlainValidator, WithJsonSchema, field_validator

from bot.durations import parse_duration
from bot.settings import (
    DURATION_SCHEMA,
    Duration,
    Names,
    NotOneOf,
    OptionalChannelKey,
    Retention,
    Section,
    default,
    message,
    written_duration,
)

# What a badge can ask for; each is a number a member's value must reach.
CRITERIA = (
    "reputation",           # reputation points
    "thanks_from_members",  # thanks received from this many different members
    "thanks_received",      # thanks received in all
    "thanks_given",         # thanks given to others
    "messages",             # messages that earned activity points
    "introduced",           # introduced themselves (threshold 1)
    "contest_wins",         # contests won
    "membership_days",      # days since they first joined
    "solutions",            # questions solved with their answer (the questions feature)
)
# Criteria that only change through activity points (checked when activity is flushed).
ACTIVITY_CRITERIA = ("reputation", "messages")


def _optional_duration(value: Any) -> timedelta | None:
    """A duration, or "off" (also "0" or 0) to turn the rule off."""
    if value is None or isinstance(value, timedelta):
        return value
    if value in (0, "0", "0s", "off", ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"must be a duration like \"1h\", or \"off\", got {value!r}")
    return parse_duration(value)


def _written(value: Any) -> Any:
    return "off" if value is None else written_duration(value)


OptionalDuration = Annotated[timedelta | None, PlainValidator(_optional_duration),
                             PlainSerializer(_written),
                             WithJsonSchema({"anyOf": [DURATION_SCHEMA, {"const": "off"},
                                                       {"const": 0}]})]


class BadgeSettings(Section):
    """A badge, awarded automatically and announced once, the moment a member meets its
    criterion."""

    name: Annotated[str, Names("badge", "badge")]
    """The badge's name, unique (1 to 40 characters)."""
    emoji: str = "🏅"
    """Shown beside the name."""
    description: str = ""
    """What it recognises, used in announcements ("thanked by 10 different members")."""
    criterion: str = Field(json_schema_extra={"enum": list(CRITERIA)})
    """What a member's number must reach: reputation (points), thanks_from_members (thanked by
    this many different members), thanks_received, thanks_given, messages (messages that earned
    activity points), introduced (threshold 1), contest_wins, solutions (questions solved
    with their answer) or membership_days (checked daily). Tiers are just badges with the same
    criterion and higher thresholds."""
    threshold: int = 1
    """The number to reach, a whole number of at least 1."""
    role: Annotated[str, Names("granted_role", "badge role"),
                    NotOneOf("staff_role", "a badge must never make a member a moderator or "
                             "admin")] = ""
    """A platform role (name or id) granted with the badge and removed if it is revoked; never
    a moderator or admin role."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value or len(value) > 40:
            raise ValueError("must be a name of 1 to 40 characters")
        return value

    @field_validator("criterion")
    @classmethod
    def _criterion(cls, value: str) -> str:
        if value not in CRITERIA:
            raise ValueError(f"unknown criterion {value!r}; use one of: {', '.join(CRITERIA)}")
        return value

    @field_validator("threshold")
    @classmethod
    def _threshold(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"must be a positive whole number, got {value}")
        return value


DEFAULT_BADGES: list[dict[str, Any]] = [
    {"name": "Hello There", "emoji": "👋", "criterion": "introduced", "threshold": 1,
     "description": "shared an introduction with the community"},
    {"name": "Helping Hand", "emoji": "🤝", "criterion": "thanks_from_members", "threshold": 3,
     "description": "thanked by 3 different members"},
    {"name": "Helper", "emoji": "🌟", "criterion": "thanks_from_members", "threshold": 10,
     "description": "thanked by 10 different members", "role": "Helper"},
    {"name": "Generous", "emoji": "💝", "criterion": "thanks_given", "threshold": 10,
     "description": "thanked others 10 times"},
    {"name": "Regular (bronze)", "emoji": "🥉", "criterion": "messages", "threshold": 100,
     "description": "took part in 100 conversations"},
    {"name": "Regular (silver)", "emoji": "🥈", "criterion": "messages", "threshold": 1000,
     "description": "took part in 1,000 conversations"},
    {"name": "Regular (gold)", "emoji": "🥇", "criterion": "messages", "threshold": 5000,
     "description": "took part in 5,000 conversations"},
    {"name": "Rising Star", "emoji": "✨", "criterion": "reputation", "threshold": 100,
     "description": "reached 100 reputation points"},
    {"name": "Champion", "emoji": "🏆", "criterion": "contest_wins", "threshold": 1,
     "description": "won a community contest"},
    {"name": "Old Friend", "emoji": "🕯️", "criterion": "membership_days", "threshold": 365,
     "description": "a member for a whole year"},
]

BADGE_FIELDS = ("member", "name", "badge", "emoji", "description", "community")


class ReputationMessages(Section):
    """What reputation and badges say."""

    thanked: message("giver", "member", "name") = default([
        "{member}, {giver} wants to say thank you! 💛",
        "{giver} just thanked {member}. 💛",
    ])
    thanked_for: message("giver", "member", "name", "reason") = default(
        "{giver} thanked {member} for “{reason}” 💛")
    """A /thanks with a reason; {reason} is what they wrote, without a leading "for"."""
    thanks_noted: message("name", "member") = default(
        "Thank you for recognising {member}! I've added a point to their reputation.")
    refused_self: message("name") = default(
        "That's a kind thought, {name}, but thanks are for appreciating others, so I can't "
        "record one for yourself. Is there someone who helped you today?")
    refused_bot: message("name", "member") = default(
        "Thanks for thinking of {member}, {name}! Bots don't collect reputation, so I haven't "
        "recorded this one.")
    refused_daily_limit: message("name", "limit", "again") = default(
        "You've shared {limit} thanks in the last day, {name}, which is as many as I can record "
        "for now. Your kindness is noticed! You can thank people again {again}.")
    refused_pair: message("name", "member", "again") = default(
        "You thanked {member} only a little while ago, {name}, so I'll let this one rest. You "
        "can thank them again {again}.")
    refused_share: message("name", "member") = default(
        "Much of {member}'s reputation already comes from your thanks, {name}, so to keep "
        "things fair I can't add more from you for now. Thanking others who helped is always "
        "welcome.")
    badge_earned: message(*BADGE_FIELDS) = default([
        "{emoji} {member} has earned the **{badge}** badge: {description}. Congratulations, "
        "{name}, and thank you for all you bring to {community}.",
        "{emoji} {member} has earned the **{badge}** badge ({description}). Well done, {name}, "
        "and thank you!",
    ])
    badge_earned_dm: message(*BADGE_FIELDS) = default(
        "Congratulations {name}! You've earned the {emoji} **{badge}** badge in {community}: "
        "{description}. Thank you!")
    """A badge earned, told privately (when `badge_channel` is ""). Write badge descriptions
    so they read with "you" and "they" alike ("shared an introduction", "won a contest")."""
    badge_granted: message(*BADGE_FIELDS, "reason") = default(
        "{emoji} {member} has been awarded the **{badge}** badge by the moderators: {reason}. "
        "Thank you, {name}!")
    badge_granted_dm: message(*BADGE_FIELDS, "reason") = default(
        "Congratulations {name}! The moderators of {community} have awarded you the {emoji} "
        "**{badge}** badge: {reason}. Thank you!")
    badge_granted_no_reason: message(*BADGE_FIELDS) = default(
        "{emoji} {member} has been awarded the **{badge}** badge by the moderators. Thank you, "
        "{name}!")
    """A badge a moderator granted without saying why. (The badge's description would read as
    a reason, a claim about the member nobody checked.)"""
    badge_granted_no_reason_dm: message(*BADGE_FIELDS) = default(
        "Congratulations {name}! The moderators of {community} have awarded you the {emoji} "
        "**{badge}** badge. Thank you!")
    badge_grant_done: message("name", "badge") = default(
        "Done: {name} now holds the {badge} badge.")
    badge_role_failed: message("name", "badge", "role") = default(
        "{name} holds the {badge} badge, but I couldn't give them the {role} role. Please check "
        "that the role exists and sits below Hearth's.")
    """To the moderator who granted a badge when its role couldn't be given."""
    badge_already: message("name", "badge") = default(
        "{name} already holds the {badge} badge, so nothing changed.")
    badge_withdrawn_dm: message(*BADGE_FIELDS) = default(
        "Hi {name}, a change in {community}: the {emoji} **{badge}** badge ({description}) came "
        "with something that has since been taken back, so I've removed it for now. It's no "
        "reflection on you, and it comes back by itself as soon as you earn it again.")
    """To a member whose earned badge went with an award taken back (a redrawn contest win)."""
    badge_revoke_done: message("name", "badge") = default(
        "Done: I've removed the {badge} badge from {name}. It won't be awarded to them "
        "automatically again; /badge grant gives it back.")
    badge_not_held: message("name", "badge") = default(
        "{name} doesn't hold the {badge} badge, so nothing changed.")
    unknown_badge: message("badge", "badges") = default(
        "I don't know a badge called '{badge}'. The badges are: {badges}.")
    backfill_summary: message("count", "summary", "community") = default(
        "🎉 Our badges have been updated, and {count} of you have earned new ones: {summary}. "
        "Congratulations, and thank you for all you do for {community}!")
    profile: message("member", "name", "points", "rank", "tenure", "since", "badges",
                     "next") = default(
        "**{name}**: reputation {points}, {rank}. A member for {tenure}.\n"
        "Badges: {badges}\n{next}")
    profile_rank: message("rank", "ranked") = default("ranked #{rank} of {ranked}")
    profile_unranked: message() = default("not ranked yet")
    profile_next: message("badge", "emoji", "how", "progress", "threshold") = default(
        "Next badge: {emoji} **{badge}** ({how}): {progress} of {threshold} so far.")
    profile_all_earned: message("name") = default(
        "{name} holds every badge there is. Wonderful!")
    no_badges: message() = default("none yet")
    leaderboard: message("period", "lines") = default("**Top members {period}**\n{lines}")
    leaderboard_line: message("rank", "name", "points") = default("{rank}. {name}: {points}")
    leaderboard_empty: message("period") = default(
        "No one has earned reputation {period} yet. A thank-you is a lovely way to start!")
    period_all: message() = default("of all time")
    period_30d: message() = default("in the last 30 days")
    period_7d: message() = default("in the last 7 days")
    badges_list: message("lines") = default("**Badges**\n{lines}")
    badges_line: message("emoji", "badge", "description", "how", "holders") = default(
        "{emoji} **{badge}**: {how}. Members holding it: {holders}.")
    badges_none: message() = default("There are no badges yet; admins can add them.")
    how_reputation: message("threshold") = default("reach {threshold}")
    """How each badge is earned, one message per criterion; {threshold} arrives counted with its
    noun: "1 day", "10 reputation points"."""
    how_thanks_from_members: message("threshold") = default(
        "be thanked by {threshold}")
    how_thanks_received: message("threshold") = default("receive {threshold}")
    how_thanks_given: message("threshold") = default("thank others {threshold}")
    how_messages: message("threshold") = default("take part in {threshold}")
    how_introduced: message("threshold") = default("introduce yourself with /introduce")
    how_contest_wins: message("threshold") = default("win {threshold}")
    how_membership_days: message("threshold") = default("be a member for {threshold}")
    how_solutions: message("threshold") = default("solve {threshold} with your answers")


class ReputationSettings(Section):
    """Reputation: thanks and taking part earn points, points and deeds earn badges. A refused
    thanks gets a kind private explanation saying why and when."""

    thanks_points: int = Field(default=1, ge=1)
    """Points one thanks gives (from /thanks, a thank-you reaction or a "thanks @name"
    message)."""
    thank_reactions: list[str] = Field(default_factory=lambda: ["🙏"])
    """Reacting with one of these emoji on someone's message thanks them; [] turns it off.
    Write the emoji or its short name ("🙏" or "pray"): either matches on Discord and on Slack,
    whatever the skin tone."""
    thank_by_message: bool = True
    """A message thanks the members it mentions (@name, <@id>) when one of `thanks_words` is
    said to them ("thanks @bob", "@bob thank you!"); negated ("no thanks", "thanks for
    nothing"), reported ("I told @bob thanks"), quoted or sarcastic thanks don't count."""
    thanks_words: list[str] = Field(
        default_factory=lambda: ["thanks", "thank you", "thank u", "thx", "ty", "cheers"])
    """The words that make a message with a mention a thank-you (any case)."""
    announce_thanks: bool = True
    """Post a short public note in the channel when someone uses /thanks (else a private
    reply)."""
    allow_self_thanks: bool = False
    """Members may thank themselves (normally not)."""
    bots_take_part: bool = False
    """Bots may give and receive points (normally not)."""
    daily_limit: int = Field(default=10, ge=0)
    """Most thanks one member can give in any 24 hours; 0 means no limit."""
    pair_cooldown: OptionalDuration = default("1h")
    """How long before the same member can thank the same person again; "off" to allow any
    time."""
    max_share_per_giver: float = Field(default=0.5, gt=0, le=1)
    """Collusion guard: at most this share of a member's reputation may come from one giver's
    thanks (1.0 turns it off); it applies once they have `share_applies_from` points."""
    share_applies_from: int = Field(default=10, ge=0)
    """The points from which `max_share_per_giver` applies."""
    activity_points: int = Field(default=1, ge=0)
    """Activity points for taking part: each message at least `activity_min_length` characters
    long earns this many, at most once per `activity_cooldown` per member. 0 turns activity
    points off. Such messages also count for "messages" badges."""
    activity_cooldown: OptionalDuration = default("60s")
    """At most one activity award per member per this long; "off" means every message."""
    activity_min_length: int = Field(default=10, ge=1)
    """The shortest message (in characters) that earns activity points."""
    batch_activity: bool = True
    """Activity is the busiest path, so it is held in memory and written in one transaction
    every `flush_every` and at shutdown. The bound: after a crash (not a clean stop), activity
    points and message counts from the last `flush_every` may be lost. Thanks, grants and
    everything members are told about are saved before the reply. false writes every message
    at once (safest, much slower)."""
    flush_every: Duration = default("5s")
    """How often batched activity is written."""
    badge_channel: OptionalChannelKey = "announcements"
    """Channel key (from [community.channels]) for badge announcements; "" sends each member a
    DM instead."""
    badges: list[BadgeSettings] = default(DEFAULT_BADGES)
    """The badges. When you add or change one, members who already qualify get it at the next
    start, with one summary post instead of one per member. Moderators can also /badge grant
    and /badge revoke; a revoked badge is not awarded automatically again."""
    leaderboard_size: int = Field(default=10, ge=1, le=50)
    """How many members /leaderboard shows."""
    leaderboard_refresh: Duration = default("5m")
    """Every leaderboard is current on every write (the 7d / 30d ones count whole UTC days:
    today and the 6 or 29 before). This often, while points change, days that have left a
    window are taken off it in the background; a /leaderboard does it first if still due."""
    ledger_kept: Retention = default("forever")
    """Retention: how long each ledger row (who gave whom a point, why and when) is kept:
    "forever" or a duration like "730d". The retention job deletes older rows; totals, ranks
    and badges already earned stay, but badges counted from the ledger (thanks from distinct
    members) then count only what is kept."""
    messages: ReputationMessages = Field(default_factory=ReputationMessages)

    @field_validator("badges")
    @classmethod
    def _unique(cls, value: list[BadgeSettings]) -> list[BadgeSettings]:
        seen: set[str] = set()
        for badge in value:
            if badge.name.lower() in seen:
                raise ValueError(f"badge names must be different; {badge.name!r} is used twice")
            seen.add(badge.name.lower())
        return value

    @field_validator("thanks_words")
    @classmethod
    def _words(cls, value: list[str]) -> list[str]:
        words = [w.strip().lower() for w in value]
        if any(not w for w in words):
            raise ValueError("thanks words can't be empty")
        return words
