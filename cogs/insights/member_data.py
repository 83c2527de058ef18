"""Community health's part in members' data rights: the days a member posted (kept five weeks,
so "active members" counts each once), the thanks they received per day (for the digest's "who
helped"), and, for newcomers, when each step of the funnel first happened.

Forgetting a member deletes all three, and drops what memory holds about them before the next
flush could write it back. The daily counters and the mood per channel hold no member ids.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.events import Community
from bot.memberdata import ForgetPlan, Forgotten, SettingsFor, ts
from bot.templates import counted
from storage import Database

# Who posted and who was thanked are kept this many days (week two and the weekly rate).
KEEP_DAYS = 35
FUNNEL = ("joined_at", "introduced_at", "first_message_at", "replied_at", "week2_at")


class InsightsData:
    feature = "insights"
    covers: Mapping[str, tuple[str, ...]] = {
        "insight_active": ("user_id",),
        "insight_thanked": ("user_id",),
        "insight_newcomers": ("user_id",),
    }

    def __init__(self, db: Database, drop_held: Callable[[Community, str], None]) -> None:
        self.db = db
        # Counters held in memory until the next flush; dropped so a flush can't bring them back.
        self._drop_held = drop_held

    def statement(self, settings: Any) -> str:
        return ("For the community's health figures: the days you posted and the thanks you "
                f"received each day (kept {KEEP_DAYS} days, for counting active members and "
                "the weekly digest's thanks to helpers), and if you joined while Hearth was "
                "here, when you first introduced yourself, posted, got a reply and came back "
                "in your second week (kept until you ask). No message text and no mood is kept "
                "about you. Forgetting you deletes all of it; the community's daily totals, "
                "which name nobody, stay.")

    async def export(self, community: Community, user_id: str) -> dict[str, Any]:
        who = (community.platform, community.id, user_id)
        out: dict[str, Any] = {}
        days = await self.db.fetchall(
            "SELECT day FROM insight_active WHERE platform=? AND community=? AND user_id=?"
            " ORDER BY day", who)
        if days:
            out["days_you_posted"] = [r["day"] for r in days]
        thanked = await self.db.fetchall(
            "SELECT day, thanks FROM insight_thanked WHERE platform=? AND community=? AND"
            " user_id=? ORDER BY day", who)
        if thanked:
            out["thanks_received_per_day"] = {r["day"]: r["thanks"] for r in thanked}
        funnel = await self.db.fetchone(
            f"SELECT {', '.join(FUNNEL)} FROM insight_newcomers WHERE platform=? AND"
            " community=? AND user_id=?", who)
        if funnel is not None:
            out["as_a_newcomer"] = {step.removesuffix("_at"): ts(funnel[step])
                                    for step in FUNNEL}
        return out

    async def _rows(self, table: str, who: tuple[str, str, str]) -> int:
        return int(await self.db.scalar(
            f"SELECT COUNT(*) FROM {table} WHERE platform=? AND community=? AND user_id=?",
            who) or 0)

    async def preview(self, community: Community, user_id: str, now: datetime,
                      settings: Any) -> ForgetPlan:
        who = (community.platform, community.id, user_id)
        deleted = []
        if days := await self._rows("insight_active", who):
            deleted.append(counted(days, "day you posted on", "days you posted on"))
        if thanked := await self._rows("insight_thanked", who):
            deleted.append(counted(thanked, "day's count of thanks you received",
                                   "days' counts of thanks you received"))
        if await self._rows("insight_newcomers", who):
            deleted.append("your first steps as a newcomer")
        return ForgetPlan(tuple(deleted))

    async def forget(self, community: Community, user_id: str, now: datetime,
                     settings: Any) -> Forgotten:
        self._drop_held(community, user_id)
        who = (community.platform, community.id, user_id)
        rows = 0
        for table in self.covers:
            rows += await self.db.execute(
                f"DELETE FROM {table} WHERE platform=? AND community=? AND user_id=?", who)
        return Forgotten(rows)

    async def prune(self, now: datetime, settings_for: SettingsFor) -> int:
        # Days are community-local dates; a day's slack covers every time zone.
        cutoff = (now - timedelta(days=KEEP_DAYS + 1)).date().isoformat()
        rows = 0
        for table in ("insight_active", "insight_thanked"):
            rows += await self.db.execute(f"DELETE FROM {table} WHERE day < ?", (cutoff,))
        return rows
