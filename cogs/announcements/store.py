"""Announcements, each occurrence they post and the members who stood by an incident.

State changes are conditional UPDATEs (`... WHERE state=?`): the caller whose update hit a row
owns the change; a second caller (a retry, a job racing a command) sees False and does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.events import Community
from storage import Store, from_ts, to_ts

DRAFT, SCHEDULED, REPEATING, POSTED = "draft", "scheduled", "repeating", "posted"
OPEN, RESOLVED, CANCELLED = "open", "resolved", "cancelled"
# Announcements the team still acts on (listed by /announce list).
LIVE = (DRAFT, SCHEDULED, REPEATING, OPEN)


@dataclass(frozen=True, slots=True)
class Announcement:
    number: int
    author_id: str
    author_name: str
    channel: str
    text: str
    state: str
    due_at: datetime | None
    repeat_rule: str | None
    incident: bool
    next_update: str | None
    update_due_at: datetime | None
    reminded_at: datetime | None
    updates: int
    held_kind: str | None
    held_text: str | None
    held_next: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One occurrence of an announcement, as posted."""

    community: Community
    number: int
    occurrence: str
    key: str
    kind: str
    body: str
    next_at: datetime | None


def _announcement(row: Any) -> Announcement:
    return Announcement(
        number=row["number"], author_id=row["author_id"], author_name=row["author_name"],
        channel=row["channel"], text=row["text"], state=row["state"],
        due_at=from_ts(row["due_at"]), repeat_rule=row["repeat_rule"],
        incident=bool(row["incident"]), next_update=row["next_update"],
        update_due_at=from_ts(row["update_due_at"]), reminded_at=from_ts(row["reminded_at"]),
        updates=row["updates"], held_kind=row["held_kind"], held_text=row["held_text"],
        held_next=row["held_next"], created_at=from_ts(row["created_at"]) or datetime.min)


