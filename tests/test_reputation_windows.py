"""The 7d / 30d leaderboards kept as per-day buckets and running sums: for any history of
points (late ones included) and any interleaving of days passing and of the short transactions
that take expired days off, the boards equal the boards recomputed from the ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bootstrap import schemas
from bot.events import Actor, Community
from cogs.reputation.store import DAY, WINDOW_DAYS, LedgerEntry, ReputationStore, day_of
from storage.members import MemberRepository
from storage.store import open_database

START = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
USERS = [f"u{i}" for i in range(6)]
_communities = count()

# One step of a history: a thanks-like entry `back` days before today (0 mostly), activity
# from several members at once, days passing, or a few expiry transactions of `chunk` members.
step = st.one_of(
    st.tuples(st.just("entry"), st.sampled_from(USERS),
              st.integers(-3, 9).filter(bool),
              # Late ones too, on the days leaving a window while they are taken off.
              st.one_of(st.just(0), st.sampled_from([6, 7, 8, 29, 30, 31]),
                        st.integers(0, 40)),
              st.integers(0, DAY - 1)),
    st.tuples(st.just("activity"),
              st.dictionaries(st.sampled_from(USERS), st.integers(0, 5), max_size=6)),
    st.tuples(st.just("days"), st.integers(0, 3)),
    st.tuples(st.just("expire"), st.integers(1, 3), st.integers(1, 4)),
)


@pytest.fixture
async def store(database: str) -> AsyncIterator[ReputationStore]:
    db = await open_database(database, schemas=schemas())
    try:
        yield ReputationStore(db)
    finally:
        await db.close()


async def recomputed(store: ReputationStore, community: Community, today: int, days: int
                     ) -> dict[str, int]:
    """The window's board straight from the ledger: every row from its first day on."""
    rows = await store.db.fetchall(
        "SELECT user_id, SUM(points) FROM rep_ledger WHERE platform=? AND community=? AND at>=?"
        " GROUP BY user_id", (community.platform, community.id, float((today - days + 1) * DAY)))
    return {r[0]: int(r[1]) for r in rows if int(r[1]) > 0}


async def boards_match(store: ReputationStore, community: Community, now: datetime) -> None:
    today = day_of(now)
    assert await store.advance_windows(community, today)
    assert not await store.windows_due(community, today)
    for period, days in WINDOW_DAYS.items():
        shown = await store.top(community, len(USERS), ties=0, period=period)
        expected = await recomputed(store, community, today, days)
        assert {r.user_id: r.points for r in shown} == expected, period
        # Best first, ties by id: the order /leaderboard shows.
        assert [r.user_id for r in shown] == sorted(expected, key=lambda u: (-expected[u], u))


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=st.lists(step, max_size=40))
async def test_bucketed_boards_equal_boards_recomputed_from_the_ledger(
        store: ReputationStore, history: list[tuple]) -> None:
    community = Community("console", f"c{next(_communities)}")
    members = MemberRepository(store.db)
    for user in USERS:
        await members.joined(community, Actor(user, user), START)
    now = START
    for kind, *args in history:
        if kind == "entry":
            user, points, back, second = args
            at = datetime.fromtimestamp((day_of(now) - back) * DAY + second, UTC)
            await store.record(community, [LedgerEntry(user, points, "thanks", min(at, now),
                                                       giver_id="giver")])
        elif kind == "activity":
            await store.add_activity(community, [(u, n, n) for u, n in args[0].items()], now)
        elif kind == "days":
            now += timedelta(days=args[0], hours=args[0])
        else:  # a job cut short: the next writes land between its transactions
            chunk, steps = args
            await store.advance_windows(community, day_of(now), chunk=chunk, steps=steps)
    await boards_match(store, community, now)


