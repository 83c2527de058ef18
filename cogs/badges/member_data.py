"""Badges' part in members' data rights: the badges a member holds (and roles they brought),
and badges a moderator granted, which stay with their holders under a pseudonym."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from bot.actions import Action, RemoveRole
from bot.events import Community
from bot.memberdata import ForgetPlan, Forgotten, Kept, SettingsFor, pseudonym, ts
from bot.templates import counted
from storage import Database


class BadgesData:
    feature = "badges"
    covers: Mapping[str, tuple[str, ...]] = {"badges_held": ("user_id", "awarded_by")}

    def __init__(self, db: Database, badges: Callable[[Any], list[Any]]) -> None:
        self.db = db
        # The configured badges of a community's settings (for the roles they grant).
        self._badges = badges

    def statement(self, settings: Any) -> str:
        return ("The badges you hold, when and why you got them, and badges taken back (so "
                "they aren't given again by themselves). Kept until you ask us to forget you; "
                "forgetting you also takes back the roles they brought.")

    async def export(self, community: Community, user_id: str) -> dict[str, Any]:
        rows = await self.db.fetchall(
            "SELECT badge, awarded_at, awarded_by, reason, revoked_at FROM badges_held WHERE"
            " platform=? AND community=? AND user_id=? ORDER BY awarded_at, badge",
            (community.platform, community.id, user_id))
        granted = await self.db.scalar(
            "SELECT COUNT(*) FROM badges_held WHERE platform=? AND community=? AND"
            " awarded_by=?", (community.platform, community.id, user_id))
        out: dict[str, Any] = {}
        if rows:
            out["badges"] = [{"badge": r["badge"], "awarded_at": ts(r["awarded_at"]),
                              "granted_by_a_moderator": r["awarded_by"] is not None,
                              "reason": r["reason"], "revoked_at": ts(r["revoked_at"])}
                             for r in rows]
        if granted:
            out["badges_granted_as_moderator"] = int(granted)
        return out

    async def preview(self, community: Community, user_id: str, now: datetime,
                      settings: Any) -> ForgetPlan:
        c = (community.platform, community.id)
        held = int(await self.db.scalar(
            "SELECT COUNT(*) FROM badges_held WHERE platform=? AND community=? AND user_id=?",
            (*c, user_id)) or 0)
        granted = int(await self.db.scalar(
            "SELECT COUNT(*) FROM badges_held WHERE platform=? AND community=? AND"
            " awarded_by=? AND user_id<>?", (*c, user_id, user_id)) or 0)
        deleted = [f"your {counted(held, 'badge', 'badges')} (and any roles they brought)"
                   ] if held else []
        kept = [Kept(counted(granted, "badge you granted", "badges you granted"),
                     "still held by those members, no longer linked to you")
                ] if granted else []
        return ForgetPlan(tuple(deleted), tuple(kept))

    async def forget(self, community: Community, user_id: str, now: datetime,
                     settings: Any) -> Forgotten:
        c = (community.platform, community.id)
        held = await self.db.fetchall(
            "SELECT badge FROM badges_held WHERE platform=? AND community=? AND user_id=? AND"
            " revoked_at IS NULL", (*c, user_id))
        roles = {b.name: b.role for b in self._badges(settings) if b.role}
        actions: list[Action] = [RemoveRole(community, user_id, roles[r["badge"]])
                                 for r in held if r["badge"] in roles]
        rows = await self.db.execute(
            "DELETE FROM badges_held WHERE platform=? AND community=? AND user_id=?",
            (*c, user_id))
        rows += await self.db.execute(
            "UPDATE badges_held SET awarded_by=? WHERE platform=? AND community=? AND"
            " awarded_by=?", (pseudonym(), *c, user_id))
        return Forgotten(rows, tuple(actions))

    async def prune(self, now: datetime, settings_for: SettingsFor) -> int:
        return 0  # held while the member is here and hasn't asked to be forgotten
