"""Forms as Discord modals in the Label layout (discord.py 2.6+), and their submits back to args.

A member option is a user select and a closed choice (or a short list of suggestions, like the
community's rules) a string select, so nobody types names or ids. What a form is for travels in
its custom_id (`hearth|<command>|<what was already given>`), so a submit is understood however
late it comes and after a restart: Discord keeps a modal open on the member's screen
indefinitely, and Hearth keeps no state for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import discord

from bot.commands import CommandSpec, Option, OptionType
from bot.events import MemberRef, MessageRef

# Discord's modal limits (Component reference: Modal, Label, Text Input, String Select).
MODAL_FIELDS = 5
TITLE_MAX = LABEL_MAX = 45
DESCRIPTION_MAX = 100
PLACEHOLDER_MAX = 100
CUSTOM_ID_MAX = 100
TEXT_MAX = 4000
SELECT_OPTIONS = 25
SELECT_TEXT_MAX = 100
PREFIX = "hearth|"
_MENTION = re.compile(r"^<@!?(\d+)>$")
_TARGET = re.compile(r"^@(\d+)\.(\d+)\.(\d+)$")

Suggestions = dict[str, list[tuple[str, str]]]


def clip(text: str, limit: int) -> str:
    text = text.strip() or "…"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pack(spec: CommandSpec, preset: dict[str, Any]) -> str | None:
    """The custom_id carrying what the form's submit needs besides its fields, or None when
    that doesn't fit Discord's 100 characters."""
    carried = ""
    target = next((v for v in preset.values() if isinstance(v, MessageRef)), None)
    if target is not None:
        # The message is fetched again on submit: ids only (the text may be long).
        carried = f"@{target.channel}.{target.message_id}.{target.author.user_id}"
    elif preset:
        carried = json.dumps(
            {k: ({"u": v.user_id} if isinstance(v, MemberRef) else v) for k, v in preset.items()},
            separators=(",", ":"), ensure_ascii=False)
    custom_id = f"{PREFIX}{spec.name}|{carried}"
    return custom_id if len(custom_id) <= CUSTOM_ID_MAX else None


def unpack(custom_id: str) -> tuple[str, str] | None:
    """(command name, what was carried) from one of Hearth's form custom_ids."""
    if not custom_id.startswith(PREFIX) or custom_id.count("|") < 2:
        return None
    name, _, carried = custom_id[len(PREFIX):].partition("|")
    return name, carried


def target_of(carried: str) -> tuple[int, int, int] | None:
    """(channel, message, author) ids of a message action's target."""
    m = _TARGET.match(carried)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def preset_of(carried: str) -> dict[str, Any]:
    if not carried.startswith("{"):
        return {}
    raw = json.loads(carried)
    return {k: MemberRef(v["u"]) if isinstance(v, dict) else v for k, v in raw.items()}


def title(spec: CommandSpec) -> str:
    if len(spec.description) <= TITLE_MAX:
        return spec.description
    return clip((spec.label or spec.name).capitalize(), TITLE_MAX)


def modal(spec: CommandSpec, fields: Sequence[Option], custom_id: str,
          suggestions: Suggestions) -> discord.ui.Modal:
    form = discord.ui.Modal(title=title(spec), custom_id=custom_id, timeout=None)
    for opt in fields[:MODAL_FIELDS]:
        form.add_item(discord.ui.Label(
            text=clip(opt.label or opt.name.replace("_", " ").capitalize(), LABEL_MAX),
            description=clip(opt.description, DESCRIPTION_MAX),
            component=_input(opt, suggestions.get(opt.name, []))))
    return form


def _input(opt: Option, suggested: list[tuple[str, str]]) -> discord.ui.Item[Any]:
    if opt.type is OptionType.MEMBER:
        return discord.ui.UserSelect(custom_id=opt.name, min_values=1 if opt.required else 0,
                                     max_values=1, required=opt.required)
    closed = [(c, c) for c in opt.choices] if opt.type is OptionType.CHOICE else suggested
    if 0 < len(closed) <= SELECT_OPTIONS:
        return discord.ui.Select(
            custom_id=opt.name, min_values=1 if opt.required else 0, max_values=1,
            required=opt.required,
            options=[discord.SelectOption(label=clip(label, SELECT_TEXT_MAX),
                                          value=clip(value, SELECT_TEXT_MAX))
                     for label, value in closed])
    return discord.ui.TextInput(
        custom_id=opt.name,
        style=discord.TextStyle.paragraph if opt.long else discord.TextStyle.short,
        placeholder=clip(opt.placeholder or opt.description, PLACEHOLDER_MAX),
        required=opt.required, max_length=max(1, min(opt.max_length, TEXT_MAX)))


def submitted(spec: CommandSpec, data: dict[str, Any]) -> dict[str, Any]:
    """A modal submit's values as the core takes them (members as MemberRef)."""
    resolved = data.get("resolved") or {}
    out: dict[str, Any] = {}
    for row in data.get("components") or []:
        inner = [row.get("component") or {}] if row.get("type") == 18 else row.get("components")
        for component in inner or []:
            opt = spec.option(str(component.get("custom_id")))
            if opt is None:
                continue
            if "values" in component:
                values = component.get("values") or []
                value: Any = values[0] if values else ""
            else:
                value = component.get("value") or ""
            out[opt.name] = _member(value, resolved) if opt.type is OptionType.MEMBER else value
    return out


def _member(value: str, resolved: dict[str, Any]) -> Any:
    value = value.strip()
    if not value:
        return value
    m = _MENTION.match(value)
    uid = m.group(1) if m else value if value.isdigit() else None
    if uid is None:
        return MemberRef("", value.removeprefix("@"))  # a typed name: the core looks it up
    user = (resolved.get("users") or {}).get(uid)
    member = (resolved.get("members") or {}).get(uid) or {}
    if user is None:
        return MemberRef(uid)
    name = member.get("nick") or user.get("global_name") or user.get("username")
    return MemberRef(uid, name, bool(user.get("bot")))