async def test_days_leave_the_windows_and_their_buckets_go(store: ReputationStore) -> None:
    community = Community("console", "quiet")
    members = MemberRepository(store.db)
    for user in ("ann", "ben"):
        await members.joined(community, Actor(user, user), START)
    await store.record(community, [LedgerEntry("ann", 5, "thanks", START, "ben")])
    await store.add_activity(community, [("ben", 2, 2)], START + timedelta(days=3))
    now = START + timedelta(days=8)
    await boards_match(store, community, now)
    assert [(r.user_id, r.points) for r in await store.top(community, 10, period="7d")] == [
        ("ben", 2)]
    assert [(r.user_id, r.points) for r in await store.top(community, 10, period="30d")] == [
        ("ann", 5), ("ben", 2)]
    now += timedelta(days=30)
    await boards_match(store, community, now)
    assert await store.top(community, 10, period="30d") == []
    # Nothing in the windows: no buckets or running sums left behind.
    assert await store.db.scalar("SELECT COUNT(*) FROM rep_day_points") == 0
    assert await store.db.scalar("SELECT COUNT(*) FROM rep_window_points") == 0
    # The all-time board still has both: the ledger and totals are untouched.
    assert [r.user_id for r in await store.top(community, 10)] == ["ann", "ben"]


async def test_rebuild_from_a_ledger_loaded_directly_matches(store: ReputationStore) -> None:
    community = Community("console", "loaded")
    members = MemberRepository(store.db)
    for user in USERS:
        await members.joined(community, Actor(user, user), START)
    now = START + timedelta(days=40)
    # A bulk loader writes ledger rows only, as an import would.
    await store.db.executemany(
        "INSERT INTO rep_ledger (platform, community, user_id, points, source, at)"
        " VALUES (?,?,?,?,'activity',?)",
        [("console", "loaded", USERS[i % 6], 1 + i % 4,
          (now - timedelta(hours=7 * i)).timestamp()) for i in range(200)])
    await store.rebuild_windows(community, day_of(now))
    await boards_match(store, community, now)


async def test_a_late_entry_while_its_day_is_being_taken_off_counts_once(
        store: ReputationStore) -> None:
    community = Community("console", "late")
    members = MemberRepository(store.db)
    for user in ("a", "b", "c"):
        await members.joined(community, Actor(user, user), START)
        await store.record(community, [LedgerEntry(user, 3, "thanks", START, "giver")])
    now = START + timedelta(days=7)
    # Start-up of the 7d window, then member "a" of START's day taken off; the job pauses.
    assert not await store.advance_windows(community, day_of(now), chunk=1, steps=2)
    # Entries dated that day arrive now: one for a member already taken off, one not yet.
    await store.record(community, [LedgerEntry("a", 4, "thanks", START, "giver"),
                                   LedgerEntry("c", 5, "thanks", START, "giver")])
    await boards_match(store, community, now)
    assert await store.top(community, 10, period="7d") == []
    assert [(r.user_id, r.points) for r in await store.top(community, 10, period="30d")] == [
        ("c", 8), ("a", 7), ("b", 3)]


async def test_upgrading_an_existing_database_fills_the_buckets_from_its_ledger(
        database: str) -> None:
    community = Community("console", "old")
    now = datetime.now(UTC)  # the migration runs on the wall clock, as an upgrade would
    db = await open_database(database, schemas=schemas())
    # Back to the layout before buckets, holding a ledger an older Hearth wrote.
    await db.execute("DELETE FROM schema_migrations WHERE feature='reputation'"
                     " AND version IN (2, 3)")
    for table in ("rep_day_points", "rep_window_points", "rep_window_start"):
        await db.execute(f"DROP TABLE {table}")
    await db.execute("CREATE TABLE rep_window_top (platform TEXT)")
    members = MemberRepository(db)
    for user in USERS:
        await members.joined(community, Actor(user, user), now - timedelta(days=90))
    await db.executemany(
        "INSERT INTO rep_ledger (platform, community, user_id, points, source, at)"
        " VALUES (?,?,?,?,'activity',?)",
        [("console", "old", USERS[i % 6], 1 + i % 5, (now - timedelta(hours=5 * i)).timestamp())
         for i in range(300)])  # 62 days back
    await db.close()
    store = ReputationStore(await open_database(database, schemas=schemas()))
    try:
        assert await store.db.scalar("SELECT COUNT(*) FROM rep_day_points") > 0
        await boards_match(store, community, now)
        assert len(await store.top(community, 10, period="30d")) == len(USERS)
    finally:
        await store.db.close()
