"""A small loopback fake of Discord (REST + gateway) that drives a real ``discord.Client``.

Usage::

    async with FakeDiscord() as fake:
        guild = fake.add_guild("Hearth HQ")
        general = guild.add_text_channel("general")
        alice = guild.add_member("alice")
        async with fake.connect(client):          # patches discord.py, logs in, waits for on_ready
            mid = await fake.message_create(general, alice, "hi", guild=guild)
            call = await fake.wait_for_call("POST", rf"/channels/{general}/messages")

Payloads follow the shapes in Discord's API documentation (v10). Every REST call is recorded
in ``fake.calls``; unknown routes get a Discord-style 404 and fail the ``async with`` block
on exit unless ``strict=False``.

Like Discord: the bot's own visible messages come back as MESSAGE_CREATE (``echo_own_messages``),
role/member edits are followed by GUILD_MEMBER_UPDATE, and guild state added after the client
connected is not announced (add guilds, channels and members first; use ``add_user`` +
``member_join`` for newcomers).

Threads, forum posts and history (rules in tests/fakes/discord_threads.py): ``fake.threads``
(id -> thread, a thread under a message has the message's id), ``guild.add_forum_channel(name,
tags)`` and ``guild.tag_id``, ``fake.member_dm(user, text)`` (MESSAGE_CREATE without
``guild_id``), ``fake.dm_history(user, *texts)`` (messages sent while Hearth was away, found
with ``GET /channels/{dm}/messages?after=``), ``fake.message_create(thread_id, ...)`` for a
member's reply in a thread.
"""

# The wait helpers take timeout= on purpose: tests read better than wrapping each call.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import discord
import yarl
from aiohttp import WSMsgType, web

from tests.fakes.discord_shapes import _error, _invalid, _now_iso, snowflake
from tests.fakes.discord_threads import GUILD_FORUM, REQUIRE_TAG, ThreadRoutes

log = logging.getLogger(__name__)


# Intents Discord calls privileged: GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT.
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)
# GATEWAY_GUILD_MEMBERS_LIMITED | GATEWAY_MESSAGE_CONTENT_LIMITED: what a small bot has.
APPLICATION_FLAGS = (1 << 15) | (1 << 19)
EPHEMERAL = 1 << 6

# What Discord refuses or sends, from discord/discord-api-docs (developers/...):
#   resources/message.mdx, Create Message: content up to 2000 characters; an empty message is
#     50006; Allowed Mentions: without it the content's mentions are parsed.
#   topics/opcodes-and-status-codes.mdx: 10062 Unknown interaction, 40060 Interaction has
#     already been acknowledged, 50001 Missing Access, 50013 Missing Permissions, 50035 Invalid
#     Form Body.
#   interactions/receiving-and-responding.mdx: the initial response within 3 seconds, once.
#   resources/guild.mdx, Modify Guild Member: communication_disabled_until up to 28 days ahead.
#   interactions/application-commands.mdx: names 1-32 (lowercase for CHAT_INPUT), descriptions
#     1-100 (empty for context menus), 25 options and choices, 8000 characters per command;
#     `contexts` and `integration_types` in place of the deprecated `dm_permission`.
#   components/reference.mdx: custom_id 1-100; modal title and Label text 45, Label description
#     100, 5 top-level components; text input max_length 4000; Label over Action Row (deprecated
#     for text inputs); select options 25.
#   events/gateway-events.mdx: GUILD_CREATE's members (only the bot's own without presences),
#     GUILD_MEMBERS_CHUNK, GUILD_MEMBER_UPDATE with `pending`.
#   topics/permissions.mdx: channel overwrites applied @everyone, roles, member; app_permissions.
# discord.py 2.7.1's own source checks the same limits when it builds commands and modals.
MAX_CONTENT = 2000
MAX_TIMEOUT = dt.timedelta(days=28)
ACK_WINDOW = 3.0
MODAL_TITLE_MAX = LABEL_MAX = 45
CUSTOM_ID_MAX = 100
MODAL_ROWS = 5
TEXT_INPUT_MAX = 4000
LABEL_DESCRIPTION_MAX = 100
COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMAND_CHARS_MAX = 8000
VIEW_CHANNEL, SEND_MESSAGES = 1 << 10, 1 << 11
_MASS_OR_ROLE = re.compile(r"@everyone|@here|<@&\d+>")

DEFAULT_EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    read_message_history=True,
    add_reactions=True,
    embed_links=True,
    attach_files=True,
    use_application_commands=True,
    change_nickname=True,
    create_instant_invite=True,
    # Discord's defaults for @everyone include starting and talking in threads.
    create_public_threads=True,
    create_private_threads=True,
    send_messages_in_threads=True,
    connect=True,
    speak=True,
).value
DEFAULT_BOT_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    read_message_history=True,
    add_reactions=True,
    embed_links=True,
    attach_files=True,
    manage_roles=True,
    manage_messages=True,
    moderate_members=True,
    use_application_commands=True,
).value
ALL_PERMISSIONS = discord.Permissions.all().value


# --- option builders for slash_command / autocomplete -------------------------------------

_OPTION_TYPES = {bool: 5, int: 4, float: 10, str: 3}


def option(name: str, value: Any, type: int | None = None, *, focused: bool = False) -> dict:
    """An application command interaction option. ``type`` is inferred for str/int/float/bool;
    pass 6 (USER), 7 (CHANNEL), 8 (ROLE), 9 (MENTIONABLE) or 11 (ATTACHMENT) with an id."""
    opt_type = type if type is not None else _OPTION_TYPES[value.__class__]
    opt: dict[str, Any] = {"name": name, "type": opt_type, "value": value}
    if focused:
        opt["focused"] = True
    return opt


def _focused_as_text(options: list[dict]) -> list[dict]:
    out = []
    for opt in options:
        if opt.get("type") in (1, 2):
            opt = {**opt, "options": _focused_as_text(opt.get("options", []))}
        elif opt.get("focused"):
            opt = {**opt, "value": str(opt.get("value", ""))}
        out.append(opt)
    return out


def user_option(name: str, user_id: str) -> dict:
    """A USER (type 6) option; the fake adds the user/member to ``data.resolved``."""
    return option(name, user_id, 6)


def subcommand(name: str, *options: dict) -> dict:
    """A SUB_COMMAND (type 1) option wrapping its own options."""
    return {"name": name, "type": 1, "options": list(options)}


def subcommand_group(name: str, *subcommands: dict) -> dict:
    """A SUB_COMMAND_GROUP (type 2) option wrapping subcommands."""
    return {"name": name, "type": 2, "options": list(subcommands)}


# --- state -------------------------------------------------------------------------------


