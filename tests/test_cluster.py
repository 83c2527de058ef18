"""Three worker processes on one PostgreSQL (tests/cluster_worker.py), as behind a load
balancer: deliveries for six communities, each sent to two workers (as a platform's retry or
duplicate lands on another worker), and 90 jobs falling due meanwhile. One worker is SIGKILLed
in the middle of a job. Proven from what the workers printed and what the database holds:
- every job's effect happened exactly once, the killed worker's job by another worker once its
  lease ran out;
- every delivery had one effect: one welcome per join, and the activity counters equal the
  deliveries handled (no increment lost to a concurrent one, none counted twice).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import bootstrap
from bot.events import Community
from bot.ports import Job
from tests.cluster_worker import TICK
from tests.harness import config_from

ROOT = Path(__file__).resolve().parent.parent
COMMUNITIES = [f"T{i}" for i in range(6)]
JOBS = 90
MESSAGES = 600
JOINS_PER_COMMUNITY = 4
WINDOW = 20  # deliveries a worker may have unanswered, as a load balancer's connection limit
LEASE_SECONDS = 2
TOML = f"""
[hearth]
job_lease = "{LEASE_SECONDS}s"
job_poll = "1s"
[reputation]
batch_activity = false
activity_cooldown = "0s"
"""


class Worker:
    def __init__(self, name: str, proc: asyncio.subprocess.Process, changed: asyncio.Event
                 ) -> None:
        self.name = name
        self.proc = proc
        self.lines: list[tuple[float, dict[str, Any]]] = []
        self.changed = changed  # shared by the workers: set whenever any of them prints
        self.sent = 0
        self.alive = True
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for raw in self.proc.stdout:
            self.lines.append((time.monotonic(), json.loads(raw)))
            self.changed.set()
        self.changed.set()

    def count(self, key: str) -> int:
        return sum(1 for _, line in self.lines if key in line)

    async def until(self, test: Any) -> None:
        """Wait (on the workers' output, never a fixed sleep) until `test()` holds."""
        async with asyncio.timeout(60):
            while not test():
                self.changed.clear()
                await self.changed.wait()

    async def send(self, line: dict[str, str]) -> bool:
        """Deliver a line; False if this worker died first (the balancer tries another)."""
        await self.until(lambda: not self.alive or self.sent - self.count("ack") < WINDOW)
        if not self.alive:
            return False
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(line) + "\n").encode())
        await self.proc.stdin.drain()
        self.sent += 1
        return True


def inside_job(w: Worker) -> str | None:
    """The job a worker has started and not yet finished, if any."""
    started = [ln["start"] for _, ln in w.lines if "start" in ln]
    finished = {ln["text"].removeprefix("tick ") for _, ln in w.lines
                if ln.get("text", "").startswith("tick ")}
    open_jobs = [key for key in started if key not in finished]
    return open_jobs[-1] if open_jobs else None


def deliveries() -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    joins = iter([(c, f"N{c}-{i}") for i in range(JOINS_PER_COMMUNITY) for c in COMMUNITIES])
    for k in range(MESSAGES):
        c = COMMUNITIES[k % len(COMMUNITIES)]
        out.append({"kind": "message", "id": f"Ev{k}", "community": c, "user": f"U{c}-{k % 20}",
                    "text": "a message long enough to count as taking part"})
        if k % 25 == 0 and (join := next(joins, None)):
            out.append({"kind": "join", "id": f"Join-{join[1]}", "community": join[0],
                        "user": join[1]})
    return out


