"""Conversations with the team and their messages.

Every check-then-write (one open conversation per member, the next number, a message relayed
once per platform message, a reply only while it may go, one answer to "did we help?", one
escalation) is one statement or one transaction, so racing deliveries can't slip past a rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.events import Community
from storage import Store, from_ts, to_ts


@dataclass(frozen=True, slots=True)
class Conversation:
    number: int
    user_id: str
    name: str
    status: str
    opened_at: datetime
    first_reply_at: datetime | None
    closed_at: datetime | None
    follow_up_at: datetime | None
    thread: str | None
    replies: int

    @property
    def open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True, slots=True)
class Message:
    seq: int
    from_team: bool
    author_id: str
    author_name: str
    anonymous: bool
    body: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Written:
    """Where a member's message went: its conversation, its place in it, and whether it
    opened the conversation."""

    number: int
    seq: int
    opened: bool


@dataclass(frozen=True, slots=True)
class Listening:
    """An open conversation's DM channel and the last message read there (for start-up)."""

    community: Community
    user_id: str
    channel: str
    last_seen: str | None


_CONV = ("c.number, c.user_id, c.name, c.status, c.opened_at, c.first_reply_at, c.closed_at,"
         " c.follow_up_at, c.thread, (SELECT COUNT(*) FROM inbox_messages m WHERE"
         " m.platform=c.platform AND m.community=c.community AND m.number=c.number AND"
         " m.from_team=1) AS replies")


def _conv(row: Any) -> Conversation:
    return Conversation(
        number=row["number"], user_id=row["user_id"], name=row["name"], status=row["status"],
        opened_at=from_ts(row["opened_at"]),  # type: ignore[arg-type]
        first_reply_at=from_ts(row["first_reply_at"]), closed_at=from_ts(row["closed_at"]),
        follow_up_at=from_ts(row["follow_up_at"]), thread=row["thread"],
        replies=row["replies"])


def _message(r: Any) -> Message:
    return Message(r["seq"], bool(r["from_team"]), r["author_id"], r["author_name"],
                   bool(r["anonymous"]), r["body"], from_ts(r["at"]))  # type: ignore[arg-type]


