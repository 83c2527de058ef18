"""Storage faults: the member is told kindly it didn't save, the cause is logged once, nothing
is reported as done that wasn't stored, and Hearth keeps serving."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

import pytest

# Locked files and a full page limit are SQLite's own faults; PostgreSQL's passing failures map
# to the same StorageUnavailable in storage/postgres.py.
from tests.harness import Harness, texts

pytestmark = pytest.mark.sqlite_only

CREATE = '/contest create "Winter stories" "Tell us a winter story" 3d draw'


async def test_locked_database_gets_a_kind_retry_message(
        make_harness: Callable[..., Harness], caplog: pytest.LogCaptureFixture) -> None:
    h = await make_harness('[hearth]\ndatabase_busy_timeout = "1s"').start()
    await h.command("mo", "/help", mod=True)
    other = sqlite3.connect(h.database)  # another process holds the write lock
    other.execute("BEGIN EXCLUSIVE")
    with caplog.at_level(logging.ERROR):
        reply = texts(await h.command("mo", CREATE, mod=True))
    assert reply == ["Sorry, I couldn't save that just now, so /contest didn't go through. "
                     "Please try again in a moment."]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [
        "couldn't store CommandInvoked: database is locked"]
    other.rollback()
    other.close()
    # Nothing was half-written, and the same command now works.
    assert texts(await h.command("ann", "/contest list"))[0].startswith("There are no open")
    assert "is open" in texts(await h.command("mo", CREATE, mod=True))[-1]
    await h.close()


async def test_a_failed_write_during_a_join_can_be_retried(
        make_harness: Callable[..., Harness]) -> None:
    from bot.events import MemberJoined
    from bot.ports import StorageUnavailable

    h = await make_harness('[hearth]\ndatabase_busy_timeout = "1s"').start()
    join = MemberJoined(h.community, h.clock.now(), member=h.actor("zoe"), event_id="E1")
    other = sqlite3.connect(h.database)
    other.execute("BEGIN EXCLUSIVE")
    with pytest.raises(StorageUnavailable):
        await h.handle(join)
    other.rollback()
    other.close()
    # The platform's retry of the same delivery does the work, once.
    assert len(await h.handle(join)) == 2
    assert await h.handle(join) == []
    await h.close()


ABOUT = "I make pottery and like long walks by the sea. " * 8


async def full_disk(h: Harness, members: int) -> list[str]:
    """Members who have joined, then the disk "full": SQLite's page limit set to what is used."""
    names = [f"m{i}" for i in range(members)]
    for name in names:
        await h.join(name)
    db = h.app.storage.db
    await db.execute(f"PRAGMA max_page_count = {await db.scalar('PRAGMA page_count')}")
    return names


async def test_a_full_disk_loses_nothing_reported_as_saved(hearth: Harness) -> None:
    """SQLite's page limit makes the disk "full" for real; every introduction either says
    thank you and is stored, or says sorry and isn't, and Hearth serves on once there's room."""
    h = hearth
    names = await full_disk(h, 60)
    db = h.app.storage.db
    thanked, sorry = [], []
    for name in names:
        reply = texts(await h.command(name, f'/introduce name:"{name}" about:"{ABOUT}"'))
        if reply and reply[0].startswith("Sorry, I couldn't save that"):
            sorry.append(name)
        else:
            assert any(line.startswith(f"Thank you, {name}!") for line in reply), reply
            thanked.append(name)
    assert sorry, "the page limit never bit"
    await db.execute("PRAGMA max_page_count = 1073741823")
    rows = await db.fetchall("SELECT m.name FROM introductions "
                             "JOIN members m USING (platform, community, user_id)")
    stored = {r[0] for r in rows}
    assert stored == set(thanked)
    # With room again, the same member's retry goes through.
    reply = texts(await h.command(sorry[0], f'/introduce name:"{sorry[0]}" about:"{ABOUT}"'))
    assert any(line.startswith(f"Thank you, {sorry[0]}!") for line in reply)


async def test_a_full_disk_is_logged_once_with_a_count_and_again_when_it_recovers(
        hearth: Harness, caplog: pytest.LogCaptureFixture) -> None:
    h = hearth
    names = await full_disk(h, 40)
    db = h.app.storage.db
    with caplog.at_level(logging.WARNING):
        sorry = 0
        for name in names:
            reply = texts(await h.command(name, f'/introduce name:"{name}" about:"{ABOUT}"'))
            sorry += bool(reply and reply[0].startswith("Sorry, I couldn't save that"))
        await db.execute("PRAGMA max_page_count = 1073741823")
        await h.command("m0", "/help")  # storage works again
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.runtime"
             or r.name == "bot.scheduler"]
    assert sorry > 5
    assert lines == [
        "couldn't store CommandInvoked: database or disk is full",
        f"storage failed {sorry} times in all with: database or disk is full; then recovered",
        "storage works again"], lines
