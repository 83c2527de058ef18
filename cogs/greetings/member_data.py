"""Greetings' part in members' data rights. Greetings keeps no table of its own: whether and
when a member was welcomed lives in the core's member record, and a welcome message waiting to
go out (during a wave of joins) is a scheduled job; both are the core's to export and forget.
This declaration says so in plain words and cancels the waiting welcome."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from bot.events import Community
from bot.memberdata import ForgetPlan, Forgotten, SettingsFor, how_long


class GreetingsData:
    feature = "greetings"
    covers: Mapping[str, tuple[str, ...]] = {}

    def __init__(self, cancel_welcome: Callable[[Community, str], Awaitable[None]]) -> None:
        self._cancel_welcome = cancel_welcome

    def statement(self, settings: Any) -> str:
        again = how_long(settings.greetings.greet_again_after)
        return ("When you were welcomed, so someone who leaves and comes back within "
                f"{again} isn't welcomed twice (part of your member record), and a welcome "
                "message waiting to be sent during a busy moment, until it goes out.")

    async def export(self, community: Community, user_id: str) -> dict[str, Any]:
        return {}

    async def preview(self, community: Community, user_id: str, now: datetime,
                      settings: Any) -> ForgetPlan:
        return ForgetPlan()

    async def forget(self, community: Community, user_id: str, now: datetime,
                     settings: Any) -> Forgotten:
        await self._cancel_welcome(community, user_id)
        return Forgotten()

    async def prune(self, now: datetime, settings_for: SettingsFor) -> int:
        return 0
