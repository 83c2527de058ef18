"""Neutral inbound events: what an adapter tells the core happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Community:
    """One Discord server, Slack workspace or console run."""

    platform: str
    id: str
    # Every event and per-community cache looks a Community up; hash it once, not each time.
    _hash: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.platform, self.id)))

    def __hash__(self) -> int:
        return self._hash

    @property
    def key(self) -> str:
        """The key used for per-community overrides in the config."""
        return f"{self.platform}:{self.id}"


@dataclass(frozen=True, slots=True)
class Actor:
    """A member as the platform sees them right now."""

    user_id: str
    name: str
    is_bot: bool = False
    roles: frozenset[str] = frozenset()
    platform_moderator: bool = False
    platform_admin: bool = False


@dataclass(frozen=True, slots=True)
class MemberRef:
    """A member named in a command; the adapter fills what it knows."""

    user_id: str
    name: str | None = None
    is_bot: bool | None = None


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message a command acts on (message actions), with its text and author."""

    channel: str
    message_id: str
    author: MemberRef
    content: str


@dataclass(frozen=True, slots=True)
class Event:
    community: Community
    at: datetime
    # The platform's own delivery id (Slack event_id, Discord interaction id), for de-duplication.
    event_id: str | None = field(default=None, kw_only=True)


@dataclass(frozen=True, slots=True)
class MemberJoined(Event):
    member: Actor


@dataclass(frozen=True, slots=True)
class MemberLeft(Event):
    member: Actor


@dataclass(frozen=True, slots=True)
class MemberDeleted(Event):
    """The platform says this account was deleted (Discord's deleted-user signal): Hearth
    treats it as the member's request to be forgotten."""

    user_id: str


@dataclass(frozen=True, slots=True)
class MessagePosted(Event):
    author: Actor
    channel: str
    message_id: str
    content: str
    # The channel's configured name, when the adapter knows it (for per-channel features).
    channel_name: str | None = None
    # The message this one answers: the one it replies to, or the first message of the thread
    # it is in (a Discord thread started from a message, a Slack thread_ts).
    reply_to: str | None = None
    # The configured name of the channel the thread is in, for a message in a thread (a
    # Discord forum post's thread, a thread under a message).
    parent_name: str | None = None


@dataclass(frozen=True, slots=True)
class MessageDeleted(Event):
    """A message was deleted (by its author or a moderator)."""

    channel: str
    message_id: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file a member sent: its name and where the platform keeps it (never re-uploaded)."""

    name: str
    url: str


@dataclass(frozen=True, slots=True)
class DirectMessaged(Event):
    """A member wrote to Hearth privately (a Discord DM, a Slack App/IM message).

    A DM belongs to no server, so the adapter names the communities Hearth serves that the
    author is a member of (`shared`); `community` is the first of them, or the platform with an
    empty id when there is none (a stranger). `event_id` is built from the platform's message
    id, so a retry and a read of the history at start-up are the same delivery.
    """

    author: Actor
    channel: str
    message_id: str
    content: str
    attachments: tuple[Attachment, ...] = ()
    shared: tuple[Community, ...] = ()


@dataclass(frozen=True, slots=True)
class ReactionAdded(Event):
    reactor: Actor
    channel: str
    message_id: str
    message_author: MemberRef | None
    emoji: str


@dataclass(frozen=True, slots=True)
class CommandInvoked(Event):
    """A command with raw arguments; the runtime checks and converts them against the spec.

    Platforms with native options (Discord) fill `command` and `args`; platforms that deliver
    text (Slack, console) leave `command` empty and pass the whole `line` for the core's parser
    (any `args` given too are merged over what the line says).
    """

    actor: Actor
    command: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    channel: str | None = None
    line: str | None = None


@dataclass(frozen=True, slots=True)
class Progressed(Event):
    """Internal: what a feature measures about a member moved (reputation after a thanks), so
    features that reward it (badges) look again."""

    user_id: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Withdrawn(Event):
    """Internal: something a member was given (a Recognition) is taken back, like a contest
    win after a redraw. `source` and `reason` name that Recognition; features that recorded it
    reverse it, saying why (`why`) and who did (`by`)."""

    user_id: str
    name: str
    source: str
    reason: str
    why: str = ""
    by: str | None = None


@dataclass(frozen=True, slots=True)
class Receded(Event):
    """Internal: what a feature measures about a member went down (an award taken back), so
    features that reward it (badges) look again at what the member still earns."""

    user_id: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ActivityCounted(Event):
    """Internal: activity points were written; per member (user id, points, messages) gained.
    Features that reward crossing a threshold (badges) compare before and after."""

    counts: tuple[tuple[str, int, int], ...]


@dataclass(frozen=True, slots=True)
class Thanked(Event):
    """Internal: a member thanked another (by /thanks, a thank-you reaction or "thanks @x"),
    whether or not reputation's fairness rules let it earn a point. Features that take thanks
    as evidence (questions: "did @x's answer solve it?") listen for it."""

    giver_id: str
    giver_name: str
    user_id: str
    name: str
    channel: str | None = None
    # The message the thanks points at: the one reacted to, or the one a thanking message
    # replies to (its thread); None for /thanks.
    about: str | None = None


@dataclass(frozen=True, slots=True)
class Recognition(Event):
    """Internal: a member earned something (a contest win, a moderator's grant).

    Cogs emit it (see `actions.Emit`) so other cogs can react, e.g. reputation records points and
    badges check their criteria, without features importing each other.
    """

    user_id: str
    name: str
    source: str
    points: int = 0
    reason: str = ""
    giver_id: str | None = None
    # Recorded at most once per member, source and reason, so it can safely be sent again
    # (a contest's awards are re-sent at start-up if a crash may have kept them back).
    once: bool = False


@dataclass(frozen=True, slots=True)
class Tally(Event):
    """Internal: something a feature did that community health counts, never its text.

    `kind` names it ("thanks", "contest_entry", "contest_vote", "warning", "appeal",
    "pardon"); `user_id` is who did it, `target_id` who it was for (the thanked member).
    Features emit it beside their reply so insights can count without reading their tables.
    """

    kind: str
    user_id: str | None = None
    target_id: str | None = None
