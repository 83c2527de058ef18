"""Reputation's part in members' data rights: the ledger, totals and leaderboard rows.

Points a forgotten member received go with them (and their place on every leaderboard); thanks
they gave stay as points for the people they thanked, from "a former member" (the giver id is
replaced by a pseudonym, one per forget, so fairness counts like distinct givers still hold).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from bot.events import Community
from bot.memberdata import (
    ForgetPlan,
    Forgotten,
    Kept,
    SettingsFor,
    count,
    how_long,
    is_former,
    pseudonym,
    ts,
)
from bot.templates import counted
from storage import Database, to_ts

FORMER = "a former member"


class ReputationData:
    feature = "reputation"
    covers: Mapping[str, tuple[str, ...]] = {
        "rep_ledger": ("user_id", "giver_id"),
        "rep_totals": ("user_id",),
        "rep_day_points": ("user_id",),
        "rep_window_points": ("user_id",),
    }

    def __init__(self, db: Database, drop_held: Callable[[Community, str], None]) -> None:
        self.db = db
        # Activity held in memory until the next flush; dropped so a flush can't bring it back.
        self._drop_held = drop_held

    def statement(self, settings: Any) -> str:
        kept = settings.reputation.ledger_kept
        ledger = ("kept for good" if kept is None
                  else f"kept {how_long(kept)}, then only your running totals stay")
        return (
            "Every point you receive or give: who thanked whom, why and when, and activity "
            f"points for taking part ({ledger}); your running totals and your place on the "
            "leaderboards. Others see thanks as they happen; /profile and /leaderboard show "
            "totals. Forgetting you deletes your points; thanks you gave stay with the people "
            'you thanked, from "a former member".'
        )

    def _c(self, community: Community) -> tuple[str, str]:
        return (community.platform, community.id)

    async def _names(self, community: Community, ids: set[str]) -> dict[str, str]:
        """Names of other members as the member saw them where the points were given."""
        names: dict[str, str] = {}
        for user_id in ids:
            if is_former(user_id):
                names[user_id] = FORMER
                continue
            name = await self.db.scalar(
                "SELECT name FROM members WHERE platform=? AND community=? AND user_id=?",
                (*self._c(community), user_id))
            names[user_id] = name or FORMER
        return names

    async def export(self, community: Community, user_id: str) -> dict[str, Any]:
        c = self._c(community)
        out: dict[str, Any] = {}
        totals = await self.db.fetchone(
            "SELECT points, messages, thanks_received, thanks_given FROM rep_totals"
            " WHERE platform=? AND community=? AND user_id=?", (*c, user_id))
        if totals is not None:
            out["totals"] = {k: int(totals[k]) for k in
                             ("points", "messages", "thanks_received", "thanks_given")}
        received = await self.db.fetchall(
            "SELECT giver_id, points, source, reason, at FROM rep_ledger WHERE platform=? AND"
            " community=? AND user_id=? AND source <> 'activity' ORDER BY at, id",
            (*c, user_id))
        given = await self.db.fetchall(
            "SELECT user_id, points, source, reason, at FROM rep_ledger WHERE platform=? AND"
            " community=? AND giver_id=? ORDER BY at, id", (*c, user_id))
        names = await self._names(community, {r["giver_id"] for r in received if r["giver_id"]}
                                  | {r["user_id"] for r in given})
        if received:
            # Who thanked them was posted in the channel as it happened: theirs to see.
            out["points_received"] = [
                {"from": names[r["giver_id"]] if r["giver_id"] else None,
                 "points": r["points"], "source": r["source"], "reason": r["reason"],
                 "at": ts(r["at"])} for r in received]
        if given:
            out["thanks_given"] = [
                {"to": names[r["user_id"]], "points": r["points"], "source": r["source"],
                 "reason": r["reason"], "at": ts(r["at"])} for r in given]
        activity = await self.db.fetchall(
            "SELECT points, at FROM rep_ledger WHERE platform=? AND community=? AND user_id=?"
            " AND source = 'activity' ORDER BY at, id", (*c, user_id))
        if activity:
            out["activity_points"] = [{"points": r["points"], "at": ts(r["at"])}
                                      for r in activity]
        window = await self.db.fetchone(
            "SELECT points_7d, points_30d FROM rep_window_points WHERE platform=?"
            " AND community=? AND user_id=?", (*c, user_id))
        if window is not None:
            out["leaderboard_points"] = {"7d": int(window["points_7d"]),
                                         "30d": int(window["points_30d"])}
        return out

    async def preview(self, community: Community, user_id: str, now: datetime,
                      settings: Any) -> ForgetPlan:
        c = self._c(community)
        deleted, kept = [], []
        points = await self.db.scalar(
            "SELECT points FROM rep_totals WHERE platform=? AND community=? AND user_id=?",
            (*c, user_id))
        if points is not None:
            deleted.append(f"your {counted(int(points), 'point', 'points')} and running totals")
        received = await count(
            self.db,
            "SELECT COUNT(*) FROM rep_ledger WHERE platform=? AND community=? AND user_id=?",
            (*c, user_id))
        if received:
            deleted.append(counted(received, "record of points you received",
                                   "records of points you received"))
        places = await count(
            self.db,
            "SELECT COUNT(*) FROM rep_window_points WHERE platform=? AND community=?"
            " AND user_id=?", (*c, user_id))
        if places:
            deleted.append("your places on the 7-day and 30-day leaderboards")
        given = await count(
            self.db,
            "SELECT COUNT(*) FROM rep_ledger WHERE platform=? AND community=? AND giver_id=?",
            (*c, user_id))
        if given:
            kept.append(Kept(
                counted(given, "thanks you gave", "thanks you gave"),
                'still points for the people you thanked, from "a former member", no '
                "longer linked to you"))
        return ForgetPlan(tuple(deleted), tuple(kept))

    async def forget(self, community: Community, user_id: str, now: datetime,
                     settings: Any) -> Forgotten:
        c = self._c(community)
        self._drop_held(community, user_id)
        # The rank histogram counts members per points value; deleting a totals row must take
        # them out of it too (its triggers only follow inserts and updates).
        rows = await self.db.execute(
            "UPDATE rep_points_histogram SET members = members - 1 WHERE platform=? AND"
            " community=? AND points = (SELECT points FROM rep_totals WHERE platform=? AND"
            " community=? AND user_id=?)", (*c, *c, user_id))
        rows += await self.db.execute(
            "DELETE FROM rep_totals WHERE platform=? AND community=? AND user_id=?",
            (*c, user_id))
        rows += await self.db.execute(
            "DELETE FROM rep_ledger WHERE platform=? AND community=? AND user_id=?",
            (*c, user_id))
        rows += await self.db.execute(
            "UPDATE rep_ledger SET giver_id=? WHERE platform=? AND community=? AND giver_id=?",
            (pseudonym(), *c, user_id))
        rows += await self.db.execute(
            "DELETE FROM rep_window_points WHERE platform=? AND community=? AND user_id=?",
            (*c, user_id))
        # Buckets are keyed by day first (how windows expire them): one lookup per day held.
        day = await self.db.scalar(
            "SELECT MIN(day) FROM rep_day_points WHERE platform=? AND community=?", c)
        while day is not None:
            rows += await self.db.execute(
                "DELETE FROM rep_day_points WHERE platform=? AND community=? AND day=?"
                " AND user_id=?", (*c, day, user_id))
            day = await self.db.scalar(
                "SELECT MIN(day) FROM rep_day_points WHERE platform=? AND community=?"
                " AND day>?", (*c, day))
        return Forgotten(rows)

    async def prune(self, now: datetime, settings_for: SettingsFor) -> int:
        rows = 0
        for r in await self.db.fetchall("SELECT DISTINCT platform, community FROM rep_totals"):
            community = Community(r["platform"], r["community"])
            kept = settings_for(community).reputation.ledger_kept
            if kept is not None:
                rows += await self.db.execute(
                    "DELETE FROM rep_ledger WHERE platform=? AND community=? AND at<?",
                    (*self._c(community), to_ts(now - kept)))
        return rows
