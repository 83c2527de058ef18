"""Scheduled work that must survive restarts: what, for which community, and when."""

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
            " due_at=excluded.due_at, payload=excluded.payload",
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

    async def next_due(self, until: datetime) -> Job | None:
        row = await self.db.fetchone(
            "SELECT * FROM scheduled_jobs WHERE due_at<=? ORDER BY due_at, key LIMIT 1",
            (to_ts(until),),
        )
        return _job(row) if row else None

    async def all(self) -> list[Job]:
        rows = await self.db.fetchall("SELECT * FROM scheduled_jobs ORDER BY due_at, key")
        return [_job(r) for r in rows]
