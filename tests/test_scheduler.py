"""Scheduled work: stored first, survives restarts, runs overdue work at start-up, and fires
on the real clock through APScheduler."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from bot.actions import Action, Post
from bot.clock import SystemClock
from bot.events import Community
from bot.ports import Job
from bot.scheduler import Scheduler
from bot.text import Text
from storage.store import Storage
from tests.harness import Harness

COMMUNITY = Community("console", "local")


async def test_real_clock_fires_through_apscheduler(database: str) -> None:
    storage = await Storage.open(database)
    clock = SystemClock()
    scheduler = Scheduler(storage.jobs, clock)
    fired = asyncio.Event()
    delivered: list[Action] = []

    async def handler(job: Job) -> list[Action]:
        return [Post(job.community, "general", Text.of(job.payload["say"]))]

    async def deliver(actions: list[Action]) -> None:
        delivered.extend(actions)
        fired.set()

    scheduler.register("test.say", handler)
    await scheduler.start(deliver)
    await scheduler.schedule("test.say", "k1", COMMUNITY, clock.now() + timedelta(milliseconds=50),
                             {"say": "hello"})
    await asyncio.wait_for(fired.wait(), timeout=10)
    await scheduler.stop()
    assert [a.text.plain() for a in delivered if isinstance(a, Post)] == ["hello"]
    assert await storage.jobs.all() == []
    await storage.close()


async def test_overdue_work_runs_at_start_up(database: str) -> None:
    storage = await Storage.open(database)
    clock = SystemClock()
    ran: list[str] = []

    async def handler(job: Job) -> list[Action]:
        ran.append(job.key)
        return []

    async def deliver(actions: list[Action]) -> None:
        pass

    first = Scheduler(storage.jobs, clock)
    first.register("test.say", handler)
    await first.schedule("test.say", "late", COMMUNITY, clock.now() - timedelta(hours=1))
    # Hearth was down: a new scheduler on the same storage picks the job up as it starts.
    second = Scheduler(storage.jobs, clock)
    second.register("test.say", handler)
    await second.start(deliver)
    await second.stop()
    assert ran == ["late"]
    await storage.close()


async def test_failed_job_is_retried_later(make_harness: Callable[..., Harness]) -> None:
    h = await make_harness().start()
    attempts: list[int] = []

    async def flaky(job: Job) -> list[Action]:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("passing fault")
        return [Post(job.community, "general", Text.of("done"))]

    h.app.scheduler.register("test.flaky", flaky)
    await h.app.scheduler.schedule("test.flaky", "f", h.community,
                                   h.clock.now() + timedelta(minutes=1))
    out = await h.wait(timedelta(minutes=5))
    assert len(attempts) == 2 and out == ["[#general] Hearth: done"]
    await h.close()
