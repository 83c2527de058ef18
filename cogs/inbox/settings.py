"""Config for the team inbox: `[inbox]` in the TOML (where conversations go, the reply clock,
team hours, saved replies and every message)."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from bot.settings import ChannelKey, Duration, Section, default, message
from cogs.inbox.rules import DAYS, clock_time

CONV = ("number", "name")


class TeamHours(Section):
    """When the team is usually around, in the community's timezone. Outside these hours a
    member who writes is told when the team is next around."""

    enabled: bool = False
    """Tell members about team hours at all (off: the team is taken to be around any time)."""
    days: list[str] = Field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    """The days the team is around: mon, tue, wed, thu, fri, sat, sun."""
    start: str = "09:00"
    """When the team's day starts, like "09:00"."""
    end: str = "18:00"
    """When the team's day ends, like "18:00" (after `start`)."""

    @field_validator("days")
    @classmethod
    def _known_days(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(DAYS))
        if unknown:
            raise ValueError(f"unknown day {unknown[0]!r} (days: {', '.join(DAYS)})")
        return value

    @field_validator("start", "end")
    @classmethod
    def _a_time(cls, value: str) -> str:
        clock_time(value)
        return value

    @model_validator(mode="after")
    def _in_order(self) -> TeamHours:
        if clock_time(self.end) <= clock_time(self.start):
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


class Snippet(Section):
    """A saved reply the team sends by name: `/reply 3 saved:welcome`."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    """What the team types to use it (lowercase letters, digits, - and _)."""
    text: message(*CONV, "team") = default("")
    """The reply; {name} is the member's name, {number} the conversation, {team} the
    community's name."""


class InboxMessages(Section):
    """What the team inbox says, to members (privately) and in the team's threads."""

    # -- to the member ---------------------------------------------------------------------
    opened: message(*CONV, "reply_time", "hours") = default(
        "Thank you for writing, {name}. Your message is with the team as conversation "
        "#{number}; only they can read it. The team usually replies within {reply_time}, and "
        "their answer will come here, privately.{hours} Anything else you write to me goes to "
        "the same conversation; /ask-team close ends it.")
    added: message(*CONV) = default(
        "Added to conversation #{number}; the team will see it there.")
    outside_hours: message("when") = default(
        " The team isn't around right now; they're next around {when}.")
    attachment_line: message("file", "url") = default("\n📎 {file}: {url}")
    empty: message() = default(
        "I couldn't find any words in that, so I haven't passed it on. Could you write what "
        "you'd like the team to know?")
    too_long: message("length", "limit") = default(
        "That message is {length} characters; please keep each one to {limit} or fewer (you "
        "can send it in parts). Nothing was passed on yet.")
    not_a_member: message("name") = default(
        "Hi {name}, I pass messages to the team of the communities I help run, and I can't "
        "find you in one of them. If you're in one, please write to me from there with "
        "/ask-team; nothing was passed on.")
    member_closed: message(*CONV) = default(
        "Conversation #{number} is closed. Thank you for reaching out, {name}; write to me "
        "any time to start a new one.")
    nothing_open: message() = default(
        "You don't have a conversation with the team open right now, so there was nothing to "
        "close.")
    to_member: message(*CONV, "from", "text") = default(
        "**{from}** replied in conversation #{number}:\n{text}")
    the_team: message() = default("The team")
    closed_by_team: message(*CONV, "text") = default(
        "The team has closed conversation #{number}.{text} Thank you for writing, {name}.")
    closed_later: message(*CONV, "text") = default(
        "The team has put conversation #{number} aside for now and will get back to you.{text} "
        "Thank you for your patience, {name}.")
    closed_text: message("text") = default(" They say: {text}")
    helped_question: message() = default(
        " Did we help? Just answer \"yes\" or \"not really\" here; it's optional, and I "
        "won't ask again.")
    helped_thanks: message("helped") = default(
        "Thank you for telling us. {helped}")
    helped_yes: message() = default("We're glad it helped.")
    helped_no: message() = default(
        "We're sorry it didn't; the team will read this. You can write again any time.")
    show: message(*CONV, "status", "lines") = default(
        "Conversation #{number} ({status}):{lines}")
    show_line: message("when", "from", "text") = default("\n• {when}, {from}: {text}")
    show_you: message() = default("you")
    show_open: message() = default("open")
    show_closed: message() = default("closed")
    unknown_conversation: message("number") = default(
        "I can't find conversation #{number}.")
    mine_empty: message() = default(
        "You haven't written to the team yet. /ask-team and a few words start a "
        "conversation.")
    mine: message("items") = default("Your conversations with the team:{items}")
    mine_item: message(*CONV, "status", "when") = default("\n• #{number}, {status}, started {when}")
    # -- in the team's thread --------------------------------------------------------------
    team_opened: message(*CONV, "member", "text", "how") = default(
        "**Conversation #{number}** with {member} ({how}):\n{text}\nOnly `/reply {number} "
        "<text>` reaches them (`/reply {number} anon <text>` signs it \"the team\"); anything "
        "else said here stays with the team.")
    thread_name: message(*CONV) = default("#{number} {name}")
    how_dm: message() = default("by private message")
    how_command: message() = default("with /ask-team")
    how_message: message("author") = default("sending a message by {author}")
    relayed: message(*CONV, "text") = default("{name}: {text}")
    team_replied: message(*CONV, "from", "text") = default(
        "↪ Sent to {name} as {from}: {text}")
    undelivered: message(*CONV) = default(
        "{name}'s private messages are closed, so that reply didn't reach them. It's kept: "
        "they can read it with /ask-team show {number}.")
    member_left_note: message(*CONV) = default("{name} closed conversation #{number}.")
    team_closed_note: message(*CONV, "by", "remind") = default(
        "{by} closed conversation #{number}.{remind}")
    remind_note: message("when") = default(" The team will be reminded {when}.")
    helped_note: message(*CONV, "helped") = default(
        "{name} answered \"did we help?\": {helped}.")
    helped_note_yes: message() = default("yes")
    helped_note_no: message() = default("not really")
    # -- to the moderator ------------------------------------------------------------------
    reply_sent: message(*CONV) = default("Sent to {name} in conversation #{number}.")
    reply_closed: message(*CONV) = default(
        "Conversation #{number} is closed, so nothing was sent. {name} can start a new one "
        "any time.")
    reply_where: message() = default(
        "Which conversation? Use `/reply <number> <text>`, or `/reply <text>` inside a "
        "conversation's thread. Nothing was sent.")
    reply_empty: message() = default(
        "There's nothing to send yet: add your text, or a saved reply with saved:<name>. "
        "Nothing was sent.")
    unknown_snippet: message("snippet", "known") = default(
        "There's no saved reply called \"{snippet}\" (saved replies: {known}). Nothing was "
        "sent.")
    no_snippets: message() = default("none yet; add them as [[inbox.snippets]] in the config")
    closed_ack: message(*CONV, "told") = default("Closed conversation #{number}. {told}")
    closed_told: message() = default("I've let them know privately.")
    closed_not_told: message() = default(
        "Their private messages are closed, so they'll see it in /ask-team show.")
    already_closed: message(*CONV) = default(
        "Conversation #{number} is already closed, so nothing changed.")
    history: message("member", "items") = default("Conversations with {member}:{items}")
    history_item: message(*CONV, "status", "when", "replies") = default(
        "\n• #{number}, {status}, started {when}, {replies}")
    history_empty: message("member") = default("{member} hasn't written to the team.")
    not_a_conversation: message() = default(
        "That message isn't the start of a conversation with a member. Use this on the first "
        "post of a conversation's thread. Nothing was sent.")
    # -- the reply clock -------------------------------------------------------------------
    escalated: message(*CONV, "waiting", "admins") = default(
        "{admins}Conversation #{number} with {name} has waited {waiting} without a reply. "
        "Could someone answer it? `/reply {number} <text>`")
    reminder: message(*CONV) = default(
        "A reminder: the team said they'd get back to {name} about conversation #{number}. "
        "`/reply {number} <text>` still reaches them (once).")


