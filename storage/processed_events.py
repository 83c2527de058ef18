"""Claims on platform deliveries, so a retried or duplicated event is handled once."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.database import Database
from storage.times import to_ts

# A claim still unfinished after this long belongs to a run that died; a retry may take it over.
STALE_CLAIM = timedelta(minutes=2)


class EventClaims:
    def __init__(self, db: Database) -> None:
        self.db = db

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
        await self.db.execute(
            "UPDATE processed_events SET done=1 WHERE platform=? AND event_id=?",
            (platform, event_id),
        )

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