class InboxStore(Store):

    # -- the member writes ------------------------------------------------------------------

    async def member_wrote(self, community: Community, user_id: str, name: str, body: str,
                           at: datetime, source: str | None = None,
                           dm_channel: str | None = None, seen: str | None = None
                           ) -> Written | None:
        """Put a member's message in their open conversation, opening one if there is none;
        None if this platform message (`source`) was already taken. A DM also notes its
        channel and message id (`seen`), to read on from there after a restart."""
        c = (community.platform, community.id)
        async with self.transaction(community.key, user_id):
            if source is not None and await self.db.scalar(
                    "SELECT 1 FROM inbox_messages WHERE platform=? AND community=? AND source=?",
                    (*c, source)):
                return None
            number = await self.db.scalar(
                "SELECT number FROM inbox_conversations WHERE platform=? AND community=? AND"
                " user_id=? AND status='open'", (*c, user_id))
            opened = number is None
            if opened:
                number = int(await self.db.scalar(
                    "SELECT COALESCE(MAX(number), 0) + 1 FROM inbox_conversations WHERE"
                    " platform=? AND community=?", c))
                await self.db.execute(
                    "INSERT INTO inbox_conversations (platform, community, number, user_id, name,"
                    " opened_at) VALUES (?,?,?,?,?,?)", (*c, number, user_id, name, to_ts(at)))
            if dm_channel is not None:
                await self.db.execute(
                    "UPDATE inbox_conversations SET dm_channel=?, last_seen=?, name=? WHERE"
                    " platform=? AND community=? AND number=?",
                    (dm_channel, seen, name, *c, number))
            seq = await self._add(c, int(number), False, user_id, name, False, body, at, source,
                                  pending=True)
        return Written(int(number), seq, opened)

    async def _add(self, c: tuple[str, str], number: int, from_team: bool, author_id: str,
                   author_name: str, anonymous: bool, body: str, at: datetime,
                   source: str | None, pending: bool = False) -> int:
        seq = int(await self.db.scalar(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM inbox_messages WHERE platform=? AND"
            " community=? AND number=?", (*c, number)))
        await self.db.execute(
            "INSERT INTO inbox_messages (platform, community, number, seq, from_team, author_id,"
            " author_name, anonymous, body, source, at, pending) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (*c, number, seq, int(from_team), author_id, author_name, int(anonymous), body,
             source, to_ts(at), int(pending)))
        return seq

    async def member_closed(self, community: Community, user_id: str, at: datetime
                            ) -> int | None:
        """Close the member's open conversation; its number, or None if none was open."""
        c = (community.platform, community.id)
        async with self.transaction(community.key, user_id):
            number = await self.db.scalar(
                "SELECT number FROM inbox_conversations WHERE platform=? AND community=? AND"
                " user_id=? AND status='open'", (*c, user_id))
            if number is None:
                return None
            await self.db.execute(
                "UPDATE inbox_conversations SET status='closed', closed_at=? WHERE platform=?"
                " AND community=? AND number=?", (to_ts(at), *c, number))
        return int(number)

    # -- the team answers --------------------------------------------------------------------

    async def team_replied(self, community: Community, number: int, by_id: str, by_name: str,
                           anonymous: bool, body: str, at: datetime) -> int | None:
        """Record a reply while the conversation is open, or closed with a follow-up still
        owed (which this reply settles); its seq, or None if it may not go."""
        c = (community.platform, community.id)
        async with self.db.transaction():
            allowed = await self.db.execute(
                "UPDATE inbox_conversations SET first_reply_at=COALESCE(first_reply_at, ?),"
                " follow_up_at=CASE WHEN status='open' THEN follow_up_at ELSE NULL END"
                " WHERE platform=? AND community=? AND number=? AND (status='open' OR"
                " follow_up_at IS NOT NULL)", (to_ts(at), *c, number))
            if not allowed:
                return None
            return await self._add(c, number, True, by_id, by_name, anonymous, body, at, None)

    async def team_closed(self, community: Community, number: int, at: datetime,
                          ask_helped: bool, follow_up_at: datetime | None) -> bool:
        """Close an open conversation; False if it was already closed."""
        return await self.db.execute(
            "UPDATE inbox_conversations SET status='closed', closed_at=?, helped_asked=?,"
            " follow_up_at=? WHERE platform=? AND community=? AND number=? AND status='open'",
            (to_ts(at), int(ask_helped), to_ts(follow_up_at) if follow_up_at else None,
             community.platform, community.id, number)) > 0

    # -- "did we help?" ----------------------------------------------------------------------

    async def asked(self, community: Community, user_id: str, since: datetime) -> int | None:
        """The member's latest conversation closed since `since` whose question waits for an
        answer, if any."""
        found = await self.db.scalar(
            "SELECT MAX(number) FROM inbox_conversations WHERE platform=? AND community=? AND"
            " user_id=? AND status='closed' AND helped_asked=1 AND helped IS NULL AND"
            " closed_at>=?", (community.platform, community.id, user_id, to_ts(since)))
        return None if found is None else int(found)

    async def answer_helped(self, community: Community, number: int, helped: bool) -> bool:
        """Count the answer once; False if it was already answered."""
        return await self.db.execute(
            "UPDATE inbox_conversations SET helped=? WHERE platform=? AND community=? AND"
            " number=? AND helped_asked=1 AND helped IS NULL",
            (int(helped), community.platform, community.id, number)) > 0

    # -- reading -----------------------------------------------------------------------------

    async def get(self, community: Community, number: int) -> Conversation | None:
        row = await self.db.fetchone(
            f"SELECT {_CONV} FROM inbox_conversations c WHERE c.platform=? AND c.community=? AND"
            " c.number=?", (community.platform, community.id, number))
        return _conv(row) if row else None

    async def open_of(self, community: Community, user_id: str) -> Conversation | None:
        row = await self.db.fetchone(
            f"SELECT {_CONV} FROM inbox_conversations c WHERE c.platform=? AND c.community=? AND"
            " c.user_id=? AND c.status='open'", (community.platform, community.id, user_id))
        return _conv(row) if row else None

    async def of_member(self, community: Community, user_id: str, limit: int = 25
                        ) -> list[Conversation]:
        rows = await self.db.fetchall(
            f"SELECT {_CONV} FROM inbox_conversations c WHERE c.platform=? AND c.community=? AND"
            " c.user_id=? ORDER BY c.number DESC LIMIT ?",
            (community.platform, community.id, user_id, limit))
        return [_conv(r) for r in rows]

    async def messages(self, community: Community, number: int) -> list[Message]:
        rows = await self.db.fetchall(
            "SELECT seq, from_team, author_id, author_name, anonymous, body, at FROM"
            " inbox_messages WHERE platform=? AND community=? AND number=? ORDER BY seq",
            (community.platform, community.id, number))
        return [_message(r) for r in rows]

    async def by_thread(self, community: Community, thread: str) -> Conversation | None:
        row = await self.db.fetchone(
            f"SELECT {_CONV} FROM inbox_conversations c WHERE c.platform=? AND c.community=? AND"
            " c.thread=?", (community.platform, community.id, thread))
        return _conv(row) if row else None

    async def without_thread(self, community: Community) -> list[int]:
        """Open conversations whose thread isn't learnt yet."""
        rows = await self.db.fetchall(
            "SELECT number FROM inbox_conversations WHERE platform=? AND community=? AND"
            " status='open' AND thread IS NULL", (community.platform, community.id))
        return [r[0] for r in rows]

    async def set_thread(self, community: Community, number: int, thread: str) -> None:
        await self.db.execute(
            "UPDATE inbox_conversations SET thread=? WHERE platform=? AND community=? AND"
            " number=?", (thread, community.platform, community.id, number))

    # -- outboxes and the clock ----------------------------------------------------------------

    async def pending_relays(self) -> list[tuple[Community, int, int]]:
        """Member messages whose relay may not have been posted: (community, number, seq)."""
        rows = await self.db.fetchall(
            "SELECT platform, community, number, seq FROM inbox_messages WHERE pending=1"
            " ORDER BY platform, community, number, seq")
        return [(Community(r[0], r[1]), r[2], r[3]) for r in rows]

    async def message(self, community: Community, number: int, seq: int) -> Message | None:
        r = await self.db.fetchone(
            "SELECT seq, from_team, author_id, author_name, anonymous, body, at FROM"
            " inbox_messages WHERE platform=? AND community=? AND number=? AND seq=?",
            (community.platform, community.id, number, seq))
        return _message(r) if r else None

    async def relayed(self, community: Community, number: int, seq: int) -> None:
        await self.db.execute(
            "UPDATE inbox_messages SET pending=0 WHERE platform=? AND community=? AND number=?"
            " AND seq=?", (community.platform, community.id, number, seq))

    async def escalate_once(self, community: Community, number: int, at: datetime) -> bool:
        """Mark a still-unanswered open conversation as raised; True for the one caller that
        did."""
        return await self.db.execute(
            "UPDATE inbox_conversations SET escalated_at=?, escalate_pending=1 WHERE platform=?"
            " AND community=? AND number=? AND status='open' AND first_reply_at IS NULL AND"
            " escalated_at IS NULL", (to_ts(at), community.platform, community.id, number)) > 0

    async def pending_escalations(self) -> list[tuple[Community, Conversation]]:
        rows = await self.db.fetchall(
            f"SELECT c.platform, c.community, {_CONV} FROM inbox_conversations c"
            " WHERE c.escalate_pending=1 ORDER BY c.platform, c.community, c.number")
        return [(Community(r["platform"], r["community"]), _conv(r)) for r in rows]

    async def escalation_posted(self, community: Community, number: int) -> None:
        await self.db.execute(
            "UPDATE inbox_conversations SET escalate_pending=0 WHERE platform=? AND community=?"
            " AND number=?", (community.platform, community.id, number))

    async def listening(self) -> list[Listening]:
        """Every open conversation's DM channel, for reading what came while Hearth was down."""
        rows = await self.db.fetchall(
            "SELECT platform, community, user_id, dm_channel, last_seen FROM inbox_conversations"
            " WHERE status='open' AND dm_channel IS NOT NULL")
        return [Listening(Community(r[0], r[1]), r[2], r[3], r[4]) for r in rows]

    # -- figures -----------------------------------------------------------------------------

    async def reply_waits(self, community: Community, since: datetime
                          ) -> list[tuple[datetime, datetime | None]]:
        """(opened, first reply) for conversations opened since `since`: bounded by the
        window."""
        rows = await self.db.fetchall(
            "SELECT opened_at, first_reply_at FROM inbox_conversations WHERE platform=? AND"
            " community=? AND opened_at>=?", (community.platform, community.id, to_ts(since)))
        return [(from_ts(r[0]), from_ts(r[1])) for r in rows]  # type: ignore[misc]

    async def closed_between(self, community: Community, since: datetime, until: datetime
                             ) -> tuple[int, int, int]:
        """(closed, answered "did we help?", answered yes) for conversations closed in the
        span."""
        row = await self.db.fetchone(
            "SELECT COUNT(*), COUNT(helped), COALESCE(SUM(helped), 0) FROM inbox_conversations"
            " WHERE platform=? AND community=? AND closed_at>=? AND closed_at<?",
            (community.platform, community.id, to_ts(since), to_ts(until)))
        assert row is not None
        return int(row[0]), int(row[1]), int(row[2])
