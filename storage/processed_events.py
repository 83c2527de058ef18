"""Claims on platform deliveries, so a retried or duplicated event is handled once."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import datetime, timedelta

from storage.database import Database
from storage.times import to_ts

# A claim still unfinished after this long belongs to a run that died; a retry may take it over.
STALE_CLAIM = timedelta(minutes=2)
# Event ids marked done per statement, at most.
_FINISH_BATCH = 500


class EventClaims:
    def __init__(self, db: Database) -> None:
        self.db = db
        # Finishes waiting for the next shared statement, and the task writing them.
        self._waiting: list[tuple[str, str, asyncio.Future[None]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def claim(self, platform: str, event_id: str, now: datetime) -> bool:
        """True if this delivery is ours to handle; False if it was (or is being) handled.

        One statement: a new claim inserts, a stale unfinished one is taken over, and a done or
        fresh one changes no row.
        """
        changed = await self.db.execute(
            "INSERT INTO processed_events (platform, event_id, claimed_at) VALUES (?,?,?)"
            " ON CONFLICT (platform, event_id) DO UPDATE SET claimed_at=excluded.claimed_at"
            " WHERE processed_events.done=0 AND processed_events.claimed_at<=?",
            (platform, event_id, to_ts(now), to_ts(now - STALE_CLAIM)),
        )
        return changed == 1

    async def finish(self, platform: str, event_id: str) -> None:
        """Mark a claim done; returns once that is committed (the platform's ack waits for it,
        so a late retry is still refused). Events finishing together share one statement
        (group commit): under load an event costs about one write, its claim, not two."""
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((platform, event_id, done))
        if self._writing is None:
            self._writing = asyncio.create_task(self._write_finished())
        await asyncio.shield(done)

    async def _write_finished(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:_FINISH_BATCH], self._waiting[_FINISH_BATCH:]
                ids: defaultdict[str, list[str]] = defaultdict(list)
                for platform, event_id, _ in batch:
                    ids[platform].append(event_id)
                try:
                    if len(ids) == 1:  # the usual case: one statement, committed alone
                        await self._mark_done(*next(iter(ids.items())))
                    else:
                        async with self.db.transaction():
                            for platform, event_ids in ids.items():
                                await self._mark_done(platform, event_ids)
                except Exception as exc:
                    for *_, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                    continue
                for *_, done in batch:
                    if not done.done():
                        done.set_result(None)
        finally:
            self._writing = None

    async def _mark_done(self, platform: str, event_ids: list[str]) -> None:
        await self.db.execute(
            "UPDATE processed_events SET done=1 WHERE platform=? AND"
            f" event_id IN ({','.join('?' * len(event_ids))})", (platform, *event_ids))

    async def release(self, platform: str, event_id: str) -> None:
        """Give a claim back after a failure, so the platform's retry does the work."""
        await self.db.execute(
            "DELETE FROM processed_events WHERE platform=? AND event_id=? AND done=0",
            (platform, event_id),
        )

    async def prune(self, older_than: datetime) -> int:
        return await self.db.execute(
            "DELETE FROM processed_events WHERE claimed_at<?", (to_ts(older_than),)
        )
