"""What a feature (cog) looks like to the runtime, and what it is given to work with."""

from __future__ import annotations

import inspect
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from bot.actions import Action, Respond
from bot.clock import Clock
from bot.commands import Command, CommandSpec, Handler, declared
from bot.config import Config
from bot.events import Actor, CommandInvoked, Community, Event
from bot.memberdata import DataRights, MemberData
from bot.metrics import Metrics
from bot.permissions import Level
from bot.ports import Members, PostLookup
from bot.scheduler import JobHandler, Scheduler
from bot.settings import CommunitySettings, CoreMessages, Section
from bot.templates import Variants
from bot.text import Text


class CommunityConfig(Protocol):
    """The settings in force for one community: the core's sections, typed. A feature types
    its own section by naming a protocol that adds it, e.g. `Context[ReputationConfig]` with
    `reputation: ReputationSettings`, so `ctx.settings.reputation` is typed where it is used."""

    @property
    def community(self) -> CommunitySettings: ...
    @property
    def messages(self) -> CoreMessages: ...


C = TypeVar("C", bound=CommunityConfig)


async def _member_level(community: Community, user_id: str) -> Level:
    """Until the composition root wires the runtime in: everyone is a member."""
    return Level.MEMBER


@dataclass(frozen=True, slots=True)
class Context(Generic[C]):
    """Everything a handler needs about the community an event came from. One object per
    event for every feature (the settings are the whole community's); its type parameter
    says which sections the handler reads."""

    community: Community
    settings: C
    now: datetime
    level: Level = Level.MEMBER

    @property
    def channels(self) -> dict[str, str]:
        return self.settings.community.channels

    def channel(self, key: str) -> str:
        """The configured channel (name or id) for a logical key like `welcome`."""
        return self.settings.community.channels.get(key, key)


