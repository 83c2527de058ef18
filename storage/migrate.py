"""The migration runner: the core's schema and every feature's, each numbered on its own.

A feature keeps its SQL in `<its package>/migrations/NNNN_<name>.sql`, numbered from 0001; where
PostgreSQL needs more than the mechanical respelling of `storage.dialect.postgresql_ddl` (trigger
functions), `migrations/postgresql/NNNN_<name>.sql` replaces the shared file of that number on
PostgreSQL, so both are tracked as one step. The
runner applies what is missing, core first and then features in the order given, and records
each step as a (feature, version) row in `schema_migrations`, so features built in parallel never
fight over one global number.

Hearth up to the reshaping kept one global number in PRAGMA user_version (1..5). Such a file is
adopted in place: the steps those numbers stood for are written into the ledger, nothing is
re-applied, and user_version moves to LEDGER so an older Hearth refuses the file rather than
misreading it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

from storage.dialect import POSTGRESQL, postgresql_ddl

CORE = "core"
# PRAGMA user_version of a file whose schema is tracked per feature in schema_migrations.
LEDGER = 6
# What each global number of the old layout applied, as (feature, version) steps of this one.
LEGACY: dict[int, tuple[tuple[str, int], ...]] = {
    1: ((CORE, 1),),
    2: ((CORE, 2), ("introductions", 1), ("reputation", 1), ("badges", 1)),
    3: (("contests", 1),),
    4: (("moderation", 1),),
    5: (("contests", 2),),
}
_FILE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
LEDGER_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    feature  TEXT NOT NULL,
    version  INTEGER NOT NULL,
    name     TEXT NOT NULL,
    PRIMARY KEY (feature, version)
);
"""


class MigrationError(Exception):
    """The bundled migrations or the file's schema can't be reconciled."""


@dataclass(frozen=True, slots=True)
class Migration:
    feature: str
    version: int
    name: str
    sql: str


@dataclass(frozen=True, slots=True)
class Schema:
    """Where one feature's migrations live: its name and the package holding `migrations/`."""

    feature: str
    package: str


def collect(schemas: Iterable[Schema], dialect: str = "sqlite") -> list[Migration]:
    """Every migration of the given schemas, each feature's in order, features in the order
    given; a file in `migrations/<dialect>/` replaces the shared one with its number. Two files
    with one number in one folder are always a mistake."""
    out: list[Migration] = []
    for schema in schemas:
        try:
            folder = resources.files(schema.package).joinpath("migrations")
        except ModuleNotFoundError as exc:
            raise MigrationError(f"{schema.feature}: no package {schema.package}") from exc
        if not folder.is_dir():
            continue
        found = _files(schema.feature, folder)
        if dialect == POSTGRESQL:
            found = [replace(step, sql=postgresql_ddl(step.sql)) for step in found]
        own = folder.joinpath(dialect)
        if own.is_dir():
            overrides = {step.version: step for step in _files(schema.feature, own)}
            found = [overrides.pop(step.version, step) for step in found]
            found += overrides.values()
        found.sort(key=lambda step: step.version)
        for before, step in itertools.pairwise(found):
            if before.version == step.version:
                raise MigrationError(f"{schema.feature}: migrations {before.name} and "
                                     f"{step.name} share the number {step.version:04d}")
        out.extend(found)
    return out


def _files(feature: str, folder: Any) -> list[Migration]:
    found = []
    for entry in folder.iterdir():
        m = _FILE.match(entry.name)
        if m:
            found.append(Migration(feature, int(m.group(1)), entry.name,
                                   entry.read_text(encoding="utf-8")))
    return found


def newest(steps: Sequence[Migration]) -> dict[str, int]:
    """The highest version this Hearth knows, per feature."""
    known: dict[str, int] = {}
    for step in steps:
        known[step.feature] = max(known.get(step.feature, 0), step.version)
    return known


def legacy_steps(user_version: int) -> list[tuple[str, int]]:
    """The (feature, version) steps a file at an old global number already has."""
    return [step for number, steps in LEGACY.items() if number <= user_version for step in steps]


def too_new(applied: Iterable[tuple[str, int]], steps: Sequence[Migration]) -> str | None:
    """A description of the first applied step this Hearth doesn't know, if any. Features this
    Hearth doesn't have are left alone: their tables are none of its business."""
    known = newest(steps)
    for feature, version in sorted(applied):
        if feature in known and version > known[feature]:
            return f"{feature} schema {version}, this one knows {known[feature]}"
    return None
