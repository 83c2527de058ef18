"""Warning cases, moderators' notes and appeals. Cases are numbered per community and never
deleted: expiry and pardons take a case out of the active count, not off the record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.events import Community
from storage import Store, from_ts, to_ts


@dataclass(frozen=True, slots=True)
class Case:
    number: int
    user_id: str
    user_name: str
    moderator_id: str
    moderator_name: str
    rule_id: str
    step: int
    created_at: datetime
    expires_at: datetime
    dm_delivered: bool
    message_channel: str | None
    message_id: str | None
    message_content: str | None
    pardoned_at: datetime | None
    pardoned_by: str | None
    pardon_reason: str | None

    def active(self, now: datetime) -> bool:
        return self.pardoned_at is None and self.expires_at > now


@dataclass(frozen=True, slots=True)
class NewCase:
    """What a moderator's warning records; the repository assigns the number."""

    user_id: str
    user_name: str
    moderator_id: str
    moderator_name: str
    rule_id: str
    step: int
    created_at: datetime
    expires_at: datetime
    message_channel: str | None = None
    message_id: str | None = None
    message_content: str | None = None


@dataclass(frozen=True, slots=True)
class Note:
    case_number: int
    moderator_id: str
    moderator_name: str
    text: str
    held: bool
    signals: str
    added_at: datetime


@dataclass(frozen=True, slots=True)
class Appeal:
    id: int
    case_number: int
    user_id: str
    text: str
    created_at: datetime
    status: str
    resolved_at: datetime | None
    resolved_by: str | None
    reason: str | None


def _case(row: Any) -> Case:
    return Case(
        number=row["case_number"], user_id=row["user_id"], user_name=row["user_name"],
        moderator_id=row["moderator_id"], moderator_name=row["moderator_name"],
        rule_id=row["rule_id"], step=row["step"],
        created_at=from_ts(row["created_at"]),  # type: ignore[arg-type]
        expires_at=from_ts(row["expires_at"]),  # type: ignore[arg-type]
        dm_delivered=bool(row["dm_delivered"]), message_channel=row["message_channel"],
        message_id=row["message_id"], message_content=row["message_content"],
        pardoned_at=from_ts(row["pardoned_at"]), pardoned_by=row["pardoned_by"],
        pardon_reason=row["pardon_reason"],
    )


def _appeal(row: Any) -> Appeal:
    return Appeal(
        id=row["id"], case_number=row["case_number"], user_id=row["user_id"], text=row["text"],
        created_at=from_ts(row["created_at"]),  # type: ignore[arg-type]
        status=row["status"], resolved_at=from_ts(row["resolved_at"]),
        resolved_by=row["resolved_by"], reason=row["reason"],
    )


