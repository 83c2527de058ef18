"""Messages Hearth posted under a key, so a later edit updates them instead of posting again."""

from __future__ import annotations

from datetime import datetime

from bot.events import Community
from storage.database import Database
from storage.times import to_ts


class PostedMessages:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, community: Community, key: str, channel: str, message_id: str,
                     at: datetime) -> None:
        await self.db.execute(
            "INSERT INTO posted_messages (platform, community, key, channel, message_id,"
            " posted_at) VALUES (?,?,?,?,?,?) ON CONFLICT (platform, community, key) DO UPDATE"
            " SET channel=excluded.channel, message_id=excluded.message_id,"
            " posted_at=excluded.posted_at",
            (community.platform, community.id, key, channel, message_id, to_ts(at)),
        )

    async def find(self, community: Community, key: str) -> tuple[str, str] | None:
        """(channel, message id) of the message posted under `key`."""
        row = await self.db.fetchone(
            "SELECT channel, message_id FROM posted_messages WHERE platform=? AND community=?"
            " AND key=?",
            (community.platform, community.id, key),
        )
        return (row["channel"], row["message_id"]) if row else None

    async def forget(self, community: Community, key: str) -> int:
        """Forget a post's record (its key names a member who asked to be forgotten)."""
        return await self.db.execute(
            "DELETE FROM posted_messages WHERE platform=? AND community=? AND key=?",
            (community.platform, community.id, key))
