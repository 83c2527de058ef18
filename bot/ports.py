"""What the core needs from storage and from adapters, as small interfaces.

Storage implements the stores (SQLite today; PostgreSQL could sit beside it), adapters implement
`Sink`. The core depends on these shapes only.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from bot.actions import Action
from bot.events import Actor, Community, MemberRef


class StorageUnavailable(Exception):
    """A read or write failed for a passing reason (locked, disk full); nothing was saved."""


@dataclass(frozen=True, slots=True)
class Job:
    key: str
    kind: str
    community: Community
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Receipt:
    """What became of one action on the platform."""

    delivered: bool
    message_id: str | None = None
    channel: str | None = None
    # Why not: "dm_closed", "unsupported", "forbidden", "not_found", "failed".
    reason: str | None = None
    # A post the platform took in several messages: the ids after `message_id`, in order.
    more_ids: tuple[str, ...] = ()


class Sink(Protocol):
    async def perform(self, action: Action) -> Receipt: ...


@runtime_checkable
class MemberLookup(Protocol):
    """What the platform says of a member right now (roles, moderator and admin flags), for
    the guards that ask about someone other than the invoker. An adapter's sink implements it
    where the platform can answer; None when it can't or the member is unknown."""

    async def look_up_member(self, community: Community, user_id: str) -> Actor | None: ...


class ClaimStore(Protocol):
    async def claim(self, platform: str, event_id: str, now: datetime) -> bool: ...
    async def finish(self, platform: str, event_id: str) -> None: ...
    async def release(self, platform: str, event_id: str) -> None: ...
    async def prune(self, older_than: datetime) -> int: ...


class JobStore(Protocol):
    async def save(self, job: Job) -> None: ...
    async def save_many(self, jobs: Sequence[Job]) -> None: ...
    async def of_kind(self, kind: str, community: Community) -> list[Job]: ...
    async def delete(self, key: str) -> None: ...
    async def get(self, key: str) -> Job | None: ...
    async def claim_due(self, until: datetime, now: datetime, run: str, lease_until: datetime
                        ) -> Job | None: ...
    async def renew(self, key: str, run: str, lease_until: datetime) -> bool: ...
    async def finish(self, key: str, run: str) -> bool: ...
    async def release_claims(self, worker: str) -> int: ...
    async def all(self) -> list[Job]: ...


class PostLookup(Protocol):
    """Where Hearth posted a message under a key, if it did (for features: read it, or forget
    it when the member the key names asks to be forgotten): (channel, first message id, the
    ids of the further pieces of a long post)."""

    async def find(self, community: Community, key: str
                   ) -> tuple[str, str, tuple[str, ...]] | None: ...
    async def forget(self, community: Community, key: str) -> int: ...


class PostStore(PostLookup, Protocol):
    async def record(self, community: Community, key: str, channel: str, message_id: str,
                     at: datetime, more_ids: Sequence[str] = ()) -> None: ...


class UnitOfWork(Protocol):
    @property
    def wrote(self) -> bool:
        """Whether anything was written inside the unit so far."""


class Part(Protocol):
    """One feature's share of a unit of work (`Outbox.part`): what it wrote is undone if it
    fails, and the rest of the unit carries on."""

    def done(self) -> None: ...
    async def failed(self, kind: type[BaseException] = Exception) -> None: ...


class Outbox(Protocol):
    """Units of work, and the posts that follow what they change (see storage/outbox.py): kept
    with the change, forgotten once delivered, sent at the next start if they weren't."""

    def unit(self) -> AbstractAsyncContextManager[UnitOfWork]: ...
    def isolated(self) -> AbstractAsyncContextManager[None]: ...
    def part(self) -> Part: ...
    async def keep(self, actions: Sequence[Action], worker: str, at: datetime
                   ) -> list[Action]: ...
    async def delivered(self, number: int) -> None: ...
    async def left_behind(self, worker: str, now: datetime, stale: timedelta
                          ) -> list[Action]: ...


class Directory(Protocol):
    """Members the core has seen, to resolve `@name` and keep names fresh."""

    async def by_name(self, community: Community, name: str, *, include_left: bool = False
                      ) -> MemberRef | None:
        """A member by name; `include_left` also finds one who left (for moderators)."""
    async def by_id(self, community: Community, user_id: str) -> MemberRef | None: ...
    async def seen(self, community: Community, member: Actor, at: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class MemberRecord:
    user_id: str
    name: str
    is_bot: bool
    first_joined: datetime
    joined_at: datetime
    left_at: datetime | None
    welcomed_at: datetime | None


class Members(Directory, Protocol):
    """The core's record of members, as features may read and update it."""

    async def get(self, community: Community, user_id: str) -> MemberRecord | None: ...
    async def joined(self, community: Community, member: Actor, at: datetime
                     ) -> MemberRecord | None: ...
    async def left(self, community: Community, user_id: str, at: datetime) -> None: ...
    async def welcomed(self, community: Community, user_ids: list[str], at: datetime
                       ) -> None: ...
    async def waiting_for_welcome(self, community: Community, since: datetime
                                  ) -> list[MemberRecord]: ...
    async def communities(self) -> list[Community]: ...
