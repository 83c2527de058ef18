"""Scale-out: message deliveries per second with 1, 2 and 4 worker processes on one PostgreSQL.

Each worker is a real Hearth (the composition root, every cog) on a fresh database on the given
server, serving its own communities as a shard would. It handles `--events` message deliveries,
each with a delivery id, so each is claimed and finished in the database as a real platform
delivery is; activity is batched as by default and flushed by the worker's own job. Workers
start together (after loading) and the figure is all their deliveries over the wall time from
the start signal to the last worker's finish. The 1-worker run is the baseline of the ratios.

    .venv/bin/python benchmarks/scale_out.py --database postgresql://hearth@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.scratch import create_database, drop_database
from bot import bootstrap
from bot.actions import Action
from bot.clock import ManualClock
from bot.config import parse_config
from bot.events import Actor, Community, MessagePosted
from bot.ports import Receipt

START = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
STEP = timedelta(milliseconds=5)
MEMBERS = 2_000


class NullSink:
    async def perform(self, action: Action) -> Receipt:
        return Receipt(True, message_id="1")


async def worker(url: str, index: int, events: int) -> None:
    """One worker: wait for 'go' on stdin, handle its deliveries, print its elapsed time."""
    config = parse_config("", bootstrap.config_sections())
    clock = ManualClock(START)
    app = await bootstrap.build(config, clock=clock, database=url, worker=f"bench-{index}")
    sink = NullSink()
    app.runtime.add_sink("discord", sink)
    await app.runtime.start()
    community = Community("discord", f"guild-{index}")
    actors = [Actor(f"u{i}", f"member{i}") for i in range(MEMBERS)]
    deliveries = [MessagePosted(community, START, author=actors[i % MEMBERS], channel="general",
                                message_id=f"{index}-{i}", event_id=f"{index}-{i}",
                                content="good morning everyone, how is the glaze firing?",
                                channel_name="general") for i in range(events)]
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    began = time.perf_counter()
    now = START
    for i, event in enumerate(deliveries):
        now += STEP
        clock.set(now)
        await app.runtime.process(event, sink)
        if i % 1000 == 999:
            await app.scheduler.run_due()
    await app.runtime.stop()
    print(f"done {time.perf_counter() - began:.4f}", flush=True)
    await app.storage.close()


async def run(server: str, workers: int, events: int) -> float:
    url = await create_database(server)
    try:
        # Migrate once before the workers start, so they don't queue on the migration lock.
        app = await bootstrap.build(parse_config("", bootstrap.config_sections()), database=url)
        await app.close()
        procs = [await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--worker", str(i), "--url", url, "--events", str(events),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
            for i in range(workers)]
        for p in procs:
            assert p.stdout is not None
            assert (await p.stdout.readline()).strip() == b"ready"
        began = time.perf_counter()
        for p in procs:
            assert p.stdin is not None
            p.stdin.write(b"go\n")
            await p.stdin.drain()
        for p in procs:
            assert p.stdout is not None
            line = await p.stdout.readline()
            assert line.startswith(b"done"), line
        wall = time.perf_counter() - began
        for p in procs:
            await p.wait()
        return workers * events / wall
    finally:
        await drop_database(server, url)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL server (postgresql://...)")
    parser.add_argument("--events", type=int, default=20_000, help="deliveries per worker")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        await worker(args.url, args.worker, args.events)
        return
    if not args.database:
        parser.error("--database postgresql://... is needed")
    print(f"{args.events:,} message deliveries per worker, each claimed in the database; "
          f"{os.cpu_count()} CPUs")
    rates: dict[int, float] = {}
    for workers in (1, 2, 4):
        rates[workers] = await run(args.database, workers, args.events)
        print(f"  {workers} worker{'s' if workers > 1 else ' '}  {rates[workers]:>9,.0f} "
              f"deliveries/s  ({rates[workers] / rates[1]:.2f}x one worker)")
    print(f"4 workers / 1 worker = {rates[4] / rates[1]:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
