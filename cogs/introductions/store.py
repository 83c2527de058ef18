"""Introductions: one per member, its answers one row per field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.events import Community
from storage import Store, from_ts, to_ts


@dataclass(frozen=True, slots=True)
class Introduction:
    user_id: str
    source: str
    created_at: datetime
    updated_at: datetime
    # (field, value) in the order they were asked.
    fields: tuple[tuple[str, str], ...]

    def value(self, field: str) -> str:
        return next((v for f, v in self.fields if f == field), "")


class IntroductionStore(Store):

    async def get(self, community: Community, user_id: str) -> Introduction | None:
        key = (community.platform, community.id, user_id)
        row = await self.db.fetchone(
            "SELECT * FROM introductions WHERE platform=? AND community=? AND user_id=?", key)
        if row is None:
            return None
        rows = await self.db.fetchall(
            "SELECT field, value FROM introduction_fields WHERE platform=? AND community=?"
            " AND user_id=? ORDER BY position", key)
        created, updated = from_ts(row["created_at"]), from_ts(row["updated_at"])
        assert created is not None and updated is not None
        return Introduction(user_id, row["source"], created, updated,
                            tuple((r["field"], r["value"]) for r in rows))

    async def exists(self, community: Community, user_id: str) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM introductions WHERE platform=? AND community=? AND user_id=?",
            (community.platform, community.id, user_id))
        return row is not None

    async def introduced(self, community: Community) -> list[str]:
        """Everyone who has introduced themselves, as user ids."""
        rows = await self.db.fetchall(
            "SELECT user_id FROM introductions WHERE platform=? AND community=?",
            (community.platform, community.id))
        return [r[0] for r in rows]

    async def save(self, community: Community, user_id: str, fields: list[tuple[str, str]],
                   at: datetime, source: str) -> bool:
        """Create or replace a member's introduction; True if it is their first."""
        key = (community.platform, community.id, user_id)
        async with self.transaction(community.key, user_id):
            first = not await self.exists(community, user_id)
            await self.db.execute(
                "INSERT INTO introductions (platform, community, user_id, source, created_at,"
                " updated_at) VALUES (?,?,?,?,?,?) ON CONFLICT (platform, community, user_id)"
                " DO UPDATE SET source=excluded.source, updated_at=excluded.updated_at",
                (*key, source, to_ts(at), to_ts(at)))
            await self.db.execute(
                "DELETE FROM introduction_fields WHERE platform=? AND community=? AND user_id=?",
                key)
            await self.db.executemany(
                "INSERT INTO introduction_fields (platform, community, user_id, position, field,"
                " value) VALUES (?,?,?,?,?,?)",
                [(*key, i, f, v) for i, (f, v) in enumerate(fields) if v])
        return first
