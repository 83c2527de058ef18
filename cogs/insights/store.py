"""Community health's tables: daily counters, who was active (kept five weeks), sentiment as
weather per channel, and the newcomer funnel. Counters are increments in SQL."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from bot.events import Community
from cogs.insights.counters import Batch
from storage import Store, from_ts, to_ts

STEPS = ("introduced_at", "first_message_at", "replied_at", "week2_at")


@dataclass(frozen=True, slots=True)
class Cohort:
    """The funnel for members who joined in one span."""

    joined: int = 0
    introduced: int = 0
    first_message: int = 0
    replied: int = 0
    # Of those whose second week has ended: how many there are, and how many posted in it.
    week2_due: int = 0
    week2: int = 0


class InsightsStore(Store):

    async def write(self, community: Community, batch: Batch) -> None:
        """One flush, one transaction: counters added, today's active members recorded and
        their count set, weather summed, funnel steps kept at their first time."""
        p, c = community.platform, community.id
        async with self.db.transaction():
            adds = [(p, c, d, f, ch, n) for (d, f, ch), n in batch.counts.items()
                    if f != "channel_posters"]
            if adds:
                await self.db.executemany(
                    "INSERT INTO insight_counts (platform, community, day, figure, channel,"
                    " value) VALUES (?,?,?,?,?,?) ON CONFLICT (platform, community, day,"
                    " figure, channel) DO UPDATE SET value = insight_counts.value"
                    " + excluded.value", adds)
            # Poster counts are of the whole day so far: the largest seen is the day's.
            sets = [(p, c, d, f, ch, n) for (d, f, ch), n in batch.counts.items()
                    if f == "channel_posters"]
            if sets:
                await self.db.executemany(
                    "INSERT INTO insight_counts (platform, community, day, figure, channel,"
                    " value) VALUES (?,?,?,?,?,?) ON CONFLICT (platform, community, day,"
                    " figure, channel) DO UPDATE SET value = CASE WHEN excluded.value >"
                    " insight_counts.value THEN excluded.value ELSE insight_counts.value END",
                    sets)
            for day, users in batch.active.items():
                await self.db.executemany(
                    "INSERT INTO insight_active (platform, community, day, user_id)"
                    " VALUES (?,?,?,?) ON CONFLICT DO NOTHING",
                    [(p, c, day, u) for u in users])
                await self.db.execute(
                    "INSERT INTO insight_counts (platform, community, day, figure, channel,"
                    " value) SELECT ?, ?, ?, 'active', '', COUNT(*) FROM insight_active"
                    " WHERE platform=? AND community=? AND day=? ON CONFLICT (platform,"
                    " community, day, figure, channel) DO UPDATE SET value = excluded.value",
                    (p, c, day, p, c, day))
            if batch.thanked:
                await self.db.executemany(
                    "INSERT INTO insight_thanked (platform, community, day, user_id, thanks)"
                    " VALUES (?,?,?,?,?) ON CONFLICT (platform, community, day, user_id)"
                    " DO UPDATE SET thanks = insight_thanked.thanks + excluded.thanks",
                    [(p, c, d, u, n) for (d, u), n in batch.thanked.items()])
            if batch.weather:
                await self.db.executemany(
                    "INSERT INTO insight_weather (platform, community, day, channel, total,"
                    " scored) VALUES (?,?,?,?,?,?) ON CONFLICT (platform, community, day,"
                    " channel) DO UPDATE SET total = insight_weather.total + excluded.total,"
                    " scored = insight_weather.scored + excluded.scored",
                    [(p, c, d, ch, t, n) for (d, ch), (t, n) in batch.weather.items()])
            if batch.joined:
                await self.db.executemany(
                    "INSERT INTO insight_newcomers (platform, community, user_id, joined_at)"
                    " VALUES (?,?,?,?) ON CONFLICT (platform, community, user_id) DO UPDATE"
                    " SET joined_at = excluded.joined_at, introduced_at = NULL,"
                    " first_message_at = NULL, replied_at = NULL, week2_at = NULL",
                    [(p, c, u, to_ts(at)) for u, at in batch.joined.items()])
            for user_id, steps in batch.steps.items():
                for step, at in steps.items():
                    column = f"{step}_at"
                    assert column in STEPS
                    await self.db.execute(
                        f"UPDATE insight_newcomers SET {column} = COALESCE({column}, ?)"
                        " WHERE platform=? AND community=? AND user_id=?",
                        (to_ts(at), p, c, user_id))

    async def prune(self, community: Community, before_day: str) -> None:
        """Forget who was active or thanked before `before_day`; the counts stay."""
        p, c = community.platform, community.id
        for table in ("insight_active", "insight_thanked"):
            await self.db.execute(f"DELETE FROM {table} WHERE platform=? AND community=?"
                                  " AND day < ?", (p, c, before_day))

    async def newcomers_since(self, community: Community, since: datetime
                              ) -> list[tuple[str, datetime, bool, bool, bool]]:
        """Members still in their first two weeks: (user id, joined, posted, replied,
        posted in week 2)."""
        rows = await self.db.fetchall(
            "SELECT user_id, joined_at, first_message_at, replied_at, week2_at"
            " FROM insight_newcomers WHERE platform=? AND community=? AND joined_at >= ?",
            (community.platform, community.id, to_ts(since)))
        out = []
        for r in rows:
            joined = from_ts(r["joined_at"])
            assert joined is not None
            out.append((r["user_id"], joined, r["first_message_at"] is not None,
                        r["replied_at"] is not None, r["week2_at"] is not None))
        return out

    async def daily(self, community: Community, since_day: str, until_day: str
                    ) -> dict[str, dict[str, int]]:
        """Community-wide counters per day in [since_day, until_day]: {day: {figure: n}}."""
        rows = await self.db.fetchall(
            "SELECT day, figure, value FROM insight_counts WHERE platform=? AND community=?"
            " AND day >= ? AND day <= ? AND channel = ''",
            (community.platform, community.id, since_day, until_day))
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for r in rows:
            out[r["day"]][r["figure"]] = r["value"]
        return dict(out)

    async def per_channel(self, community: Community, since_day: str, until_day: str
                          ) -> dict[str, dict[str, int]]:
        """Per-channel counters summed over the span (posters: the busiest day's)."""
        rows = await self.db.fetchall(
            "SELECT channel, figure, SUM(value) AS total, MAX(value) AS most"
            " FROM insight_counts WHERE platform=? AND community=? AND day >= ? AND day <= ?"
            " AND channel <> '' GROUP BY channel, figure",
            (community.platform, community.id, since_day, until_day))
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for r in rows:
            out[r["channel"]][r["figure"]] = (r["most"] if r["figure"] == "channel_posters"
                                              else r["total"])
        return dict(out)

    async def all_counts(self, community: Community, since_day: str
                         ) -> list[tuple[str, str, str, int]]:
        """Every daily counter from `since_day`, for the CSV: (day, figure, channel, value)."""
        rows = await self.db.fetchall(
            "SELECT day, figure, channel, value FROM insight_counts WHERE platform=?"
            " AND community=? AND day >= ? ORDER BY day, figure, channel",
            (community.platform, community.id, since_day))
        return [(r["day"], r["figure"], r["channel"], r["value"]) for r in rows]

    async def distinct_active(self, community: Community, since_day: str, until_day: str
                              ) -> int:
        """Members who posted at least once in the span (within the five weeks kept)."""
        return int(await self.db.scalar(
            "SELECT COUNT(DISTINCT user_id) FROM insight_active WHERE platform=?"
            " AND community=? AND day >= ? AND day <= ?",
            (community.platform, community.id, since_day, until_day)) or 0)

    async def active_since_left(self, community: Community, since_day: str, until_day: str,
                                left_after: datetime) -> int:
        """Of the members who posted in the span, those who have left since `left_after`:
        read from the few who left (an index on left_at), not from everyone active."""
        return int(await self.db.scalar(
            "SELECT COUNT(*) FROM members m WHERE m.platform=? AND m.community=?"
            " AND m.left_at >= ? AND m.is_bot = 0 AND EXISTS (SELECT 1 FROM insight_active a"
            " WHERE a.platform = m.platform AND a.community = m.community AND a.day >= ?"
            " AND a.day <= ? AND a.user_id = m.user_id)",
            (community.platform, community.id, to_ts(left_after), since_day, until_day)) or 0)

    async def members(self, community: Community) -> int:
        """Members here now (the core's record), bots left out."""
        return int(await self.db.scalar(
            "SELECT COUNT(*) FROM members WHERE platform=? AND community=?"
            " AND left_at IS NULL AND is_bot = 0",
            (community.platform, community.id)) or 0)

    async def most_thanked(self, community: Community, since_day: str, until_day: str,
                           limit: int) -> list[tuple[str, int]]:
        rows = await self.db.fetchall(
            "SELECT user_id, SUM(thanks) AS n FROM insight_thanked WHERE platform=?"
            " AND community=? AND day >= ? AND day <= ? GROUP BY user_id"
            " ORDER BY n DESC, user_id LIMIT ?",
            (community.platform, community.id, since_day, until_day, limit))
        return [(r["user_id"], r["n"]) for r in rows]

    async def weather(self, community: Community, since_day: str, until_day: str
                      ) -> dict[str, dict[str, tuple[float, int]]]:
        """{channel: {day: (average, scored)}} over the span."""
        rows = await self.db.fetchall(
            "SELECT channel, day, total, scored FROM insight_weather WHERE platform=?"
            " AND community=? AND day >= ? AND day <= ?",
            (community.platform, community.id, since_day, until_day))
        out: dict[str, dict[str, tuple[float, int]]] = defaultdict(dict)
        for r in rows:
            out[r["channel"]][r["day"]] = (r["total"] / max(r["scored"], 1), r["scored"])
        return dict(out)

    async def raise_once(self, community: Community, day: str, channel: str) -> bool:
        """True the first time a channel's dip is raised on a day."""
        return await self.db.execute(
            "INSERT INTO insight_alerts (platform, community, day, channel) VALUES (?,?,?,?)"
            " ON CONFLICT DO NOTHING",
            (community.platform, community.id, day, channel)) > 0

    async def cohort(self, community: Community, since: datetime, until: datetime,
                     week2_by: datetime) -> Cohort:
        """The funnel for members who joined in [since, until)."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS joined, COUNT(introduced_at) AS introduced,"
            " COUNT(first_message_at) AS first_message, COUNT(replied_at) AS replied,"
            " SUM(CASE WHEN joined_at < ? THEN 1 ELSE 0 END) AS due,"
            " SUM(CASE WHEN joined_at < ? AND week2_at IS NOT NULL THEN 1 ELSE 0 END) AS wk2"
            " FROM insight_newcomers WHERE platform=? AND community=? AND joined_at >= ?"
            " AND joined_at < ?",
            (to_ts(week2_by), to_ts(week2_by), community.platform, community.id,
             to_ts(since), to_ts(until)))
        if row is None:
            return Cohort()
        return Cohort(row["joined"], row["introduced"], row["first_message"], row["replied"],
                      row["due"] or 0, row["wk2"] or 0)