@dataclass
class Call:
    """One recorded REST call. ``path`` has no ``/api/v10`` prefix; ``json`` is the request
    body (``payload_json`` for multipart); ``files`` lists uploaded file names."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    status: int
    files: list[str] = field(default_factory=list)
    response: Any = None


@dataclass
class FakeInteraction:
    """What a dispatched interaction looks like to a test: use ``id``/``token`` to find the
    callback (``fake.wait_for_response(interaction)``) and follow-ups."""

    id: str
    token: str
    application_id: str
    payload: dict


@dataclass
class _Rule:
    method: str
    pattern: re.Pattern[str]
    status: int
    code: int
    message: str
    times: int


class FakeGuild:
    """A guild held by the fake. Create with ``FakeDiscord.add_guild``."""

    def __init__(self, fake: FakeDiscord, name: str, bot_permissions: int) -> None:
        self._fake = fake
        self.id = snowflake()
        self.name = name
        self.owner_id: str | None = None
        self.channels: dict[str, dict] = {}
        self.roles: dict[str, dict] = {}
        self.members: dict[str, dict] = {}
        self.threads: dict[str, dict] = {}  # id -> thread (forum posts too)
        self._add_role_obj(self.id, "@everyone", DEFAULT_EVERYONE_PERMISSIONS, position=0)
        self.bot_role_id = self._add_role_obj(
            snowflake(), "Hearth", bot_permissions, position=1, tags={"bot_id": fake.bot_user_id}
        )
        self._add_member_obj(fake.bot_user_id, roles=[self.bot_role_id])

    def __str__(self) -> str:
        return self.id

    def _add_role_obj(self, role_id: str, name: str, permissions: int, **extra: Any) -> str:
        tags = extra.pop("tags", None)
        role = {
            "id": role_id,
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": extra.pop("position", len(self.roles)),
            "permissions": str(permissions),
            "managed": tags is not None,
            "mentionable": False,
            "flags": 0,
        }
        if tags is not None:
            role["tags"] = tags
        self.roles[role_id] = role
        return role_id

    def add_text_channel(self, name: str, *, topic: str | None = None) -> str:
        """Add a GUILD_TEXT channel; returns its id. Add before connecting or it is unseen."""
        channel_id = snowflake()
        self.channels[channel_id] = {
            "id": channel_id,
            "type": 0,
            "guild_id": self.id,
            "name": name,
            "position": len(self.channels),
            "permission_overwrites": [],
            "topic": topic,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "last_pin_timestamp": None,
            "default_auto_archive_duration": 1440,
            "flags": 0,
        }
        return channel_id

    def add_forum_channel(self, name: str, tags: Iterable[str] = (), *,
                          require_tag: bool = False) -> str:
        """Add a GUILD_FORUM channel whose ``available_tags`` are ``tags`` (ids in
        ``channels[id]["available_tags"]``); returns its id. Add before connecting."""
        channel_id = self.add_text_channel(name)
        self.channels[channel_id].update(
            type=GUILD_FORUM,
            flags=REQUIRE_TAG if require_tag else 0,
            available_tags=[{"id": snowflake(), "name": tag, "moderated": False,
                             "emoji_id": None, "emoji_name": None} for tag in tags],
            default_reaction_emoji=None,
            default_sort_order=None,
            default_forum_layout=0,
            default_thread_rate_limit_per_user=0,
        )
        return channel_id

    def tag_id(self, forum_id: str, name: str) -> str:
        """The id of a forum's available tag by name."""
        return next(t["id"] for t in self.channels[forum_id]["available_tags"]
                    if t["name"] == name)

    def deny(self, channel_id: str, target_id: str, permissions: int, *,
             member: bool = False) -> None:
        """A permission overwrite on a channel denying ``permissions`` to a role (the guild id
        is @everyone) or, with ``member=True``, to one member."""
        self.channels[channel_id]["permission_overwrites"].append(
            {"id": target_id, "type": 1 if member else 0, "allow": "0",
             "deny": str(permissions)})

    def channel_permissions(self, uid: str, channel_id: str) -> int:
        """A member's permissions in a channel: guild permissions, then the @everyone, role and
        member overwrites in that order (Discord's documented computation)."""
        base = self.member_permissions(uid)
        if base & 0x8:
            return ALL_PERMISSIONS
        if channel_id in self.threads:  # a thread has its parent's overwrites
            channel_id = self.threads[channel_id]["parent_id"]
        overwrites = {o["id"]: o for o in self.channels[channel_id]["permission_overwrites"]}
        roles = self.members[uid]["roles"]

        def apply(value: int, found: list[dict]) -> int:
            deny = allow = 0
            for o in found:
                deny |= int(o["deny"])
                allow |= int(o["allow"])
            return (value & ~deny) | allow

        base = apply(base, [overwrites[self.id]] if self.id in overwrites else [])
        base = apply(base, [overwrites[r] for r in roles if r in overwrites])
        return apply(base, [overwrites[uid]] if uid in overwrites else [])

    def add_role(self, name: str, permissions: int = 0) -> str:
        """Add a role; returns its id."""
        return self._add_role_obj(snowflake(), name, permissions)

    def add_member(
        self,
        username: str,
        *,
        bot: bool = False,
        roles: Iterable[str] = (),
        permissions: int | None = None,
        user_id: str | None = None,
        pending: bool = False,
    ) -> str:
        """Add a user and their membership; returns the user id. ``permissions`` overrides
        the computed value sent in interactions (``member.permissions``); ``pending`` means
        they haven't passed Membership Screening yet."""
        uid = user_id or snowflake()
        if uid not in self._fake.users:
            self._fake.users[uid] = _user_obj(uid, username, bot=bot)
        self._add_member_obj(uid, roles=list(roles), permissions=permissions)
        self.members[uid]["pending"] = pending
        if self.owner_id is None and not bot:
            self.owner_id = uid
        return uid

    def _add_member_obj(
        self, uid: str, *, roles: list[str], permissions: int | None = None
    ) -> None:
        self.members[uid] = {
            "nick": None,
            "avatar": None,
            "banner": None,
            "roles": roles,
            "joined_at": _now_iso(),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
            "_permissions": permissions,
        }

    def member_permissions(self, uid: str) -> int:
        """Guild-level permissions of a member (@everyone + roles; owner/admin get all)."""
        member = self.members[uid]
        if member["_permissions"] is not None:
            return member["_permissions"]
        if uid == self.owner_id:
            return ALL_PERMISSIONS
        value = 0
        for role_id in [self.id, *member["roles"]]:
            if role_id in self.roles:
                value |= int(self.roles[role_id]["permissions"])
        return ALL_PERMISSIONS if value & 0x8 else value

    def member_obj(self, uid: str, *, with_user: bool = True, permissions: bool = False) -> dict:
        """The documented guild member object (optionally with ``user`` / ``permissions``)."""
        member = {k: v for k, v in self.members[uid].items() if not k.startswith("_")}
        if with_user:
            member = {"user": self._fake.users[uid], **member}
        if permissions:
            member["permissions"] = str(self.member_permissions(uid))
        return member

    def guild_create_payload(self) -> dict:
        """GUILD_CREATE ``d`` as the gateway sends it after READY."""
        return {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": self.owner_id or self._fake.bot_user_id,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": list(self.roles.values()),
            "emojis": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": next(iter(self.channels), None),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "max_presences": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "stickers": [],
            "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None,
            "joined_at": self.members[self._fake.bot_user_id]["joined_at"],
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "voice_states": [],
            # Without the presences intent Discord sends only the bot's own member; the rest
            # come from the op 8 request as GUILD_MEMBERS_CHUNK (gateway-events.md).
            "members": [self.member_obj(self._fake.bot_user_id)],
            "channels": list(self.channels.values()),
            "threads": [t for t in self.threads.values()
                        if not t["thread_metadata"]["archived"]],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


def _user_obj(uid: str, username: str, *, bot: bool = False) -> dict:
    return {
        "id": uid,
        "username": username,
        "discriminator": "0",
        "global_name": None if bot else username.capitalize(),
        "avatar": None,
        "bot": bot,
        "system": False,
        "public_flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }


def _json(status: int, body: Any) -> web.Response:
    # Exactly "application/json": discord.py parses JSON only then (json_response adds charset).
    return web.Response(
        status=status, body=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )


# Create Message: "nonce ... (up to 25 characters)"; with enforce_nonce, "checked for uniqueness in
# the past few minutes. If another message was created by the same author with the same nonce,
# that message will be returned and no new message will be created."
MAX_NONCE = 25
NONCE_WINDOW = 5 * 60.0


def message_problem(body: dict, *, edit: bool = False) -> tuple[int, dict] | None:
    """Why Discord (or Hearth's own rule on pings) would refuse this message body, if it would."""
    content = body.get("content")
    if content is not None and len(content) > MAX_CONTENT:
        return 400, _invalid("content", "BASE_TYPE_MAX_LENGTH",
                             f"Must be {MAX_CONTENT} or fewer in length.")
    nonce = body.get("nonce")
    if nonce is not None and len(str(nonce)) > MAX_NONCE:
        return 400, _invalid("nonce", "BASE_TYPE_MAX_LENGTH",
                             f"Must be {MAX_NONCE} or fewer in length.")
    has_other = any(body.get(k) for k in ("embeds", "attachments", "components", "sticker_ids",
                                          "poll"))
    if not edit and not (content or "").strip() and not has_other:
        return 400, _error(50006, "Cannot send an empty message")
    if content is not None:
        mentions = body.get("allowed_mentions")
        # Without allowed_mentions Discord pings whatever the content names (message.md,
        # "Allowed Mentions"): a mass or role ping must never be possible.
        if mentions is None and _MASS_OR_ROLE.search(content):
            return 400, _error(0, "FakeDiscord: this would ping everyone or a role")
        if mentions is not None and ({"everyone", "roles"} & set(mentions.get("parse") or [])
                                     or mentions.get("roles")):
            return 400, _error(0, "FakeDiscord: allowed_mentions must never parse everyone "
                                  "or roles")
    return None


def modal_problem(data: dict) -> tuple[int, dict] | None:
    """Discord's modal limits (components/reference.md: Modal, Label, Text Input, selects)."""
    title = data.get("title") or ""
    if not 1 <= len(title) <= MODAL_TITLE_MAX:
        return 400, _invalid("data.title", "BASE_TYPE_BAD_LENGTH",
                             f"Must be between 1 and {MODAL_TITLE_MAX} in length.")
    if not 1 <= len(data.get("custom_id") or "") <= CUSTOM_ID_MAX:
        return 400, _invalid("data.custom_id", "BASE_TYPE_BAD_LENGTH",
                             f"Must be between 1 and {CUSTOM_ID_MAX} in length.")
    rows = data.get("components") or []
    if not 1 <= len(rows) <= MODAL_ROWS:
        return 400, _invalid("data.components", "BASE_TYPE_BAD_LENGTH",
                             f"Must be between 1 and {MODAL_ROWS} in length.")
    for row in rows:
        if row.get("type") == 18:
            inner = [row.get("component") or {}]
            if not 1 <= len(row.get("label") or "") <= LABEL_MAX:
                return 400, _invalid("data.components.label", "BASE_TYPE_BAD_LENGTH",
                                     f"Must be between 1 and {LABEL_MAX} in length.")
            if len(row.get("description") or "") > LABEL_DESCRIPTION_MAX:
                return 400, _invalid("data.components.description", "BASE_TYPE_MAX_LENGTH",
                                     f"Must be {LABEL_DESCRIPTION_MAX} or fewer in length.")
        else:
            inner = row.get("components") or []
        for c in inner:
            if not 1 <= len(c.get("custom_id") or "") <= CUSTOM_ID_MAX:
                return 400, _invalid("data.components.custom_id", "BASE_TYPE_BAD_LENGTH",
                                     f"Must be between 1 and {CUSTOM_ID_MAX} in length.")
            if c.get("type") == 4 and int(c.get("max_length") or 0) > TEXT_INPUT_MAX:
                return 400, _invalid("data.components.max_length", "NUMBER_TYPE_MAX",
                                     f"int value should be less than or equal to {TEXT_INPUT_MAX}.")
            if c.get("type") == 4 and len(c.get("label") or "") > LABEL_MAX:
                return 400, _invalid("data.components.label", "BASE_TYPE_MAX_LENGTH",
                                     f"Must be {LABEL_MAX} or fewer in length.")
            if len(c.get("options") or []) > 25:
                return 400, _invalid("data.components.options", "BASE_TYPE_MAX_LENGTH",
                                     "Must be 25 or fewer in length.")
    return None


def _command_chars(cmd: dict) -> int:
    """Characters Discord counts toward a command's 8000: names, descriptions, choice values."""
    total = len(cmd.get("name") or "") + len(cmd.get("description") or "")
    for choice in cmd.get("choices") or []:
        total += len(str(choice.get("name") or "")) + len(str(choice.get("value") or ""))
    return total + sum(_command_chars(o) for o in cmd.get("options") or [])


def command_problem(cmd: dict, *, top: bool = True) -> str | None:
    """Why Discord would refuse this command in a bulk overwrite (application-commands.md)."""
    name, kind = cmd.get("name") or "", cmd.get("type", 1)
    description = cmd.get("description") or ""
    if kind == 1 or not top:
        if not COMMAND_NAME.match(name) or name != name.lower():
            return f"name {name!r}: 1-32 lowercase letters, digits, - or _"
        if not 1 <= len(description) <= COMMAND_DESCRIPTION_MAX:
            return f"{name}: description must be 1-{COMMAND_DESCRIPTION_MAX} characters"
    else:
        if not 1 <= len(name) <= 32:
            return f"context menu name {name!r}: 1-32 characters"
        if description:
            return f"context menu {name!r}: description must be empty"
    options = cmd.get("options") or []
    if len(options) > COMMAND_OPTIONS_MAX or len(cmd.get("choices") or []) > 25:
        return f"{name}: at most {COMMAND_OPTIONS_MAX} options and 25 choices"
    if top and _command_chars(cmd) > COMMAND_CHARS_MAX:
        return f"{name}: over {COMMAND_CHARS_MAX} characters"
    return next((p for o in options if o.get("type") in (1, 2)
                 for p in [command_problem(o, top=False)] if p), None) or next(
        (p for o in options if o.get("type") not in (1, 2)
         for p in [command_problem({**o, "type": 1}, top=False)] if p), None)


Handler = Callable[..., Awaitable[tuple[int, Any]]]


class FakeDiscord(ThreadRoutes):
    """Fake Discord REST API + gateway on 127.0.0.1 (random port).

    Args:
        app_id / bot_user_id: ids of the application and its bot user.
        refuse_privileged_intents: close the gateway with 4014 when IDENTIFY asks for them.
        strict: on clean exit, fail if any REST call hit an unknown route.
    """

    def __init__(
        self,
        app_id: str | None = None,
        bot_user_id: str | None = None,
        *,
        bot_username: str = "Hearth",
        refuse_privileged_intents: bool = False,
        strict: bool = True,
    ) -> None:
        self.app_id = app_id or snowflake()
        self.bot_user_id = bot_user_id or self.app_id
        self.refuse_privileged_intents = refuse_privileged_intents
        self.strict = strict
        self.owner_id = snowflake()
        self.users: dict[str, dict] = {
            self.bot_user_id: _user_obj(self.bot_user_id, bot_username, bot=True),
            self.owner_id: _user_obj(self.owner_id, "appowner"),
        }
        self.guilds: dict[str, FakeGuild] = {}
        self.messages: dict[str, dict] = {}
        # (author, nonce) -> (message, when): Create Message's enforce_nonce.
        self.nonces: dict[tuple[str, str], tuple[dict, float]] = {}
        self.dm_channels: dict[str, dict] = {}  # user id -> DM channel
        self.closed_dms: set[str] = set()
        self.synced_commands: dict[str | None, list[dict]] = {}  # guild id (None = global)
        self.calls: list[Call] = []
        self.unknown_calls: list[Call] = []
        self.gateway_received: list[dict] = []
        self.identify_count = 0
        self.intents = 0  # from the last IDENTIFY
        self.echo_own_messages = True
        self.resume_count = 0
        self.port = 0
        # Seconds on the fake's own clock, for the 3 s interaction window: tests move it with
        # ``advance`` instead of sleeping. ``skew`` is how far Discord's wall clock runs ahead
        # of this machine's (Discord measures the 28-day timeout limit on its own clock).
        self.elapsed = 0.0
        self.skew = dt.timedelta(0)
        # Modals the bot opened, by custom_id (a submit is built from the same layout).
        self.modals: dict[str, dict] = {}
        # Requests the fake refused because they broke a documented rule, for tests to read.
        self.refused: list[Call] = []

        self._rules: list[_Rule] = []
        # Calls whose answer is lost after they took effect: (method, path pattern, times left).
        self._lost: list[list[Any]] = []
        self._cond = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._ws: web.WebSocketResponse | None = None
        self._gw_lock = asyncio.Lock()
        self._session_id: str | None = None
        self._seq = 0
        self._history: list[dict] = []
        self._live = False
        self._pending: list[tuple[str, dict]] = []
        self._interaction_messages: dict[str, str] = {}  # token -> @original message id
        self._interactions: dict[str, dict] = {}  # token -> interaction payload
        self._created: dict[str, float] = {}  # token -> self.elapsed when it was sent
        self._acknowledged: set[str] = set()  # tokens answered once already
        self._command_ids: dict[tuple[str | None, str, int], str] = {}
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._register_routes()

    # --- lifecycle -------------------------------------------------------------------

    async def __aenter__(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
        if self.strict and exc_type is None and self.unknown_calls:
            routes = ", ".join(f"{c.method} {c.path}" for c in self.unknown_calls)
            raise AssertionError(f"FakeDiscord got calls to unknown routes: {routes}")

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway/"

    @contextlib.contextmanager
    def patch_discord(self) -> Iterator[None]:
        """Point discord.py's REST base and default gateway at this fake, restoring after."""
        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    @contextlib.asynccontextmanager
    async def connect(
        self, client: discord.Client, *, token: str = "fake-token", timeout: float = 5.0
    ) -> AsyncIterator[discord.Client]:
        """Patch discord.py, log ``client`` in, connect it and wait for on_ready; on exit
        close the client and wait for its connect task, so nothing is left pending."""
        with self.patch_discord():
            async with client:
                await client.login(token)
                task = asyncio.create_task(client.connect(), name="fake-discord-client")
                try:
                    ready = asyncio.ensure_future(client.wait_until_ready())
                    done, _ = await asyncio.wait(
                        {ready, task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                    )
                    if ready not in done:
                        ready.cancel()
                        if task in done:
                            task.result()  # re-raise why the client stopped
                        raise TimeoutError("discord client did not become ready")
                    yield client
                finally:
                    await client.close()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    # --- setup -----------------------------------------------------------------------

    def add_guild(self, name: str, *, bot_permissions: int = DEFAULT_BOT_PERMISSIONS) -> FakeGuild:
        """Add a guild the bot is in (it gets a managed bot role with ``bot_permissions``)."""
        guild = FakeGuild(self, name, bot_permissions)
        self.guilds[guild.id] = guild
        return guild

    def add_user(self, username: str, *, bot: bool = False) -> str:
        """A user in no guild yet (e.g. to ``member_join`` later); returns the user id."""
        uid = snowflake()
        self.users[uid] = _user_obj(uid, username, bot=bot)
        return uid

    def advance(self, seconds: float) -> None:
        """Move the fake's clock on (interactions older than 3 s can no longer be answered)."""
        self.elapsed += seconds

    def discord_now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.skew

    def close_dms(self, user_id: str) -> None:
        """Make message POSTs to this user's DM channel fail with 403 / 50007."""
        self.closed_dms.add(user_id)

    def fail_route(
        self,
        method: str,
        path_regex: str,
        status: int,
        code: int,
        message: str,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` matching calls with a Discord error (e.g. 403, 50013,
        "Missing Permissions"). Avoid 5xx: discord.py retries those with real sleeps."""
        self._rules.append(
            _Rule(method.upper(), re.compile(path_regex), status, code, message, times)
        )

    def lose_answers(self, method: str, path_regex: str, times: int = 1) -> None:
        """The next ``times`` matching calls take effect, then the connection drops before the
        answer, as when the network fails (or the caller dies) after Discord accepted."""
        self._lost.append([method.upper(), re.compile(path_regex), times])

    # --- recorded calls --------------------------------------------------------------

    def calls_matching(self, method: str, path_regex: str) -> list[Call]:
        """Recorded calls with this method whose path fully matches ``path_regex``."""
        pattern = re.compile(path_regex)
        return [c for c in self.calls if c.method == method.upper() and pattern.fullmatch(c.path)]

    async def wait_for_call(
        self, method: str, path_regex: str, timeout: float = 5.0, *, count: int = 1
    ) -> Call:
        """Wait until ``count`` matching calls were recorded; returns the ``count``-th."""
        async with self._cond:
            try:
                async with asyncio.timeout(timeout):
                    await self._cond.wait_for(
                        lambda: len(self.calls_matching(method, path_regex)) >= count
                    )
            except TimeoutError:
                seen = "\n  ".join(f"{c.method} {c.path} -> {c.status}" for c in self.calls)
                raise AssertionError(
                    f"no {method} {path_regex} (#{count}) within {timeout}s; calls:\n  {seen}"
                ) from None
        return self.calls_matching(method, path_regex)[count - 1]

    async def wait_for_response(self, interaction: FakeInteraction, timeout: float = 5.0) -> Call:
        """Wait for the bot's callback (``POST /interactions/{id}/{token}/callback``)."""
        path = rf"/interactions/{interaction.id}/{re.escape(interaction.token)}/callback"
        return await self.wait_for_call("POST", path, timeout)

    async def wait_for_gateway_op(self, op: int, timeout: float = 5.0, *, count: int = 1) -> dict:
        """Wait until the client has sent ``count`` gateway payloads with this opcode."""

        def matching() -> list[dict]:
            return [p for p in self.gateway_received if p.get("op") == op]

        async with self._cond:
            async with asyncio.timeout(timeout):
                await self._cond.wait_for(lambda: len(matching()) >= count)
        return matching()[count - 1]

    async def _notify(self) -> None:
        async with self._cond:
            self._cond.notify_all()

    # --- gateway ---------------------------------------------------------------------

    async def drop_connection(self, code: int = 4000, *, resumable: bool = True) -> None:
        """Close the gateway socket server-side. With a resumable code (4000 by default) the
        client reconnects and RESUMEs; ``resumable=False`` forgets the session so the RESUME
        gets INVALID_SESSION and the client IDENTIFYs again."""
        async with self._gw_lock:
            self._live = False
            ws = self._ws
            if not resumable:
                self._session_id = None
        if ws is not None and not ws.closed:
            await ws.close(code=code)

    async def _send(self, ws: web.WebSocketResponse, frame: dict) -> None:
        await ws.send_str(json.dumps(frame))

    async def _dispatch_locked(self, event: str, data: dict) -> None:
        self._seq += 1
        frame = {"op": 0, "t": event, "s": self._seq, "d": data}
        self._history.append(frame)
        if self._live and self._ws is not None and not self._ws.closed:
            await self._send(self._ws, frame)

    async def dispatch(self, event: str, data: dict) -> None:
        """Send a gateway DISPATCH (op 0). Before the first session it is queued until READY;
        while disconnected it is kept and replayed on RESUME."""
        async with self._gw_lock:
            if self._session_id is None:
                self._pending.append((event, data))
            else:
                await self._dispatch_locked(event, data)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await self._send(ws, {"op": 10, "d": {"heartbeat_interval": 45000}, "s": None, "t": None})
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                self.gateway_received.append(payload)
                await self._on_gateway_payload(ws, payload)
                await self._notify()
        finally:
            async with self._gw_lock:
                if self._ws is ws:
                    self._live = False
        return ws

    async def _on_gateway_payload(self, ws: web.WebSocketResponse, payload: dict) -> None:
        op, d = payload.get("op"), payload.get("d")
        if op == 1:
            await self._send(ws, {"op": 11})
        elif op == 2:
            await self._identify(ws, d)
        elif op == 6:
            await self._resume(ws, d)
        elif op == 8:
            await self._request_members(d)
        elif op not in (3, 4):
            log.error("FakeDiscord: unhandled gateway op %s: %s", op, payload)

    async def _identify(self, ws: web.WebSocketResponse, d: dict) -> None:
        if self.refuse_privileged_intents and d.get("intents", 0) & PRIVILEGED_INTENTS:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        async with self._gw_lock:
            self.identify_count += 1
            self.intents = int(d.get("intents", 0))
            self._session_id = snowflake()
            self._seq = 0
            self._history = []
            self._live = True
            await self._dispatch_locked(
                "READY",
                {
                    "v": 10,
                    "user": {
                        **self.users[self.bot_user_id],
                        "verified": True,
                        "mfa_enabled": False,
                        "flags": 0,
                        "email": None,
                    },
                    "guilds": [{"id": g, "unavailable": True} for g in self.guilds],
                    "session_id": self._session_id,
                    "resume_gateway_url": self.gateway_url,
                    "shard": [0, 1],
                    "application": {"id": self.app_id, "flags": APPLICATION_FLAGS},
                    "private_channels": [],
                    "relationships": [],
                    "presences": [],
                    "guild_join_requests": [],
                    "user_settings": {},
                    "session_type": "normal",
                },
            )
            for guild in self.guilds.values():
                await self._dispatch_locked("GUILD_CREATE", guild.guild_create_payload())
            pending, self._pending = self._pending, []
            for event, data in pending:
                await self._dispatch_locked(event, data)

    async def _resume(self, ws: web.WebSocketResponse, d: dict) -> None:
        async with self._gw_lock:
            if d.get("session_id") != self._session_id or self._session_id is None:
                await self._send(ws, {"op": 9, "d": False, "s": None, "t": None})
                return
            self.resume_count += 1
            last = d.get("seq") or 0
            for frame in self._history:
                if frame["s"] > last:
                    await self._send(ws, frame)
            self._live = True
            await self._dispatch_locked("RESUMED", {})

    async def _request_members(self, d: dict) -> None:
        guild = self.guilds.get(str(d.get("guild_id")))
        if guild is None:
            return
        user_ids = d.get("user_ids")
        query = (d.get("query") or "").lower()
        limit = d.get("limit") or 0
        if user_ids is not None:
            ids = [str(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])]
            found = [u for u in ids if u in guild.members]
            not_found = [u for u in ids if u not in guild.members]
        else:
            found = [
                u for u in guild.members if self.users[u]["username"].lower().startswith(query)
            ]
            not_found = []
        if limit:
            found = found[:limit]
        chunk: dict[str, Any] = {
            "guild_id": guild.id,
            "members": [guild.member_obj(u) for u in found],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if not_found:
            chunk["not_found"] = not_found
        if d.get("presences"):
            chunk["presences"] = []
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    # --- dispatch helpers --------------------------------------------------------------

    async def member_join(self, guild: FakeGuild, user_id: str, *, pending: bool = False) -> None:
        """GUILD_MEMBER_ADD. ``user_id`` must be known (add_member) or it is created.
        ``pending``: the guild has Membership Screening and they haven't passed it yet."""
        if user_id not in self.users:
            self.users[user_id] = _user_obj(user_id, f"user{user_id[-4:]}")
        if user_id not in guild.members:
            guild._add_member_obj(user_id, roles=[])
        guild.members[user_id]["pending"] = pending
        await self.dispatch("GUILD_MEMBER_ADD", {**guild.member_obj(user_id), "guild_id": guild.id})

    async def pass_screening(self, guild: FakeGuild, user_id: str) -> None:
        """The member accepted the rules: ``pending`` turns false (GUILD_MEMBER_UPDATE)."""
        guild.members[user_id]["pending"] = False
        await self._member_updated(guild, user_id)

    async def member_remove(self, guild: FakeGuild, user_id: str) -> None:
        """GUILD_MEMBER_REMOVE (leave/kick)."""
        guild.members.pop(user_id, None)
        await self.dispatch(
            "GUILD_MEMBER_REMOVE", {"guild_id": guild.id, "user": self.users[user_id]}
        )

    def _message_obj(
        self,
        channel_id: str,
        author_id: str,
        content: str,
        *,
        type: int = 0,
        body: dict | None = None,
        extra: dict | None = None,
    ) -> dict:
        body = body or {}
        mentions = [self.users[u] for u in re.findall(r"<@!?(\d+)>", content) if u in self.users]
        message = {
            "id": snowflake(),
            "channel_id": channel_id,
            "author": self.users[author_id],
            "content": content,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": "@everyone" in content,
            "mentions": mentions,
            "mention_roles": re.findall(r"<@&(\d+)>", content),
            "attachments": body.get("attachments", []),
            "embeds": body.get("embeds") or [],
            "reactions": [],
            "pinned": False,
            "type": type,
            "flags": int(body.get("flags", 0) or 0),
            "components": body.get("components") or [],
        }
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if body.get("message_reference"):
            message["message_reference"] = body["message_reference"]
        message.update(extra or {})
        self.messages[message["id"]] = message
        return message

    def _guild_of_channel(self, channel_id: str) -> FakeGuild | None:
        return next((g for g in self.guilds.values()
                     if channel_id in g.channels or channel_id in g.threads), None)

    async def message_create(
        self, channel_id: str, author_id: str, content: str, *, guild: FakeGuild | None = None
    ) -> str:
        """MESSAGE_CREATE from a user; returns the message id. ``guild`` defaults to the
        channel's guild (None for a DM channel)."""
        guild = guild or self._guild_of_channel(channel_id)
        message = self._message_obj(channel_id, author_id, content)
        event = dict(message)
        if guild is not None:
            event["guild_id"] = guild.id
            if author_id in guild.members:
                event["member"] = guild.member_obj(author_id, with_user=False)
            event["mentions"] = [
                {**u, "member": guild.member_obj(u["id"], with_user=False)}
                if u["id"] in guild.members
                else u
                for u in message["mentions"]
            ]
        await self.dispatch("MESSAGE_CREATE", event)
        return message["id"]

    async def reaction_add(
        self,
        channel_id: str,
        message_id: str,
        user_id: str,
        emoji_name: str,
        *,
        guild: FakeGuild | None = None,
        emoji_id: str | None = None,
    ) -> None:
        """MESSAGE_REACTION_ADD (unicode emoji by name, or a custom one with ``emoji_id``)."""
        guild = guild or self._guild_of_channel(channel_id)
        data: dict[str, Any] = {
            "user_id": user_id,
            "channel_id": channel_id,
            "message_id": message_id,
            "emoji": {"id": emoji_id, "name": emoji_name},
            "burst": False,
            "burst_colors": [],
            "type": 0,
        }
        if message_id in self.messages:
            data["message_author_id"] = self.messages[message_id]["author"]["id"]
        if guild is not None:
            data["guild_id"] = guild.id
            if user_id in guild.members:
                data["member"] = guild.member_obj(user_id)
        await self.dispatch("MESSAGE_REACTION_ADD", data)

    def _interaction(
        self,
        type: int,
        guild: FakeGuild | None,
        channel_id: str,
        user_id: str,
        data: dict | None,
        *,
        permissions: int | None = None,
        extra: dict | None = None,
    ) -> FakeInteraction:
        iid, token = snowflake(), f"itoken-{snowflake()}"
        self._created[token] = self.elapsed
        payload: dict[str, Any] = {
            "id": iid,
            "application_id": self.app_id,
            "type": type,
            "token": token,
            "version": 1,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if data is not None:
            payload["data"] = data
        if guild is not None:
            # A command used inside a thread names the thread (its parent_id says where).
            channel = guild.channels.get(channel_id) or guild.threads[channel_id]
            member = guild.member_obj(user_id, permissions=True)
            if permissions is not None:
                member["permissions"] = str(permissions)
            payload.update(
                guild_id=guild.id,
                guild={"id": guild.id, "locale": "en-US", "features": []},
                guild_locale="en-US",
                channel={**channel,
                         "permissions": str(guild.channel_permissions(user_id, channel_id))},
                channel_id=channel_id,
                member=member,
                # What the bot may do in this channel, overwrites applied.
                app_permissions=str(guild.channel_permissions(self.bot_user_id, channel_id)),
                authorizing_integration_owners={"0": guild.id},
                context=0,
            )
        else:
            dm = self._dm_channel(user_id)
            payload.update(
                channel=dm,
                channel_id=dm["id"],
                user=self.users[user_id],
                app_permissions=str(DEFAULT_EVERYONE_PERMISSIONS),
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        payload.update(extra or {})
        self._interactions[token] = payload
        return FakeInteraction(iid, token, self.app_id, payload)

    def _resolve(self, guild: FakeGuild | None, options: list[dict], resolved: dict) -> None:
        for opt in options:
            if opt["type"] in (1, 2):
                self._resolve(guild, opt.get("options", []), resolved)
                continue
            value = str(opt.get("value"))
            if opt["type"] in (6, 9) and value in self.users:
                resolved.setdefault("users", {})[value] = self.users[value]
                if guild is not None and value in guild.members:
                    member = guild.member_obj(value, with_user=False, permissions=True)
                    for key in ("deaf", "mute"):
                        member.pop(key)
                    resolved.setdefault("members", {})[value] = member
            elif opt["type"] in (8, 9) and guild is not None and value in guild.roles:
                resolved.setdefault("roles", {})[value] = guild.roles[value]
            elif opt["type"] == 7 and guild is not None and value in guild.channels:
                ch = guild.channels[value]
                resolved.setdefault("channels", {})[value] = {
                    "id": value,
                    "name": ch["name"],
                    "type": ch["type"],
                    "permissions": str(ALL_PERMISSIONS),
                    "parent_id": ch["parent_id"],
                }

    def _command_data(
        self, guild: FakeGuild | None, name: str, type: int, guild_command: bool
    ) -> dict:
        scope = guild.id if guild is not None and guild_command else None
        key = (scope, name, type)
        command_id = self._command_ids.setdefault(key, snowflake())
        data: dict[str, Any] = {"id": command_id, "name": name, "type": type}
        if scope is not None:
            data["guild_id"] = scope  # discord.py looks guild commands up by this
        return data

    async def slash_command(
        self,
        guild: FakeGuild | None,
        channel_id: str,
        user_id: str,
        name: str,
        options: list[dict] | None = None,
        *,
        guild_command: bool = False,
        permissions: int | None = None,
    ) -> FakeInteraction:
        """INTERACTION_CREATE for a CHAT_INPUT command. ``options`` are documented option
        dicts (see ``option``/``user_option``/``subcommand``); user/role/channel options are
        added to ``data.resolved``. ``guild_command=True`` sets ``data.guild_id`` (needed when
        the command was added to the tree with ``guild=``). ``permissions`` overrides the
        invoking member's permissions. ``guild=None`` sends it from a DM."""
        data = self._command_data(guild, name, 1, guild_command)
        if options:
            data["options"] = options
            resolved: dict = {}
            self._resolve(guild, options, resolved)
            if resolved:
                data["resolved"] = resolved
        interaction = self._interaction(
            2, guild, channel_id, user_id, data, permissions=permissions
        )
        await self.dispatch("INTERACTION_CREATE", interaction.payload)
        return interaction

    async def autocomplete(
        self,
        guild: FakeGuild | None,
        channel_id: str,
        user_id: str,
        name: str,
        options: list[dict],
        *,
        guild_command: bool = False,
    ) -> FakeInteraction:
        """APPLICATION_COMMAND_AUTOCOMPLETE (type 4); mark one option ``focused=True``. As
        Discord does, the focused value is sent as the string typed so far (``""`` before
        anything is typed), whatever the option's type."""
        data = self._command_data(guild, name, 1, guild_command)
        data["options"] = _focused_as_text(options)
        interaction = self._interaction(4, guild, channel_id, user_id, data)
        await self.dispatch("INTERACTION_CREATE", interaction.payload)
        return interaction

    async def modal_submit(
        self,
        guild: FakeGuild | None,
        channel_id: str,
        user_id: str,
        custom_id: str,
        fields: dict[str, str],
    ) -> FakeInteraction:
        """MODAL_SUBMIT (type 5) for a modal the bot opened: ``fields`` maps each input's
        custom_id to what the member entered (a text, a select's value, a user id). The submit
        mirrors the modal's layout (Label components carry one component each; select values
        arrive as lists; users picked in a user select are added to ``resolved``)."""
        opened = self.modals.get(custom_id)
        if opened is None:
            raise AssertionError(f"the bot never opened a modal with custom_id {custom_id!r}")
        unknown = set(fields)
        resolved: dict[str, Any] = {}

        def filled(component: dict) -> dict:
            cid = component["custom_id"]
            unknown.discard(cid)
            value = fields.get(cid, "")
            if component["type"] == 4:
                return {"type": 4, "custom_id": cid, "value": value}
            values = [value] if value else []
            if component["type"] in (5, 7):
                for uid in values:
                    self._resolve(guild, [user_option(cid, uid)], resolved)
            return {"type": component["type"], "custom_id": cid, "values": values}

        components = []
        for row in opened["components"]:
            if row["type"] == 18:
                components.append({"type": 18, "component": filled(row["component"])})
            else:
                components.append({"type": 1, "components": [filled(c) for c in row["components"]]})
        if unknown:
            raise AssertionError(f"the modal has no inputs called {sorted(unknown)}")
        data: dict[str, Any] = {"custom_id": custom_id, "components": components}
        if resolved:
            data["resolved"] = resolved
        interaction = self._interaction(5, guild, channel_id, user_id, data)
        await self.dispatch("INTERACTION_CREATE", interaction.payload)
        return interaction

    async def component_click(
        self,
        guild: FakeGuild | None,
        channel_id: str,
        user_id: str,
        message_id: str,
        custom_id: str,
        *,
        component_type: int = 2,
        values: list[str] | None = None,
    ) -> FakeInteraction:
        """MESSAGE_COMPONENT (type 3): a button click (or select with ``values``) on a message
        the bot sent through this fake."""
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        message = self.messages[message_id]
        interaction = self._interaction(
            3, guild, channel_id, user_id, data, extra={"message": message}
        )
        await self.dispatch("INTERACTION_CREATE", interaction.payload)
        return interaction

    async def message_command(
        self,
        guild: FakeGuild | None,
        channel_id: str,
        user_id: str,
        name: str,
        target_message: str,
        *,
        guild_command: bool = False,
    ) -> FakeInteraction:
        """A MESSAGE context-menu command (type 3) on ``target_message`` (a message id
        created through this fake), with ``target_id`` and ``resolved.messages``."""
        data = self._command_data(guild, name, 3, guild_command)
        data["target_id"] = target_message
        data["resolved"] = {"messages": {target_message: self.messages[target_message]}}
        interaction = self._interaction(2, guild, channel_id, user_id, data)
        await self.dispatch("INTERACTION_CREATE", interaction.payload)
        return interaction

    # --- REST ------------------------------------------------------------------------

    def _register_routes(self) -> None:
        snow = r"(?P<{}>\d+)"
        app = snow.format("app")
        tok = r"(?P<token>[^/]+)"
        g, u, c, m, r = (snow.format(n) for n in ("guild", "user", "channel", "message", "role"))
        table: list[tuple[str, str, Handler]] = [
            ("GET", r"/users/@me", self._get_me),
            ("GET", rf"/users/{u}", self._get_user),
            ("GET", r"/oauth2/applications/@me", self._get_application),
            ("GET", r"/applications/@me", self._get_application),
            ("GET", r"/gateway", self._get_gateway),
            ("GET", r"/gateway/bot", self._get_gateway_bot),
            ("PUT", rf"/applications/{app}/commands", self._put_commands),
            ("PUT", rf"/applications/{app}/guilds/{g}/commands", self._put_commands),
            ("GET", rf"/applications/{app}/commands", self._get_commands),
            ("GET", rf"/applications/{app}/guilds/{g}/commands", self._get_commands),
            (
                "POST",
                rf"/interactions/{snow.format('interaction')}/{tok}/callback",
                self._interaction_callback,
            ),
            ("POST", rf"/webhooks/{app}/{tok}", self._webhook_execute),
            (
                "GET",
                rf"/webhooks/{app}/{tok}/messages/(?P<target>@original|\d+)",
                self._webhook_get,
            ),
            (
                "PATCH",
                rf"/webhooks/{app}/{tok}/messages/(?P<target>@original|\d+)",
                self._webhook_edit,
            ),
            (
                "DELETE",
                rf"/webhooks/{app}/{tok}/messages/(?P<target>@original|\d+)",
                self._webhook_delete,
            ),
            ("GET", rf"/channels/{c}", self._get_channel),
            ("POST", rf"/channels/{c}/messages", self._create_message),
            ("GET", rf"/channels/{c}/messages/{m}", self._get_message),
            ("PATCH", rf"/channels/{c}/messages/{m}", self._edit_message),
            ("DELETE", rf"/channels/{c}/messages/{m}", self._delete_message),
            ("POST", r"/users/@me/channels", self._create_dm),
            ("PUT", rf"/guilds/{g}/members/{u}/roles/{r}", self._add_role),
            ("DELETE", rf"/guilds/{g}/members/{u}/roles/{r}", self._remove_role),
            ("GET", rf"/guilds/{g}/members/{u}", self._get_member),
            ("PATCH", rf"/guilds/{g}/members/{u}", self._edit_member),
            ("GET", rf"/guilds/{g}/roles", self._get_roles),
            ("GET", rf"/users/{u}", self._get_user),
            ("PUT", rf"/channels/{c}/messages/{m}/reactions/(?P<emoji>[^/]+)/@me", self._react),
            *self._thread_route_table(c, m),
        ]
        self._routes = [(meth, re.compile(p), h) for meth, p, h in table]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.rstrip("/") == "/gateway":
            return await self._gateway(request)
        prefix = re.match(r"/api/v\d+", path)
        api_path = path[prefix.end() :] if prefix else path
        body, files = await self._read_body(request)
        call = Call(request.method, api_path, dict(request.query), body, 0, files)
        status, response = await self._route(call, known=prefix is not None)
        call.status, call.response = status, response
        self.calls.append(call)
        await self._notify()
        for lost in self._lost:
            if lost[2] > 0 and lost[0] == call.method and lost[1].fullmatch(call.path):
                lost[2] -= 1
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=204)  # never arrives
        if status == 204:
            return web.Response(status=204)
        return _json(status, response)

    async def _route(self, call: Call, *, known: bool) -> tuple[int, Any]:
        for rule in self._rules:
            if rule.times > 0 and rule.method == call.method and rule.pattern.fullmatch(call.path):
                rule.times -= 1
                return rule.status, _error(rule.code, rule.message)
        for method, pattern, handler in self._routes if known else []:
            match = pattern.fullmatch(call.path)
            if match and method == call.method:
                status, body = await handler(call, **match.groupdict())
                if status == 400:
                    self.refused.append(call)
                return status, body
        log.error("FakeDiscord: UNKNOWN ROUTE %s %s body=%r", call.method, call.path, call.json)
        self.unknown_calls.append(call)
        return 404, _error(0, "404: Not Found")

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, list[str]]:
        if not request.can_read_body:
            return None, []
        if request.content_type.startswith("multipart/"):
            payload, files = None, []
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    payload = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    files.append(part.filename or part.name or "")  # type: ignore[union-attr]
                    await part.read()  # type: ignore[union-attr]
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            return raw.decode(errors="replace"), []

    async def _get_user(self, call: Call, user: str) -> tuple[int, Any]:
        """GET /users/{id}: any user by id; 404 with code 10013 (Unknown User) otherwise."""
        found = self.users.get(user)
        return (200, found) if found is not None else (404, _error(10013, "Unknown User"))

    async def _get_me(self, call: Call) -> tuple[int, Any]:
        return 200, {
            **self.users[self.bot_user_id],
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "email": None,
            "locale": "en-US",
            "premium_type": 0,
        }

    async def _get_application(self, call: Call) -> tuple[int, Any]:
        return 200, {
            "id": self.app_id,
            "name": self.users[self.bot_user_id]["username"],
            "icon": None,
            "description": "",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "bot": self.users[self.bot_user_id],
            "terms_of_service_url": None,
            "privacy_policy_url": None,
            "owner": self.users[self.owner_id],
            "verify_key": "0" * 64,
            "team": None,
            "guild_id": None,
            "flags": APPLICATION_FLAGS,
            "approximate_guild_count": len(self.guilds),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "tags": [],
            "install_params": None,
            "integration_types_config": {"0": {}},
            "custom_install_url": None,
        }

    async def _get_gateway(self, call: Call) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url.rstrip("/")}

    async def _get_gateway_bot(self, call: Call) -> tuple[int, Any]:
        return 200, {
            "url": self.gateway_url.rstrip("/"),
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 0,
                "max_concurrency": 1,
            },
        }

    async def _put_commands(
        self, call: Call, app: str, guild: str | None = None
    ) -> tuple[int, Any]:
        commands = call.json or []
        if len(commands) > 100:
            return 400, _invalid("_", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
        for cmd in commands:
            problem = command_problem(cmd)
            if problem is not None:
                return 400, _invalid("name", "APPLICATION_COMMAND_INVALID", problem)
        echoed = []
        for cmd in commands:
            ctype = cmd.get("type", 1)
            key = (guild, cmd["name"], ctype)
            echoed.append(
                {
                    "id": self._command_ids.setdefault(key, snowflake()),
                    "application_id": self.app_id,
                    "version": snowflake(),
                    "type": ctype,
                    "description": "",
                    "options": [],
                    "default_member_permissions": None,
                    "nsfw": False,
                    **({"guild_id": guild} if guild else {}),
                    **cmd,
                }
            )
        self.synced_commands[guild] = echoed
        return 200, echoed

    async def _get_commands(
        self, call: Call, app: str, guild: str | None = None
    ) -> tuple[int, Any]:
        return 200, self.synced_commands.get(guild, [])

    async def _interaction_callback(
        self, call: Call, interaction: str, token: str
    ) -> tuple[int, Any]:
        source = self._interactions.get(token)
        if source is None or source["id"] != interaction:
            return 404, _error(10062, "Unknown interaction")
        if self.elapsed - self._created[token] > ACK_WINDOW:
            return 404, _error(10062, "Unknown interaction")
        if token in self._acknowledged:
            return 400, _error(40060, "Interaction has already been acknowledged.")
        body = call.json or {}
        cb_type = body.get("type")
        data = body.get("data") or {}
        problem = (modal_problem(data) if cb_type == 9
                   else message_problem(data, edit=cb_type == 7) if cb_type in (4, 7) else None)
        if problem is not None:
            return problem
        self._acknowledged.add(token)
        if cb_type == 9:
            self.modals[data["custom_id"]] = data
        info: dict[str, Any] = {"id": interaction, "type": source["type"]}
        resource: dict[str, Any] = {"type": cb_type}
        if cb_type in (4, 5, 7):
            if cb_type == 7 and "message" in source:
                message = source["message"]
                message.update({k: v for k, v in data.items() if k in message})
            else:
                message = self._interaction_message(source, data, loading=cb_type == 5)
                self._interaction_messages[token] = message["id"]
            info.update(
                response_message_id=message["id"],
                response_message_loading=cb_type == 5,
                response_message_ephemeral=bool(int(data.get("flags", 0) or 0) & EPHEMERAL),
            )
            resource["message"] = message
            if cb_type == 4:
                await self._echo(message)
        if call.query.get("with_response") in ("1", "true", "True"):
            return 200, {"interaction": info, "resource": resource}
        return 204, None

    def _interaction_message(self, source: dict, body: dict, *, loading: bool = False) -> dict:
        user = source.get("member", {}).get("user") or source.get("user")
        command_type = source.get("data", {}).get("type", 1) if source["type"] == 2 else 0
        extra = {
            "webhook_id": self.app_id,
            "application_id": self.app_id,
            "interaction_metadata": {
                "id": source["id"],
                "type": source["type"],
                "user": user,
                "authorizing_integration_owners": source.get("authorizing_integration_owners", {}),
                "name": source.get("data", {}).get("name"),
            },
        }
        flags = int(body.get("flags", 0) or 0) | ((1 << 7) if loading else 0)
        return self._message_obj(
            source["channel_id"],
            self.bot_user_id,
            body.get("content") or "",
            type={0: 0, 1: 20}.get(command_type, 23),
            body={**body, "flags": flags},
            extra=extra,
        )

    async def _echo(self, message: dict) -> None:
        # Discord sends the bot a MESSAGE_CREATE for its own visible messages too, so
        # handlers must ignore themselves; ephemeral messages are never dispatched.
        if not self.echo_own_messages or message["flags"] & EPHEMERAL:
            return
        guild = self._guild_of_channel(message["channel_id"])
        event = dict(message)
        if guild is not None:
            if not self.intents & (1 << 9):  # GUILD_MESSAGES
                return
            event["guild_id"] = guild.id
            event["member"] = guild.member_obj(self.bot_user_id, with_user=False)
        elif not self.intents & (1 << 12):  # DIRECT_MESSAGES
            return
        await self.dispatch("MESSAGE_CREATE", event)

    def _webhook_target(self, token: str, target: str) -> dict | None:
        mid = self._interaction_messages.get(token) if target == "@original" else target
        return self.messages.get(mid) if mid else None

    async def _webhook_execute(self, call: Call, app: str, token: str) -> tuple[int, Any]:
        source = self._interactions.get(token)
        if source is None:
            return 404, _error(10015, "Unknown Webhook")
        problem = message_problem(call.json or {})
        if problem is not None:
            return problem
        message = self._interaction_message(source, call.json or {})
        await self._echo(message)
        if call.query.get("wait") in ("1", "true", "True"):
            return 200, message
        return 204, None

    async def _webhook_get(self, call: Call, app: str, token: str, target: str) -> tuple[int, Any]:
        message = self._webhook_target(token, target)
        return (200, message) if message else (404, _error(10008, "Unknown Message"))

    async def _webhook_edit(self, call: Call, app: str, token: str, target: str) -> tuple[int, Any]:
        message = self._webhook_target(token, target)
        if message is None:
            return 404, _error(10008, "Unknown Message")
        problem = message_problem(call.json or {}, edit=True)
        if problem is not None:
            return problem
        self._apply_edit(message, call.json or {})
        message["flags"] = int(message["flags"]) & ~(1 << 7)  # no longer "thinking"
        return 200, message

    async def _webhook_delete(
        self, call: Call, app: str, token: str, target: str
    ) -> tuple[int, Any]:
        message = self._webhook_target(token, target)
        if message is None:
            return 404, _error(10008, "Unknown Message")
        self.messages.pop(message["id"], None)
        return 204, None

    @staticmethod
    def _apply_edit(message: dict, body: dict) -> None:
        for key in ("content", "embeds", "components", "attachments", "flags"):
            if key in body and body[key] is not None:
                message[key] = body[key]
        message["edited_timestamp"] = _now_iso()

    def _channel(self, channel_id: str) -> dict | None:
        guild = self._guild_of_channel(channel_id)
        if guild is not None:
            return guild.channels.get(channel_id) or guild.threads[channel_id]
        return next((ch for ch in self.dm_channels.values() if ch["id"] == channel_id), None)

    async def _get_channel(self, call: Call, channel: str) -> tuple[int, Any]:
        found = self._channel(channel)
        return (200, found) if found else (404, _error(10003, "Unknown Channel"))

    async def _create_message(self, call: Call, channel: str) -> tuple[int, Any]:
        found = self._channel(channel)
        if found is None:
            return 404, _error(10003, "Unknown Channel")
        if found["type"] == 1 and found["recipients"][0]["id"] in self.closed_dms:
            return 403, _error(50007, "Cannot send messages to this user")
        guild = self._guild_of_channel(channel)
        if found["type"] == GUILD_FORUM:
            return 400, _error(50024, "Cannot execute action on this channel type")
        thread_problem = self.thread_send_problem(channel)
        if thread_problem is not None:
            return thread_problem
        if guild is not None and channel not in guild.threads:
            allowed = guild.channel_permissions(self.bot_user_id, channel)
            if not allowed & VIEW_CHANNEL:
                return 403, _error(50001, "Missing Access")
            if not allowed & SEND_MESSAGES:
                return 403, _error(50013, "Missing Permissions")
        problem = message_problem(call.json or {})
        if problem is not None:
            return problem
        body = dict(call.json or {})
        nonce = (self.bot_user_id, str(body["nonce"])) \
            if body.get("nonce") is not None and body.get("enforce_nonce") else None
        if nonce is not None and nonce in self.nonces:
            earlier, when = self.nonces[nonce]
            if time.monotonic() - when < NONCE_WINDOW:
                return 200, earlier
        body["attachments"] = [
            {
                "id": snowflake(),
                "filename": name,
                "size": 0,
                "content_type": None,
                "url": f"{self.api_base}/attachments/{name}",
                "proxy_url": f"{self.api_base}/p/{name}",
            }
            for name in call.files
        ]
        message = self._message_obj(
            channel,
            self.bot_user_id,
            body.get("content") or "",
            type=19 if body.get("message_reference") else 0,
            body=body,
        )
        found["last_message_id"] = message["id"]
        if nonce is not None:
            self.nonces[nonce] = (message, time.monotonic())
        await self.after_thread_message(channel, message["id"])
        await self._echo(message)
        return 200, message

    async def _get_message(self, call: Call, channel: str, message: str) -> tuple[int, Any]:
        found = self.messages.get(message)
        if found is None or found["channel_id"] != channel:
            return 404, _error(10008, "Unknown Message")
        return 200, found

    async def _edit_message(self, call: Call, channel: str, message: str) -> tuple[int, Any]:
        status, found = await self._get_message(call, channel, message)
        if status != 200:
            return status, found
        problem = message_problem(call.json or {}, edit=True)
        if problem is not None:
            return problem
        self._apply_edit(found, call.json or {})
        return status, found

    async def _delete_message(self, call: Call, channel: str, message: str) -> tuple[int, Any]:
        status, found = await self._get_message(call, channel, message)
        if status != 200:
            return status, found
        del self.messages[message]
        return 204, None

    def _dm_channel(self, user_id: str) -> dict:
        if user_id not in self.dm_channels:
            self.dm_channels[user_id] = {
                "id": snowflake(),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self.users[user_id]],
            }
        return self.dm_channels[user_id]

    async def _create_dm(self, call: Call) -> tuple[int, Any]:
        user_id = str((call.json or {}).get("recipient_id"))
        if user_id not in self.users:
            return 400, _error(50035, "Invalid Form Body")
        return 200, self._dm_channel(user_id)

    def _member_or_404(self, guild: str, user: str) -> tuple[FakeGuild | None, dict | None]:
        g = self.guilds.get(guild)
        if g is None:
            return None, _error(10004, "Unknown Guild")
        if user not in g.members:
            return None, _error(10007, "Unknown Member")
        return g, None

    async def _member_updated(self, guild: FakeGuild, user: str) -> None:
        # Real Discord follows a member change with GUILD_MEMBER_UPDATE; discord.py's cache
        # only changes through it.
        await self.dispatch("GUILD_MEMBER_UPDATE", {**guild.member_obj(user), "guild_id": guild.id})

    async def _add_role(self, call: Call, guild: str, user: str, role: str) -> tuple[int, Any]:
        g, err = self._member_or_404(guild, user)
        if g is None:
            return 404, err
        if role not in g.roles:
            return 404, _error(10011, "Unknown Role")
        roles = g.members[user]["roles"]
        if role not in roles:
            roles.append(role)
            await self._member_updated(g, user)
        return 204, None

    async def _remove_role(self, call: Call, guild: str, user: str, role: str) -> tuple[int, Any]:
        g, err = self._member_or_404(guild, user)
        if g is None:
            return 404, err
        roles = g.members[user]["roles"]
        if role in roles:
            roles.remove(role)
            await self._member_updated(g, user)
        return 204, None

    async def _get_member(self, call: Call, guild: str, user: str) -> tuple[int, Any]:
        g, err = self._member_or_404(guild, user)
        if g is None:
            return 404, err
        return 200, g.member_obj(user)

    async def _edit_member(self, call: Call, guild: str, user: str) -> tuple[int, Any]:
        g, err = self._member_or_404(guild, user)
        if g is None:
            return 404, err
        member = g.members[user]
        until = (call.json or {}).get("communication_disabled_until")
        if until is not None:
            # Strictly less than 28 days ahead, measured on Discord's clock (guild.md).
            if dt.datetime.fromisoformat(until) - self.discord_now() >= MAX_TIMEOUT:
                return 400, _invalid("communication_disabled_until", "BASE_TYPE_BAD_DATE",
                                     "Timeouts must be less than 28 days in the future.")
        for key in ("nick", "roles", "mute", "deaf", "communication_disabled_until", "flags"):
            if key in (call.json or {}):
                member[key] = call.json[key]
        await self._member_updated(g, user)
        return 200, g.member_obj(user)

    async def _get_user(self, call: Call, user: str) -> tuple[int, Any]:
        found = self.users.get(user)
        return (200, found) if found else (404, _error(10013, "Unknown User"))

    async def _react(self, call: Call, channel: str, message: str, emoji: str) -> tuple[int, Any]:
        if message not in self.messages:
            return 404, _error(10008, "Unknown Message")
        return 204, None

    async def _get_roles(self, call: Call, guild: str) -> tuple[int, Any]:
        g = self.guilds.get(guild)
        if g is None:
            return 404, _error(10004, "Unknown Guild")
        return 200, list(g.roles.values())
