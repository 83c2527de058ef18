"""Who is who on Slack: names and admin flags from users.info, moderators from user groups.

Cached for `admin_cache` so a busy channel costs one users.info per member per period, and
concurrent lookups of the same member share one request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_sdk.web.async_client import AsyncWebClient

from bot.events import Actor, MemberRef
from bot.settings import SlackSettings

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Person:
    user_id: str
    name: str
    is_bot: bool
    is_admin: bool
    deleted: bool = False

    def ref(self) -> MemberRef:
        return MemberRef(self.user_id, self.name, self.is_bot)


def person_from(user: dict[str, Any]) -> Person:
    """A Person from a Slack user object (users.info, team_join)."""
    profile = user.get("profile") or {}
    name = (profile.get("display_name") or profile.get("real_name") or user.get("real_name")
            or user.get("name") or user["id"])
    return Person(
        user_id=user["id"],
        name=name,
        is_bot=bool(user.get("is_bot")) or user["id"] == "USLACKBOT",
        is_admin=bool(user.get("is_admin") or user.get("is_owner")),
        deleted=bool(user.get("deleted")),
    )


class _TtlCache:
    """Values for `ttl` seconds; one fetch in flight per key."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._values: dict[str, tuple[float, Any]] = {}
        self._pending: dict[str, asyncio.Future[Any]] = {}

    def peek(self, key: str) -> Any:
        """The cached value, even a stale one, without fetching; None if never fetched."""
        hit = self._values.get(key)
        return hit[1] if hit is not None else None

    def put(self, key: str, value: Any) -> None:
        self._values[key] = (time.monotonic() + self.ttl, value)

    async def get(self, key: str, fetch: Callable[[], Awaitable[T]]) -> T:
        hit = self._values.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            value = await fetch()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # consumed: waiters re-raise it, nobody else needs to
            raise
        finally:
            self._pending.pop(key, None)
        self.put(key, value)
        future.set_result(value)
        return value


class People:
    def __init__(self, client: AsyncWebClient, settings: SlackSettings) -> None:
        self.client = client
        self.settings = settings
        ttl = settings.admin_cache.total_seconds()
        self._people = _TtlCache(ttl)
        self._groups = _TtlCache(ttl)

    def remember(self, user: dict[str, Any]) -> tuple[Person | None, Person]:
        """Take a user object Slack sent anyway (team_join, user_change), saving a lookup;
        returns what was known of them before (None if nothing) and now."""
        person = person_from(user)
        before = self._people.peek(person.user_id)
        self._people.put(person.user_id, person)
        return before, person

    def known_name(self, user_id: str) -> str | None:
        """Without a request: the name last seen, for showing a member token in text."""
        person = self._people.peek(user_id)
        return person.name if person is not None else None

    async def person(self, user_id: str) -> Person:
        """Raises SlackApiError if Slack can't say; callers decide whether that is fatal."""
        async def fetch() -> Person:
            return person_from((await self.client.users_info(user=user_id))["user"])

        return await self._people.get(user_id, fetch)

    async def group(self, usergroup: str) -> frozenset[str]:
        async def fetch() -> frozenset[str]:
            resp = await self.client.usergroups_users_list(usergroup=usergroup)
            return frozenset(resp.get("users") or ())

        return await self._groups.get(usergroup, fetch)

    async def actor(self, user_id: str, *, with_level: bool = False) -> Actor:
        """The member as the core sees them; `with_level` adds moderator/admin flags (commands)."""
        person = await self.person(user_id)
        moderator = admin = False
        if with_level and not person.is_bot:
            admin = person.is_admin or await self._in(self.settings.admin_usergroup, user_id)
            moderator = await self._in(self.settings.moderator_usergroup, user_id)
        return Actor(user_id=user_id, name=person.name, is_bot=person.is_bot,
                     platform_moderator=moderator, platform_admin=admin)

    async def _in(self, usergroup: str, user_id: str) -> bool:
        return bool(usergroup) and user_id in await self.group(usergroup)

    def forget_group(self, usergroup: str) -> None:
        """After Hearth changed a group, the next check asks Slack again."""
        self._groups._values.pop(usergroup, None)
