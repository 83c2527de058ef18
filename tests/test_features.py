"""A feature is one folder: it imports only the core and its own folder, and a new one plugs in
by its folder and one line in the feature list."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot import bootstrap
from cogs import ALL_COGS
from tests.fixtures.jar.cog import JarCog
from tests.harness import Harness, config_from

ROOT = Path(__file__).resolve().parent.parent
COGS = ROOT / "cogs"
# Platform libraries and storage internals no feature may reach for. Features may import the
# core (bot.*), their own folder and `storage` itself (Database, Store, from_ts, to_ts).
FORBIDDEN = ("discord", "slack_bolt", "slack_sdk", "aiohttp", "aiosqlite", "sqlite3",
             "adapters")


def _imports(source: str, module: str) -> list[str]:
    """Every module a file imports, relative imports resolved against `module`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[:-node.level]
                found.append(".".join([*base, *([node.module] if node.module else [])]))
            else:
                found.append(node.module or "")
    return found


def violations(feature: str, module: str, source: str) -> list[str]:
    """What a module of `feature` imports that it must not."""
    out = []
    for name in _imports(source, module):
        top, *rest = name.split(".")
        if top in FORBIDDEN:
            out.append(f"{module} imports {name}: features never touch platforms or SQL drivers")
        elif top == "storage" and rest:
            out.append(f"{module} imports {name}: features use only what `storage` exports")
        elif top == "cogs" and rest and rest[0] != feature:
            out.append(f"{module} imports {name}: one feature never imports another")
        elif top == "cogs" and not rest:
            out.append(f"{module} imports the feature list: features don't know each other")
    return out


def _features() -> list[tuple[str, str, str]]:
    files = []
    for path in sorted(COGS.glob("*/**/*.py")):
        feature = path.relative_to(COGS).parts[0]
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        files.append((feature, module, path.read_text(encoding="utf-8")))
    return files


def test_no_feature_imports_another_a_platform_or_storage_internals() -> None:
    files = _features()
    assert {feature for feature, _, _ in files} >= {"badges", "contests", "reputation"}
    problems = [p for feature, module, source in files for p in violations(feature, module,
                                                                             source)]
    assert problems == []


@pytest.mark.parametrize(("source", "problem"), [
    ("from cogs.reputation.store import Totals", "one feature never imports another"),
    ("from ..reputation import cog", "one feature never imports another"),
    ("import discord", "never touch platforms"),
    ("from storage.database import Database", "only what `storage` exports"),
    ("from cogs import ALL_COGS", "features don't know each other"),
])
def test_the_rule_catches_what_it_forbids(source: str, problem: str) -> None:
    [found] = violations("badges", "cogs.badges.cog", source)
    assert problem in found


def test_the_rule_allows_the_core_its_own_folder_and_storage_exports() -> None:
    source = ("from bot.cog import Cog\nfrom cogs.badges.store import BadgeStore\n"
              "from .store import BadgeStore\nfrom storage import Store\n")
    assert violations("badges", "cogs.badges.cog", source) == []


async def test_a_new_feature_is_its_folder_and_one_line_in_the_list(
        database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The one line in cogs/__init__.py, made here rather than in the shipped list.
    monkeypatch.setattr(bootstrap, "ALL_COGS", [*ALL_COGS, JarCog])
    h = Harness(database,
                config_from('[jar.messages]\ndropped = "Ta, {name}: {count} now."'))
    await h.start()
    assert await h.feed("alice> /jar") == ["[to alice only] Ta, alice: 1 now."]
    await h.restart()  # its table and migration record outlive a restart
    assert await h.feed("alice> /jar") == ["[to alice only] Ta, alice: 2 now."]
    assert await h.app.storage.db.scalar(
        "SELECT name FROM schema_migrations WHERE feature='jar'") == "0001_jar.sql"
    await h.close()


async def test_command_specs_are_known_without_storage(hearth: Harness) -> None:
    # What the Slack manifest needs: every spec, in order, from the config alone.
    assert bootstrap.command_specs(hearth.config) == hearth.app.runtime.specs()