Listener = Callable[[Any, "Context[Any]"], Awaitable[list[Action]]]
# Turns an option's value into a thing, or raises Refused with what the member is told.
Resolver = Callable[[CommandInvoked, "Context[Any]", Any], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Standing:
    """A member's reputation as other features may see it: points and badge keys."""

    points: int = 0
    badges: frozenset[str] = frozenset()


StandingSource = Callable[[Community, str], Awaitable[Standing]]
# Something every member should know right now (an open incident), for /help and the like:
# features that have one add a source; the texts come back ready to show.
NoticeSource = Callable[["Context[Any]"], Awaitable[list[Text]]]


@dataclass(frozen=True, slots=True)
class Measures:
    """Numbers one feature keeps about members (by kind: "messages", "introduced", ...),
    declared so another feature (badges) can ask without reading that feature's tables."""

    kinds: tuple[str, ...]
    # Members' values of the wanted kinds at a moment: {user id: {kind: value}}.
    of: Callable[[Community, Sequence[str], frozenset[str], datetime],
                 Awaitable[dict[str, dict[str, int]]]]
    # Everyone whose value of one kind reaches a threshold (for a backfill), as user ids.
    reaching: Callable[[Community, str, int, datetime], Awaitable[list[str]]]


@dataclass(frozen=True, slots=True)
class Figures:
    """Community-wide numbers one feature keeps (feedback: received, done, ...), declared so
    another feature (community health) can ask for them over a span without reading tables."""

    names: tuple[str, ...]
    # The figures for a community over [since, until): {name: value}, None where nothing
    # could be measured yet (a median of no reviews).
    of: Callable[[Community, datetime, datetime], Awaitable[dict[str, float | None]]]
    # What each figure means, in a sentence a community manager reads beside it.
    definitions: Mapping[str, str] = field(default_factory=dict)
    # Members ranked by what the feature counts over a span (questions: top helpers), as
    # (name, count), best first, at most `limit`.
    leaders: Callable[[Community, datetime, datetime, int],
                      Awaitable[list[tuple[str, int]]]] | None = None


@dataclass(frozen=True, slots=True)
class ProfileSubject:
    """Whose /profile is being shown, with what the profile has already read about them, so
    a feature adding fields needn't read it again (each read is a round trip on PostgreSQL)."""

    user_id: str
    name: str
    # From the member directory; None when Hearth has no record of them.
    first_joined: datetime | None = None
    # Measures already known, exactly as `Services.measure` would give them now
    # (reputation's totals): ask `measure` only for the kinds not here.
    measured: Mapping[str, int] = field(default_factory=dict)


# Template fields a feature adds to a member's /profile (badges: "badges" and "next").
ProfileFields = Callable[["Context[Any]", ProfileSubject], Awaitable[dict[str, Any]]]


@dataclass
class Services:
    """Shared pieces the composition root hands every cog."""

    config: Config
    clock: Clock
    scheduler: Scheduler
    rng: random.Random
    # Filled by the runtime once every cog is registered (for /help).
    command_specs: Callable[[], list[CommandSpec]]
    # The commands a member may run in a context (their level or a role a feature admits).
    usable_specs: Callable[[Actor, Context[Any]], list[CommandSpec]]
    # The core's record of members and of messages Hearth posted under a key.
    members: Members
    posts: PostLookup
    # Features that know a member's standing (reputation) add a source here at start-up.
    standing_sources: list[StandingSource] = field(default_factory=list)
    # Numbers features declare about members (introductions' "introduced", ...).
    measures: list[Measures] = field(default_factory=list)
    profile_fields: list[ProfileFields] = field(default_factory=list)
    # Features with something every member should know now add a source here at start-up.
    notice_sources: list[NoticeSource] = field(default_factory=list)
    # Community-wide figures features declare (feedback's counts, for community health).
    figures: list[Figures] = field(default_factory=list)
    # Any member's level by id (not only the invoker's): config roles and users, applied to the
    # last Actor the runtime saw for them. Filled by the composition root from the runtime.
    member_level: Callable[[Community, str], Awaitable[Level]] = field(
        default=lambda community, user_id: _member_level(community, user_id))
    # What Hearth counts for monitoring (bot/metrics.py); the composition root shares one.
    metrics: Metrics = field(default_factory=Metrics)
    # Re-read the config file and apply it (admin /reload); filled by the composition root.
    reload: Callable[[], Awaitable[Any]] | None = None
    # Every feature's data declaration, run together; filled by the composition root once
    # every cog is registered (for /mydata and the daily retention job).
    data_rights: DataRights | None = None

    async def notices(self, ctx: Context[Any]) -> list[Text]:
        """What every notice source has to say in this community now."""
        return [text for source in self.notice_sources for text in await source(ctx)]

    async def standing(self, community: Community, user_id: str) -> Standing:
        """What every source knows of a member: points added up (reputation is the one source
        of points), all badges."""
        found = [await source(community, user_id) for source in self.standing_sources]
        return Standing(points=sum(s.points for s in found),
                        badges=frozenset().union(*(s.badges for s in found)))

    def measured(self, kind: str) -> Measures | None:
        """The feature that declared a measure of this kind, if any."""
        return next((m for m in self.measures if kind in m.kinds), None)

    async def measure(self, community: Community, user_ids: Sequence[str],
                      kinds: Iterable[str], now: datetime) -> dict[str, dict[str, int]]:
        """Members' values of the wanted kinds, asking each declaring feature once; a kind
        nobody declares is left out (reads as 0)."""
        wanted = frozenset(kinds)
        answers = [await source.of(community, user_ids, mine, now) for source in self.measures
                   if (mine := wanted & frozenset(source.kinds))]
        if len(answers) == 1:
            return answers[0]  # the usual case (activity: reputation alone), merged as it is
        out: dict[str, dict[str, int]] = {uid: {} for uid in user_ids}
        for answer in answers:
            for uid, values in answer.items():
                out.setdefault(uid, {}).update(values)
        return out

    async def figures_of(self, community: Community, since: datetime, until: datetime
                         ) -> dict[str, float | None]:
        """Every declared community figure over [since, until), from each declaring feature."""
        out: dict[str, float | None] = {}
        for source in self.figures:
            out.update(await source.of(community, since, until))
        return out

    def context(self, community: Community, now: datetime | None = None) -> Context[Any]:
        """A context for work with no member behind it (scheduled jobs, start-up)."""
        return Context(community, self.config.for_community(community), now or self.clock.now())


StoreT = TypeVar("StoreT")


class Cog(Generic[StoreT]):
    """A feature. Subclasses set `name`, optionally `settings` (their config section model) and
    `store_class` (their store, built by the composition root on the database and handed in as
    `self.store`): `class ContestsCog(Cog[ContestStore])`, or `Cog[None]` with no tables."""

    name: ClassVar[str]
    settings: ClassVar[type[Section] | None] = None
    # Called with the database; the feature's tables come from its own migrations/ folder.
    store_class: ClassVar[type[Any] | None] = None
    # Keys of this cog's section read only at start-up (they shape commands registered with
    # the platforms); a reload that changes one is refused and asks for a restart.
    restart_keys: ClassVar[tuple[str, ...]] = ()

    def __init__(self, services: Services, store: Any = None) -> None:
        self.services = services
        self.store: StoreT = store

    @classmethod
    def specs(cls, config: Config) -> list[CommandSpec]:
        """The commands this feature declares, known without building it (no storage)."""
        return [d.spec for d in declared(cls)]

    def say(self, ctx: Context[Any], template: Variants, **fields: Any) -> Text:
        """The one way a feature renders a message: a template from the config, one of its
        wordings picked with the shared rng, channels as the community configured them."""
        return template.render(self.services.rng, ctx.channels, **fields)

    def reply(self, event: CommandInvoked, ctx: Context[Any], template: Variants, **fields: Any
              ) -> list[Action]:
        """A message only the member who ran the command sees."""
        return [Respond(event.community, event.actor.user_id, self.say(ctx, template, **fields))]

    def commands(self) -> list[Command]:
        """The declared commands, each handler called with its options as typed arguments."""
        out = []
        for d in declared(type(self)):
            suggest = getattr(self, d.suggest) if d.suggest else None
            resolvers = {**self.resolvers(), **{o: getattr(self, m) for o, m in d.resolve}}
            out.append(Command(d.spec, self._handler(d.spec, getattr(self, d.method), resolvers),
                               suggest))
        return out

    def resolvers(self) -> dict[str, Resolver]:
        """Options this feature turns into things before a handler runs, by option name
        (contests: "contest" to the contest, or a kind refusal)."""
        return {}

    @staticmethod
    def _handler(spec: CommandSpec, method: Callable[..., Awaitable[list[Action]]],
                 resolvers: dict[str, Resolver]) -> Handler:
        if "args" in inspect.signature(method).parameters:
            return method  # takes the dict as it is (options named by the config)
        resolvers = {name: fn for name, fn in resolvers.items() if spec.option(name)}

        async def run(event: CommandInvoked, ctx: Context[Any], args: dict[str, Any]
                      ) -> list[Action]:
            values = dict(args)
            for name, resolve in resolvers.items():
                if values.get(name) is not None:
                    values[name] = await resolve(event, ctx, values[name])
            return await method(event, ctx, **values)
        return run

    def listeners(self) -> dict[type[Event], Listener]:
        return {}

    def jobs(self) -> dict[str, JobHandler]:
        return {}

    def member_data(self) -> MemberData | Sequence[MemberData] | None:
        """What this feature keeps about members (see bot/memberdata.py); None if nothing. A
        feature whose tables fall into parts may declare each."""
        return None

    async def start(self) -> list[Action]:
        """Run once at start-up, after storage is ready; may return actions to deliver."""
        return []

    async def stop(self) -> list[Action]:
        """Flush anything held in memory; internal events returned are still heard."""
        return []

    async def reload(self) -> list[Action]:
        """The config was reloaded (settings now read the new values); may return actions, such
        as catching up on rules the new config added. What the cog holds in memory stays."""
        return []
