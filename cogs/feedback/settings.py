"""Config for feedback: `[feedback]` in the TOML (channels, limits, the review clock, messages)."""

from __future__ import annotations

from pydantic import Field, field_validator

from bot import tone
from bot.settings import ChannelKey, Duration, Section, default, message
from cogs.feedback.rules import KINDS, STATUSES

ITEM = ("number", "kind", "title")


class RateLimit(Section):
    """How much feedback one member may send; anonymous items count too (by their keyed
    hash)."""

    items: int = Field(default=3, ge=1)
    """How many items a member may send per `per`."""
    per: Duration = default("1d")
    """The window `items` are counted over."""


class YouSaidWeDid(Section):
    """"You said, we did": a post in the feedback channel every `every`, listing what moved to
    done since the last one and thanking who asked, by name unless they sent it anonymously."""

    enabled: bool = False
    """Post it at all (off by default)."""
    every: Duration = default("30d")
    """How often it is posted."""


class FeedbackMessages(Section):
    """What feedback says. DMs about a status change go to the author (unless anonymous) and to
    every supporter."""

    # -- to the member who sent an item ----------------------------------------------------
    received: message(*ITEM, "name", "review_time", "where") = default(
        "Thank you, {name}. Your {kind} is #{number}, \"{title}\". The team reads every item; "
        "they usually look at new ones within {review_time}, and I'll message you privately "
        "each time its status changes. {where}")
    received_anonymous: message(*ITEM, "review_time", "where") = default(
        "Thank you. Your {kind} is #{number}, \"{title}\", sent anonymously: the team can't see "
        "who sent it, so I can't message you about it either. Follow it with /feedback mine. "
        "The team usually looks at new items within {review_time}. {where}")
    where_public: message("place") = default(
        "Others can see it and support it in {place}.")
    where_team: message() = default("Only the team sees it.")
    too_long: message("what", "length", "limit") = default(
        "Your {what} is {length} characters; please keep it to {limit} or fewer, so the team "
        "can take it in at a glance. Nothing was sent.")
    rate_limited: message("limit", "per", "when") = default(
        "You've sent {limit} in the last {per}, which is as many as I take for now. Please "
        "hold on to this one and send it {when}; nothing was sent.")
    # -- supporting ------------------------------------------------------------------------
    supported: message(*ITEM, "supporters") = default(
        "Thanks for supporting #{number}, \"{title}\" ({supporters} so far). I'll message you "
        "when its status changes. Changed your mind? /feedback unsupport {number}")
    already_supported: message(*ITEM) = default(
        "You already support #{number}, \"{title}\", so nothing changed.")
    unsupported: message(*ITEM) = default(
        "Done: you no longer support #{number}, \"{title}\".")
    not_supported: message(*ITEM) = default(
        "You weren't supporting #{number}, \"{title}\", so nothing changed.")
    own_item: message(*ITEM) = default(
        "#{number} is your own {kind}, so your support is already counted. Nothing changed.")
    cannot_support: message(*ITEM, "status") = default(
        "#{number}, \"{title}\", is {status}, so it can't take support any more. Nothing "
        "changed.")
    cannot_support_duplicate: message(*ITEM, "original") = default(
        "#{number} is a duplicate of #{original}; please support #{original} instead with "
        "/feedback support {original}. Nothing changed.")
    not_public: message(*ITEM) = default(
        "#{number} is a {kind} for the team, so it isn't open for support. Nothing changed.")
    # -- looking ---------------------------------------------------------------------------
    unknown_item: message("number") = default(
        "I can't find feedback #{number}. /feedback list shows the open ideas.")
    listing: message("status", "items") = default("Feedback ({status}):\n{items}")
    listing_item: message(*ITEM, "status", "supporters") = default(
        "• #{number} {title} ({kind}, {status}, {supporters})")
    listing_empty: message("status") = default(
        "There's no feedback to show ({status}) yet. Have an idea? /feedback")
    listing_all: message() = default("all open")
    show: message(*ITEM, "text", "author", "status", "supporters", "history") = default(
        "**#{number} {title}** ({kind}, {status})\n{text}\nFrom {author}; {supporters}."
        "{history}")
    show_history_line: message("status", "when", "reason") = default(
        "\n• {when}: {status}{reason}")
    show_note_line: message("name", "when", "text") = default(
        "\n• {when}, note from {name} (team only): {text}")
    anonymous_author: message() = default("someone who asked to stay anonymous")
    mine: message("items") = default("Your feedback:\n{items}")
    mine_item: message(*ITEM, "status", "supporters", "anonymous") = default(
        "• #{number} {title} ({kind}, {status}, {supporters}){anonymous}")
    mine_anonymous: message() = default(", sent anonymously")
    mine_empty: message() = default(
        "You haven't sent any feedback yet (or only before the feedback key changed). "
        "Anything on your mind? /feedback")
    # -- the team --------------------------------------------------------------------------
    team_item: message(*ITEM, "text", "author", "status", "supporters", "heated", "actions") = (
        default("**Feedback #{number}** ({kind}, {status}): **{title}**\n{text}\nFrom {author}; "
                "{supporters}.{heated}\n{actions}"))
    team_heated: message("found") = default(
        "\nHeads up: this reads as heated ({found}). It's been accepted as sent; people are "
        "allowed to be upset. A calm, personal answer helps most.")
    team_actions: message("number") = default(
        "To move it: `/feedback status {number} under-review|planned|in-progress|done|"
        "declined [reason]`, `/feedback duplicate {number} <of>`, `/feedback note {number} "
        "<text>` (team only).")
    public_item: message(*ITEM, "text", "author", "status", "supporters", "support") = default(
        "**#{number} {title}** ({kind}, {status})\n{text}\nFrom {author}; {supporters}.{support}")
    support_hint: message("number") = default(" Support it with `/feedback support {number}`.")
    """Shown under a public item while it can still take support."""
    status_done_ack: message(*ITEM, "status", "told") = default("#{number} is now {status}. {told}")
    told_both: message("supporters") = default(
        "I'm letting its author and {supporters} know privately.")
    told_author: message() = default("I'm letting its author know privately.")
    told_supporters: message("supporters") = default(
        "I'm letting {supporters} know privately. Its author sent it anonymously, so they'll "
        "see the change in /feedback mine.")
    told_nobody: message() = default(
        "It has no supporters yet, and its author sent it anonymously, so they'll see the "
        "change in /feedback mine.")
    dm_undelivered: message("name", "number") = default(
        "{name}'s private messages are closed, so they didn't hear about #{number}.")
    status_same: message(*ITEM, "status") = default(
        "#{number} is already {status}, so nothing changed.")
    reason_needed: message(*ITEM) = default(
        "Declining #{number} needs a reason, written for its author: `/feedback status "
        "{number} declined <reason>`. Nothing changed.")
    not_duplicate_of_itself: message("number") = default(
        "#{number} can't be a duplicate of itself. Nothing changed.")
    duplicate_chain: message("number", "original", "root") = default(
        "#{original} is itself a duplicate of #{root}; mark #{number} as a duplicate of "
        "#{root} instead. Nothing changed.")
    noted: message(*ITEM) = default(
        "Noted on #{number}. Notes stay with the team; nobody else is told.")
    published: message(*ITEM, "place") = default(
        "#{number} is now shown in {place}, where members can support it.")
    already_public: message(*ITEM) = default("#{number} is already public, so nothing changed.")
    # -- status changes, to the author and each supporter (by DM) ---------------------------
    to_author: message(*ITEM, "name", "status", "reason") = default(
        "Hi {name}, an update on your {kind} #{number}, \"{title}\": it's now **{status}**."
        "{reason} Thank you for speaking up.")
    to_supporter: message(*ITEM, "name", "status", "reason") = default(
        "Hi {name}, an update on #{number}, \"{title}\", which you support: it's now "
        "**{status}**.{reason}")
    reason_line: message("reason") = default(" The team says: {reason}")
    to_author_duplicate: message(*ITEM, "name", "original", "original_title") = default(
        "Hi {name}, your {kind} #{number}, \"{title}\", turned out to match #{original}, "
        "\"{original_title}\", so the team will follow it there. Thank you: every voice on it "
        "counts. You can support #{original} with /feedback support {original}.")
    to_supporter_duplicate: message(*ITEM, "name", "original", "original_title") = default(
        "Hi {name}, #{number}, \"{title}\", which you support, is a duplicate of #{original}, "
        "\"{original_title}\". Would you like to move your support there? If so, run "
        "/feedback support {original}; I haven't moved it for you.")
    # -- the review clock ------------------------------------------------------------------
    review_overdue: message(*ITEM, "waiting") = default(
        "Feedback #{number}, \"{title}\" ({kind}), has been waiting {waiting} without a review. "
        "Could someone take a look? `/feedback status {number} under-review`")
    overdue_weekly: message("count", "items") = default(
        "Feedback still waiting for a first look ({count}): {items}.")
    overdue_weekly_item: message("number", "title", "waiting") = default(
        "#{number} \"{title}\" ({waiting})")
    # -- you said, we did ------------------------------------------------------------------
    you_said_we_did: message("items", "count") = default(
        "**You said, we did.** Here's what you asked for that's now done ({count}):\n{items}\n"
        "Thank you for telling us. Keep it coming with /feedback.")
    you_said_we_did_item: message("number", "title", "who") = default(
        "• #{number} {title}: thanks to {who}")
    you_said_anonymous: message() = default("a member who asked to stay anonymous")


