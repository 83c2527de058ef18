"""The core's own part in members' data rights: the member record, scheduled work that names a
member, posts waiting in the outbox that mention them, and the platform delivery ids kept to
avoid doing anything twice."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.events import Community
from bot.memberdata import ForgetPlan, Forgotten, SettingsFor, how_long, ts
from bot.templates import counted
from storage.database import Database
from storage.times import to_ts


class CoreData:
    """members, scheduled_jobs (by payload), outbox (by mention), posted_messages and
    processed_events."""

    feature = "core"
    covers: Mapping[str, tuple[str, ...]] = {"members": ("user_id",)}

    def __init__(self, db: Database) -> None:
        self.db = db

    def statement(self, settings: Any) -> str:
        kept = how_long(settings.hearth.processed_events_kept)
        return (
            "Your member record: the name we last saw, when you first joined, joined again or "
            "left, and when you were welcomed (so a returning member isn't welcomed twice). "
            "Kept until you ask us to forget you. Reminders waiting for you (a welcome message, "
            "an introduction nudge) are kept until they go out, and so are posts mentioning you "
            "that a restart kept from going out. The ids of platform deliveries "
            f"(no names or text) are kept {kept}, so nothing is done twice."
        )

    async def export(self, community: Community, user_id: str) -> dict[str, Any]:
        row = await self.db.fetchone(
            "SELECT name, first_joined, joined_at, left_at, welcomed_at FROM members"
            " WHERE platform=? AND community=? AND user_id=?",
            (community.platform, community.id, user_id))
        out: dict[str, Any] = {}
        if row is not None:
            out["member"] = {"name": row["name"], "first_joined": ts(row["first_joined"]),
                             "joined_at": ts(row["joined_at"]), "left_at": ts(row["left_at"]),
                             "welcomed_at": ts(row["welcomed_at"])}
        waiting = [{"kind": kind, "due_at": due} for kind, due in
                   await self._jobs(community, user_id)]
        if waiting:
            out["scheduled"] = waiting
        return out

    async def _jobs(self, community: Community, user_id: str) -> list[tuple[str, str | None]]:
        """Scheduled jobs naming this member (by their payload's user_id)."""
        rows = await self.db.fetchall(
            "SELECT key, kind, due_at, payload FROM scheduled_jobs WHERE platform=? AND"
            " community=?", (community.platform, community.id))
        return [(r["kind"], ts(r["due_at"])) for r in rows
                if json.loads(r["payload"]).get("user_id") == user_id]

    async def preview(self, community: Community, user_id: str, now: datetime,
                      settings: Any) -> ForgetPlan:
        deleted = []
        if await self.db.scalar(
                "SELECT 1 FROM members WHERE platform=? AND community=? AND user_id=?",
                (community.platform, community.id, user_id)):
            deleted.append("your member record (name, when you joined and left)")
        jobs = await self._jobs(community, user_id)
        if jobs:
            deleted.append(counted(len(jobs), "message waiting to be sent to you",
                                   "messages waiting to be sent to you"))
        posts = await self._posts(community, user_id)
        if posts:
            deleted.append(counted(len(posts), "post mentioning you waiting to go out",
                                   "posts mentioning you waiting to go out"))
        return ForgetPlan(tuple(deleted))

    async def _posts(self, community: Community, user_id: str) -> list[int]:
        """Outbox rows whose post mentions this member."""
        rows = await self.db.fetchall(
            "SELECT id, action FROM outbox WHERE platform=? AND community=?",
            (community.platform, community.id))
        return [int(r["id"]) for r in rows
                if any(seg[0] == "m" and seg[1] == user_id
                       for seg in json.loads(r["action"])["text"])]

    async def forget(self, community: Community, user_id: str, now: datetime,
                     settings: Any) -> Forgotten:
        rows = await self.db.execute(
            "DELETE FROM members WHERE platform=? AND community=? AND user_id=?",
            (community.platform, community.id, user_id))
        for r in await self.db.fetchall(
                "SELECT key, payload FROM scheduled_jobs WHERE platform=? AND community=?",
                (community.platform, community.id)):
            if json.loads(r["payload"]).get("user_id") == user_id:
                rows += await self.db.execute("DELETE FROM scheduled_jobs WHERE key=?",
                                              (r["key"],))
        for number in await self._posts(community, user_id):
            rows += await self.db.execute("DELETE FROM outbox WHERE id=?", (number,))
        return Forgotten(rows)

    async def prune(self, now: datetime, settings_for: SettingsFor) -> int:
        # Delivery claims are global (not per community): the base settings decide.
        kept = settings_for(None).hearth.processed_events_kept
        return await self.db.execute("DELETE FROM processed_events WHERE claimed_at<?",
                                     (to_ts(now - kept),))
