"""Copies of a SQLite database: a consistent backup of a live one, and a careful restore.

Both use SQLite's online backup API, which copies pages through SQLite itself: a backup taken
in one step reads one snapshot (in WAL mode writers carry on meanwhile), and a restore written
through the target's own connection deals with any journal left beside it.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage.database import DatabaseError
from storage.lease import Lease
from storage.migrate import LEDGER


@dataclass(frozen=True)
class Copied:
    path: Path
    pages: int
    bytes: int
    schema: int


def backup(database: str | Path, out: str | Path) -> Copied:
    """Copy a database, live or not, to `out` (replaced only once the copy is complete and
    checked). Raises DatabaseError with what went wrong."""
    source, target = Path(database), Path(out)
    if not source.exists():
        raise DatabaseError(f"{source}: no such database")
    if target.resolve() == source.resolve():
        raise DatabaseError("the backup must go to another file than the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        # Read-only: a backup never writes to (or creates) the live database.
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src, \
                closing(sqlite3.connect(partial)) as dst:
            src.execute("PRAGMA busy_timeout=10000")
            src.backup(dst)  # pages=-1: the whole database from one snapshot
            # A self-contained file: no -wal beside it to lose in a copy or upload.
            dst.execute("PRAGMA journal_mode=DELETE")
            copied = _checked(dst, partial)
        os.replace(partial, target)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise DatabaseError(f"backing up {source} failed: {exc}") from None
    return Copied(target, copied.pages, target.stat().st_size, copied.schema)


def restore(backup_file: str | Path, database: str | Path) -> tuple[Copied, Path | None]:
    """Replace `database` with a checked backup; refused while any Hearth holds the database.
    The database it replaces is kept beside it first. Returns the copy and where the old one
    was kept (None when there was none)."""
    source, target = Path(backup_file), Path(database)
    if not source.exists():
        raise DatabaseError(f"{source}: no such file")
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src:
            checked = _checked(src, source)
    except sqlite3.Error as exc:
        raise DatabaseError(f"{source} is not a usable Hearth backup: {exc}") from None
    # The file's layout; a feature's newer step is refused when Hearth next opens it (the
    # database it replaced is kept beside it).
    if checked.schema > LEDGER:
        raise DatabaseError(f"{source} was written by a newer Hearth (format {checked.schema}, "
                            f"this one knows {LEDGER}); restore it with that version")
    lease = Lease.acquire(target, exclusive=True)  # refuses while a Hearth runs on it
    try:
        kept: Path | None = None
        if target.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            kept = target.with_name(f"{target.name}.before-restore-{stamp}")
            backup(target, kept)
        try:
            with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src, \
                    closing(sqlite3.connect(target)) as dst:
                src.backup(dst)
                copied = _checked(dst, target)
        except sqlite3.Error as exc:
            raise DatabaseError(f"restoring {target} failed: {exc}") from None
    finally:
        lease.release()
    return Copied(target, copied.pages, target.stat().st_size, copied.schema), kept


def _checked(conn: sqlite3.Connection, path: Path) -> Copied:
    result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise DatabaseError(f"{path} failed its integrity check: {'; '.join(result[:5])}")
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    schema = int(conn.execute("PRAGMA user_version").fetchone()[0])
    return Copied(path, pages, 0, schema)