async def start_worker(database: str, name: str, logs: Path, changed: asyncio.Event) -> Worker:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("HEARTH_DATABASE_URL", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.cluster_worker", database, name, TOML, cwd=ROOT, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=(logs / f"{name}.log").open("wb"))
    return Worker(name, proc, changed)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_three_workers_do_each_job_and_delivery_once_through_a_kill(
        database: str, tmp_path: Path) -> None:
    setup = await bootstrap.build(config_from(TOML), database=database, worker="setup")
    changed = asyncio.Event()
    workers = [await start_worker(database, f"w{i}", tmp_path, changed) for i in (1, 2, 3)]
    try:
        for w in workers:
            await w.until(lambda w=w: w.count("ready") == 1)
        now = datetime.now(UTC)
        for i in range(JOBS):
            community = Community("slack", COMMUNITIES[i % len(COMMUNITIES)])
            await setup.storage.jobs.save(Job(f"tick:{i}", TICK, community,
                                              now + timedelta(seconds=1 + 4 * i / JOBS)))
        victim, rng = workers[0], random.Random(17)
        stream = deliveries()
        killed: dict[str, Any] = {}

        async def kill_inside_a_job() -> None:
            # Mid-stream: once the victim has handled some deliveries and is inside a job,
            # kill it outright.
            await victim.until(lambda: victim.count("ack") >= 50
                               and inside_job(victim) is not None)
            killed["job"] = inside_job(victim)
            victim.proc.send_signal(signal.SIGKILL)
            killed["at"], victim.alive = time.monotonic(), False

        killer = asyncio.create_task(kill_inside_a_job())
        for line in stream:
            chosen = rng.sample([w for w in workers if w.alive], 2)
            for w in chosen:
                if not await w.send(line):
                    other = [o for o in workers if o.alive and o not in chosen]
                    if other:
                        await other[0].send(line)
        await killer
        killed_job, killed_at = killed["job"], killed["at"]
        survivors = [w for w in workers if w.alive]
        for w in survivors:
            await w.until(lambda w=w: w.count("ack") == w.sent)
        await survivors[0].until(lambda: len({ln["text"] for w in workers for _, ln in w.lines
                                              if ln.get("text", "").startswith("tick ")}) == JOBS)
        assert not await setup.storage.db.scalar(
            "SELECT COUNT(*) FROM scheduled_jobs WHERE kind=?", (TICK,))
        for w in survivors:
            assert w.proc.stdin is not None
            w.proc.stdin.close()  # no more deliveries
            w.proc.send_signal(signal.SIGTERM)
        for w in workers:
            await w.proc.wait()
            await w.reader
        assert [w.proc.returncode for w in survivors] == [0, 0]

        effects = [(t, w.name, ln) for w in workers for t, ln in w.lines if "effect" in ln]
        ticks = Counter(ln["text"].removeprefix("tick ") for _, _, ln in effects
                        if ln["text"].startswith("tick "))
        starts = sum(w.count("start") for w in workers)
        assert ticks == Counter({f"tick:{i}": 1 for i in range(JOBS)})  # each job once
        takeover = [(t, name) for t, name, ln in effects if ln["text"] == f"tick {killed_job}"]
        assert len(takeover) == 1 and takeover[0][1] != victim.name

        db = setup.storage.db
        done = await db.scalar("SELECT COUNT(*) FROM processed_events WHERE done=1"
                               " AND event_id LIKE 'Ev%'")
        unfinished = await db.scalar("SELECT COUNT(*) FROM processed_events WHERE done=0")
        counted = await db.scalar("SELECT COALESCE(SUM(messages), 0) FROM rep_totals")
        # Each handled delivery counted once; only a delivery the victim was inside when it
        # died may have its increment without its claim finished.
        assert done <= counted <= done + unfinished
        welcomes = Counter(ln["text"] for _, _, ln in effects if ln["effect"] == "Post"
                           and not ln["text"].startswith("tick "))
        joined = await db.scalar("SELECT COUNT(*) FROM processed_events WHERE done=1"
                                 " AND event_id LIKE 'Join-%'")
        assert all(n == 1 for n in welcomes.values()) and len(welcomes) == joined
        sent = sum(w.sent for w in workers)
        skipped = sent - done - joined - unfinished
        print(f"\ncluster: 3 workers, {len(COMMUNITIES)} communities; {JOBS} jobs, {starts} runs "
              f"started, {sum(ticks.values())} effects (each job once); {sent} deliveries of "
              f"{len(stream)} events ({skipped} duplicates refused by their claim); "
              f"{done} messages handled, activity counted {counted}; {joined} joins, "
              f"{len(welcomes)} welcomes; 1 SIGKILL inside {killed_job}, finished by "
              f"{takeover[0][1]} {takeover[0][0] - killed_at:.1f}s later (lease "
              f"{LEASE_SECONDS}s); {unfinished} deliveries the victim held unfinished")
    finally:
        for w in workers:
            if w.proc.returncode is None:
                w.proc.kill()
                await w.proc.wait()
        await setup.close()
