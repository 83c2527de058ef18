"""Contests, their entries, votes and winners.

State changes are single conditional UPDATEs (`... WHERE state='open'`): the caller whose update
hit a row owns the transition (and announces it); everyone else sees False and does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.events import Community
from storage import Store, from_ts, to_ts

LIVE_ENTRY = ("approved", "pending")


@dataclass(frozen=True, slots=True)
class NewContest:
    title: str
    description: str
    created_by: str
    created_at: datetime
    closes_at: datetime
    method: str
    winners: int
    entries_per_member: int
    min_reputation: int
    min_days: int
    badge: str | None
    review: bool
    anonymous: bool
    secret: str


@dataclass(frozen=True, slots=True)
class ContestRecord(NewContest):
    """A stored contest: what it was created with, plus where it stands now."""

    number: int
    state: str
    closed_at: datetime | None
    seed_input: str | None
    cancel_reason: str | None


@dataclass(frozen=True, slots=True)
class EntryRecord:
    contest: int
    number: int
    user_id: str
    name: str
    content: str
    submitted_at: datetime
    status: str


@dataclass(frozen=True, slots=True)
class WinnerRecord:
    place: int
    entry: int
    user_id: str
    name: str
    votes: int | None
    replaced: bool


def _contest(row: Any) -> ContestRecord:
    return ContestRecord(
        number=row["number"], title=row["title"], description=row["description"],
        created_by=row["created_by"], created_at=from_ts(row["created_at"]),  # type: ignore[arg-type]
        closes_at=from_ts(row["closes_at"]),  # type: ignore[arg-type]
        method=row["method"], winners=row["winners"],
        entries_per_member=row["entries_per_member"], min_reputation=row["min_reputation"],
        min_days=row["min_days"], badge=row["badge"], review=bool(row["review"]),
        anonymous=bool(row["anonymous"]), secret=row["secret"], state=row["state"],
        closed_at=from_ts(row["closed_at"]), seed_input=row["seed_input"],
        cancel_reason=row["cancel_reason"],
    )


def _entry(row: Any) -> EntryRecord:
    return EntryRecord(row["contest"], row["number"], row["user_id"], row["name"], row["content"],
                       from_ts(row["submitted_at"]), row["status"])  # type: ignore[arg-type]


def _winner(row: Any) -> WinnerRecord:
    return WinnerRecord(row["place"], row["entry"], row["user_id"], row["name"], row["votes"],
                        row["replaced_at"] is not None)


class ContestStore(Store):

    # -- contests -------------------------------------------------------------------------

    async def create(self, community: Community, new: NewContest) -> int:
        """Store a contest under the community's next number and return that number."""
        c = community
        async with self.transaction(community.key):
            number = int(await self.db.scalar(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM contests WHERE platform=? AND"
                " community=?", (c.platform, c.id)))
            await self.db.execute(
                "INSERT INTO contests (platform, community, number, title, description,"
                " created_by, created_at, closes_at, method, winners, entries_per_member,"
                " min_reputation, min_days, badge, review, anonymous, secret)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (c.platform, c.id, number, new.title, new.description, new.created_by,
                 to_ts(new.created_at), to_ts(new.closes_at), new.method, new.winners,
                 new.entries_per_member, new.min_reputation, new.min_days, new.badge,
                 int(new.review), int(new.anonymous), new.secret),
            )
        return number

    async def get(self, community: Community, number: int) -> ContestRecord | None:
        row = await self.db.fetchone(
            "SELECT * FROM contests WHERE platform=? AND community=? AND number=?",
            (community.platform, community.id, number))
        return _contest(row) if row else None

    async def with_state(self, community: Community, *states: str) -> list[ContestRecord]:
        """Contests in these states, soonest deadline first."""
        marks = ",".join("?" * len(states))
        rows = await self.db.fetchall(
            f"SELECT * FROM contests WHERE platform=? AND community=? AND state IN ({marks})"
            " ORDER BY closes_at, number", (community.platform, community.id, *states))
        return [_contest(r) for r in rows]

    async def transition(self, community: Community, number: int, from_state: str,
                         to_state: str, at: datetime, *, seed_input: str | None = None,
                         reason: str | None = None) -> bool:
        """Move a contest between states; True only for the one caller that moved it. (Its
        announcement goes through the runtime's outbox; `announce_pending`, the flag this
        feature's own outbox kept, is no longer set.)"""
        changed = await self.db.execute(
            "UPDATE contests SET state=?, closed_at=COALESCE(closed_at, ?),"
            " seed_input=COALESCE(?, seed_input), cancel_reason=COALESCE(?, cancel_reason)"
            " WHERE platform=? AND community=? AND number=? AND state=?",
            (to_state, to_ts(at), seed_input, reason, community.platform,
             community.id, number, from_state))
        return changed == 1

    async def edit(self, community: Community, number: int, *, title: str | None,
                   description: str | None, closes_at: datetime | None) -> bool:
        """Change an open contest's title, description or deadline (None keeps each); True
        if it was still open."""
        changed = await self.db.execute(
            "UPDATE contests SET title=COALESCE(?, title), description=COALESCE(?, description),"
            " closes_at=COALESCE(?, closes_at) WHERE platform=? AND community=? AND number=?"
            " AND state='open'",
            (title, description, to_ts(closes_at) if closes_at else None, community.platform,
             community.id, number))
        return changed == 1

    # -- entries --------------------------------------------------------------------------

    async def add_entry(self, community: Community, contest: int, user_id: str, name: str,
                        content: str, at: datetime, status: str) -> int:
        c = community
        async with self.transaction(community.key):
            number = int(await self.db.scalar(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM contest_entries WHERE platform=?"
                " AND community=? AND contest=?", (c.platform, c.id, contest)))
            await self.db.execute(
                "INSERT INTO contest_entries (platform, community, contest, number, user_id,"
                " name, content, submitted_at, status) VALUES (?,?,?,?,?,?,?,?,?)",
                (c.platform, c.id, contest, number, user_id, name, content, to_ts(at), status))
        return number

    async def entry(self, community: Community, contest: int, number: int
                    ) -> EntryRecord | None:
        row = await self.db.fetchone(
            "SELECT * FROM contest_entries WHERE platform=? AND community=? AND contest=?"
            " AND number=?", (community.platform, community.id, contest, number))
        return _entry(row) if row else None

    async def entries(self, community: Community, contest: int, *statuses: str
                      ) -> list[EntryRecord]:
        """Entries in these statuses (every entry when none is named), in the order they were
        sent."""
        # `IN ()` is SQLite's spelling of "nothing"; PostgreSQL refuses it.
        wanted = f" AND status IN ({','.join('?' * len(statuses))})" if statuses else ""
        rows = await self.db.fetchall(
            "SELECT * FROM contest_entries WHERE platform=? AND community=? AND contest=?"
            f"{wanted} ORDER BY number", (community.platform, community.id, contest, *statuses))
        return [_entry(r) for r in rows]

    async def entries_by(self, community: Community, contest: int, user_id: str
                         ) -> list[EntryRecord]:
        """A member's live (approved or waiting) entries."""
        rows = await self.db.fetchall(
            "SELECT * FROM contest_entries WHERE platform=? AND community=? AND contest=?"
            " AND user_id=? AND status IN ('approved', 'pending') ORDER BY number",
            (community.platform, community.id, contest, user_id))
        return [_entry(r) for r in rows]

    async def set_entry_status(self, community: Community, contest: int, number: int,
                               from_status: str, to_status: str) -> bool:
        """Change an entry's status; votes for an entry leaving the contest go with it."""
        c = community
        async with self.transaction(community.key):
            changed = await self.db.execute(
                "UPDATE contest_entries SET status=? WHERE platform=? AND community=?"
                " AND contest=? AND number=? AND status=?",
                (to_status, c.platform, c.id, contest, number, from_status))
            if changed and to_status not in LIVE_ENTRY:
                await self.db.execute(
                    "DELETE FROM contest_votes WHERE platform=? AND community=? AND contest=?"
                    " AND entry=?", (c.platform, c.id, contest, number))
        return changed == 1

    # -- votes ----------------------------------------------------------------------------

    async def vote(self, community: Community, contest: int, user_id: str, entry: int,
                   at: datetime) -> int | None:
        """Record a member's vote; returns the entry they voted for before, if any."""
        c = community
        async with self.transaction(community.key):
            before = await self.db.scalar(
                "SELECT entry FROM contest_votes WHERE platform=? AND community=? AND contest=?"
                " AND user_id=?", (c.platform, c.id, contest, user_id))
            await self.db.execute(
                "INSERT INTO contest_votes (platform, community, contest, user_id, entry,"
                " voted_at) VALUES (?,?,?,?,?,?) ON CONFLICT (platform, community, contest,"
                " user_id) DO UPDATE SET entry=excluded.entry, voted_at=excluded.voted_at",
                (c.platform, c.id, contest, user_id, entry, to_ts(at)))
        return None if before is None else int(before)

    async def vote_of(self, community: Community, contest: int, user_id: str) -> int | None:
        found = await self.db.scalar(
            "SELECT entry FROM contest_votes WHERE platform=? AND community=? AND contest=?"
            " AND user_id=?", (community.platform, community.id, contest, user_id))
        return None if found is None else int(found)

    async def vote_counts(self, community: Community, contest: int) -> dict[int, int]:
        rows = await self.db.fetchall(
            "SELECT entry, COUNT(*) AS n FROM contest_votes WHERE platform=? AND community=?"
            " AND contest=? GROUP BY entry", (community.platform, community.id, contest))
        return {int(r["entry"]): int(r["n"]) for r in rows}

    # -- winners --------------------------------------------------------------------------

    async def add_winner(self, community: Community, contest: int, entry: EntryRecord,
                         votes: int | None, at: datetime) -> int:
        c = community
        async with self.transaction(community.key):
            place = int(await self.db.scalar(
                "SELECT COALESCE(MAX(place), 0) + 1 FROM contest_winners WHERE platform=?"
                " AND community=? AND contest=?", (c.platform, c.id, contest)))
            await self.db.execute(
                "INSERT INTO contest_winners (platform, community, contest, place, entry,"
                " user_id, name, votes, awarded_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (c.platform, c.id, contest, place, entry.number, entry.user_id, entry.name,
                 votes, to_ts(at)))
        return place

    async def winners(self, community: Community, contest: int, *, include_replaced: bool = False
                      ) -> list[WinnerRecord]:
        rows = await self.db.fetchall(
            "SELECT * FROM contest_winners WHERE platform=? AND community=? AND contest=?"
            + ("" if include_replaced else " AND replaced_at IS NULL") + " ORDER BY place",
            (community.platform, community.id, contest))
        return [_winner(r) for r in rows]

    async def replace_winner(self, community: Community, contest: int, user_id: str,
                             at: datetime) -> bool:
        """Mark a member's current win as redrawn; True only for the caller that did it."""
        changed = await self.db.execute(
            "UPDATE contest_winners SET replaced_at=? WHERE platform=? AND community=?"
            " AND contest=? AND user_id=? AND replaced_at IS NULL",
            (to_ts(at), community.platform, community.id, contest, user_id))
        return changed >= 1
