"""Feedback items, their history, supports and notes.

Every check-then-write (the rate limit and the next number, one support per member, a status
move) is one statement or one transaction, so racing commands can't slip past a rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.events import Community
from storage import Store, from_ts, to_ts


@dataclass(frozen=True, slots=True)
class NewItem:
    kind: str
    title: str
    body: str
    anonymous: bool
    # None when anonymous: nothing names the author then.
    author_id: str | None
    author_name: str | None
    author_key: str
    public: bool
    heated: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Item:
    number: int
    kind: str
    title: str
    body: str
    anonymous: bool
    author_id: str | None
    author_name: str | None
    status: str
    duplicate_of: int | None
    public: bool
    heated: str | None
    created_at: datetime
    status_at: datetime
    first_reviewed_at: datetime | None
    supporters: int


@dataclass(frozen=True, slots=True)
class Step:
    status: str
    reason: str | None
    by_name: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Note:
    by_name: str
    body: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Supporter:
    user_id: str
    name: str


# Columns an item is read with; author_key is never among them.
_ITEM = ("i.number, i.kind, i.title, i.body, i.anonymous, i.author_id, i.author_name, i.status,"
         " i.duplicate_of, i.public, i.heated, i.created_at, i.status_at, i.first_reviewed_at,"
         " (SELECT COUNT(*) FROM feedback_supports s WHERE s.platform=i.platform AND"
         " s.community=i.community AND s.number=i.number) AS supporters")


def _item(row: Any) -> Item:
    return Item(
        number=row["number"], kind=row["kind"], title=row["title"], body=row["body"],
        anonymous=bool(row["anonymous"]), author_id=row["author_id"],
        author_name=row["author_name"], status=row["status"], duplicate_of=row["duplicate_of"],
        public=bool(row["public"]), heated=row["heated"],
        created_at=from_ts(row["created_at"]),  # type: ignore[arg-type]
        status_at=from_ts(row["status_at"]),  # type: ignore[arg-type]
        first_reviewed_at=from_ts(row["first_reviewed_at"]), supporters=row["supporters"])


class FeedbackStore(Store):

    # -- the key ----------------------------------------------------------------------------

    async def generated_key(self, candidate: str) -> str:
        """The install's generated key: `candidate` the first time, the stored one after."""
        await self.db.execute("INSERT INTO feedback_secret (id, key) VALUES (1, ?)"
                              " ON CONFLICT DO NOTHING", (candidate,))
        return str(await self.db.scalar("SELECT key FROM feedback_secret WHERE id=1"))

    # -- items ------------------------------------------------------------------------------

    async def add(self, community: Community, new: NewItem, limit: int, since: datetime
                  ) -> int | None:
        """Store an item under the next number, unless its author already sent `limit` since
        `since` (then None). Counted and written in one transaction."""
        c = (community.platform, community.id)
        async with self.db.transaction():
            sent = int(await self.db.scalar(
                "SELECT COUNT(*) FROM feedback_items WHERE platform=? AND community=? AND"
                " author_key=? AND created_at>?", (*c, new.author_key, to_ts(since))))
            if sent >= limit:
                return None
            number = int(await self.db.scalar(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM feedback_items WHERE platform=? AND"
                " community=?", c))
            at = to_ts(new.created_at)
            await self.db.execute(
                "INSERT INTO feedback_items (platform, community, number, kind, title, body,"
                " anonymous, author_id, author_name, author_key, public, heated, created_at,"
                " status_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (*c, number, new.kind, new.title, new.body, int(new.anonymous), new.author_id,
                 new.author_name, new.author_key, int(new.public), new.heated, at, at))
        return number

    async def oldest_recent(self, community: Community, key: str, since: datetime
                            ) -> datetime | None:
        """When the oldest of a member's items since `since` was sent (for 'try again at')."""
        return from_ts(await self.db.scalar(
            "SELECT MIN(created_at) FROM feedback_items WHERE platform=? AND community=? AND"
            " author_key=? AND created_at>?",
            (community.platform, community.id, key, to_ts(since))))

    async def get(self, community: Community, number: int) -> Item | None:
        row = await self.db.fetchone(
            f"SELECT {_ITEM} FROM feedback_items i WHERE i.platform=? AND i.community=? AND"
            " i.number=?", (community.platform, community.id, number))
        return _item(row) if row else None

    async def listed(self, community: Community, statuses: tuple[str, ...], public_only: bool,
                     limit: int = 25) -> list[Item]:
        marks = ",".join("?" for _ in statuses)
        rows = await self.db.fetchall(
            f"SELECT {_ITEM} FROM feedback_items i WHERE i.platform=? AND i.community=? AND"
            f" i.status IN ({marks}) AND (i.public=1 OR ?=0)"
            " ORDER BY supporters DESC, i.number LIMIT ?",
            (community.platform, community.id, *statuses, int(public_only), limit))
        return [_item(r) for r in rows]

    async def by_key(self, community: Community, key: str, limit: int = 25) -> list[Item]:
        """A member's own items, anonymous ones included, matched by their keyed hash."""
        rows = await self.db.fetchall(
            f"SELECT {_ITEM} FROM feedback_items i WHERE i.platform=? AND i.community=? AND"
            " i.author_key=? ORDER BY i.number DESC LIMIT ?",
            (community.platform, community.id, key, limit))
        return [_item(r) for r in rows]

    async def is_author(self, community: Community, number: int, key: str) -> bool:
        return bool(await self.db.scalar(
            "SELECT COUNT(*) FROM feedback_items WHERE platform=? AND community=? AND number=?"
            " AND author_key=?", (community.platform, community.id, number, key)))

    async def move(self, community: Community, number: int, before: str, status: str,
                   reason: str | None, by_id: str, by_name: str, at: datetime,
                   duplicate_of: int | None = None) -> bool:
        """Move an item from `before` to `status`, recording who, when and why; False if it
        was no longer at `before` (someone else moved it first)."""
        c = (community.platform, community.id)
        async with self.db.transaction():
            moved = await self.db.execute(
                "UPDATE feedback_items SET status=?, status_at=?, duplicate_of=?,"
                " first_reviewed_at=COALESCE(first_reviewed_at, ?)"
                " WHERE platform=? AND community=? AND number=? AND status=?",
                (status, to_ts(at), duplicate_of, to_ts(at), *c, number, before))
            if not moved:
                return False
            step = int(await self.db.scalar(
                "SELECT COALESCE(MAX(step), 0) + 1 FROM feedback_history WHERE platform=? AND"
                " community=? AND number=?", (*c, number)))
            await self.db.execute(
                "INSERT INTO feedback_history (platform, community, number, step, status,"
                " reason, by_id, by_name, at) VALUES (?,?,?,?,?,?,?,?,?)",
                (*c, number, step, status, reason, by_id, by_name, to_ts(at)))
        return True

    async def publish(self, community: Community, number: int) -> bool:
        return await self.db.execute(
            "UPDATE feedback_items SET public=1 WHERE platform=? AND community=? AND number=?"
            " AND public=0", (community.platform, community.id, number)) > 0

    async def history(self, community: Community, number: int) -> list[Step]:
        rows = await self.db.fetchall(
            "SELECT status, reason, by_name, at FROM feedback_history WHERE platform=? AND"
            " community=? AND number=? ORDER BY step", (community.platform, community.id, number))
        return [Step(r[0], r[1], r[2], from_ts(r[3])) for r in rows]  # type: ignore[arg-type]

    # -- supports ---------------------------------------------------------------------------

    async def support(self, community: Community, number: int, user_id: str, name: str,
                      at: datetime) -> bool:
        """True if this is a new support (one per member per item)."""
        return await self.db.execute(
            "INSERT INTO feedback_supports (platform, community, number, user_id, name, at)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            (community.platform, community.id, number, user_id, name, to_ts(at))) > 0

    async def unsupport(self, community: Community, number: int, user_id: str) -> bool:
        return await self.db.execute(
            "DELETE FROM feedback_supports WHERE platform=? AND community=? AND number=? AND"
            " user_id=?", (community.platform, community.id, number, user_id)) > 0

    async def supporters(self, community: Community, number: int) -> list[Supporter]:
        rows = await self.db.fetchall(
            "SELECT user_id, name FROM feedback_supports WHERE platform=? AND community=? AND"
            " number=? ORDER BY at, user_id", (community.platform, community.id, number))
        return [Supporter(r[0], r[1]) for r in rows]

    # -- notes ------------------------------------------------------------------------------

    async def note(self, community: Community, number: int, by_id: str, by_name: str,
                   body: str, at: datetime) -> None:
        c = (community.platform, community.id)
        async with self.db.transaction():
            step = int(await self.db.scalar(
                "SELECT COALESCE(MAX(step), 0) + 1 FROM feedback_notes WHERE platform=? AND"
                " community=? AND number=?", (*c, number)))
            await self.db.execute(
                "INSERT INTO feedback_notes (platform, community, number, step, by_id, by_name,"
                " body, at) VALUES (?,?,?,?,?,?,?,?)",
                (*c, number, step, by_id, by_name, body, to_ts(at)))

    async def notes(self, community: Community, number: int) -> list[Note]:
        rows = await self.db.fetchall(
            "SELECT by_name, body, at FROM feedback_notes WHERE platform=? AND community=? AND"
            " number=? ORDER BY step", (community.platform, community.id, number))
        return [Note(r[0], r[1], from_ts(r[2])) for r in rows]  # type: ignore[arg-type]

    # -- the review clock ---------------------------------------------------------------------

    async def raise_once(self, community: Community, number: int, at: datetime) -> bool:
        """Mark a still-new item as raised with the team; True for the one caller that did."""
        return await self.db.execute(
            "UPDATE feedback_items SET raised_at=?, raise_pending=1 WHERE platform=? AND"
            " community=? AND number=? AND status='new' AND raised_at IS NULL",
            (to_ts(at), community.platform, community.id, number)) > 0

    async def pending_raises(self) -> list[tuple[Community, Item]]:
        """Raises that may not have been posted (a crash between marking and posting)."""
        rows = await self.db.fetchall(
            f"SELECT i.platform, i.community, {_ITEM} FROM feedback_items i"
            " WHERE i.raise_pending=1 ORDER BY i.platform, i.community, i.number")
        return [(Community(r["platform"], r["community"]), _item(r)) for r in rows]

    async def raise_posted(self, community: Community, number: int) -> None:
        await self.db.execute(
            "UPDATE feedback_items SET raise_pending=0 WHERE platform=? AND community=? AND"
            " number=?", (community.platform, community.id, number))

    async def overdue(self, community: Community, created_before: datetime) -> list[Item]:
        rows = await self.db.fetchall(
            f"SELECT {_ITEM} FROM feedback_items i WHERE i.platform=? AND i.community=? AND"
            " i.status='new' AND i.created_at<=? ORDER BY i.number",
            (community.platform, community.id, to_ts(created_before)))
        return [_item(r) for r in rows]

    async def communities(self) -> list[Community]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT platform, community FROM feedback_items")
        return [Community(r[0], r[1]) for r in rows]

    # -- figures ------------------------------------------------------------------------------

    async def review_waits(self, community: Community, since: datetime
                           ) -> list[tuple[datetime, datetime | None]]:
        """(sent, first reviewed) for items sent since `since`: bounded by the window."""
        rows = await self.db.fetchall(
            "SELECT created_at, first_reviewed_at FROM feedback_items WHERE platform=? AND"
            " community=? AND created_at>=?",
            (community.platform, community.id, to_ts(since)))
        return [(from_ts(r[0]), from_ts(r[1])) for r in rows]  # type: ignore[misc]

    async def moved_to(self, community: Community, status: str, since: datetime,
                       until: datetime) -> int:
        return int(await self.db.scalar(
            "SELECT COUNT(DISTINCT number) FROM feedback_history WHERE platform=? AND"
            " community=? AND status=? AND at>=? AND at<?",
            (community.platform, community.id, status, to_ts(since), to_ts(until))))

    async def done_since(self, community: Community, since: datetime, until: datetime
                         ) -> list[Item]:
        rows = await self.db.fetchall(
            f"SELECT {_ITEM} FROM feedback_items i WHERE i.platform=? AND i.community=? AND"
            " i.status='done' AND i.status_at>=? AND i.status_at<? ORDER BY i.number",
            (community.platform, community.id, to_ts(since), to_ts(until)))
        return [_item(r) for r in rows]
