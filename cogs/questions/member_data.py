"""Questions' part in members' data rights: the questions a member asked, the answers they
gave, and the solutions credited to them.

Forgetting a member deletes the questions they asked (with the answers to them) and the record
of their answers elsewhere; a question they were credited for stays solved, credited to "a
former member", so the asker's record and the community's figures stay whole.
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


class QuestionsData:
    feature = "questions"
    covers: Mapping[str, tuple[str, ...]] = {
        "questions": ("asker_user_id", "answerer_user_id", "helper_user_id", "marked_by",
                      "confirm_user_id"),
        "question_answers": ("author_id",),
    }

    def __init__(self, db: Database) -> None:
        self.db = db

    def statement(self, settings: Any) -> str:
        return ("Questions you asked (their text, where and when, whether and when they were "
                "answered and solved), the replies you gave to others' questions (which "
                "message, when; not their text), and the questions solved with your help. "
                "Kept as the community's record while you are here and after you leave. "
                "Forgetting you deletes your questions and the record of your replies; "
                "questions solved with your help stay solved, credited to \"a former "
                "member\".")

    async def export(self, community: Community, user_id: str) -> dict[str, Any]:
        c = (community.platform, community.id)
        out: dict[str, Any] = {}
        asked = await self.db.fetchall(
            "SELECT number, question, created_at, first_answer_at, solved_at, helper_name FROM"
            " questions WHERE platform=? AND community=? AND asker_user_id=? ORDER BY number",
            (*c, user_id))
        if asked:
            out["asked"] = [{"number": r["number"], "question": r["question"],
                             "asked_at": ts(r["created_at"]),
                             "first_answer_at": ts(r["first_answer_at"]),
                             "solved_at": ts(r["solved_at"]), "credited": r["helper_name"]}
                            for r in asked]
        answers = await self.db.fetchall(
            "SELECT number, message_id, at FROM question_answers WHERE platform=? AND"
            " community=? AND author_id=? ORDER BY at", (*c, user_id))
        if answers:
            out["answers_given"] = [{"question": r["number"], "message": r["message_id"],
                                     "at": ts(r["at"])} for r in answers]
        solved = await self.db.fetchall(
            "SELECT number, solved_at FROM questions WHERE platform=? AND community=? AND"
            " helper_user_id=? ORDER BY number", (*c, user_id))
        if solved:
            out["solutions"] = [{"question": r["number"], "solved_at": ts(r["solved_at"])}
                                for r in solved]
        return out

    async def preview(self, community: Community, user_id: str, now: datetime,
                      settings: Any) -> ForgetPlan:
        c = (community.platform, community.id)
        # One row: what they asked, answered, and helped solve.
        row = await self.db.fetchone(
            "SELECT (SELECT COUNT(*) FROM questions WHERE platform=? AND community=? AND"
            " asker_user_id=?), (SELECT COUNT(*) FROM question_answers WHERE platform=? AND"
            " community=? AND author_id=?), (SELECT COUNT(*) FROM questions WHERE platform=?"
            " AND community=? AND helper_user_id=? AND asker_user_id<>?)",
            (*c, user_id, *c, user_id, *c, user_id, user_id))
        asked, answers, solved = (int(v or 0) for v in row) if row else (0, 0, 0)
        deleted = []
        if asked:
            deleted.append(counted(asked, "question you asked", "questions you asked"))
        if answers:
            deleted.append(counted(answers, "reply you gave to a question",
                                   "replies you gave to questions"))
        kept = [Kept(counted(solved, "question solved with your help",
                             "questions solved with your help"),
                     f'still solved, credited to "{FORMER}"')] if solved else []
        return ForgetPlan(tuple(deleted), tuple(kept))

    async def forget(self, community: Community, user_id: str, now: datetime,
                     settings: Any) -> Forgotten:
        c = (community.platform, community.id)
        # Answers to their questions go with them (ON DELETE CASCADE).
        rows = await self.db.execute(
            "DELETE FROM questions WHERE platform=? AND community=? AND asker_user_id=?",
            (*c, user_id))
        rows += await self.db.execute(
            "DELETE FROM question_answers WHERE platform=? AND community=? AND author_id=?",
            (*c, user_id))
        former = pseudonym()
        rows += await self.db.execute(
            "UPDATE questions SET helper_user_id=?, helper_name=? WHERE platform=? AND"
            " community=? AND helper_user_id=?", (former, FORMER, *c, user_id))
        for column in ("answerer_user_id", "marked_by", "confirm_user_id"):
            rows += await self.db.execute(
                f"UPDATE questions SET {column}=? WHERE platform=? AND community=? AND"
                f" {column}=?", (former, *c, user_id))
        rows += await self.db.execute(
            "UPDATE questions SET confirm_helper_name=? WHERE platform=? AND community=? AND"
            " confirm_user_id=?", (FORMER, *c, former))
        return Forgotten(rows)

    async def prune(self, now: datetime, settings_for: SettingsFor) -> int:
        return 0  # the community's record, kept until a member asks to be forgotten
