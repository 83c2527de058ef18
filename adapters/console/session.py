"""A whole community in the terminal: script lines in, one output line per action out.

    +alice / -alice          alice joins / leaves
    alice> hello             alice posts in the current channel
    alice> /thanks @bob ...  alice runs a command
    alice> :react bob ⭐      alice reacts to bob's latest message here
    alice> :reply bob text   alice replies to bob's latest message here (in its thread)
    :delete bob              bob's latest message here is deleted
    #introductions           switch the current channel
    :wait 3d                 advance the clock; scheduled work in that span runs in order
    :mod alice / :admin alice   make alice a moderator / admin for the rest of the run
    :closedms alice          alice's DMs are closed (DMs to her fail)
    :dm alice text           alice writes to Hearth privately (a DM)
    :bot name                name is a bot account
    alice> /warn-message bob rule:spam note:"..."
                             a message action (a command whose kind is MESSAGE_ACTION) on bob's
                             latest message in the current channel: the first word after the
                             command names the message's author, the rest are the options
    :help                    what you can type
Lines starting with `#!` and blank lines are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from adapters.console.render import render
from bot.actions import (
    Action,
    DirectMessage,
    EditPost,
    GrantRole,
    KeepThread,
    Post,
    PostFile,
    ReadMissed,
    RemoveRole,
    Respond,
    SendFile,
    Timeout,
)
from bot.commands import CommandKind, CommandSpec
from bot.durations import parse_duration, short_duration
from bot.events import (
    Actor,
    CommandInvoked,
    Community,
    DirectMessaged,
    Event,
    MemberJoined,
    MemberLeft,
    MemberRef,
    MessageDeleted,
    MessagePosted,
    MessageRef,
    ReactionAdded,
)
from bot.ports import Receipt
from bot.runtime import Runtime
from bot.scheduler import Scheduler
from bot.text import Text

COMMUNITY = Community("console", "local")
HELP = """\
  +alice          alice joins                 -alice        alice leaves
  alice> hello    alice says hello here       #general      switch channel
  alice> /help    alice runs a command        :wait 3d      let three days pass
  alice> :react bob ⭐   react to bob's last message here
  :delete bob     bob's last message here is deleted
  :mod alice      alice becomes a moderator   :admin alice  alice becomes an admin
  :closedms alice DMs to alice fail           :bot robo     robo is a bot account
  :dm alice hi    alice writes to Hearth privately
  :help           this list                   Ctrl-D        quit
  Up and down arrows bring back earlier lines."""
# Any letters (émile, zoë, 美咲), digits, _ . and -.
_NAME = r"[\w.-]{1,32}"
_SAYS = re.compile(rf"^({_NAME})>\s?(.*)$")
_JOIN = re.compile(rf"^([+-])({_NAME})$")
_CHANNEL = re.compile(r"^#([A-Za-z0-9_-]{1,64})$")
_META = re.compile(rf"^:(mod|admin|closedms|bot)\s+({_NAME})$")
_WAIT = re.compile(r"^:wait\s+(\S+)$")
_REACT = re.compile(rf"^:react\s+({_NAME})\s+(\S+)$")
_REPLY = re.compile(rf"^:reply\s+({_NAME})\s+(.+)$")
_DELETE = re.compile(rf"^:delete\s+({_NAME})$")
_DM = re.compile(rf"^:dm\s+({_NAME})\s(.*)$")


@dataclass
class ConsoleState:
    channel: str = "general"
    moderators: set[str] = field(default_factory=set)
    admins: set[str] = field(default_factory=set)
    bots: set[str] = field(default_factory=set)
    closed_dms: set[str] = field(default_factory=set)
    next_message: int = 1
    # (channel, author) -> their latest message id, for :react
    latest: dict[tuple[str, str], str] = field(default_factory=dict)
    # message id -> (channel, author)
    messages: dict[str, tuple[str, str]] = field(default_factory=dict)
    # message id -> what it said, for message actions
    contents: dict[str, str] = field(default_factory=dict)


class ConsoleSession:
    """Turns console lines into events and renders the runtime's actions as lines."""

    def __init__(self, runtime: Runtime, scheduler: Scheduler, write: Callable[[str], None],
                 bot_name: str | None = None, files: Path | None = None) -> None:
        self.runtime = runtime
        # Where files sent to members (data exports) are written; each is shown by its path.
        self.files = files if files is not None else Path("data") / "files"
        self.scheduler = scheduler
        self.write = write
        self._bot_name = bot_name
        self.state = ConsoleState()

    # -- input --------------------------------------------------------------------------

    async def feed(self, line: str) -> None:
        """Handle one input line; problems are printed and the session goes on."""
        line = line.rstrip("\n").strip()
        if not line or line.startswith("#!"):
            return
        if line == ":help":
            for help_line in HELP.splitlines():
                self.write(help_line)
        elif m := _JOIN.match(line):
            event_type = MemberJoined if m.group(1) == "+" else MemberLeft
            await self._send(event_type(COMMUNITY, self._now(), member=self.actor(m.group(2))))
        elif m := _CHANNEL.match(line):
            self.state.channel = m.group(1)
        elif m := _DELETE.match(line):
            message_id = self._latest_of(m.group(1))
            if message_id is not None:
                del self.state.latest[(self.state.channel, m.group(1))]
                await self._send(MessageDeleted(COMMUNITY, self._now(),
                                                channel=self.state.channel,
                                                message_id=message_id))
        elif m := _WAIT.match(line):
            await self._wait(m.group(1))
        elif m := _META.match(line):
            kind, name = m.groups()
            {"mod": self.state.moderators, "admin": self.state.admins,
             "closedms": self.state.closed_dms, "bot": self.state.bots}[kind].add(name)
            # The runtime learns who holds which level as it sees members; tell it now, so
            # features that ask about someone else (moderation's guards) know too.
            self.runtime.saw(COMMUNITY, self.actor(name))
        elif m := _DM.match(line):
            await self._dm_in(m.group(1), m.group(2))
        elif m := _SAYS.match(line):
            await self._says(m.group(1), m.group(2))
        else:
            self.note(f"I didn't understand {line!r}. Try +name, -name, name> text, "
                      "name> /command, #channel, :wait 1h or :mod name (:help lists them all).")

    async def _says(self, name: str, text: str) -> None:
        actor = self.actor(name)
        if text.startswith("/"):
            spec = self._message_action(actor, text[1:])
            if spec is not None:
                await self._on_message(actor, spec, text[1:])
                return
            await self._send(CommandInvoked(COMMUNITY, self._now(), actor=actor, line=text[1:],
                                            channel=self.state.channel))
        elif m := _REACT.match(text):
            target, emoji = m.groups()
            message_id = self._latest_of(target)
            if message_id is None:
                return
            await self._send(ReactionAdded(
                COMMUNITY, self._now(), reactor=actor, channel=self.state.channel,
                message_id=message_id, message_author=self._ref(target), emoji=emoji))
        elif m := _REPLY.match(text):
            target, reply = m.groups()
            parent = self._latest_of(target)
            if parent is None:
                return
            message_id = self._new_message(self.state.channel, name, reply, latest=False)
            await self._send(MessagePosted(
                COMMUNITY, self._now(), author=actor, channel=self.state.channel,
                message_id=message_id, content=reply, channel_name=self.state.channel,
                reply_to=parent))
        elif text.startswith(":"):
            self.note(f"I didn't understand {text!r}. Did you mean :react name emoji or "
                      ":reply name text?")
        else:
            message_id = self._new_message(self.state.channel, name, text)
            await self._send(MessagePosted(
                COMMUNITY, self._now(), author=actor, channel=self.state.channel,
                message_id=message_id, content=text, channel_name=self.state.channel))

    async def _dm_in(self, name: str, text: str) -> None:
        """A private message to Hearth; everyone in the console is in its one community."""
        channel = f"dm-{name}"
        message_id = self._new_message(channel, name, text, latest=False)
        await self._send(DirectMessaged(
            COMMUNITY, self._now(), author=self.actor(name), channel=channel,
            message_id=message_id, content=text, shared=(COMMUNITY,),
            event_id=f"dm:{channel}:{message_id}"))

    def _message_action(self, actor: Actor, line: str) -> CommandSpec | None:
        """The spec a command line names, if it is a message action (the console has no forms:
        typed `field:"value"` options fill them in)."""
        spec = self.runtime.plan(CommandInvoked(COMMUNITY, self._now(), actor=actor,
                                                line=line)).spec
        return spec if spec is not None and spec.kind is CommandKind.MESSAGE_ACTION else None

    async def _on_message(self, actor: Actor, spec: CommandSpec, line: str) -> None:
        """`/warn-message bob rule:spam`: the command, run on bob's latest message here."""
        rest = line.split(None, len(spec.words))
        target, _, options = (rest[len(spec.words)] if len(rest) > len(spec.words)
                              else "").partition(" ")
        target = target.removeprefix("@")
        if not target:
            self.note(f"Whose message? Try /{spec.name} NAME, for NAME's latest message here.")
            return
        message_id = self._latest_of(target)
        if message_id is None:
            return
        ref = MessageRef(self.state.channel, message_id, self._ref(target),
                         self.state.contents.get(message_id, ""))
        await self._send(CommandInvoked(
            COMMUNITY, self._now(), actor=actor, args={"message": ref},
            line=f"{spec.name} {options}".strip(), channel=self.state.channel))

    async def _wait(self, spec: str) -> None:
        try:
            delta = parse_duration(spec)
        except ValueError as exc:
            self.note(str(exc))
            return
        await self.scheduler.advance(delta)

    async def _send(self, event: Event) -> None:
        try:
            await self.runtime.process(event, self)
        except Exception as exc:
            # The runtime has logged the cause; the console keeps going, like a platform would.
            self.note(f"That didn't go through ({type(exc).__name__}); nothing was saved.")

    async def look_up_member(self, community: Community, user_id: str) -> Actor | None:
        """What the console says of a member now (MemberLookup): user ids are names here."""
        return self.actor(user_id)

    def actor(self, name: str) -> Actor:
        s = self.state
        return Actor(user_id=name, name=name, is_bot=name in s.bots,
                     platform_moderator=name in s.moderators, platform_admin=name in s.admins)

    def _latest_of(self, author: str) -> str | None:
        """The id of `author`'s latest message in the current channel, or a note saying
        there is none."""
        found = self.state.latest.get((self.state.channel, author))
        if found is None:
            self.note(f"{author} hasn't posted in #{self.state.channel} yet.")
        return found

    def _ref(self, name: str) -> MemberRef:
        return MemberRef(name, name, name in self.state.bots)

    def _new_message(self, channel: str, author: str, content: str = "", *,
                     latest: bool = True) -> str:
        """A message id; `latest` unless it is in a thread (:react and :reply aim at the
        channel's own messages)."""
        message_id = str(self.state.next_message)
        self.state.next_message += 1
        if latest:
            self.state.latest[(channel, author)] = message_id
        self.state.messages[message_id] = (channel, author)
        self.state.contents[message_id] = content
        return message_id

    def _now(self) -> datetime:
        return self.runtime.clock.now()

    # -- output (the Sink) --------------------------------------------------------------

    @property
    def bot_name(self) -> str:
        """The name posts are signed with: the one given, else `hearth.name` as the running
        config has it (so a reload renames Hearth at once)."""
        return self._bot_name or self.runtime.config.hearth.name

    def note(self, text: str) -> None:
        self.write(f"[console] {text}")

    def _show(self, action: Action, text: Text) -> str:
        tz = self.runtime.config.for_community(action.community).community.timezone
        # Continuation lines are indented so each action still reads as one entry.
        return render(text, self._now(), tz).replace("\n", "\n  ")

    async def perform(self, action: Action) -> Receipt:
        handler = self.HANDLERS.get(type(action))
        if handler is None:
            self.note(f"(no console rendering for {type(action).__name__})")
            return Receipt(False, reason="unsupported")
        return handler(self, action)

    def _post(self, action: Post) -> Receipt:
        channel = action.channel.lstrip("#")
        if action.thread_id is not None:
            self.write(f"[#{channel} thread] {self.bot_name}: {self._show(action, action.text)}")
            return Receipt(True, self._new_message(channel, self.bot_name, latest=False),
                           channel)
        self.write(f"[#{channel}] {self.bot_name}: {self._show(action, action.text)}")
        return Receipt(True, self._new_message(channel, self.bot_name), channel)

    def _edit(self, action: EditPost) -> Receipt:
        if action.message_id is None:
            return self._post(Post(action.community, action.channel, action.text))
        channel = action.channel.lstrip("#")
        self.write(f"[#{channel}] {self.bot_name} (edited): {self._show(action, action.text)}")
        return Receipt(True, action.message_id, channel)

    def _thread(self, action: KeepThread) -> Receipt:
        # The console's threads are the :reply lines under a message; this shows their name.
        channel = action.channel.lstrip("#")
        if action.solved:
            tag = f" [{action.tag}]" if action.tag else ""
            self.write(f"[#{channel} thread] renamed \"{action.name}\"{tag}")
        else:
            self.write(f"[#{channel} thread] opened \"{action.name}\"")
        return Receipt(True, action.message_id, channel)

    def _respond(self, action: Respond) -> Receipt:
        self.write(f"[to {action.user_id} only] {self._show(action, action.text)}")
        return Receipt(True)

    def _dm(self, action: DirectMessage) -> Receipt:
        if action.user_id in self.state.closed_dms:
            self.write(f"[DM to {action.user_id} not delivered: their DMs are closed]")
            return Receipt(False, reason="dm_closed")
        self.write(f"[DM to {action.user_id}] {self._show(action, action.text)}")
        return Receipt(True)

    def _save(self, action: SendFile | PostFile) -> str:
        # A console "sends" a file by writing it where the operator can open it.
        path = self.files / action.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(action.data)
        return f"{path} ({len(action.data):,} bytes)"

    def _file(self, action: SendFile) -> Receipt:
        self.write(f"[file to {action.user_id} only] {self._save(action)} "
                   f"{self._show(action, action.text)}")
        return Receipt(True)

    def _post_file(self, action: PostFile) -> Receipt:
        channel = action.channel.lstrip("#")
        self.write(f"[#{channel}] {self.bot_name}: {self._show(action, action.text)}\n"
                   f"  [attached] {self._save(action)}")
        return Receipt(True, self._new_message(channel, self.bot_name), channel)

    def _role(self, action: GrantRole | RemoveRole) -> Receipt:
        sign = "+" if isinstance(action, GrantRole) else "-"
        self.write(f"[role] {action.user_id} {sign}{action.role}")
        return Receipt(True)

    def _timeout(self, action: Timeout) -> Receipt:
        if action.duration:
            self.write(f"[timeout] {action.user_id} {short_duration(action.duration)}")
        else:
            self.write(f"[timeout lifted] {action.user_id}")
        return Receipt(True)

    def _read_missed(self, action: ReadMissed) -> Receipt:
        # Nothing reaches the console while it is down: there is nothing to read back.
        return Receipt(False, reason="unsupported")

    # Every action the core can ask for, by type (a contract test checks none is missing).
    HANDLERS: ClassVar[dict[type[Action], Callable[..., Receipt]]] = {
        Post: _post,
        EditPost: _edit,
        Respond: _respond,
        DirectMessage: _dm,
        SendFile: _file,
        PostFile: _post_file,
        GrantRole: _role,
        RemoveRole: _role,
        Timeout: _timeout,
        KeepThread: _thread,
        ReadMissed: _read_missed,
    }
