"""The database: migrations upgrade older files in place and never touch newer ones."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.bootstrap import schemas
from storage.database import Database, DatabaseError

# Today's layout before features owned their tables: five global numbers in PRAGMA user_version.
LEGACY = sorted((Path(__file__).parent / "fixtures" / "legacy_migrations").glob("*.sql"))
# Rows an older Hearth could hold at each version, one per table that version added.
ROWS = {
    1: ["INSERT INTO members (platform, community, user_id, name, first_joined, joined_at)"
        " VALUES ('console', 'local', 'alice', 'alice', 1, 1)",
        "INSERT INTO scheduled_jobs (key, kind, platform, community, due_at)"
        " VALUES ('greetings.dm:alice', 'greetings.dm', 'console', 'local', 5)"],
    2: ["INSERT INTO introductions VALUES ('console', 'local', 'alice', 'form', 2, 2)",
        "INSERT INTO introduction_fields VALUES ('console', 'local', 'alice', 0, 'about', 'pots')",
        "INSERT INTO rep_ledger (platform, community, user_id, giver_id, points, source, at)"
        " VALUES ('console', 'local', 'alice', 'bob', 1, 'thanks', 3)",
        "INSERT INTO rep_totals (platform, community, user_id, points)"
        " VALUES ('console', 'local', 'alice', 1)",
        "INSERT INTO badges_held (platform, community, user_id, badge, awarded_at)"
        " VALUES ('console', 'local', 'alice', 'Hello There', 3)"],
    3: ["INSERT INTO contests (platform, community, number, title, description, created_by,"
        " created_at, closes_at, method, winners, entries_per_member, secret)"
        " VALUES ('console', 'local', 1, 'Mugs', 'Best mug', 'mod', 4, 99, 'votes', 1, 1, 's')"],
    4: ["INSERT INTO moderation_cases (platform, community, case_number, user_id, user_name,"
        " moderator_id, moderator_name, rule_id, step, created_at, expires_at)"
        " VALUES ('console', 'local', 1, 'bob', 'bob', 'mod', 'mod', 'kind', 1, 4, 99)"],
    5: ["UPDATE contests SET announce_pending=1"],
}
CHECKS = {
    1: ("SELECT name FROM members WHERE user_id='alice'", "alice"),
    2: ("SELECT value FROM introduction_fields WHERE user_id='alice'", "pots"),
    3: ("SELECT title FROM contests WHERE number=1", "Mugs"),
    4: ("SELECT rule_id FROM moderation_cases WHERE case_number=1", "kind"),
    5: ("SELECT announce_pending FROM contests WHERE number=1", 1),
}


def _build_at(path: Path, version: int) -> None:
    """A database as today's Hearth (knowing global migrations 1..version) would have left
    it, with a row in each table it made."""
    conn = sqlite3.connect(path)
    for number, file in enumerate(LEGACY, start=1):
        if number <= version:
            conn.executescript(file.read_text(encoding="utf-8"))
            conn.execute(f"PRAGMA user_version={number}")
            for sql in ROWS[number]:
                conn.execute(sql)
    conn.commit()
    conn.close()


def _schema(path: Path) -> set[tuple[str, str, str]]:
    conn = sqlite3.connect(path)
    found = set(conn.execute("SELECT type, name, sql FROM sqlite_master"
                             " WHERE name NOT LIKE 'sqlite_%'").fetchall())
    conn.close()
    return found


def _ledger(path: Path) -> list[tuple[str, int, str]]:
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT feature, version, name FROM schema_migrations"
                        " ORDER BY feature, version").fetchall()
    conn.close()
    return rows


@pytest.mark.parametrize("version", range(1, len(LEGACY) + 1))
async def test_older_database_upgrades_in_place(tmp_path: Path, version: int) -> None:
    path = tmp_path / "old.sqlite3"
    _build_at(path, version)
    db = await Database.open(path, schemas=schemas())
    for number in range(1, version + 1):
        sql, expected = CHECKS[number]
        assert await db.scalar(sql) == expected
    assert await db.scalar("PRAGMA foreign_keys") == 1
    assert await db.scalar("PRAGMA journal_mode") == "wal"
    await db.close()
    # What the old numbers stood for is recorded, not run again; the rest was applied.
    ledger = _ledger(path)
    legacy = {(f, v) for f, v, name in ledger if name == "legacy"}
    assert ("core", 1) in legacy and (("contests", 1) in legacy) == (version >= 3)
    # Upgraded, the file has exactly the schema of one made new.
    fresh = tmp_path / "fresh.sqlite3"
    await (await Database.open(fresh, schemas=schemas())).close()
    assert _schema(path) == _schema(fresh)
    assert {(f, v) for f, v, _ in ledger} == {(f, v) for f, v, _ in _ledger(fresh)}
    # Opening again applies nothing.
    db = await Database.open(path, schemas=schemas())
    await db.close()
    assert _ledger(path) == ledger


async def test_a_feature_s_migrations_are_numbered_on_their_own(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    await (await Database.open(path, schemas=schemas())).close()
    ledger = _ledger(path)
    assert ("core", 1, "0001_core.sql") in ledger
    assert ("contests", 2, "0002_announcements.sql") in ledger
    assert ("moderation", 1, "0001_moderation.sql") in ledger


async def test_newer_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    _build_at(path, len(LEGACY))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version=999")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="newer Hearth"):
        await Database.open(path, schemas=schemas())
    assert path.read_bytes() == before


async def test_a_newer_feature_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    await (await Database.open(path, schemas=schemas())).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_migrations VALUES ('contests', 99, '0099_future.sql')")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match=r"newer Hearth.*contests schema 99"):
        await Database.open(path, schemas=schemas())
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
    db = await Database.open(path, schemas=schemas())
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


async def test_reads_answer_while_another_task_holds_the_writer(tmp_path: Path) -> None:
    import asyncio

    db = await Database.open(tmp_path / "h.sqlite3", schemas=schemas())
    try:
        await db.execute("INSERT INTO members (platform, community, user_id, name, first_joined,"
                         " joined_at) VALUES ('console', 'local', 'alice', 'Alice', 1, 1)")
        async with db.transaction():  # a long job on the writer, not yet committed
            await db.execute("UPDATE members SET name='Alicia' WHERE user_id='alice'")
            # Another task's read doesn't queue behind this transaction (it would never end:
            # the transaction waits for it), and sees the last commit, not the half-done one.
            read = asyncio.create_task(db.scalar("SELECT name FROM members"))
            assert await asyncio.wait_for(read, timeout=60) == "Alice"
            # This task's own reads see its changes.
            assert await db.scalar("SELECT name FROM members") == "Alicia"
        assert await db.scalar("SELECT name FROM members") == "Alicia"
    finally:
        await db.close()


async def test_events_finishing_together_share_one_write(tmp_path: Path) -> None:
    import asyncio
    from datetime import UTC, datetime

    from storage.processed_events import EventClaims

    db = await Database.open(tmp_path / "h.sqlite3", schemas=schemas())
    try:
        claims = EventClaims(db)
        now = datetime(2026, 11, 30, tzinfo=UTC)
        ids = [f"Ev{n}" for n in range(40)]
        assert all([await claims.claim("slack", i, now) for i in ids])
        writes: list[float] = []
        db.observe_write = writes.append
        await asyncio.gather(*(claims.finish("slack", i) for i in ids))
        assert len(writes) == 1  # one statement marked all forty done
        assert await db.scalar("SELECT COUNT(*) FROM processed_events WHERE done=1") == 40
        # Done claims are never taken over, however late the retry.
        assert not any([await claims.claim("slack", i, now.replace(year=2027)) for i in ids])
    finally:
        await db.close()


async def test_every_community_with_members_is_listed_once(database: str) -> None:
    from datetime import UTC, datetime

    from bot.events import Actor, Community
    from storage.store import Storage

    storage = await Storage.open(database)
    at = datetime(2026, 11, 30, tzinfo=UTC)
    places = [Community("slack", "T9"), Community("discord", "2"), Community("discord", "10"),
              Community("console", "local")]
    for i, place in enumerate(places):
        for n in range(3):  # several members each: listed once all the same
            await storage.members.seen(place, Actor(f"u{i}{n}", f"member {i}{n}"), at)
    assert await storage.members.communities() == sorted(
        places, key=lambda c: (c.platform, c.id))
    await storage.close()
