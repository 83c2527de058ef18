"""Who serves what: one worker at a time holds each scope (a Discord shard), for a lease it
renews while it runs. A second worker asking for a held scope is told who holds it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.database import Database
from storage.times import from_ts, to_ts


@dataclass(frozen=True, slots=True)
class Held:
    scope: str
    worker: str
    until: datetime


class WorkerLeases:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def acquire(self, scopes: list[str], worker: str, now: datetime, until: datetime
                      ) -> list[Held]:
        """Take every scope for `worker` until `until`, or none of them: returns the scopes
        another live worker holds (empty when all were taken). A lease that ran out, or one
        this worker held before a restart, is taken over."""
        async with self.db.transaction():
            taken = 0
            for scope in scopes:
                taken += await self.db.execute(
                    "INSERT INTO worker_leases (scope, worker, held_until) VALUES (?,?,?)"
                    " ON CONFLICT (scope) DO UPDATE SET worker=excluded.worker,"
                    " held_until=excluded.held_until WHERE worker_leases.held_until<=?"
                    " OR worker_leases.worker=excluded.worker",
                    (scope, worker, to_ts(until), to_ts(now)))
            if taken == len(scopes):
                return []
            marks = ",".join("?" * len(scopes))
            rows = await self.db.fetchall(
                f"SELECT scope, worker, held_until FROM worker_leases WHERE scope IN ({marks})"
                " AND worker<>? ORDER BY scope", (*scopes, worker))
            # Held by others: give back what this call took, so nothing is half-owned.
            await self.db.execute(
                f"DELETE FROM worker_leases WHERE scope IN ({marks}) AND worker=?",
                (*scopes, worker))
        return [Held(r[0], r[1], from_ts(r[2])) for r in rows]  # type: ignore[arg-type]

    async def renew(self, scopes: list[str], worker: str, until: datetime) -> int:
        marks = ",".join("?" * len(scopes))
        return await self.db.execute(
            f"UPDATE worker_leases SET held_until=? WHERE scope IN ({marks}) AND worker=?",
            (to_ts(until), *scopes, worker))

    async def release(self, scopes: list[str], worker: str) -> None:
        marks = ",".join("?" * len(scopes))
        await self.db.execute(
            f"DELETE FROM worker_leases WHERE scope IN ({marks}) AND worker=?",
            (*scopes, worker))
