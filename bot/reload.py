"""Reloading the config while Hearth runs: all of a good file, or nothing.

A file with problems keeps the running config (every problem is logged and reported back). A
file that changes a key only read at start-up (storage, the HTTP listener, the platforms'
connection settings, the shape of commands registered with the platforms) is refused as a
whole, naming those keys, so Hearth never runs half on the old config and half on the new.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.config import Config

log = logging.getLogger(__name__)

# Keys the core reads once at start-up. Tokens and other secrets come from the environment,
# which a running process can't re-read, so they always need a restart too.
CORE_RESTART_KEYS = (
    "hearth.database",
    "hearth.database_busy_timeout",
    "hearth.http",
    "platforms.discord",
    "platforms.slack",
)


@dataclass(frozen=True)
class ReloadOutcome:
    """What a reload did: `applied`, or why not (problems in the file, or restart keys)."""

    source: str
    problems: list[str] = field(default_factory=list)
    needs_restart: list[str] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return not self.problems and not self.needs_restart

    def summary(self) -> str:
        if self.problems:
            return (f"kept the running config: {len(self.problems)} problem(s) in "
                    f"{self.source}")
        if self.needs_restart:
            return (f"kept the running config: {', '.join(self.needs_restart)} changed in "
                    f"{self.source}, which only a restart applies")
        return f"applied {self.source}"


def restart_changes(old: Config, new: Config, keys: Iterable[str]) -> list[str]:
    """The keys among `keys` whose value differs between the two configs (base and every
    per-community override)."""
    changed = []
    for key in keys:
        if _value(old.settings, key) != _value(new.settings, key):
            changed.append(key)
            continue
        for community in sorted(set(old.overrides) | set(new.overrides)):
            if _value(old.overrides.get(community, old.settings), key) != _value(
                    new.overrides.get(community, new.settings), key):
                changed.append(f'communities."{community}".{key}')
    return changed


def _value(settings: Any, key: str) -> Any:
    node = settings
    for part in key.split("."):
        node = getattr(node, part, None)
    return node.model_dump() if hasattr(node, "model_dump") else _dumped(node)


def _dumped(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_dumped(v) for v in value]
    return value.model_dump() if hasattr(value, "model_dump") else value
