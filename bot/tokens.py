"""Spotting secrets pasted into the config file, to warn about them without ever showing them.

Tokens belong in the environment (DISCORD_TOKEN, SLACK_BOT_TOKEN, SLACK_APP_TOKEN,
SLACK_SIGNING_SECRET): config files get copied, shared and committed.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# (shape, what it is, where it belongs); searched anywhere in a string value, so a token
# pasted into a message template (which Hearth would post) is caught too.
_VALUE_SHAPES = (
    (re.compile(r"xox[bp]-[A-Za-z0-9-]{8,}"), "a Slack bot or user token", "SLACK_BOT_TOKEN"),
    (re.compile(r"xapp-[A-Za-z0-9-]{8,}"), "a Slack app-level token", "SLACK_APP_TOKEN"),
    (re.compile(r"[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"),
     "a Discord bot token", "DISCORD_TOKEN"),
)
# Key names that say "secret" (token, bot_token, signing-secret, password, api_key).
_SECRET_KEY = re.compile(
    r"(?:^|[_-])(?:tokens?|secrets?|passwords?|passwd|api[_-]?keys?)(?:$|[_-])", re.IGNORECASE)
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+(?:\[\d+\])*$")  # with list indexes
ENV_HINT = "DISCORD_TOKEN, SLACK_BOT_TOKEN, SLACK_APP_TOKEN or SLACK_SIGNING_SECRET"


def file_warnings(path: str | Path) -> list[str]:
    """Warnings for a config file; empty if it can't be read or parsed (the loader says why)."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    return warnings(raw)


def warnings(raw: dict[str, Any]) -> list[str]:
    """One line per suspicious key: its path and what to do, never its value."""
    out = []
    for path, key, value in _walk(raw, ()):
        shown = ".".join(p if _BARE_KEY.match(p) else f'"{p}"' for p in path)
        found = _shape(value)
        if found is not None:
            what, variable = found
            out.append(f"warning: {shown} looks like {what}. Keep it out of the config file: "
                       f"remove it, set {variable} in the environment instead, and if this "
                       "file was shared or committed, reset the token.")
        elif _SECRET_KEY.search(key) and value != "":
            out.append(f"warning: {shown} looks like a secret (by its name). Hearth reads "
                       f"secrets only from the environment ({ENV_HINT}): remove it from the "
                       "config file, and reset it if this file was shared or committed.")
    return out


def _shape(value: Any) -> tuple[str, str] | None:
    if not isinstance(value, str):
        return None
    for pattern, what, variable in _VALUE_SHAPES:
        if pattern.search(value):
            return what, variable
    return None


def _walk(node: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str, Any]]:
    """(key path, the last key's name, value) for every leaf; list items get their index."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict | list):
                yield from _walk(value, (*path, key))
            else:
                yield (*path, key), key, value
    elif isinstance(node, list):
        name = path[-1] if path else ""
        for i, item in enumerate(node):
            if isinstance(item, dict | list):
                yield from _walk(item, (*path[:-1], f"{name}[{i}]"))
            else:
                yield (*path[:-1], f"{name}[{i}]"), name, item