class InboxSettings(Section):
    """Ask the team: members write to the team privately (a DM to Hearth, /ask-team, or "Send
    to the team" on a message); each conversation gets a thread in the team inbox, and only
    what the team sends with /reply reaches the member."""

    channel: ChannelKey = "team_inbox"
    """Channel key (from [community.channels]) where each conversation gets its thread. Make
    it a channel only the team can read."""
    escalate_channel: ChannelKey = "team_inbox"
    """Channel key where a conversation still unanswered after `escalate_after` is raised
    with the admins (once), naming the admins listed in [community] admins."""
    escalate_after: Duration = default("12h")
    """A conversation with no reply from the team after this long is raised, once."""
    reply_time_fallback: Duration = default("1d")
    """Members are told the team's usual reply time: the median wait for a first reply over
    the last 30 days. Until `reply_time_min_conversations` were answered in that time, this."""
    reply_time_min_conversations: int = Field(default=3, ge=1)
    """How many answered conversations in the last 30 days make the median worth telling."""
    message_max: int = Field(default=4000, ge=100, le=4000)
    """Longest message a member or the team can send in one go, in characters."""
    ask_helped: bool = True
    """When the team closes a conversation, ask the member once whether it helped."""
    team_hours: TeamHours = Field(default_factory=TeamHours)
    snippets: list[Snippet] = Field(default_factory=list)
    """Saved replies, used by name: `/reply 3 saved:welcome`."""
    messages: InboxMessages = Field(default_factory=InboxMessages)

    @field_validator("snippets")
    @classmethod
    def _unique(cls, value: list[Snippet]) -> list[Snippet]:
        names = [s.name for s in value]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"two saved replies are called {twice[0]!r}")
        return value
