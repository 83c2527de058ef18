"""Scheduled work that survives restarts, and runs once however many workers share it.

Every job lives in storage first; timers are only wake-up calls. With the system clock,
APScheduler arms one timer per job (rebuilt from storage at start-up, overdue ones fire at once)
and a poll every `poll` picks up work other workers scheduled or abandoned; with a manual clock,
`advance` walks time forward through due jobs in order. Whoever wakes, the claim in storage
decides who runs a job: one worker claims it for a lease, renews the lease while it runs, and
removes the job when done. A worker that dies mid-job stops renewing, and after the lease
another worker claims the job and runs it again from the start.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.actions import Action
from bot.clock import Clock, ManualClock
from bot.events import Community
from bot.metrics import Metrics
from bot.ports import Job, JobStore, StorageUnavailable
from bot.repeats import Repeats

log = logging.getLogger(__name__)

JobHandler = Callable[[Job], Awaitable[list[Action]]]
Deliver = Callable[[list[Action]], Awaitable[None]]
# Runs a job's work as one unit with what follows from it (the runtime's `settle`).
Settle = Callable[[Callable[[], Awaitable[list[Action]]]], Awaitable[list[Action]]]


async def _as_is(work: Callable[[], Awaitable[list[Action]]]) -> list[Action]:
    return await work()
# A job whose handler failed is tried again this much later, so a passing fault heals itself.
RETRY_AFTER = timedelta(minutes=1)
_POLL = "hearth:poll"


class Scheduler:
    def __init__(self, store: JobStore, clock: Clock, metrics: Metrics | None = None, *,
                 worker: str = "hearth", lease: timedelta = timedelta(minutes=5),
                 poll: timedelta = timedelta(seconds=30)) -> None:
        self.store = store
        self.clock = clock
        self.metrics = metrics or Metrics()
        self.storage_failures = Repeats(log, "storage")
        # Names this process's claims; a worker restarted under the same name takes its own
        # stale claims back at once instead of waiting out the lease.
        self.worker = worker
        self.lease = lease
        self.poll = poll
        self._runs = itertools.count(1)
        self._handlers: dict[str, JobHandler] = {}
        self._deliver: Deliver | None = None
        self._settle: Settle = _as_is
        self._running = asyncio.Lock()
        self._timers: AsyncIOScheduler | None = None

    def register(self, kind: str, handler: JobHandler) -> None:
        if kind in self._handlers:
            raise ValueError(f"job kind {kind!r} registered twice")
        self._handlers[kind] = handler

    async def schedule(self, kind: str, key: str, community: Community, due_at: datetime,
                       payload: dict[str, Any] | None = None) -> None:
        """Add a job, or move the one with the same key. Stored before it is armed."""
        if kind not in self._handlers:
            raise ValueError(f"no handler for job kind {kind!r}")
        await self.store.save(Job(key, kind, community, due_at, payload or {}))
        self._arm(key, due_at)

    async def pending(self, key: str) -> Job | None:
        """The job waiting under `key`, if any."""
        return await self.store.get(key)

    async def waiting(self, kind: str, community: Community) -> list[Job]:
        """A community's waiting jobs of one kind, soonest first."""
        return await self.store.of_kind(kind, community)

    async def move(self, moves: Sequence[tuple[Job, datetime]]) -> None:
        """Move several waiting jobs to new times, all or none."""
        await self.store.save_many([Job(job.key, job.kind, job.community, due, job.payload)
                                    for job, due in moves])
        for job, due in moves:
            self._arm(job.key, due)

    async def cancel(self, key: str) -> None:
        await self.store.delete(key)
        if self._timers is not None and self._timers.get_job(key) is not None:
            self._timers.remove_job(key)

    async def start(self, deliver: Deliver, settle: Settle | None = None) -> None:
        """Rebuild timers from storage, then run whatever fell due while we were down.
        `settle` runs each job's work, and its end in storage, as one unit."""
        self._deliver = deliver
        self._settle = settle or _as_is
        await self.store.release_claims(self.worker)
        if not isinstance(self.clock, ManualClock):
            self._timers = AsyncIOScheduler(timezone="UTC")
            self._timers.start()
            for job in await self.store.all():
                self._arm(job.key, job.due_at)
            self._timers.add_job(self.run_due, IntervalTrigger(seconds=self.poll.total_seconds()),
                                 id=_POLL, coalesce=True, max_instances=1)
        await self.run_due()

    async def stop(self) -> None:
        if self._timers is not None:
            self._timers.shutdown(wait=False)
            self._timers = None
        # Let a job already running finish, so its result is stored and delivered.
        async with self._running:
            self._deliver = None

    def _arm(self, key: str, due_at: datetime) -> None:
        if self._timers is None:
            return
        self._timers.add_job(
            self.run_due, DateTrigger(run_date=due_at), id=key, replace_existing=True,
            misfire_grace_time=None, coalesce=True,
        )

    async def run_due(self) -> int:
        """Run every job due by now, oldest first; returns how many ran."""
        ran = 0
        async with self._running:
            while True:
                run = self._run_name()
                now = self.clock.now()
                job = await self.store.claim_due(now, now, run, now + self.lease)
                if job is None:
                    return ran
                await self._run(job, run)
                ran += 1

    async def advance(self, delta: timedelta) -> int:
        """Manual clock only: move time forward, running jobs at their own moments in order."""
        if not isinstance(self.clock, ManualClock):
            raise TypeError("advance needs a ManualClock")
        target = self.clock.now() + delta
        ran = 0
        async with self._running:
            while True:
                run, now = self._run_name(), self.clock.now()
                job = await self.store.claim_due(target, now, run, now + self.lease)
                if job is None:
                    break
                if job.due_at > self.clock.now():
                    self.clock.set(job.due_at)
                await self._run(job, run)
                ran += 1
        self.clock.set(target)
        return ran

    def _run_name(self) -> str:
        return f"{self.worker}/{next(self._runs)}"

    async def _renew(self, key: str, run: str) -> None:
        """Keep renewing a running job's claim, so a long job isn't taken over while alive."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            with contextlib.suppress(Exception):
                if not await self.store.renew(key, run, self.clock.now() + self.lease):
                    return

    async def _run(self, job: Job, run: str) -> None:
        self.metrics.job("due", job.kind)
        handler = self._handlers.get(job.kind)
        if handler is None:
            log.error("job %s has kind %r, which nothing handles; dropping it", job.key, job.kind)
            await self.store.delete(job.key)
            return
        renewing = None
        if not isinstance(self.clock, ManualClock):
            renewing = asyncio.create_task(self._renew(job.key, run))

        async def work() -> list[Action]:
            actions = await handler(job)
            # The handler may have moved its own job (a repeating reminder): the move cleared
            # the claim, so this removes nothing and the job waits for its new time. Done in
            # the job's unit: the job ends exactly when what it did is stored.
            await self.store.finish(job.key, run)
            return actions

        try:
            actions = await self._settle(work)
        except Exception as exc:
            self.metrics.job("failed", job.kind)
            if isinstance(exc, StorageUnavailable):
                self.storage_failures.failed(str(exc), "job %s (%s) couldn't store, retrying in "
                                             "%s: %s", job.key, job.kind, RETRY_AFTER, exc)
            else:
                log.error("job %s (%s) failed, retrying in %s: %r", job.key, job.kind,
                          RETRY_AFTER, exc)
            log.debug("job failure", exc_info=True)
            retry = self.clock.now() + RETRY_AFTER
            await self.store.save(Job(job.key, job.kind, job.community, retry, job.payload))
            self._arm(job.key, retry)  # without a timer the retry waits for the next restart
            return
        finally:
            if renewing is not None:
                renewing.cancel()
        self.metrics.job("run", job.kind)
        if actions and self._deliver is not None:
            try:
                await self._deliver(actions)
            except Exception as exc:
                # The job's own work is stored, and the posts that follow it are in the
                # outbox: what didn't go out goes at the next start.
                log.error("job %s (%s): delivering its results failed: %r", job.key, job.kind,
                          exc)
                log.debug("job delivery failure", exc_info=True)
