"""Introductions' part in members' data rights: the answers a member gave, and Hearth's post
of them, which a forget replaces with a short note (the post itself is Hearth's message)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from bot.actions import Action, EditPost
from bot.events import Community
from bot.memberdata import ForgetPlan, Forgotten, SettingsFor, ts
from bot.ports import PostLookup
from bot.templates import counted
from storage import Database


class IntroductionsData:
    feature = "introductions"
    covers: Mapping[str, tuple[str, ...]] = {
        "introductions": ("user_id",),
        "introduction_fields": ("user_id",),
    }

    def __init__(self, db: Database, posts: PostLookup, post_key: Callable[[str], str]
                 ) -> None:
        self.db = db
        self.posts = posts
        self.post_key = post_key

    def statement(self, settings: Any) -> str:
        return ("Your introduction: the answers you gave (or your first message in the "
                "introductions channel) and when, so you can update it later. Kept until you ask "
                "us to forget you, even if you leave; forgetting you also removes Hearth's post "
                "of it.")

    async def export(self, community: Community, user_id: str) -> dict[str, Any]:
        key = (community.platform, community.id, user_id)
        row = await self.db.fetchone(
            "SELECT source, created_at, updated_at FROM introductions WHERE platform=? AND"
            " community=? AND user_id=?", key)
        if row is None:
            return {}
        fields = await self.db.fetchall(
            "SELECT field, value FROM introduction_fields WHERE platform=? AND community=? AND"
            " user_id=? ORDER BY position", key)
        return {"introduction": {
            "source": row["source"], "created_at": ts(row["created_at"]),
            "updated_at": ts(row["updated_at"]),
            "answers": {f["field"]: f["value"] for f in fields}}}

    async def preview(self, community: Community, user_id: str, now: datetime,
                      settings: Any) -> ForgetPlan:
        answers = await self.db.scalar(
            "SELECT COUNT(*) FROM introduction_fields WHERE platform=? AND community=? AND"
            " user_id=?", (community.platform, community.id, user_id))
        if not await self.db.scalar(
                "SELECT 1 FROM introductions WHERE platform=? AND community=? AND user_id=?",
                (community.platform, community.id, user_id)):
            return ForgetPlan()
        deleted = [f"your introduction ({counted(int(answers or 0), 'answer', 'answers')})"]
        if await self.posts.find(community, self.post_key(user_id)):
            deleted.append("Hearth's post of it (replaced by a short note)")
        return ForgetPlan(tuple(deleted))

    async def forget(self, community: Community, user_id: str, now: datetime,
                     settings: Any) -> Forgotten:
        key = (community.platform, community.id, user_id)
        rows = await self.db.execute(
            "DELETE FROM introduction_fields WHERE platform=? AND community=? AND user_id=?", key)
        rows += await self.db.execute(
            "DELETE FROM introductions WHERE platform=? AND community=? AND user_id=?", key)
        actions: list[Action] = []
        found = await self.posts.find(community, self.post_key(user_id))
        if found is not None:
            rows += await self.posts.forget(community, self.post_key(user_id))
            text = settings.introductions.messages.removed.render(None)
            # No key: the edit must not record the post under their id again.
            actions.append(EditPost(community, found[0], "", text, message_id=found[1],
                                    more_ids=found[2]))
        return Forgotten(rows, tuple(actions))

    async def prune(self, now: datetime, settings_for: SettingsFor) -> int:
        return 0  # kept until the member asks (or their account is deleted)
