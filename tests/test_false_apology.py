"""What a member is told matches what is stored, when a write that follows the command's own
fails: a badge award after /thanks or /introduce, an award after a contest closes.

The fault is real on each backend. On SQLite the badges table is filled until its next row needs
a new page, then the file is capped at its size (SQLite's page limit: "database or disk is
full"), so the command's own rows still fit and only the award can't. On PostgreSQL another
session holds the badges table locked (a long maintenance job) and Hearth's lock timeout is short
("canceling statement due to lock timeout"). Either way the command and its consequences commit
together or not at all: the apology is true, nothing is half-stored, and the retry counts once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg

from tests.harness import Harness, config_from, texts

BADGES = """
[reputation]
pair_cooldown = "off"
badge_channel = "announcements"

[[reputation.badges]]
name = "Thanked"
criterion = "thanks_received"
threshold = 1

[[reputation.badges]]
name = "Hello There"
criterion = "introduced"
threshold = 1

[[reputation.badges]]
name = "Winner"
criterion = "contest_wins"
threshold = 1
"""
SORRY = "Sorry, I couldn't save that just now"


class _Undo(Exception):
    """Rolls a probe insert back."""


async def _award_needs_a_page(h: Harness, user_id: str, badge: str) -> bool:
    """Whether awarding `badge` to `user_id` now would make the file grow (tried, undone)."""
    db = h.app.storage.db
    before = await db.scalar("PRAGMA page_count")
    grew = False
    try:
        async with db.transaction():
            await db.execute(
                "INSERT INTO badges_held (platform, community, user_id, badge, awarded_at)"
                " VALUES (?,?,?,?,?)", (h.community.platform, h.community.id, user_id, badge,
                                        h.clock.now().timestamp()))
            grew = await db.scalar("PRAGMA page_count") > before
            raise _Undo
    except _Undo:
        pass
    return grew


@asynccontextmanager
async def badges_unwritable(h: Harness, user_id: str, badge: str) -> AsyncIterator[None]:
    """While inside, awarding `badge` to `user_id` fails for a passing reason; what the command
    itself writes still can be written."""
    db = h.app.storage.db
    if db.dialect == "sqlite":
        # Other members' badges fill the page the award would go in, up to the last byte that
        # still fits; then the file may not grow.
        n = 0
        while not await _award_needs_a_page(h, user_id, badge):
            await db.execute(
                "INSERT INTO badges_held (platform, community, user_id, badge, awarded_at,"
                " reason) VALUES (?,?,?,?,?,?)",
                (h.community.platform, h.community.id, f"filler-{n:04}", badge, 0.0, "x" * 40))
            n += 1
        assert await db.scalar("PRAGMA freelist_count") == 0
        await db.execute(f"PRAGMA max_page_count = {await db.scalar('PRAGMA page_count')}")
        try:
            yield
        finally:
            await db.execute("PRAGMA max_page_count = 1073741823")
        return
    assert isinstance(h.database, str)
    other = await asyncpg.connect(h.database)
    try:
        tx = other.transaction()
        await tx.start()
        await other.execute("LOCK TABLE badges_held IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            await tx.rollback()
    finally:
        await other.close()


@asynccontextmanager
async def started(new_database: Callable[[], Awaitable[str]]) -> AsyncIterator[Harness]:
    """Hearth with a badge for every consequence; on PostgreSQL a lock wait gives up soon."""
    database = await new_database()
    if database.startswith("postgresql"):
        conn = await asyncpg.connect(database)
        try:
            name = database.rsplit("/", 1)[1]
            await conn.execute(f'ALTER DATABASE "{name}" SET lock_timeout = \'300ms\'')
        finally:
            await conn.close()
    h = await Harness(database, config_from(BADGES)).start()
    try:
        yield h
    finally:
        await h.close()


async def ledger(h: Harness) -> int:
    return int(await h.app.storage.db.scalar(
        "SELECT COUNT(*) FROM rep_ledger WHERE source='thanks' AND user_id='bob'"))


async def held(h: Harness, user_id: str, badge: str) -> bool:
    return bool(await h.app.storage.db.scalar(
        "SELECT COUNT(*) FROM badges_held WHERE user_id=? AND badge=?", (user_id, badge)))


async def test_thanks_whose_badge_award_fails_is_told_the_truth_and_counts_once(
        new_database: Callable[[], Awaitable[str]]) -> None:
    async with started(new_database) as h:
        for name in ("alice", "bob"):
            await h.join(name)
        async with badges_unwritable(h, "bob", "Thanked"):
            reply = texts(await h.command("alice", "/thanks @bob for the map"))
            stored = await ledger(h)
        # Told it didn't go through: then nothing of it is stored.
        if reply and reply[0].startswith(SORRY):
            assert stored == 0, f"told {reply!r} but {stored} thanks stored"
        else:
            assert stored == 1 and reply[0].startswith("Thank you"), reply
        # The member does what the apology asks: tries again, now that there's room.
        again = texts(await h.command("alice", "/thanks @bob for the map")) \
            if stored == 0 else []
        assert await ledger(h) == 1, again
        assert await held(h, "bob", "Thanked")
        assert any("Thanked" in t for t in again), again  # the badge announcement went out


async def test_introduction_whose_badge_award_fails_is_told_the_truth(
        new_database: Callable[[], Awaitable[str]]) -> None:
    async with started(new_database) as h:
        await h.join("zoe")
        line = '/introduce name:"Zoe" about:"I knit."'
        async with badges_unwritable(h, "zoe", "Hello There"):
            reply = texts(await h.command("zoe", line))
            stored = await h.app.storage.db.scalar("SELECT COUNT(*) FROM introductions")
        assert reply and reply[0].startswith(SORRY), reply
        assert stored == 0, f"told {reply!r} but the introduction is stored"
        again = await h.command("zoe", line)
        said = texts(again)
        assert any(t.startswith("Thank you, Zoe!") for t in said), said
        # The introduction post, the welcome and the badge announcement all go out.
        assert sum("I knit." in t for t in said) == 1, said
        assert any("Hello There" in t for t in said), said
        assert await held(h, "zoe", "Hello There")


async def test_contest_close_whose_award_fails_is_told_the_truth(
        new_database: Callable[[], Awaitable[str]]) -> None:
    async with started(new_database) as h:
        for name in ("amy", "ben"):
            await h.join(name)
        await h.command("mo", '/contest create "Haiku" "Three lines" 3d draw', mod=True)
        await h.command("amy", "/contest enter #1 snow on the pines")
        async with badges_unwritable(h, "amy", "Winner"):
            reply = texts(await h.command("mo", "/contest close #1", mod=True))
            state = await h.app.storage.db.scalar("SELECT state FROM contests")
        assert reply and reply[0].startswith(SORRY), reply
        assert state == "open", f"told {reply!r} but the contest is {state}"
        again = texts(await h.command("mo", "/contest close #1", mod=True))
        assert any("has closed" in t for t in again), again
        assert await held(h, "amy", "Winner")
        assert await h.app.storage.db.scalar("SELECT COUNT(*) FROM contest_winners") == 1
