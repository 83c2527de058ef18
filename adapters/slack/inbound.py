"""Slack payloads -> core events. Translation only: what a payload means is the core's business.

Every event carries Slack's own delivery id as `event_id` (the Events API `event_id`; for
interactions the trigger or view id), so the runtime's claim makes redeliveries harmless.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from adapters.slack.channels import Channels
from adapters.slack.people import People
from bot.commands import CommandKind, CommandSpec, OptionType, UsageError
from bot.events import (
    CommandInvoked,
    Community,
    Event,
    MemberJoined,
    MemberLeft,
    MemberRef,
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
_SKIN_TONE = re.compile(r"::skin-tone-\d$")


def community(team_id: str) -> Community:
    return Community(PLATFORM, team_id)


def team_of(body: dict[str, Any]) -> str:
    team = body.get("team_id") or body.get("team") or (body.get("view") or {}).get("team_id")
    return team["id"] if isinstance(team, dict) else str(team or "")


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
        if kind == "team_join" and self.settings.join_event == "team_join":
            person = self.people.remember(event["user"])
            if event["user"].get("deleted"):
                return None
            return MemberJoined(where, at, member=await self.people.actor(person.user_id),
                                event_id=event_id)
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
                emoji=_SKIN_TONE.sub("", event.get("reaction", "")), event_id=event_id)
        return None

    async def _message(self, where: Community, at: datetime, event: dict[str, Any],
                       event_id: str | None) -> Event | None:
        # Bots (including Hearth: bolt drops its own first), edits, deletions, joins: not speech.
        if event.get("subtype") not in _SAID or event.get("bot_id") or not event.get("user"):
            return None
        if event.get("channel_type") in ("im", "mpim"):
            return None  # private conversations are not community activity
        channel = event["channel"]
        return MessagePosted(
            where, at, author=await self.people.actor(event["user"]), channel=channel,
            message_id=event["ts"], content=event.get("text", ""),
            channel_name=await self.channels.name_of(channel), event_id=event_id)

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
        line = self.line(body.get("command", ""), body.get("text", ""))
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
        return out

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
                          content=message.get("text", ""))

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
