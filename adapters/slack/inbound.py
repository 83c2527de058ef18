"""Slack payloads -> core events. Translation only: what a payload means is the core's business.

Every event carries Slack's own delivery id as `event_id` (the Events API `event_id`; for
interactions the trigger or view id), so the runtime's claim makes redeliveries harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from adapters.slack.channels import Channels
from adapters.slack.markup import decode, member_ids, member_names
from adapters.slack.people import People
from bot.commands import CommandKind, CommandSpec, OptionType, UsageError
from bot.emoji import canonical
from bot.events import (
    Attachment,
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
from bot.parser import parse
from bot.plan import spec_in_line
from bot.settings import SlackSettings

PLATFORM = "slack"
# Message subtypes that are still a member saying something; edits, joins, bots etc. are not.
_SAID = frozenset({None, "file_share", "thread_broadcast"})


def community(team_id: str) -> Community:
    return Community(PLATFORM, team_id)


def team_of(body: dict[str, Any]) -> str:
    """The workspace Hearth is installed in, read in the order bolt reads it (its
    `extract_team_id`): in a shared (Slack Connect) channel the envelope's `team_id` is the other
    organisation's, so a view's `app_installed_team_id` and an event's `authorizations[0]` come
    before it."""
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    team = body.get("team")
    auths = body.get("authorizations") or []
    found = (view.get("app_installed_team_id")
             or (team.get("id") if isinstance(team, dict) else team)
             or (auths[0].get("team_id") if auths and isinstance(auths[0], dict) else None)
             or body.get("team_id")
             or (body.get("user") or {}).get("team_id")
             or view.get("team_id"))
    return str(found or "")


def when(seconds: Any) -> datetime:
    try:
        return datetime.fromtimestamp(float(seconds), UTC)
    except (TypeError, ValueError):
        return datetime.now(UTC)


class Inbound:
    def __init__(self, people: People, channels: Channels, settings: SlackSettings,
                 specs: Callable[[], Sequence[CommandSpec]], now: Callable[[], datetime]) -> None:
        self.people = people
        self.channels = channels
        self.settings = settings
        self.specs = specs
        self.now = now

    # -- Events API ---------------------------------------------------------------------

    async def event(self, body: dict[str, Any]) -> Event | None:
        """The core event for an `event_callback`, or None when it means nothing to Hearth."""
        event = body.get("event") or {}
        kind = event.get("type")
        where = community(team_of(body))
        event_id = body.get("event_id")
        at = self.now()
        if kind in ("team_join", "user_change") and self.settings.join_event == "team_join":
            before, person = self.people.remember(event["user"])
            member = await self.people.actor(person.user_id)
            if person.deleted:
                # Slack has no team_leave: a deactivated account is the member leaving (once:
                # a deactivated account can still change).
                if before is not None and before.deleted:
                    return None
                return MemberLeft(where, at, member=member, event_id=event_id)
            if kind == "team_join" or (before is not None and before.deleted):
                # A new account, or one reactivated (as far as this process has seen).
                return MemberJoined(where, at, member=member, event_id=event_id)
            return None  # a profile edit
        if kind in ("member_joined_channel", "member_left_channel"):
            if self.settings.join_event != "member_joined_channel":
                return None
            if not await self._is_join_channel(event.get("channel", "")):
                return None
            member = await self.people.actor(event["user"])
            joined = kind == "member_joined_channel"
            return (MemberJoined if joined else MemberLeft)(where, at, member=member,
                                                            event_id=event_id)
        if kind == "message":
            return await self._message(where, at, event, event_id)
        if kind == "reaction_added":
            item = event.get("item") or {}
            if item.get("type") != "message" or not event.get("user"):
                return None
            author = event.get("item_user")
            return ReactionAdded(
                where, at, reactor=await self.people.actor(event["user"]),
                channel=item["channel"], message_id=item["ts"],
                message_author=(await self.member(author)) if author else None,
                emoji=canonical(event.get("reaction", "")), event_id=event_id)
        return None

    async def _message(self, where: Community, at: datetime, event: dict[str, Any],
                       event_id: str | None) -> Event | None:
        if event.get("subtype") == "message_deleted" and event.get("deleted_ts"):
            return MessageDeleted(where, at, channel=event["channel"],
                                  message_id=event["deleted_ts"], event_id=event_id)
        # Bots (including Hearth: bolt drops its own first), edits, deletions, joins: not speech.
        if event.get("subtype") not in _SAID or event.get("bot_id") or not event.get("user"):
            return None
        if event.get("channel_type") == "im":
            return await self._direct(where, at, event)
        if event.get("channel_type") == "mpim":
            return None  # group DMs are between members, not activity or a word to the team
        channel = event["channel"]
        return MessagePosted(
            where, at, author=await self.people.actor(event["user"]), channel=channel,
            message_id=event["ts"], content=self.text(event.get("text", "")),
            channel_name=await self.channels.name_of(channel), event_id=event_id,
            # A reply in a thread carries the thread's first message as thread_ts.
            reply_to=event.get("thread_ts") if event.get("thread_ts") != event["ts"] else None)

    async def _direct(self, where: Community, at: datetime, event: dict[str, Any]
                      ) -> DirectMessaged:
        """A member's message to the app (its Messages tab): everyone who can write there is in
        the workspace. Its id is the IM and the message's ts, the same whether the event is
        redelivered or the message is read back from history after a restart."""
        channel, ts = event["channel"], event["ts"]
        files = tuple(Attachment(str(f.get("name") or f.get("title") or "file"),
                                 str(f.get("permalink") or f.get("url_private") or ""))
                      for f in event.get("files") or () if isinstance(f, dict))
        return DirectMessaged(
            where, at, author=await self.people.actor(event["user"]), channel=channel,
            message_id=ts, content=self.text(event.get("text", "")), attachments=files,
            shared=(where,), event_id=f"dm:{channel}:{ts}")

    def text(self, raw: str) -> str:
        """What a member wrote, as neutral text (Slack escapes it and wraps links and names)."""
        return decode(raw, self.channels.known_name)

    async def _is_join_channel(self, channel: str) -> bool:
        wanted = self.settings.join_channel
        return not wanted or await self.channels.id_for(wanted) == channel

    async def member(self, user_id: str) -> MemberRef:
        """A member named by id, with name and bot flag when Slack can tell us."""
        try:
            return (await self.people.person(user_id)).ref()
        except Exception:
            return MemberRef(user_id)  # the core fills what it knows

    # -- slash commands -----------------------------------------------------------------

    def line(self, command: str, text: str) -> str:
        """The command as one line for the core's parser: `/contest` + `enter 3` ->
        `contest enter 3`; the prefix command `/hearth thanks @bob` -> `thanks @bob`."""
        name = command.lstrip("/").strip().lower()
        text = text.strip()
        if name == self.settings.prefix_command:
            return text or "help"
        return f"{name} {text}".strip()

    def spec_for(self, line: str) -> tuple[CommandSpec | None, bool]:
        """The spec a line names (longest match) and whether anything follows its words."""
        return spec_in_line(line, self.specs())

    async def command(self, body: dict[str, Any]) -> CommandInvoked:
        line = self.line(body.get("command", ""), self.text(body.get("text", "")))
        actor = await self.people.actor(body["user_id"], with_level=True)
        return CommandInvoked(
            community(team_of(body)), self.now(), actor=actor, line=line,
            args=await self._members_in(line), channel=body.get("channel_id"),
            event_id=f"cmd:{body.get('trigger_id')}" if body.get("trigger_id") else None)

    async def _members_in(self, line: str) -> dict[str, Any]:
        """Members mentioned by id, filled in with their names (the line carries ids only)."""
        try:
            parsed = parse(line, list(self.specs()))
        except UsageError:
            return {}  # the runtime parses again and explains the problem
        out: dict[str, Any] = {}
        for name, value in parsed.args.items():
            opt = parsed.spec.option(name)
            if (opt is not None and opt.type is OptionType.MEMBER
                    and isinstance(value, MemberRef) and value.user_id):
                out[name] = await self.member(value.user_id)
            elif opt is not None and opt.type is OptionType.TEXT and isinstance(value, str):
                out[name] = await self._named(value)
        return out

    async def _named(self, text: str) -> str:
        """Free text with its member tokens as names, the way the member saw them."""
        names = {}
        for token in member_ids(text):
            names[token] = (await self.member(token)).name
        return member_names(text, names.get)

    # -- interactivity ------------------------------------------------------------------

    def spec_named(self, name: str) -> CommandSpec | None:
        return next((s for s in self.specs() if s.name == name), None)

    def shortcut_spec(self, callback_id: str) -> CommandSpec | None:
        return next((s for s in self.specs() if s.kind is CommandKind.MESSAGE_ACTION
                     and callback_id_for(s) == callback_id), None)

    async def message_ref(self, channel: str, message: dict[str, Any]) -> MessageRef:
        author = message.get("user") or message.get("bot_id") or ""
        ref = await self.member(author) if message.get("user") else MemberRef(author, None, True)
        return MessageRef(channel=channel, message_id=message.get("ts", ""), author=ref,
                          content=self.text(message.get("text", "")))

    async def invoked(self, body: dict[str, Any], spec: CommandSpec, args: dict[str, Any],
                      channel: str | None, event_id: str) -> CommandInvoked:
        user_id = (body.get("user") or {}).get("id", "")
        actor = await self.people.actor(user_id, with_level=True)
        filled = dict(args)
        for name, value in args.items():
            if isinstance(value, MemberRef) and value.name is None:
                filled[name] = await self.member(value.user_id)
        return CommandInvoked(community(team_of(body)), self.now(), actor=actor,
                              command=spec.name, args=filled, channel=channel,
                              event_id=event_id)


def callback_id_for(spec: CommandSpec) -> str:
    """A message shortcut's callback_id: the spec name, spaces as underscores."""
    return spec.name.replace(" ", "_")
