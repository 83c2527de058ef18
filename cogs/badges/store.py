"""Badges members hold, who qualifies for a badge (awarded in pages by the backfill), and which
criteria each badge was last backfilled under."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.events import Community
from storage import Store, from_ts, to_ts


@dataclass(frozen=True, slots=True)
class HeldBadge:
    badge: str
    awarded_at: datetime
    awarded_by: str | None


# Bound parameters per IN list for ids another feature reported, and members per backfill page
# (read and awarded together, so no list of every qualifying member is built).
_CHUNK = 500


class BadgeStore(Store):

    async def of_member(self, community: Community, user_id: str
                        ) -> tuple[list[HeldBadge], set[str]]:
        """The badges a member holds (oldest first), and every badge they have or had
        (revoked ones are not awarded automatically again): one read, as /profile needs both
        and on PostgreSQL each read is a round trip to the server."""
        rows = await self.db.fetchall(
            "SELECT badge, awarded_at, awarded_by, revoked_at FROM badges_held WHERE platform=?"
            " AND community=? AND user_id=? ORDER BY awarded_at, badge",
            (community.platform, community.id, user_id))
        held = [HeldBadge(r[0], from_ts(r[1]), r[2])  # type: ignore[arg-type]
                for r in rows if r[3] is None]
        return held, {r[0] for r in rows}

    async def held(self, community: Community, user_id: str) -> list[HeldBadge]:
        return (await self.of_member(community, user_id))[0]

    async def known(self, community: Community, user_id: str) -> set[str]:
        """Badges held or revoked: neither is awarded automatically again."""
        return (await self.of_member(community, user_id))[1]

    async def award(self, community: Community, user_id: str, badge: str, at: datetime,
                    by: str | None = None, reason: str = "") -> bool:
        """Give a badge; True if it is new. A moderator's grant (`by`) lifts a revocation."""
        c = (community.platform, community.id, user_id, badge)
        if by is None:
            return await self.db.execute(
                "INSERT INTO badges_held (platform, community, user_id, badge, awarded_at, reason)"
                " VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING", (*c, to_ts(at), reason)) > 0
        return await self.db.execute(
            "INSERT INTO badges_held (platform, community, user_id, badge, awarded_at,"
            " awarded_by, reason) VALUES (?,?,?,?,?,?,?)"
            " ON CONFLICT (platform, community, user_id, badge) DO UPDATE SET"
            " awarded_at=excluded.awarded_at, awarded_by=excluded.awarded_by,"
            " reason=excluded.reason, revoked_at=NULL WHERE badges_held.revoked_at IS NOT NULL",
            (*c, to_ts(at), by, reason)) > 0

    async def award_many(self, community: Community, user_ids: list[str], badge: str,
                         at: datetime) -> None:
        await self.db.executemany(
            "INSERT INTO badges_held (platform, community, user_id, badge, awarded_at)"
            " VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
            [(community.platform, community.id, uid, badge, to_ts(at)) for uid in user_ids])

    async def revoke(self, community: Community, user_id: str, badge: str, at: datetime
                     ) -> bool:
        return await self.db.execute(
            "UPDATE badges_held SET revoked_at=? WHERE platform=? AND community=? AND user_id=?"
            " AND badge=? AND revoked_at IS NULL",
            (to_ts(at), community.platform, community.id, user_id, badge)) > 0

    async def forget(self, community: Community, user_id: str, badge: str) -> bool:
        """Take back a badge earned (not granted) that is no longer earned; unlike a revoke it
        leaves no mark, so earning it again awards it again."""
        return await self.db.execute(
            "DELETE FROM badges_held WHERE platform=? AND community=? AND user_id=? AND badge=?"
            " AND awarded_by IS NULL AND revoked_at IS NULL",
            (community.platform, community.id, user_id, badge)) > 0

    async def holders(self, community: Community) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT badge, COUNT(*) FROM badges_held WHERE platform=? AND community=?"
            " AND revoked_at IS NULL GROUP BY badge", (community.platform, community.id))
        return {r[0]: int(r[1]) for r in rows}

    async def backfilled(self, community: Community) -> dict[str, str]:
        """Each badge's criteria ("criterion:threshold") when its last backfill finished."""
        rows = await self.db.fetchall(
            "SELECT badge, criteria FROM badges_backfilled WHERE platform=? AND community=?",
            (community.platform, community.id))
        return {r[0]: r[1] for r in rows}

    async def mark_backfilled(self, community: Community, badge: str, criteria: str) -> None:
        await self.db.execute(
            "INSERT INTO badges_backfilled (platform, community, badge, criteria)"
            " VALUES (?,?,?,?) ON CONFLICT (platform, community, badge)"
            " DO UPDATE SET criteria=excluded.criteria",
            (community.platform, community.id, badge, criteria))

    async def award_among(self, community: Community, badge: str, among: Sequence[str],
                          at: datetime) -> AsyncIterator[list[tuple[str, str]]]:
        """Award the badge to present members among `among` who never had it, a page at a
        time; yields each page's newly awarded (user_id, name) once it is committed."""
        c = (community.platform, community.id)
        ids = sorted(set(among))
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i:i + _CHUNK]
            yield (await self._award_page(c, f"user_id IN ({','.join('?' * len(chunk))})",
                                          tuple(chunk), badge, at))[1]

    async def award_member_for(self, community: Community, badge: str, days: int,
                               now: datetime) -> AsyncIterator[list[tuple[str, str]]]:
        """Award the badge to present members here `days` or more who never had it, a page at
        a time by user id; yields each page's newly awarded (user_id, name)."""
        c = (community.platform, community.id)
        after = ""
        while True:
            # By key from the last page, not OFFSET, so each page starts where the last ended.
            after, page = await self._award_page(c, "first_joined<=? AND user_id>?",
                                                 (to_ts(now - timedelta(days=days)), after),
                                                 badge, now, limit=_CHUNK)
            if not after:
                return
            yield page

    async def _award_page(self, c: tuple[str, str], where: str, params: tuple[Any, ...],
                          badge: str, at: datetime, limit: int | None = None
                          ) -> tuple[str, list[tuple[str, str]]]:
        """One page: the last member it read ('' for none) and those of them newly awarded,
        read and awarded in one transaction, so a page is either wholly awarded or not at all.

        Whether each member already holds the badge is a lookup by key per member read (a
        scalar subquery: PostgreSQL may turn NOT EXISTS or EXISTS into a join or a hash over
        every holder of the badge). Planned from statistics taken before the start-up backfill
        began (its pages are uncommitted until it ends, so they still said no holders), such
        a join sorted every holder again for each page: at a million members the backfill
        didn't finish in ten minutes."""
        async with self.db.transaction() as db:
            rows = await db.fetchall(
                "SELECT m.user_id, m.name, (SELECT 1 FROM badges_held b"
                " WHERE b.platform=m.platform AND b.community=m.community"
                " AND b.user_id=m.user_id AND b.badge=?) FROM (SELECT platform, community,"
                " user_id, name FROM members WHERE platform=? AND community=? AND is_bot=0"
                f" AND left_at IS NULL AND {where} ORDER BY user_id"
                + (f" LIMIT {int(limit)}" if limit else "") + ") m ORDER BY m.user_id",
                (badge, *c, *params))
            page = [(str(r[0]), str(r[1])) for r in rows if not r[2]]
            if page:
                await db.executemany(
                    "INSERT INTO badges_held (platform, community, user_id, badge, awarded_at)"
                    " VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
                    [(*c, uid, badge, to_ts(at)) for uid, _ in page])
        return (str(rows[-1][0]) if rows else ""), page
