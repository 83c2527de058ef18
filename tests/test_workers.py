"""Two Hearths on one database, on each backend: every due job runs once, a job whose worker
died is taken over after its lease, two thanks at once can't both slip under a limit, and
counters written at once lose no update. (tests/test_cluster.py does the same with processes.)"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.actions import Action
from bot.ports import Job
from tests.harness import Harness, config_from, texts

JOBS = 60


async def pair(database: str, toml: str = "") -> tuple[Harness, Harness]:
    first = await Harness(database, config_from(toml), worker="w1").start()
    second = await Harness(first.database, config_from(toml), worker="w2").start()
    return first, second


async def test_every_due_job_runs_once_when_two_workers_wake_together(database: str) -> None:
    a, b = await pair(database)
    ran: list[tuple[str, str]] = []
    both = asyncio.Event()

    def handler(worker: str) -> Callable[[Job], Awaitable[list[Action]]]:
        async def run(job: Job) -> list[Action]:
            ran.append((worker, job.key))
            # Each worker's first job holds until the other has claimed one too, so both
            # take part however the race for the first claims goes (a fast machine let one
            # worker claim all 60 before the other woke).
            if {w for w, _ in ran} == {"w1", "w2"}:
                both.set()
            await asyncio.wait_for(both.wait(), timeout=30)
            return []
        return run

    a.app.scheduler.register("test.tick", handler("w1"))
    b.app.scheduler.register("test.tick", handler("w2"))
    for i in range(JOBS):
        await a.app.scheduler.schedule("test.tick", f"tick:{i}", a.community,
                                       a.clock.now() + timedelta(seconds=i))
    await asyncio.gather(a.wait(timedelta(minutes=5)), b.wait(timedelta(minutes=5)))
    keys = [key for _, key in ran]
    assert sorted(keys) == sorted(f"tick:{i}" for i in range(JOBS))  # each once, none lost
    assert {w for w, _ in ran} == {"w1", "w2"}  # and both workers did some
    # Every tick is done (features' own repeating jobs, like the daily retention, stay).
    assert [j for j in await a.app.storage.jobs.all() if j.kind == "test.tick"] == []
    await a.close()
    await b.close()


async def test_a_dead_workers_job_is_taken_over_after_its_lease(database: str) -> None:
    a, b = await pair(database, '[hearth]\njob_lease = "2m"')
    ran: list[str] = []

    async def run(job: Job) -> list[Action]:
        ran.append(job.key)
        return []

    b.app.scheduler.register("test.tick", run)
    a.app.scheduler.register("test.tick", run)
    await a.app.scheduler.schedule("test.tick", "orphan", a.community, a.clock.now())
    # Worker 1 claims the job and dies before finishing it: nothing else of it remains.
    now = a.clock.now()
    assert await a.app.storage.jobs.claim_due(now, now, "w1/1", now + timedelta(minutes=2))
    await b.wait(timedelta(minutes=1))
    assert ran == []  # the claim is still live
    await b.wait(timedelta(minutes=1, seconds=1))  # past the lease
    await b.app.scheduler.run_due()  # worker 2's next poll
    assert ran == ["orphan"]  # the lease ran out and worker 2 finished it
    assert await b.app.storage.jobs.get("orphan") is None
    await a.close()
    await b.close()


async def test_two_thanks_at_once_cant_both_slip_under_the_daily_limit(database: str) -> None:
    a, b = await pair(database, "[reputation]\ndaily_limit = 1\npair_cooldown = \"0s\"")
    for name in ("alice", "bob", "cara"):
        await a.join(name)
    first, second = await asyncio.gather(a.command("alice", "/thanks @bob"),
                                         b.command("alice", "/thanks @cara"))
    replies = texts(first) + texts(second)
    assert sum("Thank you for recognising" in r for r in replies) == 1, replies
    assert sum("as many as I can record" in r for r in replies) == 1, replies
    given = await a.app.storage.db.scalar(
        "SELECT COUNT(*) FROM rep_ledger WHERE giver_id='alice'")
    assert given == 1
    await a.close()
    await b.close()


async def test_counters_written_at_once_lose_no_update(database: str) -> None:
    a, b = await pair(database)
    stores = [a.app.stores["reputation"], b.app.stores["reputation"]]
    rounds = 40

    async def flushes(store: object) -> None:
        for _ in range(rounds):
            await store.add_activity(  # type: ignore[attr-defined]
                a.community, [("alice", 1, 2), ("bob", 0, 1)], a.clock.now())

    await asyncio.gather(*(flushes(s) for s in stores))
    row = await a.app.storage.db.fetchone(
        "SELECT points, messages FROM rep_totals WHERE user_id='alice'")
    assert (row[0], row[1]) == (2 * rounds, 4 * rounds)
    assert await a.app.storage.db.scalar(
        "SELECT messages FROM rep_totals WHERE user_id='bob'") == 2 * rounds
    await a.close()
    await b.close()
