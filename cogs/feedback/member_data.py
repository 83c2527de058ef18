"""Feedback's part in members' data rights: items a member sent (anonymous ones too, found by
their keyed hash, which only Hearth can compute), what they support, and the status changes and
notes they made as a moderator.

Forgetting a member deletes the items they sent (with their history, supports and notes) and
their supports; status changes and notes they made on others' items stay, as "a former member".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from bot.events import Community
from bot.memberdata import ForgetPlan, Forgotten, Kept, SettingsFor, count, pseudonym, ts
from bot.templates import counted
from storage import Database

FORMER = "a former member"
# The member's keyed hash in a community (see anonymity.py).
KeyFor = Callable[[Community, str], Awaitable[str]]


class FeedbackData:
    feature = "feedback"
    covers: Mapping[str, tuple[str, ...]] = {
        "feedback_items": ("author_id",),
        "feedback_history": ("by_id",),
        "feedback_supports": ("user_id",),
        "feedback_notes": ("by_id",),
    }

    def __init__(self, db: Database, key_for: KeyFor) -> None:
        self.db = db
        self._key_for = key_for

    def statement(self, settings: Any) -> str:
        return ("Feedback you sent (its kind, title, text and status; an anonymous item is "
                "stored without your name or id, matched to you only by a keyed code nobody "
                "on the team can read), the ideas you support, and, if you're on the team, "
                "status changes and notes you made. Kept as the community's record while you "
                "are here and after you leave. Forgetting you deletes what you sent and your "
                "support; status changes and notes you made stay, as \"a former member\".")

    async def _mine(self, community: Community, user_id: str) -> tuple[str, str, str, str]:
        return (community.platform, community.id, await self._key_for(community, user_id),
                user_id)

    async def export(self, community: Community, user_id: str) -> dict[str, Any]:
        c = (community.platform, community.id)
        out: dict[str, Any] = {}
        items = await self.db.fetchall(
            "SELECT number, kind, title, body, anonymous, status, created_at, status_at FROM"
            " feedback_items WHERE platform=? AND community=? AND (author_key=? OR author_id=?)"
            " ORDER BY number", await self._mine(community, user_id))
        if items:
            out["sent"] = [{"number": r["number"], "kind": r["kind"], "title": r["title"],
                            "text": r["body"], "anonymous": bool(r["anonymous"]),
                            "status": r["status"], "sent_at": ts(r["created_at"]),
                            "status_since": ts(r["status_at"])} for r in items]
        supports = await self.db.fetchall(
            "SELECT number, at FROM feedback_supports WHERE platform=? AND community=? AND"
            " user_id=? ORDER BY number", (*c, user_id))
        if supports:
            out["supported"] = [{"number": r["number"], "at": ts(r["at"])} for r in supports]
        moves = await self.db.fetchall(
            "SELECT number, status, reason, at FROM feedback_history WHERE platform=? AND"
            " community=? AND by_id=? ORDER BY at", (*c, user_id))
        if moves:
            out["status_changes_made"] = [{"number": r["number"], "status": r["status"],
                                           "reason": r["reason"], "at": ts(r["at"])}
                                          for r in moves]
        notes = await self.db.fetchall(
            "SELECT number, body, at FROM feedback_notes WHERE platform=? AND community=? AND"
            " by_id=? ORDER BY at", (*c, user_id))
        if notes:
            out["notes_written"] = [{"number": r["number"], "note": r["body"],
                                     "at": ts(r["at"])} for r in notes]
        return out

    async def preview(self, community: Community, user_id: str, now: datetime,
                      settings: Any) -> ForgetPlan:
        c = (community.platform, community.id)
        sent = await count(self.db,
            "SELECT COUNT(*) FROM feedback_items WHERE platform=? AND community=? AND"
            " (author_key=? OR author_id=?)", await self._mine(community, user_id))
        supports = await count(self.db,
            "SELECT COUNT(*) FROM feedback_supports WHERE platform=? AND community=? AND"
            " user_id=?", (*c, user_id))
        made = await count(self.db,
            "SELECT (SELECT COUNT(*) FROM feedback_history WHERE platform=? AND community=? AND"
            " by_id=?) + (SELECT COUNT(*) FROM feedback_notes WHERE platform=? AND"
            " community=? AND by_id=?)", (*c, user_id, *c, user_id))
        deleted = []
        if sent:
            deleted.append(counted(sent, "feedback item you sent (with its history)",
                                   "feedback items you sent (with their history)"))
        if supports:
            deleted.append(counted(supports, "idea you support", "ideas you support"))
        kept = [Kept(counted(made, "status change or note you made",
                             "status changes and notes you made"),
                     f'still on the items\' record, as "{FORMER}"')] if made else []
        return ForgetPlan(tuple(deleted), tuple(kept))

    async def forget(self, community: Community, user_id: str, now: datetime,
                     settings: Any) -> Forgotten:
        c = (community.platform, community.id)
        # History, supports and notes of their items go with them (ON DELETE CASCADE).
        rows = await self.db.execute(
            "DELETE FROM feedback_items WHERE platform=? AND community=? AND"
            " (author_key=? OR author_id=?)", await self._mine(community, user_id))
        rows += await self.db.execute(
            "DELETE FROM feedback_supports WHERE platform=? AND community=? AND user_id=?",
            (*c, user_id))
        former = pseudonym()
        for table in ("feedback_history", "feedback_notes"):
            rows += await self.db.execute(
                f"UPDATE {table} SET by_id=?, by_name=? WHERE platform=? AND community=? AND"
                " by_id=?", (former, FORMER, *c, user_id))
        return Forgotten(rows)

    async def prune(self, now: datetime, settings_for: SettingsFor) -> int:
        return 0  # the community's record, kept until a member asks to be forgotten
