"""/profile and /leaderboard latency on a big community: 1,000,000 members, 10,000,000 ledger rows.

The database is bulk-loaded in a child process (executemany in big transactions, straight into
the schema the migrations create), then this process starts the real runtime on it (start-up
includes the badge backfill), and times commands end to end through `runtime.handle`: parsing,
`@name` lookup, the cog and SQLite. Reports p50/p99 per command (target p99 < 20 ms) and peak
memory of the measuring process (resource.getrusage).

With `--database postgresql://...` the same community is also loaded into a fresh database on
that server (COPY, indexes built after, CREATE DATABASE/DROP DATABASE around the run) and
measured the same way, after SQLite, so both figures come from one run.

    .venv/bin/python benchmarks/profile_leaderboard.py            # full size, a few minutes
    .venv/bin/python benchmarks/profile_leaderboard.py --scale 0.01   # quick: 10k members
    .venv/bin/python benchmarks/profile_leaderboard.py --database postgresql://hearth@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
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
    """Fill a PostgreSQL database with the same community: COPY, indexes built afterwards,
    totals and the points histogram computed in SQL (triggers paused for the bulk insert)."""
    import asyncpg

    storage = await Storage.open(url, schemas=bootstrap.schemas())
    await storage.close()
    rng = random.Random(seed)
    now = NOW.timestamp()
    start = now - HISTORY_DAYS * 86400
    p, c = COMMUNITY.platform, COMMUNITY.id
    began = time.perf_counter()
    conn = await asyncpg.connect(url)
    await conn.copy_records_to_table(
        "members", columns=["platform", "community", "user_id", "name", "is_bot",
                            "first_joined", "joined_at"],
        records=[(p, c, f"u{i}", f"member{i}", 0, t, t) for i in range(members)
                 for t in (start + rng.random() * (now - start),)])
    indexes = await conn.fetch("SELECT indexname, indexdef FROM pg_indexes WHERE"
                               " tablename='rep_ledger' AND indexname NOT LIKE '%pkey'")
    for index in indexes:
        await conn.execute(f"DROP INDEX {index['indexname']}")
    source = ledger_rows(members, rows, rng)
    done = 0
    while done < rows:
        batch = [row for _, row in zip(range(BATCH), source, strict=False)]
        await conn.copy_records_to_table(
            "rep_ledger", columns=["platform", "community", "user_id", "giver_id", "points",
                                   "source", "at"], records=batch)
        done += len(batch)
        print(f"  loaded {done:,} ledger rows", file=sys.stderr)
    for index in indexes:
        await conn.execute(index["indexdef"])
    print(f"  indexes rebuilt after {time.perf_counter() - began:.0f} s", file=sys.stderr)
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
    await conn.execute("VACUUM ANALYZE")
    await conn.close()
    print(f"  load took {time.perf_counter() - began:.0f} s", file=sys.stderr)


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
    print(f"{'command':<26}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    worst = 0.0
    for label, make in commands.items():
        times = [await run(make()) for _ in range(samples)]
        p99 = percentile(times, 0.99)
        worst = max(worst, p99)
        print(f"{label:<26}{percentile(times, 0.5):>9.2f}{p99:>9.2f}{max(times):>9.2f}")
    # The first window leaderboard after start computes it from the ledger; then a periodic
    # job keeps it fresh. Time that recomputation too, as the background cost.
    t = time.perf_counter()
    reputation = app.stores["reputation"]
    await reputation.refresh_window(COMMUNITY, "30d", NOW - timedelta(days=30),
                                    NOW, 100)
    print(f"30d window recomputation (background job): "
          f"{(time.perf_counter() - t) * 1000:.0f} ms")
    print(f"worst p99: {worst:.2f} ms (target < 20 ms): {'yes' if worst < 20 else 'NO'}")
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
    parser.add_argument("--skip-sqlite", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    members, rows = int(1_000_000 * args.scale), int(10_000_000 * args.scale)
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
        with tempfile.TemporaryDirectory() as tmp, scratch_database(args.database, target,
                                                                    Path(tmp)) as path:
            t = time.perf_counter()
            # Loading runs in a child so its memory doesn't count as the bot's.
            subprocess.run([sys.executable, __file__, "--load", path, "--scale",
                            str(args.scale)], check=True)
            print(f"bulk load: {time.perf_counter() - t:.0f} s")
            asyncio.run(measure(path, members, args.samples))


@contextlib.contextmanager
def scratch_database(server: str | None, target: str, folder: Path) -> Iterator[str]:
    """A SQLite file in `folder`, or a new database on the PostgreSQL server, dropped after."""
    if target == "sqlite" or server is None:
        yield str(folder / "big.sqlite3")
        return
    url = asyncio.run(create_database(server))
    try:
        yield url
    finally:
        asyncio.run(drop_database(server, url))

if __name__ == "__main__":
    main()
