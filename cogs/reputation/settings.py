"""Config for reputation and badges: `[reputation]` and `[[reputation.badges]]` in the TOML."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import Field, PlainValidator, field_validator

from bot.durations import parse_duration
from bot.settings import Duration, Section, default, message

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


OptionalDuration = Annotated[timedelta | None, PlainValidator(_optional_duration)]


class BadgeSettings(Section):
    name: str
    emoji: str = "🏅"
    description: str = ""
    # One of CRITERIA; tiers are simply badges with the same criterion and higher thresholds.
    criterion: str
    threshold: int = 1
    # A platform role (name or id) granted with the badge and removed if it is revoked.
    role: str = ""

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
     "description": "introduced themselves to the community"},
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
    thanked: message("giver", "member", "name") = default([
        "{member}, {giver} wants to say thank you! 💛",
        "{giver} just thanked {member}. 💛",
    ])
    thanked_for: message("giver", "member", "name", "reason") = default(
        "{giver} thanked {member}: “{reason}” 💛")
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
        "{emoji} Congratulations {member}! You've earned the **{badge}** badge: {description}. "
        "Thank you for all you bring to {community}.",
        "{emoji} {member} has earned the **{badge}** badge ({description}). Well done, {name}, "
        "and thank you!",
    ])
    badge_earned_dm: message(*BADGE_FIELDS) = default(
        "Congratulations {name}! You've earned the {emoji} **{badge}** badge in {community}: "
        "{description}. Thank you!")
    badge_granted: message(*BADGE_FIELDS, "reason") = default(
        "{emoji} {member} has been awarded the **{badge}** badge by the moderators: {reason}. "
        "Thank you, {name}!")
    badge_granted_dm: message(*BADGE_FIELDS, "reason") = default(
        "Congratulations {name}! The moderators of {community} have awarded you the {emoji} "
        "**{badge}** badge: {reason}. Thank you!")
    badge_grant_done: message("name", "badge") = default(
        "Done: {name} now holds the {badge} badge.")
    # To the moderator who granted a badge when its role couldn't be given.
    badge_role_failed: message("name", "badge", "role") = default(
        "{name} holds the {badge} badge, but I couldn't give them the {role} role. Please check "
        "that the role exists and sits below Hearth's.")
    badge_already: message("name", "badge") = default(
        "{name} already holds the {badge} badge, so nothing changed.")
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
    # {threshold} arrives counted with its noun: "1 day", "10 reputation points".
    how_reputation: message("threshold") = default("reach {threshold}")
    how_thanks_from_members: message("threshold") = default(
        "be thanked by {threshold}")
    how_thanks_received: message("threshold") = default("receive {threshold}")
    how_thanks_given: message("threshold") = default("thank others {threshold}")
    how_messages: message("threshold") = default("take part in {threshold}")
    how_introduced: message("threshold") = default("introduce yourself with /introduce")
    how_contest_wins: message("threshold") = default("win {threshold}")
    how_membership_days: message("threshold") = default("be a member for {threshold}")


class ReputationSettings(Section):
    # Points one thanks gives.
    thanks_points: int = Field(default=1, ge=1)
    # Reacting with one of these emoji on someone's message thanks them; [] turns it off.
    thank_reactions: list[str] = Field(default_factory=lambda: ["🙏"])
    # "thanks @bob" in a message thanks bob, when it contains one of `thanks_words`.
    thank_by_message: bool = True
    thanks_words: list[str] = Field(
        default_factory=lambda: ["thanks", "thank you", "thank u", "thx", "ty", "cheers"])
    # Post a short public note in the channel when someone uses /thanks.
    announce_thanks: bool = True
    # Fairness.
    allow_self_thanks: bool = False
    bots_take_part: bool = False
    daily_limit: int = Field(default=10, ge=0)
    pair_cooldown: OptionalDuration = default("1h")
    max_share_per_giver: float = Field(default=0.5, gt=0, le=1)
    share_applies_from: int = Field(default=10, ge=0)
    # Activity points for taking part.
    activity_points: int = Field(default=1, ge=0)
    activity_cooldown: OptionalDuration = default("60s")
    activity_min_length: int = Field(default=10, ge=1)
    batch_activity: bool = True
    flush_every: Duration = default("5s")
    # Badges.
    badge_channel: str = "announcements"
    badges: list[BadgeSettings] = default(DEFAULT_BADGES)
    leaderboard_size: int = Field(default=10, ge=1, le=50)
    # How often the 7d / 30d leaderboards are recomputed from the ledger.
    leaderboard_refresh: Duration = default("5m")
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
