"""The database: migrations upgrade older files in place and never touch newer ones."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.database import Database, DatabaseError, migrations


def _build_at(path: Path, version: int) -> None:
    """A database as an older Hearth (knowing migrations 1..version) would have left it."""
    conn = sqlite3.connect(path)
    for number, _, sql in migrations():
        if number <= version:
            conn.executescript(sql)
            conn.execute(f"PRAGMA user_version={number}")
    conn.execute("INSERT INTO members (platform, community, user_id, name, first_joined, "
                 "joined_at) VALUES ('console', 'local', 'alice', 'alice', 1, 1)")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("version", range(1, len(migrations()) + 1))
async def test_older_database_upgrades_in_place(tmp_path: Path, version: int) -> None:
    path = tmp_path / "old.sqlite3"
    _build_at(path, version)
    db = await Database.open(path)
    assert await db.version() == migrations()[-1][0]
    assert await db.scalar("SELECT name FROM members WHERE user_id='alice'") == "alice"
    assert await db.scalar("PRAGMA foreign_keys") == 1
    assert await db.scalar("PRAGMA journal_mode") == "wal"
    await db.close()


async def test_newer_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    _build_at(path, migrations()[-1][0])
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version=999")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="newer Hearth"):
        await Database.open(path)
    assert path.read_bytes() == before


async def test_a_failed_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.execute("INSERT INTO scheduled_jobs (key, kind, platform, community, "
                             "due_at) VALUES ('k', 'x', 'console', 'local', 1)")
            raise RuntimeError("half way")
    assert await db.scalar("SELECT count(*) FROM scheduled_jobs") == 0
    await db.close()


async def test_a_failed_commit_leaves_no_transaction_open(tmp_path: Path) -> None:
    """A COMMIT can fail and leave the transaction open (here a deferred foreign key; a full
    disk is the same); a later single write must still commit on its own."""
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction():
            await db.execute("PRAGMA defer_foreign_keys=ON")
            await db.execute("INSERT INTO introduction_fields (platform, community, user_id, "
                             "position, field, value) VALUES ('console', 'local', 'nobody', 0, "
                             "'about', 'x')")
    await db.execute("INSERT INTO scheduled_jobs (key, kind, platform, community, due_at) "
                     "VALUES ('k', 'x', 'console', 'local', 1)")
    other = sqlite3.connect(path)  # what another process (or a restart) would see
    assert other.execute("SELECT key FROM scheduled_jobs").fetchall() == [("k",)]
    assert other.execute("SELECT count(*) FROM introduction_fields").fetchone() == (0,)
    other.close()
    await db.close()
