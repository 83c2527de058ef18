"""Announcements' part in members' data rights: announcements a team member wrote, and the
incidents a member stood by (reacted to or replied in), which Hearth keeps to thank them by name
when the incident is resolved.

Forgetting a member removes them from the incidents' supporters; announcements they wrote were
posted for the whole community and stay, as "a former member"'s."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.events import Community
from bot.memberdata import ForgetPlan, Forgotten, Kept, SettingsFor, count, pseudonym, ts
from bot.templates import counted
from storage import Database

FORMER = "a former member"


class AnnouncementsData:
    feature = "announcements"
    covers: Mapping[str, tuple[str, ...]] = {
        "announcements": ("author_id",),
        "incident_supporters": ("user_id",),
    }

    def __init__(self, db: Database) -> None:
        self.db = db

    def statement(self, settings: Any) -> str:
        return ("Incidents you reacted to or replied in, so the team can thank you by name when "
                "they're resolved, and, if you're on the team, the announcements you wrote. "
                "Forgetting you takes you off those thank-you lists; announcements you wrote "
                "were for everyone and stay, as \"a former member\"'s.")

    async def export(self, community: Community, user_id: str) -> dict[str, Any]:
        c = (community.platform, community.id)
        out: dict[str, Any] = {}
        wrote = await self.db.fetchall(
            "SELECT number, channel, text, state, created_at FROM announcements WHERE"
            " platform=? AND community=? AND author_id=? ORDER BY number", (*c, user_id))
        if wrote:
            out["announcements_written"] = [
                {"number": r["number"], "channel": r["channel"], "text": r["text"],
                 "state": r["state"], "written_at": ts(r["created_at"])} for r in wrote]
        stood = await self.db.fetchall(
            "SELECT number, first_at FROM incident_supporters WHERE platform=? AND community=?"
            " AND user_id=? ORDER BY number", (*c, user_id))
        if stood:
            out["incidents_stood_by"] = [{"incident": r["number"], "since": ts(r["first_at"])}
                                         for r in stood]
        return out

    async def preview(self, community: Community, user_id: str, now: datetime,
                      settings: Any) -> ForgetPlan:
        c = (community.platform, community.id)
        stood = await count(self.db,
            "SELECT COUNT(*) FROM incident_supporters WHERE platform=? AND community=? AND"
            " user_id=?", (*c, user_id))
        wrote = await count(self.db,
            "SELECT COUNT(*) FROM announcements WHERE platform=? AND community=? AND"
            " author_id=?", (*c, user_id))
        deleted = [counted(stood, "incident you stood by", "incidents you stood by")] \
            if stood else []
        kept = [Kept(counted(wrote, "announcement you wrote", "announcements you wrote"),
                     f'posted for everyone, so they stay, as "{FORMER}"\'s')] if wrote else []
        return ForgetPlan(tuple(deleted), tuple(kept))

    async def forget(self, community: Community, user_id: str, now: datetime,
                     settings: Any) -> Forgotten:
        c = (community.platform, community.id)
        rows = await self.db.execute(
            "DELETE FROM incident_supporters WHERE platform=? AND community=? AND user_id=?",
            (*c, user_id))
        rows += await self.db.execute(
            "UPDATE announcements SET author_id=?, author_name=? WHERE platform=? AND"
            " community=? AND author_id=?", (pseudonym(), FORMER, *c, user_id))
        return Forgotten(rows)

    async def prune(self, now: datetime, settings_for: SettingsFor) -> int:
        return 0  # the community's record of what was said
