"""/profile and /leaderboard latency on a big community: 1,000,000 members, 10,000,000 ledger rows.

The database is bulk-loaded in a child process (executemany in big transactions, straight into
the schema the migrations create), then this process starts the real runtime on it (start-up
includes the badge backfill), and times commands end to end through `runtime.handle`: parsing,
`@name` lookup, the cog and SQLite. Reports p50/p99 per command (target p99 < 20 ms) and peak
memory of the measuring process (resource.getrusage).

With `--database postgresql://...` the same community is also loaded into a fresh database on
that server (COPY with asyncpg's copy_records_to_table, indexes built after, CREATE DATABASE/
DROP DATABASE around the run) and measured the same way, after SQLite, so both figures come from
one run. Each load prints how long each phase took. `--keep` leaves the loaded PostgreSQL
database in place (its URL is printed) and `--loaded URL` measures such a database again
without loading it (a full-size load takes minutes). The load average is printed beside the
figures: on a shared machine it is what the PostgreSQL figures mostly measure, since every
statement is a round trip to another process that must be scheduled.

    .venv/bin/python benchmarks/profile_leaderboard.py            # full size, a few minutes
    .venv/bin/python benchmarks/profile_leaderboard.py --scale 0.01   # quick: 10k members
    .venv/bin/python benchmarks/profile_leaderboard.py --database postgresql://hearth@127.0.0.1/postgres
    .venv/bin/python benchmarks/profile_leaderboard.py --skip-sqlite --keep --database postgresql://...
    .venv/bin/python benchmarks/profile_leaderboard.py --loaded postgresql://.../hearth_bench_1a2b
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.scratch import create_database, drop_database
from bot import bootstrap
from bot.actions import Action
from bot.clock import ManualClock
from bot.config import parse_config
from bot.events import Actor, CommandInvoked, Community
from bot.ports import Receipt
from cogs.reputation.store import day_of
from storage.dialect import display, is_postgresql
from storage.store import Storage

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
COMMUNITY = Community("discord", "1")
HISTORY_DAYS = 730
BATCH = 500_000


class NullSink:
    async def perform(self, action: Action) -> Receipt:
        return Receipt(True, message_id="1")


def load(path: str, members: int, rows: int, seed: int = 1) -> None:
    """Fill the database: members, a skewed ledger over two years, totals, some badges."""
    asyncio.run(_migrate(path))
    rng = random.Random(seed)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")
    now = NOW.timestamp()
    start = now - HISTORY_DAYS * 86400
    p, c = COMMUNITY.platform, COMMUNITY.id
    began = time.perf_counter()
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO members (platform, community, user_id, name, is_bot, first_joined,"
        " joined_at) VALUES (?,?,?,?,0,?,?)",
        ((p, c, f"u{i}", f"member{i}", t, t)
         for i in range(members) for t in (start + rng.random() * (now - start),)))
    db.execute("COMMIT")
    # Indexes are dropped for the load and rebuilt after: building an index once from sorted
    # data is far faster than growing it row by row. Their SQL comes from the schema itself.
    indexes = [r[0] for r in db.execute(
        "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name='rep_ledger'"
        " AND sql IS NOT NULL")]
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='index'"
                              " AND tbl_name='rep_ledger' AND sql IS NOT NULL").fetchall():
        db.execute(f"DROP INDEX {name}")
    sources = ["activity"] * 85 + ["thanks"] * 10 + ["thanks_reaction"] * 3 + ["thanks_message"] * 2
    done = 0
    while done < rows:
        n = min(BATCH, rows - done)
        db.execute("BEGIN")
        batch = []
        # The ledger is append-only in time: each batch is the next slice of the history.
        lo = start + (now - start) * done / rows
        span = (now - start) * n / rows
        for _ in range(n):
            # A few members earn most of the points, as in real communities.
            user = int(members * rng.random() ** 3)
            source = rng.choice(sources)
            giver = None if source == "activity" else f"u{rng.randrange(members)}"
            batch.append((p, c, f"u{user}", giver, 1, source, lo + rng.random() * span))
        db.executemany(
            "INSERT INTO rep_ledger (platform, community, user_id, giver_id, points, source, at)"
            " VALUES (?,?,?,?,?,?,?)", batch)
        db.execute("COMMIT")
        done += n
        print(f"  loaded {done:,} ledger rows", file=sys.stderr)
    for sql in indexes:
        db.execute(sql)
    print(f"  indexes rebuilt after {time.perf_counter() - began:.0f} s", file=sys.stderr)
    db.execute("BEGIN")
    db.execute(
        "INSERT INTO rep_totals (platform, community, user_id, points, messages,"
        " thanks_received) SELECT platform, community, user_id, SUM(points),"
        " SUM(source='activity'), SUM(source<>'activity') FROM rep_ledger"
        " GROUP BY platform, community, user_id")
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()
    print(f"  load took {time.perf_counter() - began:.0f} s", file=sys.stderr)


async def _migrate(path: str) -> None:
    storage = await Storage.open(path, schemas=bootstrap.schemas())
    await storage.close()


def ledger_rows(members: int, rows: int, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """The same skewed two-year ledger the SQLite load writes, as rows for COPY."""
    now = NOW.timestamp()
    start = now - HISTORY_DAYS * 86400
    sources = ["activity"] * 85 + ["thanks"] * 10 + ["thanks_reaction"] * 3 + ["thanks_message"] * 2
    p, c = COMMUNITY.platform, COMMUNITY.id
    for i in range(rows):
        user = int(members * rng.random() ** 3)
        source = rng.choice(sources)
        giver = None if source == "activity" else f"u{rng.randrange(members)}"
        at = start + (now - start) * (i + rng.random()) / rows
        yield (p, c, f"u{user}", giver, 1, source, at)


async def load_postgres(url: str, members: int, rows: int, seed: int = 1) -> None:
    """Fill a PostgreSQL database with the same community: COPY into tables without their
    secondary indexes, indexes built afterwards, totals and the points histogram computed in
    SQL (triggers paused for the bulk insert), then VACUUM ANALYZE as autovacuum would."""
    import asyncpg

    storage = await Storage.open(url, schemas=bootstrap.schemas())
    await storage.close()
    rng = random.Random(seed)
    now = NOW.timestamp()
    start = now - HISTORY_DAYS * 86400
    p, c = COMMUNITY.platform, COMMUNITY.id
    began = phase = time.perf_counter()
    conn = await asyncpg.connect(url)

    def done(what: str) -> None:
        nonlocal phase
        print(f"  {what}: {time.perf_counter() - phase:.0f} s", file=sys.stderr)
        phase = time.perf_counter()

    # Building an index once over loaded rows is far faster than growing it row by row.
    indexes = await conn.fetch("SELECT indexname, indexdef FROM pg_indexes WHERE"
                               " tablename IN ('members', 'rep_ledger')"
                               " AND indexname NOT LIKE '%pkey'")
    for index in indexes:
        await conn.execute(f"DROP INDEX {index['indexname']}")
    await conn.copy_records_to_table(
        "members", columns=["platform", "community", "user_id", "name", "is_bot",
                            "first_joined", "joined_at"],
        records=[(p, c, f"u{i}", f"member{i}", 0, t, t) for i in range(members)
                 for t in (start + rng.random() * (now - start),)])
    done(f"{members:,} members copied")
    source = ledger_rows(members, rows, rng)
    loaded = 0
    while loaded < rows:
        batch = [row for _, row in zip(range(BATCH), source, strict=False)]
        await conn.copy_records_to_table(
            "rep_ledger", columns=["platform", "community", "user_id", "giver_id", "points",
                                   "source", "at"], records=batch)
        loaded += len(batch)
        print(f"  loaded {loaded:,} ledger rows", file=sys.stderr)
    done(f"{rows:,} ledger rows copied")
    for index in indexes:
        await conn.execute(index["indexdef"])
    done(f"{len(indexes)} indexes built")
    await conn.execute("ALTER TABLE rep_totals DISABLE TRIGGER USER")
    await conn.execute(
        "INSERT INTO rep_totals (platform, community, user_id, points, messages,"
        " thanks_received) SELECT platform, community, user_id, SUM(points),"
        " SUM(CASE WHEN source='activity' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN source<>'activity' THEN 1 ELSE 0 END) FROM rep_ledger"
        " GROUP BY platform, community, user_id")
    await conn.execute("ALTER TABLE rep_totals ENABLE TRIGGER USER")
    await conn.execute(
        "INSERT INTO rep_points_histogram (platform, community, points, members)"
        " SELECT platform, community, points, COUNT(*) FROM rep_totals"
        " GROUP BY platform, community, points")
    done("totals and histogram computed")
    await conn.execute("VACUUM ANALYZE")
    done("VACUUM ANALYZE")
    await conn.close()
    print(f"  load took {time.perf_counter() - began:.0f} s", file=sys.stderr)


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


class StatementCount:
    """Counts the statements the stores send through one database object: on PostgreSQL each
    is a round trip to the server process."""

    def __init__(self, db: Any) -> None:
        self.n = 0
        self._inside = False  # SQLite's scalar() calls its fetchone(): one statement, not two
        for name in ("execute", "insert", "executemany", "fetchone", "fetchall", "scalar"):
            setattr(db, name, self._counted(getattr(db, name)))

    def _counted(self, method: Any) -> Any:
        async def counted(*args: Any, **kwargs: Any) -> Any:
            if self._inside:
                return await method(*args, **kwargs)
            self.n += 1
            self._inside = True
            try:
                return await method(*args, **kwargs)
            finally:
                self._inside = False
        return counted


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(path: str, members: int, samples: int) -> None:
    config = parse_config("", bootstrap.config_sections())
    began = time.perf_counter()
    app = await bootstrap.build(config, clock=ManualClock(NOW), database=path)
    app.runtime.add_sink(COMMUNITY.platform, NullSink())
    await app.runtime.start()
    print(f"start-up (migrations, badge backfill over every member): "
          f"{time.perf_counter() - began:.1f} s")
    rng = random.Random(2)
    actor = Actor("u0", "member0")
    statements = StatementCount(app.storage.db)

    async def run(line: str) -> float:
        t = time.perf_counter()
        actions = await app.runtime.handle(CommandInvoked(COMMUNITY, NOW, actor=actor,
                                                          line=line))
        elapsed = (time.perf_counter() - t) * 1000
        assert actions, line
        return elapsed

    # Warm the page cache a little, as a running bot would have.
    for _ in range(20):
        await run(f"profile @member{rng.randrange(members)}")
    commands = {
        "/profile @random member": lambda: f"profile @member{rng.randrange(members)}",
        "/profile @top member": lambda: f"profile @member{rng.randrange(10)}",
        "/leaderboard": lambda: "leaderboard",
        "/leaderboard 30d": lambda: "leaderboard 30d",
        "/leaderboard 7d": lambda: "leaderboard 7d",
    }
    print(f"measuring with {load_average()}")
    if is_postgresql(path):
        # The floor every statement stands on: one round trip to the server, measured now.
        trips = []
        for _ in range(samples):
            t = time.perf_counter()
            await app.storage.db.scalar("SELECT 1")
            trips.append((time.perf_counter() - t) * 1000)
        print(f"one round trip (SELECT 1): p50 {percentile(trips, 0.5):.2f} ms, "
              f"p99 {percentile(trips, 0.99):.2f} ms")
    print(f"{'command':<26}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'statements':>12}")
    worst = 0.0
    for label, make in commands.items():
        statements.n = 0
        times = [await run(make()) for _ in range(samples)]
        p99 = percentile(times, 0.99)
        worst = max(worst, p99)
        print(f"{label:<26}{percentile(times, 0.5):>9.2f}{p99:>9.2f}{max(times):>9.2f}"
              f"{statements.n / samples:>12.1f}")
    # Window boards are kept on write; a ledger loaded straight into its table (as here) has
    # them rebuilt once from its last 30 days. Time that one-off, after the commands.
    t = time.perf_counter()
    reputation = app.stores["reputation"]
    await reputation.rebuild_windows(COMMUNITY, day_of(NOW))
    print(f"window buckets rebuilt from the last 30 days of a bulk-loaded ledger (one-off): "
          f"{(time.perf_counter() - t) * 1000:.0f} ms")
    print(f"worst p99: {worst:.2f} ms (target < 20 ms): {'yes' if worst < 20 else 'NO'}")
    print(f"done with {load_average()}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the measuring process: {peak:.0f} MB")
    await app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of the full size (1.0 = 1M members, 10M rows)")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--database", help="also measure on a fresh database on this "
                                           "PostgreSQL server (postgresql://...)")
    parser.add_argument("--skip-sqlite", action="store_true",
                        help="measure PostgreSQL only (its load alone takes minutes at full size)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the loaded PostgreSQL database and print its URL")
    parser.add_argument("--loaded", metavar="URL",
                        help="measure a PostgreSQL database a --keep run loaded, without loading")
    args = parser.parse_args()
    members, rows = int(1_000_000 * args.scale), int(10_000_000 * args.scale)
    if args.loaded:
        members = asyncio.run(_count_members(args.loaded))
        print(f"-- postgresql, loaded before: {members:,} members")
        asyncio.run(measure(args.loaded, members, args.samples))
        return
    if args.load:
        if args.load.startswith("postgresql://"):
            asyncio.run(load_postgres(args.load, members, rows))
        else:
            load(args.load, members, rows)
        return
    print(f"{members:,} members, {rows:,} ledger rows over {HISTORY_DAYS} days")
    targets = [] if args.skip_sqlite else ["sqlite"]
    targets += ["postgresql"] if args.database else []
    for target in targets:
        print(f"-- {target}")
        with tempfile.TemporaryDirectory() as tmp, scratch_database(
                args.database, target, Path(tmp), keep=args.keep) as path:
            t = time.perf_counter()
            # Loading runs in a child so its memory doesn't count as the bot's.
            subprocess.run([sys.executable, __file__, "--load", path, "--scale",
                            str(args.scale)], check=True)
            print(f"bulk load: {time.perf_counter() - t:.0f} s")
            asyncio.run(measure(path, members, args.samples))


async def _count_members(url: str) -> int:
    storage = await Storage.open(url, schemas=bootstrap.schemas())
    try:
        return int(await storage.db.scalar("SELECT COUNT(*) FROM members"))
    finally:
        await storage.close()


@contextlib.contextmanager
def scratch_database(server: str | None, target: str, folder: Path, keep: bool = False
                     ) -> Iterator[str]:
    """A SQLite file in `folder`, or a new database on the PostgreSQL server, dropped after
    (unless `keep`)."""
    if target == "sqlite" or server is None:
        yield str(folder / "big.sqlite3")
        return
    url = asyncio.run(create_database(server))
    try:
        yield url
    finally:
        if keep:
            print(f"kept: measure it again with --loaded {display(url)}")
        else:
            asyncio.run(drop_database(server, url))

if __name__ == "__main__":
    main()
