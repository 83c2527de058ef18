"""Messages Hearth posted under a key, so a later edit updates them instead of posting again.

A post too long for one platform message goes out in pieces; every piece is kept, one row each:
the first under the key itself, the later ones under `key` + U+001F + their number (2, 3, ...),
so the table and its key stay as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.events import Community
from storage.database import Database
from storage.times import to_ts

_PIECE = "\x1f"


class PostedMessages:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, community: Community, key: str, channel: str, message_id: str,
                     at: datetime, more_ids: Sequence[str] = ()) -> None:
        ids = [message_id, *more_ids]
        rows = [(community.platform, community.id, key if n == 1 else f"{key}{_PIECE}{n}",
                 channel, mid, to_ts(at)) for n, mid in enumerate(ids, start=1)]
        async with self.db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO posted_messages (platform, community, key, channel, message_id,"
                " posted_at) VALUES (?,?,?,?,?,?) ON CONFLICT (platform, community, key) DO"
                " UPDATE SET channel=excluded.channel, message_id=excluded.message_id,"
                " posted_at=excluded.posted_at", rows)
            # Pieces the post no longer has (it got shorter) are forgotten.
            stale = await tx.fetchall(
                "SELECT key FROM posted_messages WHERE platform=? AND community=? AND key>? AND"
                " key<?", (community.platform, community.id, f"{key}{_PIECE}", f"{key}\x20"))
            gone = [r["key"] for r in stale if _number(r["key"]) > len(ids)]
            await tx.executemany(
                "DELETE FROM posted_messages WHERE platform=? AND community=? AND key=?",
                [(community.platform, community.id, k) for k in gone])

    async def find(self, community: Community, key: str
                   ) -> tuple[str, str, tuple[str, ...]] | None:
        """(channel, first message id, the later pieces' ids in order) posted under `key`."""
        rows = await self.db.fetchall(
            "SELECT key, channel, message_id FROM posted_messages WHERE platform=? AND"
            " community=? AND (key=? OR (key>? AND key<?))",
            (community.platform, community.id, key, f"{key}{_PIECE}", f"{key}\x20"))
        first = next((r for r in rows if r["key"] == key), None)
        if first is None:
            return None
        later = sorted((r for r in rows if r["key"] != key), key=lambda r: _number(r["key"]))
        return first["channel"], first["message_id"], tuple(r["message_id"] for r in later)

    async def forget(self, community: Community, key: str) -> int:
        """Forget a post's record, every piece (its key names a member who asked to be
        forgotten)."""
        return await self.db.execute(
            "DELETE FROM posted_messages WHERE platform=? AND community=? AND"
            " (key=? OR (key>? AND key<?))",
            (community.platform, community.id, key, f"{key}{_PIECE}", f"{key}\x20"))


def _number(stored_key: str) -> int:
    tail = stored_key.rpartition(_PIECE)[2]
    return int(tail) if tail.isdigit() else 0
