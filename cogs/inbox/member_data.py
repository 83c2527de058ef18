"""The team inbox's part in members' data rights: the conversations a member had with the team
(everything they wrote and every reply they got), and, for the team, the replies they sent.

Forgetting a member deletes their conversations and every message in them; replies they sent
as a team member to others stay in those members' conversations, as "a former member".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.events import Community
from bot.memberdata import ForgetPlan, Forgotten, Kept, SettingsFor, count, pseudonym, ts
from bot.templates import counted
from storage import Database

FORMER = "a former member"


class InboxData:
    feature = "inbox"
    covers: Mapping[str, tuple[str, ...]] = {
        "inbox_conversations": ("user_id",),
        "inbox_messages": ("author_id",),
    }

    def __init__(self, db: Database) -> None:
        self.db = db

    def statement(self, settings: Any) -> str:
        return ("Your private conversations with the team (what you wrote, the files you "
                "linked, the replies you got, and whether you said we helped), and, if you're "
                "on the team, the replies you sent. Kept as the community's record while you "
                "are here and after you leave. Forgetting you deletes your conversations; "
                "replies you sent to others stay in theirs, as \"a former member\"'s.")

    async def export(self, community: Community, user_id: str) -> dict[str, Any]:
        c = (community.platform, community.id)
        out: dict[str, Any] = {}
        convs = await self.db.fetchall(
            "SELECT number, status, opened_at, closed_at, helped FROM inbox_conversations WHERE"
            " platform=? AND community=? AND user_id=? ORDER BY number", (*c, user_id))
        if convs:
            out["conversations"] = []
            for r in convs:
                messages = await self.db.fetchall(
                    "SELECT from_team, author_name, anonymous, body, at FROM"
                    " inbox_messages WHERE platform=? AND community=? AND number=? ORDER BY seq",
                    (*c, r["number"]))
                out["conversations"].append({
                    "number": r["number"], "status": r["status"],
                    "opened_at": ts(r["opened_at"]), "closed_at": ts(r["closed_at"]),
                    "helped": None if r["helped"] is None else bool(r["helped"]),
                    "messages": [{"from": ("the team" if m["anonymous"] else m["author_name"])
                                  if m["from_team"] else "you", "text": m["body"],
                                  "at": ts(m["at"])}
                                 for m in messages]})
        sent = await self.db.fetchall(
            "SELECT number, body, at FROM inbox_messages m WHERE platform=? AND community=? AND"
            " author_id=? AND from_team=1 ORDER BY at", (*c, user_id))
        if sent:
            out["replies_sent"] = [{"conversation": r["number"], "text": r["body"],
                                    "at": ts(r["at"])} for r in sent]
        return out

    async def preview(self, community: Community, user_id: str, now: datetime,
                      settings: Any) -> ForgetPlan:
        c = (community.platform, community.id)
        convs = await count(self.db,
            "SELECT COUNT(*) FROM inbox_conversations WHERE platform=? AND community=? AND"
            " user_id=?", (*c, user_id))
        sent = await count(self.db,
            "SELECT COUNT(*) FROM inbox_messages m WHERE platform=? AND community=? AND"
            " author_id=? AND from_team=1 AND NOT EXISTS (SELECT 1 FROM inbox_conversations c"
            " WHERE c.platform=m.platform AND c.community=m.community AND c.number=m.number AND"
            " c.user_id=?)", (*c, user_id, user_id))
        deleted = [counted(convs, "conversation with the team (every message in it)",
                           "conversations with the team (every message in them)")] if convs else []
        kept = [Kept(counted(sent, "reply you sent as the team", "replies you sent as the team"),
                     f'still in the conversations they answered, as "{FORMER}"\'s')] \
            if sent else []
        return ForgetPlan(tuple(deleted), tuple(kept))

    async def forget(self, community: Community, user_id: str, now: datetime,
                     settings: Any) -> Forgotten:
        c = (community.platform, community.id)
        # Every message in their conversations goes with them (ON DELETE CASCADE).
        rows = await self.db.execute(
            "DELETE FROM inbox_conversations WHERE platform=? AND community=? AND user_id=?",
            (*c, user_id))
        rows += await self.db.execute(
            "UPDATE inbox_messages SET author_id=?, author_name=? WHERE platform=? AND"
            " community=? AND author_id=?", (pseudonym(), FORMER, *c, user_id))
        return Forgotten(rows)

    async def prune(self, now: datetime, settings_for: SettingsFor) -> int:
        return 0  # the community's record, kept until a member asks to be forgotten
