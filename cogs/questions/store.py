"""Questions and their answers.

Each once-only step (the first answer, solving, the team nudge, the follow-up ask, the "did it
solve it?" ask, the one FAQ suggestion) is one conditional UPDATE, so racing events and workers
can't do it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.events import Community
from storage import Store, from_ts, to_ts


@dataclass(frozen=True, slots=True)
class Question:
    number: int
    asker_user_id: str
    asker_name: str
    question: str
    channel: str
    message_id: str | None
    post_key: str | None
    via: str
    created_at: datetime
    first_answer_at: datetime | None
    solved_at: datetime | None
    helper_user_id: str | None
    helper_name: str | None
    confirm_user_id: str | None
    confirm_helper_name: str | None
    suggested: str | None
    suggestion_helped_at: datetime | None
    faq_excluded: bool
    deleted_at: datetime | None
    answers: int


_COLUMNS = ("q.number, q.asker_user_id, q.asker_name, q.question, q.channel, q.message_id,"
            " q.post_key, q.via, q.created_at, q.first_answer_at, q.solved_at, q.helper_user_id,"
            " q.helper_name, q.confirm_user_id, q.confirm_helper_name, q.suggested,"
            " q.suggestion_helped_at, q.faq_excluded, q.deleted_at,"
            " (SELECT COUNT(*) FROM question_answers a WHERE a.platform=q.platform AND"
            " a.community=q.community AND a.number=q.number) AS answers")


def _question(r: Any) -> Question:
    return Question(
        number=r["number"], asker_user_id=r["asker_user_id"], asker_name=r["asker_name"],
        question=r["question"], channel=r["channel"], message_id=r["message_id"],
        post_key=r["post_key"], via=r["via"],
        created_at=from_ts(r["created_at"]),  # type: ignore[arg-type]
        first_answer_at=from_ts(r["first_answer_at"]), solved_at=from_ts(r["solved_at"]),
        helper_user_id=r["helper_user_id"], helper_name=r["helper_name"],
        confirm_user_id=r["confirm_user_id"], confirm_helper_name=r["confirm_helper_name"],
        suggested=r["suggested"], suggestion_helped_at=from_ts(r["suggestion_helped_at"]),
        faq_excluded=bool(r["faq_excluded"]), deleted_at=from_ts(r["deleted_at"]),
        answers=r["answers"])


@dataclass(frozen=True, slots=True)
class Asked:
    asker_user_id: str
    asker_name: str
    question: str
    channel: str
    message_id: str | None
    post_key: str | None
    via: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Week:
    """What the figures are computed from, for questions asked or solved in a span."""

    asked: list[tuple[datetime, datetime | None, datetime | None]]  # (asked, first answer, solved)
    solved: list[tuple[str | None, bool, str | None]]  # (helper id, helper staff, helper name)
    helped: int


class QuestionStore(Store):

    def _c(self, community: Community) -> tuple[str, str]:
        return (community.platform, community.id)

    async def add(self, community: Community, new: Asked) -> int:
        """Store a question under the next number."""
        c = self._c(community)
        async with self.db.transaction():
            number = int(await self.db.scalar(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM questions WHERE platform=? AND"
                " community=?", c))
            await self.db.execute(
                "INSERT INTO questions (platform, community, number, asker_user_id, asker_name,"
                " question, channel, message_id, post_key, via, created_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (*c, number, new.asker_user_id, new.asker_name, new.question, new.channel,
                 new.message_id, None if new.post_key is None else f"{new.post_key}{number}",
                 new.via, to_ts(new.created_at)))
        return number

    async def get(self, community: Community, number: int) -> Question | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM questions q WHERE q.platform=? AND q.community=? AND"
            " q.number=?", (*self._c(community), number))
        return _question(row) if row else None

    async def by_message(self, community: Community, message_id: str) -> Question | None:
        """The question a message is (or starts the thread of)."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM questions q WHERE q.platform=? AND q.community=? AND"
            " q.message_id=?", (*self._c(community), message_id))
        return _question(row) if row else None

    async def by_answer(self, community: Community, message_id: str) -> Question | None:
        """The question an answer (a reply by someone else) belongs to."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM questions q JOIN question_answers a ON"
            " a.platform=q.platform AND a.community=q.community AND a.number=q.number"
            " WHERE a.platform=? AND a.community=? AND a.message_id=?",
            (*self._c(community), message_id))
        return _question(row) if row else None

    async def unplaced(self, community: Community) -> list[tuple[int, str]]:
        """Questions Hearth posted whose message id isn't known yet: (number, post key)."""
        rows = await self.db.fetchall(
            "SELECT number, post_key FROM questions WHERE platform=? AND community=? AND"
            " message_id IS NULL AND post_key IS NOT NULL", self._c(community))
        return [(r[0], r[1]) for r in rows]

    async def placed(self, community: Community, number: int, channel: str, message_id: str
                     ) -> None:
        await self.db.execute(
            "UPDATE questions SET channel=?, message_id=? WHERE platform=? AND community=? AND"
            " number=?", (channel, message_id, *self._c(community), number))

    async def open_of(self, community: Community, asker_user_id: str, answered_by: str | None = None
                      ) -> Question | None:
        """The asker's latest open question (one `answered_by` replied to, if given)."""
        c = self._c(community)
        extra = ""
        params = (*c, asker_user_id, *(() if answered_by is None else (answered_by,)))
        if answered_by is not None:
            extra = (" AND EXISTS (SELECT 1 FROM question_answers a WHERE a.platform=q.platform"
                     " AND a.community=q.community AND a.number=q.number AND a.author_id=?)")
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM questions q WHERE q.platform=? AND q.community=? AND"
            f" q.asker_user_id=? AND q.solved_at IS NULL AND q.deleted_at IS NULL{extra}"
            " ORDER BY q.number DESC LIMIT 1",
            params)
        return _question(row) if row else None

    async def answered(self, community: Community, number: int, message_id: str,
                       author_id: str, author_name: str, at: datetime) -> bool:
        """Record a reply; True if it is the question's first answer."""
        c = self._c(community)
        async with self.db.transaction():
            added = await self.db.execute(
                "INSERT INTO question_answers (platform, community, number, message_id,"
                " author_id, author_name, at) VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                (*c, number, message_id, author_id, author_name, to_ts(at)))
            if not added:
                return False
            return await self.db.execute(
                "UPDATE questions SET first_answer_at=?, answerer_user_id=? WHERE platform=?"
                " AND community=? AND number=? AND first_answer_at IS NULL",
                (to_ts(at), author_id, *c, number)) > 0

    async def deleted(self, community: Community, message_id: str, at: datetime
                      ) -> Question | None:
        """A question's message was deleted: mark it (once); the question, if it was one."""
        c = self._c(community)
        changed = await self.db.execute(
            "UPDATE questions SET deleted_at=? WHERE platform=? AND community=? AND"
            " message_id=? AND deleted_at IS NULL", (to_ts(at), *c, message_id))
        return await self.by_message(community, message_id) if changed else None

    async def unanswered(self, community: Community, message_id: str) -> bool:
        """An answer was deleted: forget it, and let the next one (if any) be the first
        answer. True if it was an answer."""
        c = self._c(community)
        async with self.db.transaction():
            number = await self.db.scalar(
                "SELECT number FROM question_answers WHERE platform=? AND community=? AND"
                " message_id=?", (*c, message_id))
            if number is None:
                return False
            await self.db.execute(
                "DELETE FROM question_answers WHERE platform=? AND community=? AND"
                " message_id=?", (*c, message_id))
            first = await self.db.fetchone(
                "SELECT author_id, at FROM question_answers WHERE platform=? AND community=?"
                " AND number=? ORDER BY at, message_id LIMIT 1", (*c, number))
            await self.db.execute(
                "UPDATE questions SET first_answer_at=?, answerer_user_id=? WHERE platform=?"
                " AND community=? AND number=?",
                (first[1] if first else None, first[0] if first else None, *c, number))
        return True

    async def first_answerer(self, community: Community, number: int
                             ) -> tuple[str, str] | None:
        row = await self.db.fetchone(
            "SELECT author_id, author_name FROM question_answers WHERE platform=? AND"
            " community=? AND number=? ORDER BY at, message_id LIMIT 1",
            (*self._c(community), number))
        return (row[0], row[1]) if row else None

    async def solve(self, community: Community, number: int, helper_user_id: str | None,
                    helper_name: str | None, staff: bool, marked_by: str, at: datetime
                    ) -> bool:
        """Mark solved (once); True for the one caller that did."""
        return await self.db.execute(
            "UPDATE questions SET solved_at=?, helper_user_id=?, helper_name=?, helper_staff=?,"
            " marked_by=? WHERE platform=? AND community=? AND number=? AND"
            " solved_at IS NULL AND deleted_at IS NULL",
            (to_ts(at), helper_user_id, helper_name, int(staff), marked_by, *self._c(community),
             number)) > 0

    async def confirm_once(self, community: Community, number: int, helper_user_id: str,
                           helper_name: str, at: datetime) -> bool:
        """Note that the asker is asked "did @x's answer solve it?"; True the first time."""
        return await self.db.execute(
            "UPDATE questions SET confirm_asked_at=?, confirm_user_id=?,"
            " confirm_helper_name=? WHERE platform=? AND community=? AND number=? AND"
            " confirm_asked_at IS NULL AND solved_at IS NULL AND deleted_at IS NULL",
            (to_ts(at), helper_user_id, helper_name, *self._c(community), number)) > 0

    async def nudge_once(self, community: Community, number: int, at: datetime) -> bool:
        """Mark an unanswered question as raised with the team; True for the one caller."""
        return await self.db.execute(
            "UPDATE questions SET nudged_at=?, nudge_pending=1 WHERE platform=? AND"
            " community=? AND number=? AND nudged_at IS NULL AND first_answer_at IS NULL AND"
            " solved_at IS NULL AND deleted_at IS NULL",
            (to_ts(at), *self._c(community), number)) > 0

    async def pending_nudges(self) -> list[tuple[Community, Question]]:
        rows = await self.db.fetchall(
            f"SELECT q.platform, q.community, {_COLUMNS} FROM questions q"
            " WHERE q.nudge_pending=1 ORDER BY q.platform, q.community, q.number")
        return [(Community(r["platform"], r["community"]), _question(r)) for r in rows]

    async def nudge_posted(self, community: Community, number: int) -> None:
        await self.db.execute(
            "UPDATE questions SET nudge_pending=0 WHERE platform=? AND community=? AND"
            " number=?", (*self._c(community), number))

    async def follow_up_once(self, community: Community, number: int, at: datetime) -> bool:
        return await self.db.execute(
            "UPDATE questions SET followed_up_at=? WHERE platform=? AND community=? AND"
            " number=? AND followed_up_at IS NULL AND solved_at IS NULL AND deleted_at IS NULL",
            (to_ts(at), *self._c(community), number)) > 0

    async def suggest_once(self, community: Community, number: int, key: str) -> bool:
        return await self.db.execute(
            "UPDATE questions SET suggested=? WHERE platform=? AND community=? AND number=?"
            " AND suggested IS NULL", (key, *self._c(community), number)) > 0

    async def suggestion_helped(self, community: Community, number: int, at: datetime
                                ) -> bool:
        return await self.db.execute(
            "UPDATE questions SET suggestion_helped_at=? WHERE platform=? AND community=? AND"
            " number=? AND suggested IS NOT NULL AND suggestion_helped_at IS NULL",
            (to_ts(at), *self._c(community), number)) > 0

    async def exclude(self, community: Community, number: int) -> bool:
        return await self.db.execute(
            "UPDATE questions SET faq_excluded=1 WHERE platform=? AND community=? AND number=?"
            " AND faq_excluded=0", (*self._c(community), number)) > 0

    async def pool(self, community: Community, before: int, limit: int = 500
                   ) -> list[tuple[int, str, str | None]]:
        """Solved questions that may be suggested: (number, question, helper name), newest
        first, bounded."""
        rows = await self.db.fetchall(
            "SELECT number, question, helper_name FROM questions WHERE platform=? AND"
            " community=? AND solved_at IS NOT NULL AND faq_excluded=0 AND deleted_at IS NULL"
            " AND number<>?"
            " AND suggestion_helped_at IS NULL ORDER BY number DESC LIMIT ?",
            (*self._c(community), before, limit))
        return [(r[0], r[1], r[2]) for r in rows]

    # -- figures and the measure ----------------------------------------------------------

    async def week(self, community: Community, since: datetime, until: datetime) -> Week:
        c, span = self._c(community), (to_ts(since), to_ts(until))
        asked = await self.db.fetchall(
            "SELECT created_at, first_answer_at, solved_at FROM questions WHERE platform=? AND"
            " community=? AND created_at>=? AND created_at<? AND (deleted_at IS NULL OR"
            " solved_at IS NOT NULL)", (*c, *span))
        solved = await self.db.fetchall(
            "SELECT helper_user_id, helper_staff, helper_name FROM questions WHERE platform=? AND"
            " community=? AND solved_at>=? AND solved_at<?", (*c, *span))
        helped = int(await self.db.scalar(
            "SELECT COUNT(*) FROM questions WHERE platform=? AND community=? AND"
            " suggestion_helped_at>=? AND suggestion_helped_at<?", (*c, *span)))
        return Week([(from_ts(r[0]), from_ts(r[1]), from_ts(r[2]))  # type: ignore[misc]
                     for r in asked],
                    [(r[0], bool(r[1]), r[2]) for r in solved], helped)

    async def solutions(self, community: Community, user_ids: list[str]) -> dict[str, int]:
        if not user_ids:
            return {}
        marks = ",".join("?" for _ in user_ids)
        rows = await self.db.fetchall(
            f"SELECT helper_user_id, COUNT(*) FROM questions WHERE platform=? AND"
            f" community=? AND helper_user_id IN ({marks}) GROUP BY helper_user_id",
            (*self._c(community), *user_ids))
        return {r[0]: int(r[1]) for r in rows}

    async def reaching(self, community: Community, threshold: int) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT helper_user_id FROM questions WHERE platform=? AND community=? AND"
            " helper_user_id IS NOT NULL GROUP BY helper_user_id HAVING COUNT(*)>=?",
            (*self._c(community), threshold))
        return [r[0] for r in rows]
