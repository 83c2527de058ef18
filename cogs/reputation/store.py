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
# Members taken off a window per transaction when a day leaves it: short enough that writes
# and other work between them never wait long.
EXPIRE_CHUNK = 2000
DAY = 86400
# The leaderboard windows, in whole UTC days, shortest first (see advance_windows), and the
# running-sum column of each.
WINDOW_DAYS = {"7d": 7, "30d": 30}
WINDOW_COLUMN = {"7d": "points_7d", "30d": "points_30d"}
# A member's points on `day` count in a window unless that day (or, while it is being taken
# off, this member's part of it) is already off. Params: platform, community, period, day,
# day, user_id, points.
_UNLESS_OFF = ("CASE WHEN EXISTS (SELECT 1 FROM rep_window_start s WHERE s.platform=?"
               " AND s.community=? AND s.period=? AND (s.first_day>? OR (s.first_day=?"
               " AND s.done_to>=?))) THEN 0 ELSE ? END")


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


def day_of(moment: datetime) -> int:
    """Whole UTC days since 1970: the bucket a moment's points fall in."""
    return int(to_ts(moment) // DAY)


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
            await self._bucket(c, [(e.user_id, e.points, day_of(e.at)) for e in entries
                                   if e.points])
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

    async def _bucket(self, c: tuple[str, str], items: Sequence[tuple[str, int, int]]) -> None:
        """Add (user_id, points, day) to the day buckets and to each window still counting
        that day: the leaderboards stay current without reading the ledger."""
        if not items:
            return
        await self.db.executemany(
            "INSERT INTO rep_day_points (platform, community, day, user_id, points)"
            " VALUES (?,?,?,?,?) ON CONFLICT (platform, community, day, user_id) DO UPDATE SET"
            " points=rep_day_points.points+excluded.points",
            [(*c, day, uid, points) for uid, points, day in items])
        await self.db.executemany(
            "INSERT INTO rep_window_points (platform, community, user_id, points_7d,"
            f" points_30d) VALUES (?,?,?,{_UNLESS_OFF},{_UNLESS_OFF})"
            " ON CONFLICT (platform, community, user_id) DO UPDATE SET"
            " points_7d=rep_window_points.points_7d+excluded.points_7d,"
            " points_30d=rep_window_points.points_30d+excluded.points_30d",
            [(*c, uid, *c, "7d", day, day, uid, points, *c, "30d", day, day, uid, points)
             for uid, points, day in items])

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
            day = day_of(at)
            await self._bucket(c, [(uid, points, day) for uid, points, _ in rows if points])
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

    async def top(self, community: Community, limit: int, ties: int = 200,
                  period: str = "all") -> list[Ranked]:
        """A leaderboard of present members (all-time, or a window of WINDOW_DAYS) from its
        points index: the best `limit`, and up to `ties` more tied with the last, so names can
        break ties. Reads a few index entries, however long the history."""
        table, points = (("rep_totals", "points") if period == "all"
                         else ("rep_window_points", WINDOW_COLUMN[period]))
        # CROSS JOIN: SQLite walks the board's points index first, then looks each member
        # up, rather than scanning every present member through an index on members (which
        # a 1M-member server would sort on each call). PostgreSQL plans it as it likes.
        present = (f"FROM {table} t CROSS JOIN members m WHERE m.platform=t.platform"
                   " AND m.community=t.community AND m.user_id=t.user_id"
                   f" AND t.platform=? AND t.community=? AND t.{points}>0"
                   " AND m.left_at IS NULL AND m.is_bot=0")
        c = (community.platform, community.id)
        rows = await self.db.fetchall(
            f"SELECT t.user_id, m.name, t.{points} {present} AND t.{points} >= COALESCE(("
            f"SELECT t.{points} {present} ORDER BY t.{points} DESC LIMIT 1 OFFSET ?), 0)"
            f" ORDER BY t.{points} DESC, t.user_id LIMIT ?",
            (*c, *c, limit - 1, limit + ties))
        return [Ranked(r[0], r[1], int(r[2])) for r in rows]

    async def windows_due(self, community: Community, today: int) -> bool:
        """Whether a day has left a window and is still counted in it."""
        rows = await self.db.fetchall(
            "SELECT period, first_day FROM rep_window_start WHERE platform=? AND community=?",
            (community.platform, community.id))
        started = {r[0]: int(r[1]) for r in rows}
        if len(started) < len(WINDOW_DAYS):
            return bool(await self.db.scalar(
                "SELECT 1 FROM rep_day_points WHERE platform=? AND community=? AND day<=?"
                " LIMIT 1", (community.platform, community.id, today - 7)))
        return any(started[p] < today - n + 1 for p, n in WINDOW_DAYS.items())

    async def advance_windows(self, community: Community, today: int,
                              chunk: int = EXPIRE_CHUNK, steps: int | None = None) -> bool:
        """Take the days that have left each window off its running sums, `chunk` members per
        transaction (at most `steps` transactions, None for all); the longest window also
        deletes the buckets it has finished with. Costs one day's buckets per day passed,
        never the history. Returns whether every window is current."""
        longest = max(WINDOW_DAYS, key=WINDOW_DAYS.__getitem__)
        # Shortest first: the longest deletes buckets, which the others must have passed.
        for period, days in sorted(WINDOW_DAYS.items(), key=lambda kv: kv[1]):
            while await self._expire_step(community, period, today - days + 1,
                                          period == longest, chunk) is not None:
                if steps is not None:
                    steps -= 1
                    if steps <= 0:
                        return False
        return True

    async def _expire_step(self, community: Community, period: str, target: int,
                           drop: bool, chunk: int) -> int | None:
        """One short transaction of advance_windows; None when the window is current."""
        c = (community.platform, community.id)
        column = WINDOW_COLUMN[period]
        async with self.transaction(community.key, "windows", period):
            row = await self.db.fetchone(
                "SELECT first_day, done_to FROM rep_window_start WHERE platform=? AND"
                " community=? AND period=?", (*c, period))
            if row is None:
                # Never advanced: the sums hold every bucket there is, from the oldest on.
                oldest = await self.db.scalar(
                    "SELECT MIN(day) FROM rep_day_points WHERE platform=? AND community=?", c)
                first = target if oldest is None else min(int(oldest), target)
                await self.db.execute(
                    "INSERT INTO rep_window_start (platform, community, period, first_day)"
                    " VALUES (?,?,?,?)", (*c, period, first))
                return 0
            first, done_to = int(row[0]), row[1]
            if first >= target:
                return None
            # FOR UPDATE (PostgreSQL): a late write to this bucket waits, so it is either
            # subtracted here whole or counted only in the bucket.
            lock = " FOR UPDATE" if self.db.dialect != "sqlite" else ""
            rows = await self.db.fetchall(
                "SELECT user_id, points FROM rep_day_points WHERE platform=? AND community=?"
                " AND day=? AND user_id>? ORDER BY user_id LIMIT ?" + lock,
                (*c, first, done_to, chunk))
            if not rows:
                following = await self.db.scalar(
                    "SELECT MIN(day) FROM rep_day_points WHERE platform=? AND community=?"
                    " AND day>?", (*c, first))
                following = target if following is None else min(int(following), target)
                await self.db.execute(
                    "UPDATE rep_window_start SET first_day=?, done_to='' WHERE platform=?"
                    " AND community=? AND period=?", (following, *c, period))
                return 0
            last = rows[-1][0]
            await self.db.executemany(
                f"UPDATE rep_window_points SET {column}={column}-? WHERE platform=? AND"
                " community=? AND user_id=?", [(int(r[1]), *c, r[0]) for r in rows])
            if drop:
                await self.db.execute(
                    "DELETE FROM rep_day_points WHERE platform=? AND community=? AND day=?"
                    " AND user_id>? AND user_id<=?", (*c, first, done_to, last))
                await self.db.executemany(
                    "DELETE FROM rep_window_points WHERE platform=? AND community=? AND"
                    " user_id=? AND points_7d=0 AND points_30d=0", [(*c, r[0]) for r in rows])
            await self.db.execute(
                "UPDATE rep_window_start SET done_to=? WHERE platform=? AND community=? AND"
                " period=?", (last, *c, period))
            return len(rows)

    async def rebuild_windows(self, community: Community, today: int) -> None:
        """Recompute the buckets and running sums from the ledger (after a bulk load that
        wrote ledger rows directly): one pass over the last 30 days, in one transaction."""
        c = (community.platform, community.id)
        longest = max(WINDOW_DAYS.values())
        async with self.transaction(community.key, "windows"):
            for table in ("rep_day_points", "rep_window_points", "rep_window_start"):
                await self.db.execute(
                    f"DELETE FROM {table} WHERE platform=? AND community=?", c)
            await self.db.execute(
                "INSERT INTO rep_day_points (platform, community, day, user_id, points)"
                " SELECT platform, community, day, user_id, SUM(points) FROM (SELECT platform,"
                f" community, CAST(FLOOR(at / {DAY}) AS BIGINT) AS day, user_id, points"
                " FROM rep_ledger WHERE platform=? AND community=? AND at>=?) AS recent"
                " GROUP BY platform, community, day, user_id",
                (*c, float((today - longest + 1) * DAY)))
            await self.db.executemany(
                "INSERT INTO rep_window_start (platform, community, period, first_day)"
                " VALUES (?,?,?,?)",
                [(*c, p, today - n + 1) for p, n in WINDOW_DAYS.items()])
            await self.db.execute(
                "INSERT INTO rep_window_points (platform, community, user_id, points_7d,"
                " points_30d) SELECT platform, community, user_id, SUM(CASE WHEN day>=?"
                " THEN points ELSE 0 END), SUM(points) FROM rep_day_points WHERE platform=?"
                " AND community=? GROUP BY platform, community, user_id",
                (today - WINDOW_DAYS["7d"] + 1, *c))

    async def reaching(self, community: Community, kind: str, threshold: int) -> list[str]:
        """User ids whose value of `kind` (one of REACHING) is at least `threshold`."""
        rows = await self.db.fetchall(REACHING[kind], (community.platform, community.id,
                                                       threshold))
        return [r[0] for r in rows]
