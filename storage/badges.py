"""Badges members hold, and who qualifies for a badge (for the start-up backfill)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.events import Community
from storage.database import Database
from storage.reputation import _THANKS_IN
from storage.times import from_ts, to_ts


@dataclass(frozen=True, slots=True)
class HeldBadge:
    badge: str
    awarded_at: datetime
    awarded_by: str | None


# Per criterion: a query for the user ids whose value reaches the threshold (params: platform,
# community, threshold). `membership_days` is handled separately (it compares a date).
_QUALIFYING = {
    "reputation": "SELECT user_id FROM rep_totals WHERE platform=? AND community=? AND points>=?",
    "messages": "SELECT user_id FROM rep_totals WHERE platform=? AND community=? AND messages>=?",
    "thanks_received": "SELECT user_id FROM rep_totals WHERE platform=? AND community=?"
                       " AND thanks_received>=?",
    "thanks_given": "SELECT user_id FROM rep_totals WHERE platform=? AND community=?"
                    " AND thanks_given>=?",
    "thanks_from_members": "SELECT user_id FROM rep_ledger WHERE platform=? AND community=?"
                           f" AND source IN {_THANKS_IN} AND giver_id IS NOT NULL"
                           " GROUP BY user_id HAVING COUNT(DISTINCT giver_id)>=?",
    "contest_wins": "SELECT user_id FROM rep_ledger WHERE platform=? AND community=?"
                    " AND source='contest_win' AND source <> 'activity'"
                    " GROUP BY user_id HAVING COUNT(*)>=?",
    "introduced": "SELECT user_id FROM introductions WHERE platform=? AND community=?"
                  " AND ?>=1",
}


class BadgeRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def held(self, community: Community, user_id: str) -> list[HeldBadge]:
        rows = await self.db.fetchall(
            "SELECT badge, awarded_at, awarded_by FROM badges_held WHERE platform=?"
            " AND community=? AND user_id=? AND revoked_at IS NULL ORDER BY awarded_at, badge",
            (community.platform, community.id, user_id))
        return [HeldBadge(r[0], from_ts(r[1]), r[2]) for r in rows]  # type: ignore[arg-type]

    async def known(self, community: Community, user_id: str) -> set[str]:
        """Badges held or revoked: neither is awarded automatically again."""
        rows = await self.db.fetchall(
            "SELECT badge FROM badges_held WHERE platform=? AND community=? AND user_id=?",
            (community.platform, community.id, user_id))
        return {r[0] for r in rows}

    async def award(self, community: Community, user_id: str, badge: str, at: datetime,
                    by: str | None = None, reason: str = "") -> bool:
        """Give a badge; True if it is new. A moderator's grant (`by`) lifts a revocation."""
        c = (community.platform, community.id, user_id, badge)
        if by is None:
            return await self.db.execute(
                "INSERT OR IGNORE INTO badges_held (platform, community, user_id, badge,"
                " awarded_at, reason) VALUES (?,?,?,?,?,?)", (*c, to_ts(at), reason)) > 0
        return await self.db.execute(
            "INSERT INTO badges_held (platform, community, user_id, badge, awarded_at,"
            " awarded_by, reason) VALUES (?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET"
            " awarded_at=excluded.awarded_at, awarded_by=excluded.awarded_by,"
            " reason=excluded.reason, revoked_at=NULL WHERE revoked_at IS NOT NULL",
            (*c, to_ts(at), by, reason)) > 0

    async def award_many(self, community: Community, user_ids: list[str], badge: str,
                         at: datetime) -> None:
        await self.db.executemany(
            "INSERT OR IGNORE INTO badges_held (platform, community, user_id, badge, awarded_at)"
            " VALUES (?,?,?,?,?)",
            [(community.platform, community.id, uid, badge, to_ts(at)) for uid in user_ids])

    async def revoke(self, community: Community, user_id: str, badge: str, at: datetime
                     ) -> bool:
        return await self.db.execute(
            "UPDATE badges_held SET revoked_at=? WHERE platform=? AND community=? AND user_id=?"
            " AND badge=? AND revoked_at IS NULL",
            (to_ts(at), community.platform, community.id, user_id, badge)) > 0

    async def holders(self, community: Community) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT badge, COUNT(*) FROM badges_held WHERE platform=? AND community=?"
            " AND revoked_at IS NULL GROUP BY badge", (community.platform, community.id))
        return {r[0]: int(r[1]) for r in rows}

    async def qualifying(self, community: Community, badge: str, criterion: str,
                         threshold: int, now: datetime) -> list[tuple[str, str]]:
        """(user_id, name) of present members who meet a badge's criterion and never had it."""
        c = (community.platform, community.id)
        if criterion == "membership_days":
            inner = ("SELECT user_id FROM members WHERE platform=? AND community=?"
                     " AND first_joined<=?")
            value: float = to_ts(now - timedelta(days=threshold))
        else:
            inner, value = _QUALIFYING[criterion], threshold
        rows = await self.db.fetchall(
            "SELECT m.user_id, m.name FROM members m WHERE m.platform=? AND m.community=?"
            f" AND m.is_bot=0 AND m.left_at IS NULL AND m.user_id IN ({inner})"
            " AND NOT EXISTS (SELECT 1 FROM badges_held b WHERE b.platform=m.platform"
            " AND b.community=m.community AND b.user_id=m.user_id AND b.badge=?)"
            " ORDER BY m.user_id",
            (*c, *c, value, badge))
        return [(r[0], r[1]) for r in rows]
