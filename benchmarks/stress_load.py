"""Stress under load: a raid of joins and a burst of messages, through the real runtime and SQLite.

(a) raid   N joins spread over S seconds of console time, fed as console lines (`+name`) to the
           console adapter, the real runtime and the greetings cog. Counts what Hearth sends:
           individual welcomes (before the burst threshold), raid summaries, DMs; then lets time
           pass until every paced DM is out and reports the most DMs in any one second.
(b) burst  M messages from many members (one every 5 ms of community time), straight into the
           runtime. Reports peak RSS (resource.getrusage) before/after and the tracemalloc peak
           of the Python heap, and checks nothing is lost: after the burst and the shutdown
           flush, the activity points in storage equal what the cooldown / min-length rules
           give, computed independently here.

    .venv/bin/python benchmarks/stress_load.py [--joins 500] [--seconds 10]
                                               [--messages 100000] [--members 5000]

tests/test_stress.py runs a quick version (500 joins, 10,000 messages) asserting the facts,
never the timings.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.console.session import COMMUNITY, ConsoleSession
from bot import bootstrap
from bot.clock import ManualClock
from bot.config import parse_config
from bot.events import Actor, MessagePosted

START = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
STEP = timedelta(milliseconds=5)
CHATTER = ["good morning everyone, how is the glaze firing going?",
           "ok", "I tried the new clay body and it throws beautifully",
           "lol", "does anyone know when the studio opens on Sunday?", "nice one!"]


@dataclass
class RaidFigures:
    joins: int
    welcomes: int  # individual welcome posts
    summaries: int
    dms: int
    dm_recipients: int
    outbound: int  # every action Hearth performed
    max_dms_per_second: int
    max_dms_per_minute: int
    last_dm_after: timedelta  # from the first join


@dataclass
class BurstFigures:
    messages: int
    members: int
    expected_points: int
    stored_points: int
    rss_before_kb: int
    rss_after_kb: int
    heap_peak_kb: int
    seconds: float


def _config(toml: str = "") -> object:
    return parse_config(toml, bootstrap.config_sections())


async def raid(joins: int = 500, seconds: float = 10.0, folder: Path | None = None,
               toml: str = "", down_for: timedelta | None = None) -> RaidFigures:
    """`down_for`: Hearth stops right after the joins and starts again this much later, with
    the paced DMs still waiting (stored), as after a crash or a deploy."""
    with tempfile.TemporaryDirectory() as tmp:
        database = (folder or Path(tmp)) / "raid.sqlite3"
        clock = ManualClock(START)
        sent: list[tuple[datetime, str]] = []

        async def open_app() -> tuple[bootstrap.App, ConsoleSession]:
            app = await bootstrap.build(_config(toml), clock=clock, rng=random.Random(1),
                                        database=database)
            session = ConsoleSession(app.runtime, app.scheduler,
                                     lambda line: sent.append((clock.now(), line)), "Hearth")
            app.runtime.add_sink("console", session)
            await app.runtime.start()
            return app, session

        app, session = await open_app()
        gap = timedelta(seconds=seconds / joins)
        for i in range(joins):
            await session.feed(f"+newcomer{i}")
            await app.scheduler.advance(gap)
        if down_for is not None:
            await app.close()
            clock.set(clock.now() + down_for)
            app, session = await open_app()  # overdue work runs as it starts
        # Let time pass until every paced DM has gone out (or an hour, whichever is first).
        for _ in range(60):
            if not await app.storage.jobs.all():
                break
            await app.scheduler.advance(timedelta(minutes=1))
        welcome_channel = app.config.for_community(COMMUNITY).greetings.channel
        await app.close()
    posts = [line for _, line in sent if line.startswith(f"[#{welcome_channel}]")]
    summary_word = f"all {joins - _burst(toml)} of you"
    summaries = [p for p in posts if "of you" in p]
    dms = [(at, line) for at, line in sent if line.startswith("[DM to ")]
    recipients = {line.split("]")[0].removeprefix("[DM to ") for _, line in dms}
    assert all(summary_word in s for s in summaries) or not summaries, summaries
    return RaidFigures(
        joins=joins, welcomes=len(posts) - len(summaries), summaries=len(summaries),
        dms=len(dms), dm_recipients=len(recipients),
        outbound=sum(1 for _, line in sent if not line.startswith("[console]")),
        max_dms_per_second=_max_in_window([at for at, _ in dms], timedelta(seconds=1)),
        max_dms_per_minute=_max_in_window([at for at, _ in dms], timedelta(minutes=1)),
        last_dm_after=(dms[-1][0] - START) if dms else timedelta(0))


def _burst(toml: str) -> int:
    return _config(toml).for_community(COMMUNITY).greetings.raid.burst  # type: ignore[attr-defined]


def _max_in_window(times: list[datetime], window: timedelta) -> int:
    """The most events inside any half-open window of this length."""
    best, inside = 0, deque[datetime]()
    for at in sorted(times):
        inside.append(at)
        while at - inside[0] >= window:
            inside.popleft()
        best = max(best, len(inside))
    return best


def expected_points(messages: int, members: int, min_length: int, cooldown: timedelta,
                    points: int) -> int:
    """What the activity rules give, worked out here independently of the cog."""
    next_at: dict[int, datetime] = {}
    total, now = 0, START
    for i in range(messages):
        now += STEP
        who, text = i % members, CHATTER[(i // members + i) % len(CHATTER)]
        if len(text) < min_length:
            continue
        if who in next_at and now < next_at[who]:
            continue
        next_at[who] = now + cooldown
        total += points
    return total


async def burst(messages: int = 100_000, members: int = 5_000, folder: Path | None = None,
                trace: bool = True) -> BurstFigures:
    config = _config()
    rep = config.for_community(COMMUNITY).reputation  # type: ignore[attr-defined]
    expected = expected_points(messages, members, rep.activity_min_length,
                               rep.activity_cooldown or timedelta(0), rep.activity_points)
    actors = [Actor(f"m{i}", f"member{i}") for i in range(members)]
    with tempfile.TemporaryDirectory() as tmp:
        database = (folder or Path(tmp)) / "burst.sqlite3"
        clock = ManualClock(START)
        app = await bootstrap.build(config, clock=clock, rng=random.Random(1),
                                    database=database)
        out: list[str] = []
        session = ConsoleSession(app.runtime, app.scheduler, out.append, "Hearth")
        app.runtime.add_sink("console", session)
        await app.runtime.start()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if trace:
            tracemalloc.start()
        began, now = time.perf_counter(), START
        for i in range(messages):
            now += STEP
            clock.set(now)
            # Built one at a time, so the burst itself isn't what fills the memory.
            event = MessagePosted(COMMUNITY, now, author=actors[i % members], channel="general",
                                  message_id=str(i),
                                  content=CHATTER[(i // members + i) % len(CHATTER)],
                                  channel_name="general")
            await app.runtime.process(event, session)
            if i % 200 == 199:  # once a second of community time, as the timers would
                await app.scheduler.run_due()
        await app.runtime.stop()  # the shutdown flush
        elapsed = time.perf_counter() - began
        heap_peak = tracemalloc.get_traced_memory()[1] if trace else 0
        if trace:
            tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        stored = int(await app.storage.db.scalar(
            "SELECT COALESCE(SUM(points), 0) FROM rep_ledger WHERE source='activity'"))
        await app.storage.close()
    return BurstFigures(messages, members, expected, stored, rss_before, rss_after,
                        heap_peak // 1024, elapsed)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--joins", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=5_000)
    args = parser.parse_args()

    r = await raid(args.joins, args.seconds)
    print(f"raid: {r.joins} joins in {args.seconds:g} s of console time")
    print(f"  individual welcomes {r.welcomes}, raid summaries {r.summaries}, "
          f"DMs {r.dms} to {r.dm_recipients} members, outbound actions {r.outbound} "
          f"({r.outbound / r.joins:.2f} per join)")
    print(f"  DM pace: at most {r.max_dms_per_second} in any second, "
          f"{r.max_dms_per_minute} in any minute; the last went out "
          f"{r.last_dm_after} after the first join")
    d = await raid(args.joins, args.seconds, down_for=timedelta(minutes=10))
    print(f"raid with Hearth down for 10 minutes right after the joins: DMs {d.dms} to "
          f"{d.dm_recipients} members, at most {d.max_dms_per_second} in any second, "
          f"{d.max_dms_per_minute} in any minute, summaries {d.summaries}")
    b = await burst(args.messages, args.members)
    print(f"burst: {b.messages:,} messages from {b.members:,} members in {b.seconds:.1f} s "
          f"({b.messages / b.seconds:,.0f}/s, with tracemalloc on)")
    print(f"  activity points stored {b.stored_points:,}, expected {b.expected_points:,} "
          f"({'none lost' if b.stored_points == b.expected_points else 'MISMATCH'})")
    print(f"  peak RSS {b.rss_before_kb / 1024:.1f} MiB before, {b.rss_after_kb / 1024:.1f} MiB "
          f"after (+{(b.rss_after_kb - b.rss_before_kb) / 1024:.1f} MiB); "
          f"Python heap peak (tracemalloc) {b.heap_peak_kb / 1024:.1f} MiB")
    ok = (r.summaries == 1 and r.dm_recipients == r.joins and d.dm_recipients == d.joins
          and b.stored_points == b.expected_points)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    asyncio.run(main())