class FeedbackSettings(Section):
    """Feedback: members send ideas, problems, praise and questions with /feedback; the team
    moves each through new, under review, planned, in progress and done (or declined, or a
    duplicate), and the author and every supporter are told by private message."""

    channel: ChannelKey = "feedback"
    """Channel key (from [community.channels]) where ideas are posted for members to support."""
    team_channel: ChannelKey = "feedback_team"
    """Channel key where the team sees every item, with what to do next, and the review clock's
    reminders."""
    public_kinds: list[str] = Field(default_factory=lambda: ["idea"])
    """Kinds (idea, problem, praise, question) shown publicly as soon as they arrive; the others
    stay with the team unless a moderator runs /feedback publish."""
    title_max: int = Field(default=100, ge=10, le=100)
    """Longest title a member can send, in characters (10-100)."""
    text_max: int = Field(default=2000, ge=50, le=4000)
    """Longest text a member can send, in characters (50-4000)."""
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    review_within: Duration = default("7d")
    """The review clock: an item still new after this long is raised once in the team
    channel."""
    overdue_every: Duration = default("7d")
    """While any item is overdue, a line listing them is posted in the team channel this
    often."""
    review_time_fallback: Duration = default("3d")
    """Members are told the team's usual review time: the median wait for a first review over
    the last 90 days. Until `review_time_min_items` items were reviewed in that time, this."""
    review_time_min_items: int = Field(default=3, ge=1)
    """How many reviews in the last 90 days make the median worth telling."""
    heat_signals: list[str] = Field(default_factory=lambda: [
        tone.SHOUTING, tone.PUNCTUATION, tone.INSULT, tone.BLAME, tone.THREAT,
        tone.ANGRY_EMOJI])
    """Signs of heat (shouting, punctuation, insult, blame, sarcasm, threat, angry_emoji) that
    flag a member's item for the team; it is still accepted and the reply stays the same.
    Sarcasm is left out by default: praise reads like it ("well done!")."""
    you_said_we_did: YouSaidWeDid = Field(default_factory=YouSaidWeDid)
    status_labels: dict[str, str] = Field(default_factory=lambda: {
        "new": "new", "under-review": "under review", "planned": "planned",
        "in-progress": "in progress", "done": "done", "declined": "declined",
        "duplicate": "a duplicate"})
    """How each status reads in messages (every status needs a label)."""
    kind_labels: dict[str, str] = Field(default_factory=lambda: {
        "idea": "idea", "problem": "problem", "praise": "praise",
        "question": "question for the team"})
    """How each kind reads in messages (every kind needs a label)."""
    messages: FeedbackMessages = Field(default_factory=FeedbackMessages)

    @field_validator("public_kinds")
    @classmethod
    def _known_kinds(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown kind {unknown[0]!r} (kinds: {', '.join(KINDS)})")
        return value

    @field_validator("heat_signals")
    @classmethod
    def _known_signals(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(tone.KINDS))
        if unknown:
            raise ValueError(f"unknown sign of heat {unknown[0]!r} (known: "
                             f"{', '.join(tone.KINDS)})")
        return value

    @field_validator("status_labels", "kind_labels")
    @classmethod
    def _complete(cls, value: dict[str, str], info: object) -> dict[str, str]:
        wanted = STATUSES if getattr(info, "field_name", "") == "status_labels" else KINDS
        missing = [k for k in wanted if not value.get(k, "").strip()]
        if missing:
            raise ValueError(f"needs a label for {missing[0]!r}")
        extra = sorted(set(value) - set(wanted))
        if extra:
            raise ValueError(f"{extra[0]!r} is not one of: {', '.join(wanted)}")
        return value
