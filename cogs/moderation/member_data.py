"""Moderation's part in members' data rights: warnings, the notes sent with them, appeals.

A warning can't be erased by asking: cases about a member (with their notes and appeals) are
kept until `keep_after_expiry` after the warning expires, and the preview says until when. So
are the cases a moderator gave, for the same time. The daily retention job then deletes them.
The export shows a member what they were shown: never a moderator's name, nor a note the tone
check held back from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.events import Community
from bot.memberdata import ForgetPlan, Forgotten, Kept, SettingsFor, how_long, ts
from bot.templates import counted
from storage import Database, from_ts, to_ts

# Safety and fairness: the record must outlive a request to forget it.
WHY_KEPT = "kept so a warning can't be erased by asking"
WHY_KEPT_MOD = "the record of moderation you did, kept as long as the warnings themselves"


class ModerationData:
    feature = "moderation"
    covers: Mapping[str, tuple[str, ...]] = {
        "moderation_cases": ("user_id", "moderator_id", "pardoned_by"),
        "moderation_notes": ("moderator_id",),
        "moderation_appeals": ("user_id", "resolved_by"),
    }

    def __init__(self, db: Database) -> None:
        self.db = db

    def statement(self, settings: Any) -> str:
        m = settings.moderation
        keep = m.keep_after_expiry
        after = ("kept for good" if keep is None
                 else f"kept {how_long(keep)} after they expire, then deleted")
        return (f"Warnings you were given (which rule, the message quoted, the notes sent to "
                f"you, a pardon) and your appeals: active for {how_long(m.expire_after)}, "
                f"{after}, even if you ask us to forget you, so a warning can't be erased by "
                "asking. Moderators' own warnings, notes and decisions are kept as long.")

    def _until(self, expires_at: float, keep: timedelta | None) -> datetime | None:
        at = from_ts(expires_at)
        return None if keep is None or at is None else at + keep

    async def export(self, community: Community, user_id: str) -> dict[str, Any]:
        c = (community.platform, community.id)
        out: dict[str, Any] = {}
        cases = await self.db.fetchall(
            "SELECT case_number, rule_id, step, created_at, expires_at, message_content,"
            " pardoned_at, pardon_reason FROM moderation_cases WHERE platform=? AND community=?"
            " AND user_id=? ORDER BY case_number", (*c, user_id))
        if cases:
            out["warnings"] = []
        for r in cases:
            number = r["case_number"]
            notes = await self.db.fetchall(
                "SELECT text, added_at FROM moderation_notes WHERE platform=? AND community=?"
                " AND case_number=? AND held=0 ORDER BY id", (*c, number))
            appeals = await self.db.fetchall(
                "SELECT text, created_at, status, resolved_at, reason FROM moderation_appeals"
                " WHERE platform=? AND community=? AND case_number=? AND user_id=? ORDER BY id",
                (*c, number, user_id))
            out["warnings"].append({
                "case": number, "rule": r["rule_id"], "step": r["step"],
                "given_at": ts(r["created_at"]), "expires_at": ts(r["expires_at"]),
                "message_quoted": r["message_content"],
                "notes_sent_to_you": [{"text": n["text"], "at": ts(n["added_at"])}
                                      for n in notes],
                "pardoned_at": ts(r["pardoned_at"]), "pardon_reason": r["pardon_reason"],
                "appeals": [{"text": a["text"], "at": ts(a["created_at"]),
                             "status": a["status"], "resolved_at": ts(a["resolved_at"]),
                             "reason": a["reason"]} for a in appeals]})
        given = await self.db.fetchall(
            "SELECT case_number, rule_id, created_at FROM moderation_cases WHERE platform=? AND"
            " community=? AND moderator_id=? ORDER BY case_number", (*c, user_id))
        if given:
            # As a moderator: which cases, not whom (that is the warned member's to ask for).
            out["warnings_given_as_moderator"] = [
                {"case": r["case_number"], "rule": r["rule_id"], "given_at": ts(r["created_at"])}
                for r in given]
        return out

    async def _kept_cases(self, community: Community, user_id: str) -> tuple[list[Any],
                                                                              list[Any]]:
        c = (community.platform, community.id)
        about = await self.db.fetchall(
            "SELECT case_number, expires_at FROM moderation_cases WHERE platform=? AND"
            " community=? AND user_id=? ORDER BY case_number", (*c, user_id))
        # Cases another member got where this member acted as a moderator, in any column.
        acted = await self.db.fetchall(
            "SELECT case_number, expires_at FROM moderation_cases m WHERE platform=? AND"
            " community=? AND user_id<>? AND (moderator_id=? OR pardoned_by=? OR EXISTS"
            " (SELECT 1 FROM moderation_notes n WHERE n.platform=m.platform AND"
            "  n.community=m.community AND n.case_number=m.case_number AND n.moderator_id=?)"
            " OR EXISTS (SELECT 1 FROM moderation_appeals a WHERE a.platform=m.platform AND"
            "  a.community=m.community AND a.case_number=m.case_number AND a.resolved_by=?))"
            " ORDER BY case_number", (*c, user_id, user_id, user_id, user_id, user_id))
        return list(about), list(acted)

    async def preview(self, community: Community, user_id: str, now: datetime,
                      settings: Any) -> ForgetPlan:
        keep = settings.moderation.keep_after_expiry
        about, acted = await self._kept_cases(community, user_id)
        kept = []
        for r in about:
            kept.append(Kept(f"warning case #{r['case_number']} about you, with its notes and "
                             "your appeals", WHY_KEPT, self._until(r["expires_at"], keep)))
        if acted:
            until = max((self._until(r["expires_at"], keep) for r in acted),
                        default=None, key=lambda d: d or datetime.max.replace(tzinfo=now.tzinfo))
            kept.append(Kept(counted(len(acted), "case you handled as a moderator",
                                     "cases you handled as a moderator"), WHY_KEPT_MOD, until))
        return ForgetPlan((), tuple(kept))

    async def forget(self, community: Community, user_id: str, now: datetime,
                     settings: Any) -> Forgotten:
        # Nothing goes early; what has served its time goes now rather than at the next run.
        return Forgotten(await self._prune_community(community, now,
                                                     settings.moderation.keep_after_expiry))

    async def _prune_community(self, community: Community, now: datetime,
                               keep: timedelta | None) -> int:
        if keep is None:
            return 0
        c = (community.platform, community.id)
        old = "SELECT case_number FROM moderation_cases WHERE platform=? AND community=? AND" \
              " expires_at<?"
        params = (*c, *c, to_ts(now - keep))
        rows = 0
        for table in ("moderation_notes", "moderation_appeals"):
            rows += await self.db.execute(
                f"DELETE FROM {table} WHERE platform=? AND community=? AND case_number IN"
                f" ({old})", params)
        rows += await self.db.execute(
            "DELETE FROM moderation_cases WHERE platform=? AND community=? AND expires_at<?",
            (*c, to_ts(now - keep)))
        return rows

    async def prune(self, now: datetime, settings_for: SettingsFor) -> int:
        rows = 0
        for r in await self.db.fetchall(
                "SELECT DISTINCT platform, community FROM moderation_cases"):
            community = Community(r["platform"], r["community"])
            rows += await self._prune_community(
                community, now, settings_for(community).moderation.keep_after_expiry)
        return rows
