"""Scheduled work that must survive restarts: what, for which community, and when.

Several workers may share the table, so a job is claimed before it runs: the claim names the run
(`claimed_by`) and lasts until `claimed_until`. A worker that dies mid-job stops renewing its
claim, and once the lease has passed any worker may claim the job again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.events import Community
from bot.ports import Job
from storage.database import Database
from storage.times import from_ts, to_ts


def _job(row: Any) -> Job:
    due = from_ts(row["due_at"])
    assert due is not None
    return Job(row["key"], row["kind"], Community(row["platform"], row["community"]), due,
               json.loads(row["payload"]))


class JobRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(self, job: Job) -> None:
        """Add a job, or move an existing one with the same key."""
        await self.db.execute(
            "INSERT INTO scheduled_jobs (key, kind, platform, community, due_at, payload)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT (key) DO UPDATE SET kind=excluded.kind,"
            " platform=excluded.platform, community=excluded.community,"
            " due_at=excluded.due_at, payload=excluded.payload, claimed_by=NULL,"
            " claimed_until=NULL",
            (job.key, job.kind, job.community.platform, job.community.id, to_ts(job.due_at),
             json.dumps(job.payload, sort_keys=True)),
        )

    async def save_many(self, jobs: Sequence[Job]) -> None:
        """Save several jobs, all or none."""
        async with self.db.transaction():
            for job in jobs:
                await self.save(job)

    async def of_kind(self, kind: str, community: Community) -> list[Job]:
        """A community's jobs of one kind, soonest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM scheduled_jobs WHERE kind=? AND platform=? AND community=?"
            " ORDER BY due_at, key", (kind, community.platform, community.id))
        return [_job(r) for r in rows]

    async def delete(self, key: str) -> None:
        await self.db.execute("DELETE FROM scheduled_jobs WHERE key=?", (key,))

    async def get(self, key: str) -> Job | None:
        row = await self.db.fetchone("SELECT * FROM scheduled_jobs WHERE key=?", (key,))
        return _job(row) if row else None

    async def claim_due(self, until: datetime, now: datetime, run: str, lease_until: datetime
                        ) -> Job | None:
        """Claim the oldest job due by `until` that no live claim holds, for the run named
        `run`, until `lease_until`. One statement, so two workers never claim one job; on
        PostgreSQL a job another worker is claiming right now is skipped, not waited for."""
        rows = await self.db.fetchall(
            "UPDATE scheduled_jobs SET claimed_by=?, claimed_until=? WHERE key=(SELECT key"
            " FROM scheduled_jobs WHERE due_at<=? AND (claimed_until IS NULL OR"
            f" claimed_until<=?) ORDER BY due_at, key LIMIT 1{self.db.skip_locked})"
            " AND (claimed_until IS NULL OR claimed_until<=?) RETURNING *",
            (run, to_ts(lease_until), to_ts(until), to_ts(now), to_ts(now)),
        )
        return _job(rows[0]) if rows else None

    async def renew(self, key: str, run: str, lease_until: datetime) -> bool:
        """Extend a claim still held by `run`; False if it was lost (moved or taken over)."""
        return await self.db.execute(
            "UPDATE scheduled_jobs SET claimed_until=? WHERE key=? AND claimed_by=?",
            (to_ts(lease_until), key, run)) == 1

    async def finish(self, key: str, run: str) -> bool:
        """Remove a job after its run, unless it was moved meanwhile (a save clears the claim,
        so a repeating job that set its next time stays)."""
        return await self.db.execute(
            "DELETE FROM scheduled_jobs WHERE key=? AND claimed_by=?", (key, run)) == 1

    async def release_claims(self, worker: str) -> int:
        """Give back every claim a worker of this name held: it restarted, so they are stale."""
        prefix = f"{worker}/"
        return await self.db.execute(
            "UPDATE scheduled_jobs SET claimed_by=NULL, claimed_until=NULL"
            " WHERE substr(claimed_by, 1, ?)=?", (len(prefix), prefix))

    async def all(self) -> list[Job]:
        rows = await self.db.fetchall("SELECT * FROM scheduled_jobs ORDER BY due_at, key")
        return [_job(r) for r in rows]
