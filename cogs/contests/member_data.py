"""Contests' part in members' data rights: entries, votes, wins and contests a moderator ran.

A forgotten member's entries go (with the votes they got); votes they cast stay counted, and
places they won stay in the results, under a pseudonym as "a former member". Who voted for an
entry is never exported, not even to its author: only how many did.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.events import Community
from bot.memberdata import ForgetPlan, Forgotten, Kept, SettingsFor, pseudonym, ts
from bot.templates import counted
from storage import Database

FORMER = "a former member"


class ContestsData:
    feature = "contests"
    covers: Mapping[str, tuple[str, ...]] = {
        "contests": ("created_by",),
        "contest_entries": ("user_id",),
        "contest_votes": ("user_id",),
        "contest_winners": ("user_id",),
    }

    def __init__(self, db: Database) -> None:
        self.db = db

    def statement(self, settings: Any) -> str:
        return ("Your contest entries (what you sent, when, and how many votes each got), the "
                "vote you cast in each contest, places you won, and contests you ran as a "
                "moderator. Kept as each contest's record. Forgetting you deletes your entries; "
                "your votes stay counted and your wins stay in the results, as \"a former "
                "member\", no longer linked to you. Nobody can see who voted for what.")

    async def export(self, community: Community, user_id: str) -> dict[str, Any]:
        c = (community.platform, community.id)
        out: dict[str, Any] = {}
        entries = await self.db.fetchall(
            "SELECT e.contest, c.title, e.number, e.content, e.submitted_at, e.status,"
            " (SELECT COUNT(*) FROM contest_votes v WHERE v.platform=e.platform AND"
            "  v.community=e.community AND v.contest=e.contest AND v.entry=e.number) AS votes"
            " FROM contest_entries e JOIN contests c ON c.platform=e.platform AND"
            " c.community=e.community AND c.number=e.contest"
            " WHERE e.platform=? AND e.community=? AND e.user_id=? ORDER BY e.contest, e.number",
            (*c, user_id))
        if entries:
            out["entries"] = [
                {"contest": r["contest"], "title": r["title"], "entry": r["number"],
                 "content": r["content"], "submitted_at": ts(r["submitted_at"]),
                 "status": r["status"], "votes_received": r["votes"]} for r in entries]
        votes = await self.db.fetchall(
            "SELECT v.contest, c.title, v.entry, v.voted_at FROM contest_votes v JOIN contests c"
            " ON c.platform=v.platform AND c.community=v.community AND c.number=v.contest"
            " WHERE v.platform=? AND v.community=? AND v.user_id=? ORDER BY v.contest",
            (*c, user_id))
        if votes:
            # Their own choice, by entry number only: whose entry it was isn't theirs to take.
            out["votes_cast"] = [{"contest": r["contest"], "title": r["title"],
                                  "entry": r["entry"], "voted_at": ts(r["voted_at"])}
                                 for r in votes]
        wins = await self.db.fetchall(
            "SELECT contest, place, entry, votes, awarded_at, replaced_at FROM contest_winners"
            " WHERE platform=? AND community=? AND user_id=? ORDER BY contest, place",
            (*c, user_id))
        if wins:
            out["wins"] = [{"contest": r["contest"], "place": r["place"], "entry": r["entry"],
                            "votes": r["votes"], "awarded_at": ts(r["awarded_at"]),
                            "redrawn_at": ts(r["replaced_at"])} for r in wins]
        ran = await self.db.fetchall(
            "SELECT number, title, created_at, state FROM contests WHERE platform=? AND"
            " community=? AND created_by=? ORDER BY number", (*c, user_id))
        if ran:
            out["contests_created"] = [{"contest": r["number"], "title": r["title"],
                                        "created_at": ts(r["created_at"]), "state": r["state"]}
                                       for r in ran]
        return out

    async def _count(self, table: str, column: str, community: Community, user_id: str) -> int:
        return int(await self.db.scalar(
            f"SELECT COUNT(*) FROM {table} WHERE platform=? AND community=? AND {column}=?",
            (community.platform, community.id, user_id)) or 0)

    async def preview(self, community: Community, user_id: str, now: datetime,
                      settings: Any) -> ForgetPlan:
        deleted, kept = [], []
        entries = await self._count("contest_entries", "user_id", community, user_id)
        if entries:
            deleted.append(counted(entries, "contest entry (and the votes it got)",
                                   "contest entries (and the votes they got)"))
        votes = await self._count("contest_votes", "user_id", community, user_id)
        if votes:
            kept.append(Kept(counted(votes, "vote you cast", "votes you cast"),
                             "still counted, but no longer linked to you"))
        wins = await self._count("contest_winners", "user_id", community, user_id)
        if wins:
            kept.append(Kept(counted(wins, "place you won", "places you won"),
                             'still in the results, as "a former member"'))
        ran = await self._count("contests", "created_by", community, user_id)
        if ran:
            kept.append(Kept(counted(ran, "contest you created", "contests you created"),
                             "still there for their entrants, no longer linked to you"))
        return ForgetPlan(tuple(deleted), tuple(kept))

    async def forget(self, community: Community, user_id: str, now: datetime,
                     settings: Any) -> Forgotten:
        c = (community.platform, community.id)
        former = pseudonym()
        # Votes on their entries go with the entries (ON DELETE CASCADE).
        rows = await self.db.execute(
            "DELETE FROM contest_entries WHERE platform=? AND community=? AND user_id=?",
            (*c, user_id))
        # One vote per member per contest, so one pseudonym keeps every vote row distinct.
        rows += await self.db.execute(
            "UPDATE contest_votes SET user_id=? WHERE platform=? AND community=? AND user_id=?",
            (former, *c, user_id))
        rows += await self.db.execute(
            "UPDATE contest_winners SET user_id=?, name=? WHERE platform=? AND community=? AND"
            " user_id=?", (former, FORMER, *c, user_id))
        rows += await self.db.execute(
            "UPDATE contests SET created_by=? WHERE platform=? AND community=? AND"
            " created_by=?", (former, *c, user_id))
        return Forgotten(rows)

    async def prune(self, now: datetime, settings_for: SettingsFor) -> int:
        return 0  # a contest's record is kept; forgetting a member unlinks them from it
