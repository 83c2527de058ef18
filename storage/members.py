"""Members as Hearth has seen them: names, joins, leaves and whether they were welcomed."""

from __future__ import annotations

from datetime import datetime

from bot.events import Actor, Community, MemberRef
from bot.ports import MemberRecord
from storage.database import Database
from storage.times import from_ts, to_ts


def _record(row: object) -> MemberRecord:
    return MemberRecord(
        user_id=row["user_id"], name=row["name"], is_bot=bool(row["is_bot"]),  # type: ignore[index]
        first_joined=from_ts(row["first_joined"]),  # type: ignore[index,arg-type]
        joined_at=from_ts(row["joined_at"]),  # type: ignore[index,arg-type]
        left_at=from_ts(row["left_at"]),  # type: ignore[index]
        welcomed_at=from_ts(row["welcomed_at"]),  # type: ignore[index]
    )


class MemberRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, community: Community, user_id: str) -> MemberRecord | None:
        row = await self.db.fetchone(
            "SELECT * FROM members WHERE platform=? AND community=? AND user_id=?",
            (community.platform, community.id, user_id),
        )
        return _record(row) if row else None

    async def find_by_name(self, community: Community, name: str, *,
                           include_left: bool = False) -> MemberRecord | None:
        """A present member by exact name, then case-insensitively; with `include_left`, one
        who left is found too (present members first, then the most recent to leave)."""
        present = "" if include_left else "AND left_at IS NULL "
        row = await self.db.fetchone(
            # lower(name) matches the exact name too, and uses members_by_lower_name.
            f"SELECT * FROM members WHERE platform=? AND community=? {present}"
            "AND lower(name)=lower(?) ORDER BY left_at IS NOT NULL, name=? DESC, "
            "left_at DESC LIMIT 1",
            (community.platform, community.id, name, name),
        )
        return _record(row) if row else None

    async def by_name(self, community: Community, name: str, *, include_left: bool = False
                      ) -> MemberRef | None:
        found = await self.find_by_name(community, name, include_left=include_left)
        return MemberRef(found.user_id, found.name, found.is_bot) if found else None

    async def by_id(self, community: Community, user_id: str) -> MemberRef | None:
        found = await self.get(community, user_id)
        return MemberRef(found.user_id, found.name, found.is_bot) if found else None

    async def joined(self, community: Community, member: Actor, at: datetime
                     ) -> MemberRecord | None:
        """Record a join; returns the member's earlier record, if they had one."""
        async with self.db.transaction():
            before = await self.get(community, member.user_id)
            await self.db.execute(
                "INSERT INTO members (platform, community, user_id, name, is_bot, first_joined,"
                " joined_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT (platform, community, user_id)"
                " DO UPDATE SET name=excluded.name, is_bot=excluded.is_bot,"
                " joined_at=excluded.joined_at, left_at=NULL",
                (community.platform, community.id, member.user_id, member.name,
                 int(member.is_bot), to_ts(at), to_ts(at)),
            )
        return before

    async def seen(self, community: Community, member: Actor, at: datetime) -> None:
        """Make sure a member who was here before Hearth is known, keeping their name fresh."""
        # Read first: after a restart every member's first message lands here, and a read
        # neither takes the write lock nor waits behind whoever holds it.
        known = await self.db.scalar(
            "SELECT name FROM members WHERE platform=? AND community=? AND user_id=?",
            (community.platform, community.id, member.user_id))
        if known == member.name:
            return
        await self.db.execute(
            "INSERT INTO members (platform, community, user_id, name, is_bot, first_joined,"
            " joined_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT (platform, community, user_id)"
            " DO UPDATE SET name=excluded.name WHERE members.name<>excluded.name",
            (community.platform, community.id, member.user_id, member.name,
             int(member.is_bot), to_ts(at), to_ts(at)),
        )

    async def left(self, community: Community, user_id: str, at: datetime) -> None:
        await self.db.execute(
            "UPDATE members SET left_at=? WHERE platform=? AND community=? AND user_id=?",
            (to_ts(at), community.platform, community.id, user_id),
        )

    async def welcomed(self, community: Community, user_ids: list[str], at: datetime) -> None:
        await self.db.executemany(
            "UPDATE members SET welcomed_at=? WHERE platform=? AND community=? AND user_id=?",
            [(to_ts(at), community.platform, community.id, uid) for uid in user_ids],
        )

    async def communities(self) -> list[Community]:
        """Every community Hearth has seen a member of."""
        # One index step per platform and per community, not DISTINCT over every member
        # (154 ms at 1M members; a row-value bound walked them too).
        found: list[Community] = []
        platform = ""
        while row := await self.db.fetchone(
                "SELECT platform FROM members WHERE platform>? ORDER BY platform LIMIT 1",
                (platform,)):
            platform, community = row[0], ""
            while row := await self.db.fetchone(
                    "SELECT community FROM members WHERE platform=? AND community>?"
                    " ORDER BY community LIMIT 1", (platform, community)):
                community = row[0]
                found.append(Community(platform, community))
        return found

    async def waiting_for_welcome(self, community: Community, since: datetime
                                  ) -> list[MemberRecord]:
        """Present members who joined since `since` and were not welcomed yet, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM members WHERE platform=? AND community=? AND joined_at>=?"
            " AND welcomed_at IS NULL AND left_at IS NULL AND is_bot=0 ORDER BY joined_at",
            (community.platform, community.id, to_ts(since)),
        )
        return [_record(r) for r in rows]
