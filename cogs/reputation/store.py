"""Reputation: the ledger of every point, running totals, ranks and leaderboards."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.events import Community
from storage import Store, from_ts, to_ts

# Ledger sources that are a member thanking another (command, reaction, message).
THANKS_SOURCES = ("thanks", "thanks_reaction", "thanks_message")
# Every query by receiver also says `source <> 'activity'`, so it can use the partial index.
_THANKS_IN = "(" + ",".join(f"'{s}'" for s in THANKS_SOURCES) + ") AND source <> 'activity'"
# SQLite's limit on bound parameters is generous, but IN lists stay readable in chunks.
_CHUNK = 500


# Per measure reputation declares: the user ids whose value reaches a threshold (params:
# platform, community, threshold).
REACHING = {
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
}


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    user_id: str
    points: int
    source: str
    at: datetime
    giver_id: str | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Totals:
    points: int = 0
    messages: int = 0
    thanks_received: int = 0
    thanks_given: int = 0


@dataclass(frozen=True, slots=True)
class Ranked:
    user_id: str
    name: str
    points: int


def reversed_source(source: str) -> str:
    """The ledger source of an entry that takes back one of `source`."""
    return f"{source}_reversed"


class ReputationStore(Store):

    # -- writing ------------------------------------------------------------------------

    async def record(self, community: Community, entries: Sequence[LedgerEntry]) -> None:
        """Ledger rows and the totals they change, in one transaction."""
        c = (community.platform, community.id)
        async with self.db.transaction():
            await self.db.executemany(
                "INSERT INTO rep_ledger (platform, community, user_id, giver_id, points, source,"
                " reason, at) VALUES (?,?,?,?,?,?,?,?)",
                [(*c, e.user_id, e.giver_id, e.points, e.source, e.reason, to_ts(e.at))
                 for e in entries])
            for e in entries:
                thanks = int(e.source in THANKS_SOURCES)
                await self._bump(c, e.user_id, e.points, 0, thanks, 0)
                if thanks and e.giver_id:
                    await self._bump(c, e.giver_id, 0, 0, 0, 1)

    async def _bump(self, c: tuple[str, str], user_id: str, points: int, messages: int,
                    received: int, given: int) -> None:
        await self.db.execute(
            "INSERT INTO rep_totals (platform, community, user_id, points, messages,"
            " thanks_received, thanks_given) VALUES (?,?,?,?,?,?,?)"
            " ON CONFLICT (platform, community, user_id) DO UPDATE SET"
            # Qualified: PostgreSQL reads a bare `points` here as ambiguous with excluded's.
            " points=rep_totals.points+excluded.points,"
            " messages=rep_totals.messages+excluded.messages,"
            " thanks_received=rep_totals.thanks_received+excluded.thanks_received,"
            " thanks_given=rep_totals.thanks_given+excluded.thanks_given",
            (*c, user_id, points, messages, received, given))

    async def add_activity(self, community: Community, items: Iterable[tuple[str, int, int]],
                           at: datetime) -> None:
        """Activity from many members at once: (user_id, points, messages) each.

        One ledger row per member per flush (its points are the sum), so a flush costs one
        statement per table however busy the channel was.
        """
        c = (community.platform, community.id)
        rows = list(items)
        ts = to_ts(at)
        async with self.db.transaction():
            await self.db.executemany(
                "INSERT INTO rep_ledger (platform, community, user_id, points, source, at)"
                " VALUES (?,?,?,?,'activity',?)",
                [(*c, uid, points, ts) for uid, points, _ in rows if points])
            await self.db.executemany(
                "INSERT INTO rep_totals (platform, community, user_id, points, messages)"
                " VALUES (?,?,?,?,?) ON CONFLICT (platform, community, user_id) DO UPDATE SET"
                " points=rep_totals.points+excluded.points,"
                " messages=rep_totals.messages+excluded.messages",
                [(*c, uid, points, messages) for uid, points, messages in rows])

    # -- reading one member -------------------------------------------------------------

    async def totals(self, community: Community, user_id: str) -> Totals:
        row = await self.db.fetchone(
            "SELECT points, messages, thanks_received, thanks_given FROM rep_totals"
            " WHERE platform=? AND community=? AND user_id=?",
            (community.platform, community.id, user_id))
        return Totals(*row) if row else Totals()

    async def totals_many(self, community: Community, user_ids: Sequence[str]
                          ) -> dict[str, Totals]:
        out: dict[str, Totals] = {}
        for i in range(0, len(user_ids), _CHUNK):
            chunk = user_ids[i:i + _CHUNK]
            rows = await self.db.fetchall(
                "SELECT user_id, points, messages, thanks_received, thanks_given FROM rep_totals"
                f" WHERE platform=? AND community=? AND user_id IN ({','.join('?' * len(chunk))})",
                (community.platform, community.id, *chunk))
            for r in rows:
                out[r["user_id"]] = Totals(r[1], r[2], r[3], r[4])
        return out

    async def rank(self, community: Community, points: int) -> tuple[int, int]:
        """(rank, members with any points): one more than how many have more points."""
        row = await self.db.fetchone(
            "SELECT COALESCE(SUM(CASE WHEN points>? THEN members END), 0),"
            " COALESCE(SUM(CASE WHEN points>0 THEN members END), 0) FROM rep_points_histogram"
            " WHERE platform=? AND community=? AND points>? AND members>0",
            (points, community.platform, community.id, min(points, 0)))
        above, ranked = (int(row[0]), int(row[1])) if row else (0, 0)
        return above + 1, ranked

    async def distinct_givers(self, community: Community, user_id: str) -> int:
        return int(await self.db.scalar(
            "SELECT COUNT(DISTINCT giver_id) FROM rep_ledger WHERE platform=? AND community=?"
            f" AND user_id=? AND source IN {_THANKS_IN} AND giver_id IS NOT NULL",
            (community.platform, community.id, user_id)) or 0)

    async def record_once(self, community: Community, entry: LedgerEntry) -> bool:
        """Record `entry` unless this member already has one with its source and reason."""
        async with self.transaction(community.key, entry.user_id):
            if await self.db.scalar(
                    "SELECT 1 FROM rep_ledger WHERE platform=? AND community=? AND user_id=?"
                    " AND source=? AND source <> 'activity' AND reason=?",
                    (community.platform, community.id, entry.user_id, entry.source,
                     entry.reason)):
                return False
            await self.record(community, [entry])
            return True

    async def count_source(self, community: Community, user_id: str, source: str) -> int:
        """How many of this member's entries have this source, less those reversed."""
        return int(await self.db.scalar(
            "SELECT COALESCE(SUM(CASE WHEN source=? THEN 1 ELSE -1 END), 0) FROM rep_ledger"
            " WHERE platform=? AND community=? AND user_id=? AND source IN (?, ?)"
            " AND source <> 'activity'",
            (source, community.platform, community.id, user_id, source,
             reversed_source(source))) or 0)

    async def reverse(self, community: Community, user_id: str, source: str, reason: str,
                      at: datetime, by: str | None) -> int:
        """Reverse this member's entries with this source and reason, once: a row of the
        opposite points under `<source>_reversed`, same reason. Returns the points taken back
        (0 if there was nothing, or it was already reversed)."""
        c = (community.platform, community.id)
        async with self.db.transaction():
            row = await self.db.fetchone(
                "SELECT COALESCE(SUM(CASE WHEN source=? THEN points ELSE 0 END), 0),"
                " COUNT(CASE WHEN source=? THEN 1 END) FROM rep_ledger"
                " WHERE platform=? AND community=? AND user_id=? AND source IN (?, ?)"
                " AND source <> 'activity' AND reason=?",
                (source, reversed_source(source), *c, user_id, source, reversed_source(source),
                 reason))
            points, done = (int(row[0]), int(row[1])) if row else (0, 0)
            if not points or done:
                return 0
            await self.record(community, [LedgerEntry(user_id, -points,
                                                      reversed_source(source), at, by, reason)])
            return points

    async def points_from(self, community: Community, user_id: str, giver_id: str) -> int:
        """Points `user_id` received from `giver_id` by thanks."""
        return int(await self.db.scalar(
            "SELECT COALESCE(SUM(points), 0) FROM rep_ledger WHERE platform=? AND community=?"
            f" AND user_id=? AND source IN {_THANKS_IN} AND giver_id=?",
            (community.platform, community.id, user_id, giver_id)) or 0)

    async def thanks_given_since(self, community: Community, giver_id: str, since: datetime
                                 ) -> tuple[int, datetime | None]:
        """How many thanks a giver gave since `since`, and when the oldest of them was."""
        row = await self.db.fetchone(
            "SELECT COUNT(*), MIN(at) FROM rep_ledger WHERE platform=? AND community=?"
            f" AND giver_id=? AND at>? AND source IN {_THANKS_IN}",
            (community.platform, community.id, giver_id, to_ts(since)))
        return (int(row[0]), from_ts(row[1])) if row else (0, None)

    async def last_thanks(self, community: Community, giver_id: str, user_id: str,
                          since: datetime) -> datetime | None:
        """When `giver_id` last thanked `user_id`, if it was after `since` (a cooldown that
        started exactly `since` ago is over)."""
        value = await self.db.scalar(
            "SELECT MAX(at) FROM rep_ledger WHERE platform=? AND community=? AND giver_id=?"
            f" AND at>? AND user_id=? AND source IN {_THANKS_IN}",
            (community.platform, community.id, giver_id, to_ts(since), user_id))
        return from_ts(value)

    # -- reading many -------------------------------------------------------------------

    async def top(self, community: Community, limit: int, ties: int = 200) -> list[Ranked]:
        """The all-time leaderboard of present members, from the totals' points index: the
        best `limit`, and up to `ties` more tied with the last, so names can break ties."""
        present = ("FROM rep_totals t JOIN members m ON m.platform=t.platform"
                   " AND m.community=t.community AND m.user_id=t.user_id"
                   " WHERE t.platform=? AND t.community=? AND t.points>0 AND m.left_at IS NULL"
                   " AND m.is_bot=0")
        c = (community.platform, community.id)
        rows = await self.db.fetchall(
            f"SELECT t.user_id, m.name, t.points {present} AND t.points >= COALESCE(("
            f"SELECT t.points {present} ORDER BY t.points DESC LIMIT 1 OFFSET ?), 0)"
            " ORDER BY t.points DESC, t.user_id LIMIT ?",
            (*c, *c, limit - 1, limit + ties))
        return [Ranked(r[0], r[1], int(r[2])) for r in rows]

    async def refresh_window(self, community: Community, period: str, since: datetime,
                             at: datetime, keep: int) -> None:
        """Recompute one window's leaderboard (the `keep` best) from the ledger."""
        c = (community.platform, community.id)
        async with self.db.transaction():
            await self.db.execute(
                "DELETE FROM rep_window_top WHERE platform=? AND community=? AND period=?",
                (*c, period))
            await self.db.execute(
                "INSERT INTO rep_window_top (platform, community, period, position, user_id,"
                " points, computed_at) SELECT ?, ?, ?, ROW_NUMBER() OVER"
                " (ORDER BY points DESC, user_id), user_id, points, ? FROM (SELECT user_id,"
                " SUM(points) AS points FROM rep_ledger WHERE platform=? AND community=?"
                " AND at>=? GROUP BY user_id HAVING SUM(points)>0"
                " ORDER BY points DESC, user_id LIMIT ?) AS best",
                (*c, period, to_ts(at), *c, to_ts(since), keep))

    async def window_computed(self, community: Community, period: str) -> datetime | None:
        return from_ts(await self.db.scalar(
            "SELECT MAX(computed_at) FROM rep_window_top WHERE platform=? AND community=?"
            " AND period=?", (community.platform, community.id, period)))

    async def window_top(self, community: Community, period: str, limit: int
                         ) -> list[Ranked]:
        """A window's leaderboard as last computed, present members only."""
        rows = await self.db.fetchall(
            "SELECT w.user_id, m.name, w.points FROM rep_window_top w JOIN members m"
            " ON m.platform=w.platform AND m.community=w.community AND m.user_id=w.user_id"
            " WHERE w.platform=? AND w.community=? AND w.period=? AND m.left_at IS NULL"
            " AND m.is_bot=0 ORDER BY w.position LIMIT ?",
            (community.platform, community.id, period, limit))
        return [Ranked(r[0], r[1], int(r[2])) for r in rows]

    async def reaching(self, community: Community, kind: str, threshold: int) -> list[str]:
        """User ids whose value of `kind` (one of REACHING) is at least `threshold`."""
        rows = await self.db.fetchall(REACHING[kind], (community.platform, community.id,
                                                       threshold))
        return [r[0] for r in rows]
