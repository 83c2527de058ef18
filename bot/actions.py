"""Neutral outbound actions: what the core asks an adapter to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.events import Community, Event
from bot.text import Text


@dataclass(frozen=True, slots=True)
class Action:
    community: Community


@dataclass(frozen=True, slots=True)
class Post(Action):
    """A message in a channel, named by configured name or platform id."""

    channel: str
    text: Text
    # Lets a later EditPost find this message again (e.g. an introduction re-posted on edit).
    key: str | None = None
    # Start a thread under this message, with this name, where the platform names threads
    # (an incident's running updates). Platforms whose replies thread on their own ignore it.
    opens_thread: str | None = None
    # The key of an earlier post: this one goes in that post's thread (or plainly in its
    # channel where the platform has no threads).
    thread_of: str | None = None
    # Filled by the runtime from what it recorded for `thread_of`: that message's id (its
    # channel replaces `channel`). None if it was never posted: then this is a plain post.
    thread_id: str | None = None
    # Set by the runtime when the post followed a stored change: its row in the outbox, gone
    # once the platform took it (see storage/outbox.py). Features never set it.
    outbox: int | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class KeepThread(Action):
    """The thread of message `message_id` in `channel` (a member's question or Hearth's post).

    Not `solved`: make sure it has one, opening it with `name` where the platform names
    threads (Discord; a forum post already is one); platforms whose replies thread on their
    own have nothing to do. `solved`: mark it so: rename it to `name` and add the forum tag
    `tag` where the channel has it (Discord), or react with `mark` on the message (Slack)."""

    channel: str
    message_id: str
    name: str
    solved: bool = False
    tag: str | None = None
    mark: str = "white_check_mark"


@dataclass(frozen=True, slots=True)
class EditPost(Action):
    """Replace a message Hearth posted earlier under `key`; post anew if it is gone."""

    channel: str
    key: str
    text: Text
    # Filled by the runtime from what it recorded when the message was first posted; a post
    # that took several messages has the later pieces' ids in `more_ids`.
    message_id: str | None = None
    more_ids: tuple[str, ...] = ()
    # As for Post: its outbox row, set by the runtime.
    outbox: int | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Respond(Action):
    """A reply to a command that only the invoker sees."""

    user_id: str
    text: Text


@dataclass(frozen=True, slots=True)
class DirectMessage(Action):
    """A private message; `if_undelivered` runs instead when the member's DMs are closed."""

    user_id: str
    text: Text
    if_undelivered: tuple[Action, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class SendFile(Action):
    """A file only `user_id` receives (a data export), with a short text beside it.

    Adapters that can't attach files privately return an "unsupported" receipt and the
    runtime performs `if_unsupported` instead (a DM with the text, say).
    """

    user_id: str
    filename: str
    data: bytes
    text: Text
    if_unsupported: tuple[Action, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class GrantRole(Action):
    """Give a member a role; `if_failed` runs when the platform refuses or can't."""

    user_id: str
    role: str
    if_failed: tuple[Action, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class RemoveRole(Action):
    user_id: str
    role: str
    if_failed: tuple[Action, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Timeout(Action):
    """Mute a member for a while (a zero duration lifts a running timeout); adapters without
    timeouts run `if_unsupported` instead, and `if_failed` runs when the platform refuses it
    (missing permission, a member above Hearth, a limit), so nobody is told it happened."""

    user_id: str
    duration: timedelta
    reason: str
    if_unsupported: tuple[Action, ...] = field(default=())
    if_failed: tuple[Action, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Emit(Action):
    """Hand an internal event to every cog listening for it; their actions join the reply."""

    event: Event


@dataclass(frozen=True, slots=True)
class ReadMissed(Action):
    """Read what `user_id` wrote to Hearth privately in `channel` after message `after` (sent
    while Hearth was down) and hand each message to the core as if it had just arrived; the
    core's claims make a message read twice harmless. Adapters whose platform keeps no such
    history answer "unsupported"."""

    user_id: str
    channel: str
    after: str | None = None
