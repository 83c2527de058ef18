"""The PostgreSQL backend's own behaviour: choosing it, keeping its password out of sight,
placeholders, and migrations tracked as on SQLite (an older database upgrades in place, a newer
one is refused untouched)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest

from bot.logs import redact
from storage.database import DatabaseError
from storage.dialect import database_target, display, to_numbered
from storage.store import Storage
from tests.test_cli import hearth


def test_placeholders_become_numbered_outside_quoted_text() -> None:
    assert to_numbered("SELECT '?', \"a?\" FROM t WHERE a=? AND b IN (?,?)") == \
        "SELECT '?', \"a?\" FROM t WHERE a=$1 AND b IN ($2,$3)"


def test_the_environment_chooses_and_completes_the_database() -> None:
    assert database_target("data/h.sqlite3", {}) == "data/h.sqlite3"
    assert database_target("data/h.sqlite3", {"HEARTH_DATABASE_URL": "postgresql://h@db/x"}) \
        == "postgresql://h@db/x"
    assert database_target("postgresql://h@db:5433/x", {"PGPASSWORD": "s3cr/et"}) == \
        "postgresql://h:s3cr%2Fet@db:5433/x"
    # A password already in the URL is kept; SQLite paths are never touched.
    assert database_target("postgresql://h:a@db/x", {"PGPASSWORD": "b"}) == "postgresql://h:a@db/x"
    assert database_target("h.sqlite3", {"PGPASSWORD": "b"}) == "h.sqlite3"


def test_a_database_password_is_never_shown() -> None:
    url = "postgresql://hearth:hunter2hunter2@db.example.org/hearth"
    assert display(url) == "postgresql://hearth:[redacted]@db.example.org/hearth"
    assert "hunter2" not in redact(f"connecting to {url} failed")


def test_an_unreachable_database_is_a_clear_error_without_its_password() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    url = f"postgresql://hearth:hunter2hunter2@127.0.0.1:{port}/hearth"
    result = hearth("console", env={"HEARTH_DATABASE_URL": url}, stdin="+alice\n")
    assert result.returncode == 2
    assert f"Hearth did not start: can't connect to postgresql://hearth:[redacted]@127.0.0.1:" \
        f"{port}/hearth" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_an_older_postgresql_database_upgrades_in_place(database: str) -> None:
    from bot import bootstrap
    from bot.events import Actor, Community

    core_only = await Storage.open(database)  # as a Hearth with no features would leave it
    await core_only.members.joined(Community("console", "local"), Actor("u1", "alice"),
                                   datetime.now(UTC))
    await core_only.close()
    full = await Storage.open(database, schemas=bootstrap.schemas())
    steps = {(r[0], r[1]) for r in await full.db.fetchall(
        "SELECT feature, version FROM schema_migrations")}
    assert {("core", 3), ("reputation", 1), ("contests", 2), ("moderation", 1)} <= steps
    member = await full.members.get(Community("console", "local"), "u1")
    assert member is not None and member.name == "alice"
    await full.db.execute("INSERT INTO schema_migrations VALUES ('core', 99, '0099_future.sql')")
    await full.close()
    with pytest.raises(DatabaseError, match="written by a newer Hearth"):
        await Storage.open(database, schemas=bootstrap.schemas())


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_member_s_badges_are_found_by_key_right_after_a_big_backfill(database: str
                                                                              ) -> None:
    """The first badge backfill in a big community fills an empty table with hundreds of
    thousands of rows. If the planner still believed the table empty, /profile's lookup of one
    member's badges would scan every holder in the community until autovacuum's next round."""
    from bot import bootstrap
    from bot.events import Community
    from cogs.badges.store import BadgeStore

    storage = await Storage.open(database, schemas=bootstrap.schemas())
    try:
        await storage.db.execute("ANALYZE badges_held")  # seen empty, as on a first start
        badges = BadgeStore(storage.db)
        community = Community("discord", "1")
        await badges.award_many(community, [f"u{i}" for i in range(20_000)], "Regular",
                                datetime.now(UTC))
        plan = "\n".join(r[0] for r in await storage.db.fetchall(
            "EXPLAIN SELECT badge, awarded_at, awarded_by, revoked_at FROM badges_held"
            " WHERE platform=$1 AND community=$2 AND user_id=$3 ORDER BY awarded_at, badge",
            ("discord", "1", "u5")))
        assert "badges_held_pkey" in plan, plan
        assert len(await badges.held(community, "u5")) == 1
    finally:
        await storage.close()
