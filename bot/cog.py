"""What a feature (cog) looks like to the runtime, and what it is given to work with."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from bot.actions import Action
from bot.clock import Clock
from bot.commands import Command, CommandSpec
from bot.config import Config
from bot.events import Community, Event
from bot.memberdata import DataRights, MemberData
from bot.permissions import Level
from bot.ports import Members, PostLookup
from bot.scheduler import JobHandler, Scheduler
from bot.settings import Section


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a handler needs about the community an event came from."""

    community: Community
    settings: Any
    now: datetime
    level: Level = Level.MEMBER

    @property
    def channels(self) -> dict[str, str]:
        return self.settings.community.channels

    def channel(self, key: str) -> str:
        """The configured channel (name or id) for a logical key like `welcome`."""
        return self.settings.community.channels.get(key, key)


Listener = Callable[[Any, Context], Awaitable[list[Action]]]


@dataclass(frozen=True, slots=True)
class Standing:
    """A member's reputation as other features may see it: points and badge keys."""

    points: int = 0
    badges: frozenset[str] = frozenset()


StandingSource = Callable[[Community, str], Awaitable[Standing]]


@dataclass(frozen=True, slots=True)
class Measure:
    """A number one feature keeps about members, declared so another (badges) can ask for it
    without reading that feature's tables."""

    # One member's value at a moment.
    of: Callable[[Community, str, datetime], Awaitable[int]]
    # Everyone whose value reaches a threshold (for a backfill), as user ids.
    reaching: Callable[[Community, int, datetime], Awaitable[list[str]]]


@dataclass
class Services:
    """Shared pieces the composition root hands every cog."""

    config: Config
    clock: Clock
    scheduler: Scheduler
    rng: random.Random
    # Filled by the runtime once every cog is registered (for /help).
    command_specs: Callable[[], list[CommandSpec]]
    # The core's record of members and of messages Hearth posted under a key.
    members: Members
    posts: PostLookup
    # Features that know a member's standing (reputation) add a source here at start-up.
    standing_sources: list[StandingSource] = field(default_factory=list)
    # Numbers features declare about members (e.g. introductions' "introduced"), by name.
    measures: dict[str, Measure] = field(default_factory=dict)
    # Any member's level by id (not only the invoker's): config roles and users, applied to the
    # last Actor the runtime saw for them. Filled by the composition root from the runtime.
    member_level: Callable[[Community, str], Level] = field(
        default=lambda community, user_id: Level.MEMBER)
    # Every feature's data declaration, run together; filled by the composition root once
    # every cog is registered (for /mydata and the daily retention job).
    data_rights: DataRights | None = None

    async def standing(self, community: Community, user_id: str) -> Standing:
        """What every source knows of a member: the highest points, all badges."""
        found = [await source(community, user_id) for source in self.standing_sources]
        if not found:
            return Standing()
        return Standing(points=max(s.points for s in found),
                        badges=frozenset().union(*(s.badges for s in found)))

    def context(self, community: Community, now: datetime | None = None) -> Context:
        """A context for work with no member behind it (scheduled jobs, start-up)."""
        return Context(community, self.config.for_community(community), now or self.clock.now())


class Cog:
    """A feature. Subclasses set `name`, optionally `settings` (their config section model) and
    `store_class` (their store, built by the composition root on the database and handed in)."""

    name: ClassVar[str]
    settings: ClassVar[type[Section] | None] = None
    # Called with the database; the feature's tables come from its own migrations/ folder.
    store_class: ClassVar[Callable[[Any], Any] | None] = None

    def __init__(self, services: Services, store: Any = None) -> None:
        self.services = services
        self.store = store

    def commands(self) -> list[Command]:
        return []

    def listeners(self) -> dict[type[Event], Listener]:
        return {}

    def jobs(self) -> dict[str, JobHandler]:
        return {}

    def member_data(self) -> MemberData | Sequence[MemberData] | None:
        """What this feature keeps about members (see bot/memberdata.py); None if nothing. A
        feature whose tables fall into parts (reputation's ledger, its badges) may declare each."""
        return None

    async def start(self) -> list[Action]:
        """Run once at start-up, after storage is ready; may return actions to deliver."""
        return []

    async def stop(self) -> None:
        """Flush anything held in memory."""
