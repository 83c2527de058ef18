"""`hearth slack-manifest`: a Slack app manifest (YAML) for every command Hearth declares.

An admin pastes it at api.slack.com/apps -> Create New App -> From a manifest. The YAML is
written by a tiny emitter (strings JSON-quoted, which YAML reads as double-quoted scalars), so
no YAML library is needed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from adapters.slack.inbound import callback_id_for
from bot.commands import CommandKind, CommandSpec
from bot.config import Config

# Slack's limits for these fields.
_DESCRIPTION_MAX = 2000
_HINT_MAX = 1000
_SHORTCUT_NAME_MAX = 24
_SHORTCUT_DESCRIPTION_MAX = 150


def manifest(specs: Sequence[CommandSpec], config: Config, request_url: str | None = None
             ) -> dict[str, Any]:
    """The manifest as data; Socket Mode unless a public `request_url` is given."""
    slack = config.platforms.slack
    name = config.hearth.name
    commands = _prefix_command(specs, slack.prefix_command) if slack.commands == "prefix" \
        else _separate_commands(specs)
    if request_url:
        for command in commands:
            command["url"] = request_url
    shortcuts = [{
        "name": (spec.label or spec.name.replace("_", " ").capitalize())[:_SHORTCUT_NAME_MAX],
        "type": "message",
        "callback_id": callback_id_for(spec),
        "description": spec.description[:_SHORTCUT_DESCRIPTION_MAX],
    } for spec in sorted(specs, key=lambda s: s.name) if spec.kind is CommandKind.MESSAGE_ACTION]
    if slack.join_event == "team_join":
        join_events = ["team_join", "user_change"]  # user_change with deleted: a member left
    else:
        join_events = ["member_joined_channel", "member_left_channel"]
    # files:write: charts and data exports go up as files (without it, as text only).
    scopes = ["channels:history", "channels:read", "chat:write", "commands", "files:write",
              "groups:history", "groups:read", "im:history", "im:write", "reactions:read",
              "usergroups:read", "users:read"]
    if slack.role_usergroups:
        scopes.append("usergroups:write")
    events: dict[str, Any] = {
        "bot_events": [*join_events, "message.channels", "message.groups", "message.im",
                       "reaction_added"]}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if request_url:
        events["request_url"] = request_url
        interactivity["request_url"] = request_url
    features: dict[str, Any] = {
        "bot_user": {"display_name": name, "always_online": True},
        # Members write to the team by messaging the app (its Messages tab).
        "app_home": {"messages_tab_enabled": True, "messages_tab_read_only_enabled": False},
        "slash_commands": commands,
    }
    if shortcuts:
        features["shortcuts"] = shortcuts
    return {
        "display_information": {
            "name": name,
            "description": "Welcomes newcomers, thanks the helpful and keeps things kind.",
        },
        "features": features,
        "oauth_config": {"scopes": {"bot": scopes}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": not request_url,
            "token_rotation_enabled": False,
        },
    }


def _slash_specs(specs: Sequence[CommandSpec]) -> list[CommandSpec]:
    # Message actions need a message: they are shortcuts, not slash commands.
    return sorted((s for s in specs if s.kind is not CommandKind.MESSAGE_ACTION),
                  key=lambda s: s.name)


def _separate_commands(specs: Sequence[CommandSpec]) -> list[dict[str, Any]]:
    """One slash command per top-level word; `/contest` carries `contest enter`, `contest vote`."""
    groups: dict[str, list[CommandSpec]] = {}
    for spec in _slash_specs(specs):
        groups.setdefault(spec.words[0], []).append(spec)
    out = []
    for word, members in groups.items():
        own = next((s for s in members if s.words == (word,)), None)
        subs = [s for s in members if len(s.words) > 1]
        # A command that also has subcommands (`/appeal` and `/appeal resolve`) is shown as
        # the member's command, its subcommands after it.
        names = [" ".join(s.words[1:]) for s in subs]
        hints = [own.usage().removeprefix(f"/{word}").strip()] if own else []
        description = own.description if own else f"{word.capitalize()}: {', '.join(names)}."
        out.append(_command(f"/{word}", description, " | ".join(h for h in hints + names if h)))
    return out


def _prefix_command(specs: Sequence[CommandSpec], prefix: str) -> list[dict[str, Any]]:
    names = [s.name for s in _slash_specs(specs)]
    return [_command(f"/{prefix}", f"Hearth: {', '.join(names)}.", " | ".join(names))]


def _command(command: str, description: str, hint: str) -> dict[str, Any]:
    out: dict[str, Any] = {"command": command, "description": description[:_DESCRIPTION_MAX],
                           "should_escape": True}
    if hint:
        out["usage_hint"] = hint[:_HINT_MAX]
    return out


def to_yaml(value: Any) -> str:
    return "\n".join(_emit(value, 0)) + "\n"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _emit(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:")
                lines.extend(_emit(item, indent + 2))
            elif isinstance(item, dict | list):
                lines.append(f"{pad}{key}: {'{}' if isinstance(item, dict) else '[]'}")
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    else:
        for item in value:
            if isinstance(item, dict | list):
                inner = _emit(item, indent + 2)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines.extend(inner[1:])
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    return lines


async def specs_for(config: Config) -> list[CommandSpec]:
    """Every command spec, from the real composition root on a throwaway in-memory database."""
    from bot import bootstrap

    app = await bootstrap.build(config, database=":memory:")
    try:
        return app.runtime.specs()
    finally:
        await app.storage.close()
