"""A big server's busy month: does anything stall? Before (another checkout, e.g. main) and
after (this one), on the same data under the same load, side by side.

    .venv/bin/python benchmarks/busy_month.py --before /tmp/hearth-main            # full size
    .venv/bin/python benchmarks/busy_month.py --before /tmp/hearth-main \\
        --members 200000 --days 30 --rate 2 --minutes 15                           # smaller

1. Build: a community of --members members with --days of history at --rate points/s (one
   ledger row per point: 1,000,000 members x 30 days x 10/s is about 26M rows), written by
   SQLite itself (INSERT ... SELECT from a recursive series; indexes dropped for the load and
   rebuilt), then totals and the rank histogram in SQL. The schema is the one the --before
   code creates, so the "after" run also times its own upgrade (migrations' backfill).
2. Live, once per code tree in its own process, each on its own copy of that file: start-up
   (migrations, badge backfill), then --minutes of community time at --messages messages/s
   and --commands commands/s (/profile, /leaderboard all/30d/7d, /thanks in turn), each
   event arriving at its own moment. Community time runs --speed times faster than the wall
   clock (10: 15 minutes in 90 s), and every periodic job runs when it falls due (activity
   flushes, leaderboard refreshes) beside the events, as on a live server: a command that
   arrives while a long job holds the database waits for it.
3. Reports p50/p99/max of each command and of message handling, the longest event-loop
   stall (a ticker's lateness), the longest single write (statement or transaction) on the
   database, peak RSS of the live process, and database size per day of history.

Targets: p99 under 50 ms for every command, no stall over 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
PLATFORM, COMMUNITY_ID = "discord", "1"
COMMANDS = ("profile", "leaderboard", "leaderboard 30d", "leaderboard 7d", "thanks")


def _use(code: Path) -> None:
    """Import Hearth from `code` (this checkout or the one to compare against)."""
    sys.path.insert(0, str(code))


# -- 1. build -------------------------------------------------------------------------------

def build(path: str, members: int, days: int, rate: float, now: float) -> dict[str, Any]:
    from bot import bootstrap
    from storage.store import Storage

    async def migrate() -> None:
        storage = await Storage.open(path, schemas=bootstrap.schemas())
        await storage.close()

    asyncio.run(migrate())
    began = time.perf_counter()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1048576")
    db.execute("PRAGMA temp_store=MEMORY")
    rows = int(days * 86400 * rate)
    start = now - days * 86400
    p, c = PLATFORM, COMMUNITY_ID
    db.execute("BEGIN")
    # Joined over the two years before the history starts.
    db.execute(
        "INSERT INTO members (platform, community, user_id, name, is_bot, first_joined,"
        " joined_at) WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM s WHERE i<?)"
        " SELECT ?, ?, 'u' || i, 'member' || i, 0, t, t FROM (SELECT i,"
        " ? - 63072000 * (abs(random()) / 9.3e18) AS t FROM s)",
        (members - 1, p, c, start))
    db.execute("COMMIT")
    # Indexes are dropped for the load and rebuilt after (once from sorted data is far faster
    # than growing them row by row); their SQL comes from the schema itself.
    indexes = db.execute("SELECT name, sql FROM sqlite_master WHERE type='index'"
                         " AND tbl_name='rep_ledger' AND sql IS NOT NULL").fetchall()
    for name, _ in indexes:
        db.execute(f"DROP INDEX {name}")
    chunk = 2_000_000
    for lo in range(0, rows, chunk):
        n = min(chunk, rows - lo)
        db.execute("BEGIN")
        # Append-only in time; a few members earn most points (r^3); 85% activity, the rest
        # thanks from another member.
        db.execute(
            "INSERT INTO rep_ledger (platform, community, user_id, giver_id, points, source, at)"
            " WITH RECURSIVE s(i) AS (SELECT ? UNION ALL SELECT i+1 FROM s WHERE i<?)"
            " SELECT ?, ?, 'u' || CAST(? * r * r * r AS INTEGER),"
            " CASE WHEN k < 85 THEN NULL ELSE 'u' || (abs(random()) % ?) END, 1,"
            " CASE WHEN k < 85 THEN 'activity' WHEN k < 95 THEN 'thanks'"
            " WHEN k < 98 THEN 'thanks_reaction' ELSE 'thanks_message' END, ? + i / ?"
            " FROM (SELECT i, abs(random()) / 9.3e18 AS r, abs(random()) % 100 AS k FROM s)",
            (lo, lo + n - 1, p, c, members, members, start, rate))
        db.execute("COMMIT")
        print(f"  {lo + n:,} of {rows:,} ledger rows", file=sys.stderr)
    for _, sql in indexes:
        db.execute(sql)
    db.execute("BEGIN")
    db.execute(
        "INSERT INTO rep_totals (platform, community, user_id, points, messages,"
        " thanks_received) SELECT platform, community, user_id, SUM(points),"
        " SUM(source='activity'), SUM(source<>'activity') FROM rep_ledger"
        " GROUP BY platform, community, user_id")
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return {"rows": rows, "seconds": time.perf_counter() - began}


# -- 2. live --------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def live(path: str, members: int, now: float, minutes: int, messages: float,
               commands: float, speed: float, seed: int) -> dict[str, Any]:
    from datetime import timedelta

    from bot import bootstrap
    from bot.actions import Action
    from bot.clock import ManualClock
    from bot.config import parse_config
    from bot.events import Actor, CommandInvoked, Community, MessagePosted
    from bot.ports import Receipt

    class NullSink:
        async def perform(self, action: Action) -> Receipt:
            return Receipt(True, message_id="1")

    community = Community(PLATFORM, COMMUNITY_ID)
    rng = random.Random(seed)
    clock = ManualClock(datetime.fromtimestamp(now, UTC))
    config = parse_config("", bootstrap.config_sections())
    began = time.perf_counter()
    app = await bootstrap.build(config, clock=clock, database=path)
    writes: list[float] = []
    observe = app.storage.db.observe_write

    def timed_write(seconds: float) -> None:
        writes.append(seconds)
        if observe is not None:
            observe(seconds)

    app.storage.db.observe_write = timed_write
    app.runtime.add_sink(PLATFORM, NullSink())
    await app.runtime.start()
    try:  # as `hearth run` does once started, where the code has it
        from bot.heap import settle
        settle()
    except ImportError:
        pass
    startup = time.perf_counter() - began
    writes.clear()

    lag = [0.0]
    running = True

    async def ticker() -> None:
        loop = asyncio.get_running_loop()
        while running:
            t = loop.time()
            await asyncio.sleep(0.005)
            lag[0] = max(lag[0], loop.time() - t - 0.005)

    def member() -> int:
        return int(members * rng.random() ** 3)

    latency: dict[str, list[float]] = {name: [] for name in (*COMMANDS, "message")}

    slowest: list[tuple[float, str, float]] = []

    async def timed(kind: str, event: Any, offset: float) -> None:
        t = time.perf_counter()
        await app.runtime.handle(event)
        ms = (time.perf_counter() - t) * 1000
        latency[kind].append(ms)
        slowest.append((ms, kind, offset))

    tick = asyncio.create_task(ticker())
    loop = asyncio.get_running_loop()
    steps = minutes * 60
    step_began = loop.time()

    async def clock_runs() -> None:
        """One community second per 1/speed wall seconds; due jobs run as it passes."""
        for s in range(1, steps + 1):
            await asyncio.sleep(max(0.0, step_began + s / speed - loop.time()))
            await app.scheduler.advance(timedelta(seconds=1))

    async def arrivals_run(due: Iterator[tuple[str, float, Any]]) -> None:
        """Each event starts at its moment as its own task, as a platform delivers them (a
        task per pending event made up front would cost the loop a stall of its own)."""
        running: set[asyncio.Task[None]] = set()
        for kind, offset, make in due:
            await asyncio.sleep(max(0.0, step_began + offset / speed - loop.time()))
            task = asyncio.create_task(timed(kind, make(clock.now()), offset))
            running.add(task)
            task.add_done_callback(running.discard)
        await asyncio.gather(*running)

    def arrivals() -> Iterator[tuple[str, float, Any]]:
        """Every event of the run at its moment, spread evenly over each community second,
        made as it falls due (a list of them all would be heap the collector walks)."""
        for s in range(steps):
            yield from sorted(second(s), key=lambda a: a[1])

    def second(s: int) -> list[tuple[str, float, Any]]:
        due: list[tuple[str, float, Any]] = []
        for i in range(int(messages)):
            u = member()
            due.append(("message", s + i / messages, lambda at, u=u, i=i: MessagePosted(
                community, at, author=Actor(f"u{u}", f"member{u}"), channel="general",
                message_id=f"m{s}-{i}", content="that makes sense, thank you",
                channel_name="general")))
        for i in range(int(commands)):
            kind = COMMANDS[(s * int(commands) + i) % len(COMMANDS)]
            u, other = member(), member()
            line = {"profile": f"profile @member{other}",
                    "thanks": f"thanks @member{other} for the help"}.get(kind, kind)
            due.append((kind, s + (i + 0.5) / commands,
                        lambda at, u=u, line=line: CommandInvoked(
                            community, at, actor=Actor(f"u{u}", f"member{u}"), line=line)))
        return due

    await asyncio.gather(clock_runs(), arrivals_run(arrivals()))
    wall = loop.time() - step_began
    running = False
    await tick
    await app.close()
    out: dict[str, Any] = {
        "startup_s": startup, "wall_s": wall, "loop_stall_ms": lag[0] * 1000,
        "write_stall_ms": max(writes, default=0.0) * 1000,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        # Where the worst waits fell (community second), to find what caused them.
        "slowest": [(round(ms, 1), kind, round(at, 1))
                    for ms, kind, at in sorted(slowest, reverse=True)[:8]],
    }
    for kind, values in latency.items():
        out[kind] = {"n": len(values), "p50": pct(values, 0.5), "p99": pct(values, 0.99),
                     "max": max(values, default=float("nan"))}
    return out


# -- 3. both, side by side ------------------------------------------------------------------

def child(code: Path, *args: str) -> dict[str, Any]:
    """Run a phase in a fresh process importing Hearth from `code`; its JSON answer."""
    done = subprocess.run([sys.executable, __file__, "--code", str(code), *args],
                          check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(before: dict[str, Any], after: dict[str, Any], days: int) -> None:
    print(f"{'':<28}{'before':>30}{'after':>30}")
    print(f"{'':<28}{'p50 / p99 / max ms':>30}{'p50 / p99 / max ms':>30}")

    def cell(r: dict[str, Any]) -> str:
        return f"{r['p50']:.1f} / {r['p99']:.1f} / {r['max']:.0f}"

    for kind in ("message", *COMMANDS):
        label = "event handling (message)" if kind == "message" else f"/{kind}"
        print(f"{label:<28}{cell(before[kind]):>30}{cell(after[kind]):>30}")
    rows = [("longest event-loop stall", "loop_stall_ms", "{:.0f} ms"),
            ("longest single write", "write_stall_ms", "{:.0f} ms"),
            ("start-up (migrations, badges)", "startup_s", "{:.1f} s"),
            ("live run, wall time", "wall_s", "{:.0f} s"),
            ("peak RSS", "peak_rss_mb", "{:.0f} MB")]
    for label, key, form in rows:
        print(f"{label:<28}{form.format(before[key]):>30}{form.format(after[key]):>30}")
    size = "{:.0f} MB/day"
    print(f"{'database per day of history':<28}"
          f"{size.format(before['db_bytes'] / days / 2**20):>30}"
          f"{size.format(after['db_bytes'] / days / 2**20):>30}")
    for label, r in (("before", before), ("after", after)):
        print(f"slowest {label}: " + ", ".join(f"{kind} {ms:.0f} ms at {at:g} s"
                                               for ms, kind, at in r["slowest"]))
    worst = max(after[k]["p99"] for k in COMMANDS)
    stall = max(after["loop_stall_ms"], after["write_stall_ms"])
    print(f"after: worst command p99 {worst:.1f} ms (target < 50: "
          f"{'yes' if worst < 50 else 'NO'}), longest stall {stall:.0f} ms (target < 100: "
          f"{'yes' if stall < 100 else 'NO'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, help="checkout to compare against (e.g. main)")
    parser.add_argument("--after", type=Path, default=HERE,
                        help="checkout measured as 'after' (default: this one)")
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--rate", type=float, default=10.0, help="points per second of history")
    parser.add_argument("--minutes", type=int, default=15, help="community minutes live")
    parser.add_argument("--messages", type=float, default=50.0, help="per community second")
    parser.add_argument("--commands", type=float, default=2.0, help="per community second")
    parser.add_argument("--speed", type=float, default=10.0,
                        help="community seconds per wall second in the live run")
    parser.add_argument("--dir", type=Path, help="where the databases go (kept)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the history built by an earlier run in --dir (same sizes)")
    # Internal: one phase in a child process.
    parser.add_argument("--code", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--phase", choices=("build", "live"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--now", type=float, help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.phase:
        _use(a.code)
        if a.phase == "build":
            result = build(a.db, a.members, a.days, a.rate, a.now)
        else:
            result = asyncio.run(live(a.db, a.members, a.now, a.minutes, a.messages,
                                      a.commands, a.speed, a.seed))
        print(json.dumps(result))
        return
    if a.before is None:
        parser.error("--before PATH: a checkout of the code to compare against (git worktree "
                     "add /tmp/hearth-main main)")
    folder = a.dir or Path(tempfile.mkdtemp(prefix="busy-month-"))
    folder.mkdir(parents=True, exist_ok=True)
    base = str(folder / "base.sqlite3")
    shape = folder / "base.json"  # what base.sqlite3 holds, for --reuse
    wanted = {"members": a.members, "days": a.days, "rate": a.rate}
    kept = json.loads(shape.read_text()) if a.reuse and shape.exists() else None
    if kept is not None and kept["shape"] != wanted:
        parser.error(f"--reuse: {base} holds {kept['shape']}, not {wanted}")
    for old in folder.glob("*.sqlite3*"):
        if kept is None or not old.name.startswith("base."):
            old.unlink()
    # Whole minutes of wall-clock now: an upgrade's backfill counts days from the real date.
    now = kept["now"] if kept else float(int(time.time()) // 60 * 60)
    sizes = ["--members", str(a.members), "--days", str(a.days), "--rate", str(a.rate),
             "--now", str(now)]
    if kept is None:
        print(f"load average {os.getloadavg()[0]:.1f}; building {a.members:,} members, "
              f"{a.days} days at {a.rate:g} points/s in {folder}", flush=True)
        built = child(a.before, "--phase", "build", "--db", base, *sizes)
        shape.write_text(json.dumps({"shape": wanted, "now": now, "built": built}))
    else:
        built = kept["built"]
        ended = datetime.fromtimestamp(now, UTC)
        print(f"reusing {base} (history ending {ended:%Y-%m-%d %H:%M} UTC; the live runs "
              "start there)", flush=True)
    print(f"bulk load: {built['rows']:,} ledger rows in {built['seconds']:.0f} s "
          f"({built['rows'] / built['seconds']:,.0f} rows/s)", flush=True)
    results = {}
    live_args = ["--minutes", str(a.minutes), "--messages", str(a.messages), "--commands",
                 str(a.commands), "--speed", str(a.speed), "--seed", str(a.seed)]
    for label, code in (("before", a.before), ("after", a.after)):
        path = str(folder / f"{label}.sqlite3")
        shutil.copyfile(base, path)
        print(f"live run, {label} ({code}); load average {os.getloadavg()[0]:.1f}", flush=True)
        results[label] = child(code, "--phase", "live", "--db", path, *sizes, *live_args)
        results[label]["db_bytes"] = sum(os.path.getsize(p) for p in (path, path + "-wal")
                                         if os.path.exists(p))
    print(f"\n{a.members:,} members, {built['rows']:,} ledger rows ({a.days} days at "
          f"{a.rate:g}/s); live {a.minutes} community minutes at {a.messages:g} messages/s and "
          f"{a.commands:g} commands/s, {a.speed:g}x real time; load average "
          f"{os.getloadavg()[0]:.1f}")
    table(results["before"], results["after"], a.days)


if __name__ == "__main__":
    main()