class AnnouncementStore(Store):
    # -- announcements ---------------------------------------------------------------------

    async def create(self, community: Community, *, author_id: str, author_name: str,
                     channel: str, text: str, due_at: datetime | None, repeat_rule: str | None,
                     incident: bool, next_update: str | None, at: datetime) -> int:
        """A new draft; returns its number (one more than the community's highest)."""
        async with self.transaction():
            number = await self.db.scalar(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM announcements"
                " WHERE platform=? AND community=?", (community.platform, community.id))
            await self.db.execute(
                "INSERT INTO announcements (platform, community, number, author_id, author_name,"
                " channel, text, state, due_at, repeat_rule, incident, next_update, created_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (community.platform, community.id, number, author_id, author_name, channel,
                 text, DRAFT, to_ts(due_at) if due_at else None, repeat_rule, int(incident),
                 next_update, to_ts(at)))
        return int(number)

    async def get(self, community: Community, number: int) -> Announcement | None:
        row = await self.db.fetchone(
            "SELECT * FROM announcements WHERE platform=? AND community=? AND number=?",
            (community.platform, community.id, number))
        return _announcement(row) if row else None

    async def live(self, community: Community) -> list[Announcement]:
        marks = ",".join("?" * len(LIVE))
        rows = await self.db.fetchall(
            f"SELECT * FROM announcements WHERE platform=? AND community=? AND state IN ({marks})"
            " ORDER BY number", (community.platform, community.id, *LIVE))
        return [_announcement(r) for r in rows]

    async def open_incidents(self, community: Community) -> list[Announcement]:
        rows = await self.db.fetchall(
            "SELECT * FROM announcements WHERE platform=? AND community=? AND state=?"
            " ORDER BY number", (community.platform, community.id, OPEN))
        return [_announcement(r) for r in rows]

    async def set_text(self, community: Community, number: int, text: str) -> bool:
        return await self._update(community, number, "text=?", (text,),
                                  states=(DRAFT, SCHEDULED, REPEATING))

    async def move(self, community: Community, number: int, *, frm: tuple[str, ...], to: str,
                   due_at: datetime | None = None, at: datetime | None = None) -> bool:
        """Change state (and the next due time) if it is still in one of `frm`."""
        sets, values = "state=?, due_at=?", [to, to_ts(due_at) if due_at else None]
        if at is not None and to in (POSTED, OPEN):
            sets += ", posted_at=?"
            values.append(to_ts(at))
        if at is not None and to == RESOLVED:
            sets += ", resolved_at=?, held_kind=NULL, held_text=NULL, held_next=NULL"
            values.append(to_ts(at))
        return await self._update(community, number, sets, values, states=frm)

    async def next_due(self, community: Community, number: int, due_at: datetime) -> bool:
        """A repeating announcement's next occurrence."""
        return await self._update(community, number, "due_at=?", (to_ts(due_at),),
                                  states=(REPEATING,))

    async def expect_update(self, community: Community, number: int, due: datetime,
                            *, counted: bool) -> bool:
        """The author's promise of the next incident update; a new promise may be reminded of
        again. `counted` when this comes with an update just posted."""
        extra = ", updates=updates+1" if counted else ""
        return await self._update(
            community, number, f"update_due_at=?, reminded_at=NULL, held_kind=NULL,"
            f" held_text=NULL, held_next=NULL{extra}", (to_ts(due),), states=(OPEN,))

    async def mark_reminded(self, community: Community, number: int, due: datetime,
                            at: datetime) -> bool:
        """True once per promised time: only if it is still that time and not yet reminded."""
        return bool(await self.db.execute(
            "UPDATE announcements SET reminded_at=? WHERE platform=? AND community=?"
            " AND number=? AND state=? AND update_due_at=? AND reminded_at IS NULL",
            (to_ts(at), community.platform, community.id, number, OPEN, to_ts(due))))

    async def hold(self, community: Community, number: int, kind: str | None,
                   text: str | None, next_update: str | None) -> bool:
        """Keep an update or resolution the check flagged until the author decides."""
        return await self._update(community, number, "held_kind=?, held_text=?, held_next=?",
                                  (kind, text, next_update), states=(OPEN,))

    async def _update(self, community: Community, number: int, sets: str, values: Any,
                      *, states: tuple[str, ...]) -> bool:
        marks = ",".join("?" * len(states))
        return bool(await self.db.execute(
            f"UPDATE announcements SET {sets} WHERE platform=? AND community=? AND number=?"
            f" AND state IN ({marks})",
            (*values, community.platform, community.id, number, *states)))

    # -- occurrences -------------------------------------------------------------------------

    async def queue(self, post: Outgoing, at: datetime) -> bool:
        """Record an occurrence about to be posted; False if it already was (sent once). The
        post itself is kept by the runtime's outbox in the same unit (its `sent` column, from
        when this was an outbox of its own, stays 0)."""
        c = post.community
        return bool(await self.db.execute(
            "INSERT INTO announcement_posts (platform, community, number, occurrence, key, kind,"
            " body, next_at, created_at) VALUES (?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (platform, community, number, occurrence) DO NOTHING",
            (c.platform, c.id, post.number, post.occurrence, post.key, post.kind, post.body,
             to_ts(post.next_at) if post.next_at else None, to_ts(at))))

    # -- supporters ------------------------------------------------------------------------

    async def supporter(self, community: Community, number: int, user_id: str, name: str,
                        at: datetime) -> None:
        await self.db.execute(
            "INSERT INTO incident_supporters (platform, community, number, user_id, name,"
            " first_at) VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            (community.platform, community.id, number, user_id, name, to_ts(at)))

    async def supporters(self, community: Community, number: int) -> list[str]:
        """Names of the members who stood by an incident, in the order they first did."""
        rows = await self.db.fetchall(
            "SELECT name FROM incident_supporters WHERE platform=? AND community=? AND number=?"
            " ORDER BY first_at, user_id", (community.platform, community.id, number))
        return [r["name"] for r in rows]