class ModerationStore(Store):

    # -- cases ----------------------------------------------------------------------------

    async def add_case(self, community: Community, case: NewCase,
                       note: Note | None = None) -> Case:
        """Record a warning (and the moderator's note) under the community's next number."""
        async with self.transaction(community.key):  # numbers cases one at a time
            last = await self.db.scalar(
                "SELECT MAX(case_number) FROM moderation_cases WHERE platform=? AND community=?",
                (community.platform, community.id),
            )
            number = int(last or 0) + 1
            await self.db.execute(
                "INSERT INTO moderation_cases (platform, community, case_number, user_id,"
                " user_name, moderator_id, moderator_name, rule_id, step, created_at, expires_at,"
                " message_channel, message_id, message_content)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (community.platform, community.id, number, case.user_id, case.user_name,
                 case.moderator_id, case.moderator_name, case.rule_id, case.step,
                 to_ts(case.created_at), to_ts(case.expires_at), case.message_channel,
                 case.message_id, case.message_content),
            )
            if note is not None:
                await self.add_note(community, Note(number, *_note_fields(note)))
            found = await self.get(community, number)
        assert found is not None
        return found

    async def get(self, community: Community, number: int) -> Case | None:
        row = await self.db.fetchone(
            "SELECT * FROM moderation_cases WHERE platform=? AND community=? AND case_number=?",
            (community.platform, community.id, number),
        )
        return _case(row) if row else None

    async def for_member(self, community: Community, user_id: str) -> list[Case]:
        """Every case of a member, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM moderation_cases WHERE platform=? AND community=? AND user_id=?"
            " ORDER BY case_number",
            (community.platform, community.id, user_id),
        )
        return [_case(r) for r in rows]

    async def active_for(self, community: Community, user_id: str, now: datetime
                         ) -> list[Case]:
        rows = await self.db.fetchall(
            "SELECT * FROM moderation_cases WHERE platform=? AND community=? AND user_id=?"
            " AND pardoned_at IS NULL AND expires_at>? ORDER BY case_number",
            (community.platform, community.id, user_id, to_ts(now)),
        )
        return [_case(r) for r in rows]

    async def undelivered(self, community: Community, number: int) -> None:
        await self.db.execute(
            "UPDATE moderation_cases SET dm_delivered=0 WHERE platform=? AND community=?"
            " AND case_number=?",
            (community.platform, community.id, number),
        )

    async def pardon(self, community: Community, number: int, by: str, reason: str,
                     at: datetime) -> bool:
        """Pardon a case and close its open appeal as accepted; False if already pardoned."""
        async with self.db.transaction():
            changed = await self.db.execute(
                "UPDATE moderation_cases SET pardoned_at=?, pardoned_by=?, pardon_reason=?"
                " WHERE platform=? AND community=? AND case_number=? AND pardoned_at IS NULL",
                (to_ts(at), by, reason, community.platform, community.id, number),
            )
            if changed:
                await self._close_appeal(community, number, "accepted", by, reason, at)
        return bool(changed)

    # -- notes ----------------------------------------------------------------------------

    async def add_note(self, community: Community, note: Note) -> None:
        await self.db.execute(
            "INSERT INTO moderation_notes (platform, community, case_number, moderator_id,"
            " moderator_name, text, held, signals, added_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (community.platform, community.id, note.case_number, note.moderator_id,
             note.moderator_name, note.text, int(note.held), note.signals, to_ts(note.added_at)),
        )

    async def notes(self, community: Community, number: int) -> list[Note]:
        rows = await self.db.fetchall(
            "SELECT * FROM moderation_notes WHERE platform=? AND community=? AND case_number=?"
            " ORDER BY id",
            (community.platform, community.id, number),
        )
        return [Note(r["case_number"], r["moderator_id"], r["moderator_name"], r["text"],
                     bool(r["held"]), r["signals"], from_ts(r["added_at"]))  # type: ignore[arg-type]
                for r in rows]

    # -- appeals --------------------------------------------------------------------------

    async def open_appeal(self, community: Community, number: int) -> Appeal | None:
        row = await self.db.fetchone(
            "SELECT * FROM moderation_appeals WHERE platform=? AND community=? AND case_number=?"
            " AND status='open'",
            (community.platform, community.id, number),
        )
        return _appeal(row) if row else None

    async def last_appeal_by(self, community: Community, user_id: str) -> Appeal | None:
        row = await self.db.fetchone(
            "SELECT * FROM moderation_appeals WHERE platform=? AND community=? AND user_id=?"
            " ORDER BY created_at DESC, id DESC LIMIT 1",
            (community.platform, community.id, user_id),
        )
        return _appeal(row) if row else None

    async def add_appeal(self, community: Community, number: int, user_id: str, text: str,
                         at: datetime) -> Appeal:
        async with self.db.transaction():
            new_id = await self.db.insert(
                "INSERT INTO moderation_appeals (platform, community, case_number, user_id, text,"
                " created_at) VALUES (?,?,?,?,?,?)",
                (community.platform, community.id, number, user_id, text, to_ts(at)),
            )
            row = await self.db.fetchone("SELECT * FROM moderation_appeals WHERE id=?",
                                         (new_id,))
        return _appeal(row)

    async def resolve_appeal(self, community: Community, number: int, accept: bool, by: str,
                             reason: str, at: datetime) -> bool:
        """Close the open appeal on a case; accepting pardons the case in the same write."""
        async with self.db.transaction():
            if accept:
                changed = await self.db.execute(
                    "UPDATE moderation_cases SET pardoned_at=?, pardoned_by=?, pardon_reason=?"
                    " WHERE platform=? AND community=? AND case_number=? AND pardoned_at IS NULL",
                    (to_ts(at), by, reason, community.platform, community.id, number),
                )
                if not changed:
                    return False
            closed = await self._close_appeal(community, number,
                                              "accepted" if accept else "declined", by, reason, at)
            if not closed:
                raise LookupError(f"case {number} has no open appeal")  # rolls back the pardon
        return True

    async def _close_appeal(self, community: Community, number: int, status: str, by: str,
                            reason: str, at: datetime) -> int:
        return await self.db.execute(
            "UPDATE moderation_appeals SET status=?, resolved_at=?, resolved_by=?, reason=?"
            " WHERE platform=? AND community=? AND case_number=? AND status='open'",
            (status, to_ts(at), by, reason, community.platform, community.id, number),
        )


def _note_fields(note: Note) -> tuple[Any, ...]:
    return (note.moderator_id, note.moderator_name, note.text, note.held, note.signals,
            note.added_at)
