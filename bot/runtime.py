"""The runtime: events in, actions out.

It de-duplicates platform deliveries, routes commands (permission check, argument binding) and
other events to cogs, isolates failures so one broken feature can't stop the others, and
delivers actions through the adapter's sink, handling fallbacks (closed DMs, missing timeouts).
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.actions import (
    Action,
    DirectMessage,
    EditPost,
    Emit,
    GrantRole,
    Post,
    PostFile,
    RemoveRole,
    Respond,
    SendFile,
    Timeout,
)
from bot.clock import Clock
from bot.cog import Cog, Context, Listener
from bot.commands import Command, CommandSpec, Refused, UnknownCommand, UsageError, bind
from bot.config import Config
from bot.events import (
    Actor,
    CommandInvoked,
    Community,
    Event,
    MemberJoined,
    MemberRef,
    MessageDeleted,
    MessagePosted,
    ReactionAdded,
)
from bot.logs import CURRENT_EVENT
from bot.member_cache import MemberCache
from bot.memberdata import MemberData
from bot.metrics import Metrics
from bot.parser import longest_match, parse
from bot.permissions import Level, level_of
from bot.plan import Plan, plan
from bot.ports import (
    ClaimStore,
    Directory,
    MemberLookup,
    Outbox,
    Part,
    PostStore,
    Receipt,
    Sink,
    StorageUnavailable,
    UnitOfWork,
)
from bot.scheduler import Scheduler
from bot.settings import CoreMessages
from bot.text import CommandRef, Literal, Text
from bot.turns import Turns

log = logging.getLogger(__name__)
# Claims on delivered events are kept this long; platforms stop retrying well before.
# Internal events may trigger more internal events; past this depth something is looping.
MAX_EMIT_DEPTH = 4
# Posts that follow a stored change go through the outbox (replies and DMs answer at once).
KEPT = (Post, EditPost)
# A post the platform refused for good (a missing channel, no permission) is not tried again.
REFUSED_FOR_GOOD = ("forbidden", "not_found", "unsupported")
# Events handled in order within their channel (see _conversation).
ORDERED = (MessagePosted, ReactionAdded, MessageDeleted, CommandInvoked)


class _NoUnit:
    wrote = False


class _NoPart:
    def done(self) -> None:
        return None

    async def failed(self, kind: type[BaseException] = Exception) -> None:
        return None


_NO_PART = _NoPart()


class _NoOutbox:
    """Without an outbox (a runtime built without storage): no units, nothing kept."""

    @contextlib.asynccontextmanager
    async def unit(self) -> AsyncIterator[UnitOfWork]:
        yield _NoUnit()

    @contextlib.asynccontextmanager
    async def isolated(self) -> AsyncIterator[None]:
        yield

    def part(self) -> Part:
        return _NO_PART

    async def keep(self, actions: Sequence[Action], worker: str, at: datetime
                   ) -> list[Action]:
        return list(actions)

    async def delivered(self, number: int) -> None:
        return None

    async def left_behind(self, worker: str, now: datetime, stale: timedelta
                          ) -> list[Action]:
        return []


class Runtime:
    def __init__(self, config: Config, clock: Clock, scheduler: Scheduler, claims: ClaimStore,
                 posts: PostStore, directory: Directory, metrics: Metrics | None = None,
                 outbox: Outbox | None = None) -> None:
        self.config = config
        # Each event's and job's writes, and the posts they call for, commit together.
        self.outbox: Outbox = outbox or _NoOutbox()
        self.metrics = metrics or Metrics()
        # One failing disk fails every write alike: logged once with a count (bot/repeats.py),
        # shared with the scheduler's jobs.
        self.storage_failures = scheduler.storage_failures
        # JSON logs name the event being handled; only then is it noted per event (bot/logs.py).
        self.tag_logs = False
        self.clock = clock
        self.scheduler = scheduler
        self.claims = claims
        self.posts = posts
        self.directory = directory
        self._members = MemberCache()
        self.cogs: list[Cog[Any]] = []
        self.commands: dict[str, Command] = {}
        self._listeners: dict[type[Event], list[tuple[str, Listener]]] = defaultdict(list)
        self._sinks: dict[str, Sink] = {}
        self.member_data: list[MemberData] = []
        # One conversation's events are handled in the order they came (see _conversation).
        self._turns = Turns()

    # -- set-up -------------------------------------------------------------------------

    def add_cog(self, cog: Cog[Any]) -> None:
        for command in cog.commands():
            name = command.spec.name
            if name in self.commands:
                raise ValueError(f"command /{name} declared twice")
            self.commands[name] = command
        for event_type, listener in cog.listeners().items():
            self._listeners[event_type].append((cog.name, listener))
        for kind, handler in cog.jobs().items():
            self.scheduler.register(kind, handler)
        declared = cog.member_data()
        if declared is not None:
            self.member_data.extend(declared if isinstance(declared, Sequence) else [declared])
        self.cogs.append(cog)

    def specs(self) -> list[CommandSpec]:
        return [c.spec for c in self.commands.values()]

    @staticmethod
    def may_use(command: Command, actor: Actor, ctx: Context[Any]) -> bool:
        """Whether this member may run this command: their level, or a role its feature admits
        (announcements' announcer roles)."""
        return ctx.level >= command.spec.level or bool(
            command.admits and command.admits(actor, ctx))

    def usable_specs(self, actor: Actor, ctx: Context[Any]) -> list[CommandSpec]:
        """The commands this member may run here (what /help lists to them)."""
        return [c.spec for c in self.commands.values() if self.may_use(c, actor, ctx)]

    def add_sink(self, platform: str, sink: Sink) -> None:
        """Where scheduled work for this platform's communities is delivered."""
        self._sinks[platform] = sink

    async def start(self) -> None:
        await self.claims.prune(self.clock.now() - self.config.hearth.processed_events_kept)
        # Posts a crash kept from going out go first, in the order their changes were made.
        left = await self.outbox.left_behind(self.scheduler.worker, self.clock.now(),
                                             self.scheduler.lease)
        if left:
            log.info("sending %d post(s) that a stop kept from going out", len(left))
            await self.deliver(left)
        for cog in self.cogs:
            await self.deliver(await self.settle(cog.start))
        await self.scheduler.start(self.deliver, self.settle)

    async def settle(self, work: Callable[[], Awaitable[list[Action]]]) -> list[Action]:
        """Run `work` (a job, a cog's start) as one unit: what it writes, what its internal
        events write and the posts they all call for commit together; returns the actions
        to deliver once committed."""
        async with self.outbox.unit() as unit:
            actions = await self._expand(await work())
            return await self._kept(unit, actions)

    async def _kept(self, unit: UnitOfWork, actions: list[Action]) -> list[Action]:
        """Posts that follow a change are stored with it (in its unit), to go out at least once
        whatever happens next; with nothing changed there's nothing to keep them for."""
        if not unit.wrote or not any(isinstance(a, KEPT) for a in actions):
            return actions
        return await self.outbox.keep(actions, self.scheduler.worker, self.clock.now())

    async def reload(self, config: Config) -> None:
        """Run with a new, validated config from the next event on. Cogs keep what they hold
        in memory (activity points, caches); each may answer the change with actions."""
        self.config = config
        for cog in self.cogs:
            try:
                await self.deliver(await self.settle(cog.reload))
            except Exception as exc:
                log.error("%s failed to take up the new config: %r", cog.name, exc)
                log.debug("reload failure", exc_info=True)

    async def stop(self) -> None:
        await self.scheduler.stop()
        for cog in reversed(self.cogs):
            try:
                # Internal events a cog still emits (badges earned by the last activity) are
                # heard, so what they record is kept; posts are dropped, Hearth is going away.
                await self._expand(await cog.stop() or [])
            except StorageUnavailable as exc:
                self.storage_failures.failed(str(exc), "%s couldn't store what it held on "
                                             "stopping: %s", cog.name, exc)
            except Exception:
                log.exception("cog %s failed to stop cleanly", cog.name)

    # -- who is who ---------------------------------------------------------------------

    def level(self, community: Community, actor: Actor) -> Level:
        s = self.config.for_community(community)
        console = self.config.platforms.console if community.platform == "console" else None
        return level_of(
            actor,
            moderator_roles=s.community.moderator_roles,
            admin_roles=s.community.admin_roles,
            moderator_users=[*s.community.moderators, *(console.moderators if console else ())],
            admin_users=[*s.community.admins, *(console.admins if console else ())],
        )

    def saw(self, community: Community, actor: Actor) -> None:
        """Remember what the platform last said of a member, for `member_level`."""
        self._note(community, actor, self._members.in_directory(community, actor))

    def _note(self, community: Community, actor: Actor, stored: bool) -> None:
        self._members.note(community, actor, stored, self.config.hearth.member_cache)

    async def forgotten(self, community: Community, user_id: str) -> None:
        """A member was forgotten: let go of what memory holds about them too."""
        self._members.forget(community, user_id)

    async def member_level(self, community: Community, user_id: str) -> Level:
        """A member's level by id: config users always; roles and platform flags as last seen,
        or, for a member not seen since start-up, as the platform says now (where the adapter
        can answer: `MemberLookup`)."""
        known = self._members.get(community, user_id)
        if known is None:
            sink = self._sinks.get(community.platform)
            if isinstance(sink, MemberLookup):
                try:
                    found = await sink.look_up_member(community, user_id)
                except Exception as exc:  # the platform couldn't say: config alone decides
                    log.warning("looking up %s in %s failed: %r", user_id, community.key, exc)
                    found = None
                if found is not None:
                    self.saw(community, found)
                    return self.level(community, found)
        actor = known if known is not None else Actor(user_id, user_id)
        return self.level(community, actor)

    def context(self, community: Community, actor: Actor | None = None) -> Context[Any]:
        if actor is None:
            # Positional and without a level: this runs for every message event.
            return Context(community, self.config.for_community(community), self.clock.now())
        return Context(community, self.config.for_community(community), self.clock.now(),
                       self.level(community, actor))

    def plan(self, event: CommandInvoked) -> Plan:
        """Open a form first, or run now (see bot/plan.py); adapters ask instead of deciding."""
        return plan(event, self.specs(), self.level(event.community, event.actor))

    def failed(self, community: Community, user_id: str, command: str) -> list[Action]:
        """What a member is told when their command broke before the core could answer."""
        messages = self.config.for_community(community).messages
        return [Respond(community, user_id,
                        messages.failed.render(None, command=CommandRef(command.lstrip("/"))))]

    def visible_specs(self, level: Level) -> list[CommandSpec]:
        return [s for s in self.specs() if s.level <= level]

    # -- events in ----------------------------------------------------------------------

    async def process(self, event: Event, sink: Sink) -> list[Action]:
        """Handle an event and deliver its actions through `sink`."""
        token = CURRENT_EVENT.set(event) if self.tag_logs else None
        try:
            actions = await self.handle(event)
            await self.deliver(actions, sink)
        finally:
            if token is not None:
                CURRENT_EVENT.reset(token)
        return actions

    async def handle(self, event: Event) -> list[Action]:
        """Work out and store what an event means; returns the actions to deliver.

        If storage fails for a passing reason, a member who ran a command is told kindly that
        it didn't save; other events raise, so the platform's retry can do the work later.
        """
        if not self.tag_logs or CURRENT_EVENT.get() is event:
            return await self._handle_kindly(event)
        token = CURRENT_EVENT.set(event)
        try:
            return await self._handle_kindly(event)
        finally:
            CURRENT_EVENT.reset(token)

    async def _handle_kindly(self, event: Event) -> list[Action]:
        # Each platform event is its own task: in one conversation, each waits for the one
        # before it to be stored (a thanks finds the answer it follows); others run on.
        key = _conversation(event)
        if key is not None:
            waiter = self._turns.take(key)
            if waiter is not None:
                await self._turns.wait(key, waiter)
        try:
            actions = await self._handle(event)
        except StorageUnavailable as exc:
            self.storage_failures.failed(str(exc), "couldn't store %s: %s", type(event).__name__,
                                         exc)
            if not isinstance(event, CommandInvoked):
                raise
            messages = self.config.for_community(event.community).messages
            name = event.command or (event.line or "").split(" ", 1)[0]
            return [Respond(event.community, event.actor.user_id,
                            messages.not_saved.render(None, command=CommandRef(name)))]
        finally:
            if key is not None:
                self._turns.give_back(key)
        self.storage_failures.succeeded()
        return actions

    async def _handle(self, event: Event) -> list[Action]:
        platform = event.community.platform
        if event.event_id and not await self.claims.claim(platform, event.event_id,
                                                          self.clock.now()):
            log.info("skipping %s %s: already handled", type(event).__name__, event.event_id)
            return []
        self.metrics.event(type(event))
        actor = _actor_in(event)
        finished = False
        try:
            if actor is not None:
                if isinstance(event, (MessagePosted, CommandInvoked)):
                    await self._remember(event.community, actor)  # they spoke: in the directory
                else:
                    self.saw(event.community, actor)
            # One unit: the command (or the event's listeners), what its internal events
            # write (a badge earned by a thanks), the posts they call for and the claim on the
            # delivery commit together, so a member told "sorry" had nothing stored.
            async with self.outbox.unit() as unit:
                if isinstance(event, CommandInvoked):
                    started = time.perf_counter()
                    actions = await self._command(event)
                    self.metrics.command(_command_name(event, self.commands),
                                         time.perf_counter() - started)
                else:
                    actions = await self._broadcast(event)
                actions = await self._kept(unit, await self._expand(actions))
                if event.event_id and unit.wrote:
                    await self.claims.finish(platform, event.event_id)
                    finished = True
        except BaseException:
            if event.event_id:
                with contextlib.suppress(StorageUnavailable):
                    await self.claims.release(platform, event.event_id)
            raise
        if event.event_id and not finished:
            await self.claims.finish(platform, event.event_id)
        return actions

    async def _expand(self, actions: list[Action], depth: int = 0) -> list[Action]:
        """Replace each Emit with what the listening cogs answer, in place."""
        if not actions or not any(isinstance(a, Emit) for a in actions):
            return actions
        out: list[Action] = []
        for action in actions:
            if not isinstance(action, Emit):
                out.append(action)
            elif depth >= MAX_EMIT_DEPTH:
                log.error("dropping %s: internal events nested too deep",
                          type(action.event).__name__)
            else:
                out.extend(await self._expand(await self._broadcast(action.event), depth + 1))
        return out

    async def _remember(self, community: Community, actor: Actor) -> None:
        """`saw`, and the member written to the directory the first time (or under a new name)."""
        if self._members.in_directory(community, actor):
            self._note(community, actor, True)
            return
        # Marked before the write, so a burst of messages from one member writes once.
        self._note(community, actor, True)
        try:
            await self.directory.seen(community, actor, self.clock.now())
        except BaseException:
            self._note(community, actor, False)
            raise

    async def _broadcast(self, event: Event) -> list[Action]:
        listeners = self._listeners.get(type(event))
        if not listeners:
            return []
        ctx = self.context(event.community)
        actions: list[Action] = []
        for cog_name, listener in listeners:
            # A feature that fails has what it wrote undone; the others' stands. (A part,
            # not `async with isolated()`: this runs for every listener of every message.)
            part = self.outbox.part()
            try:
                actions.extend(await listener(event, ctx))
            except StorageUnavailable:
                part.done()
                raise  # nothing was saved: let the delivery be retried as a whole
            except Exception as exc:
                await part.failed(type(exc))
                # One feature failing must not silence the others.
                log.error("%s failed on %s: %r", cog_name, type(event).__name__, exc)
                log.debug("listener failure", exc_info=True)
            except BaseException as exc:
                await part.failed(type(exc))
                raise
            else:
                part.done()
        return actions

    async def _command(self, event: CommandInvoked) -> list[Action]:
        ctx = self.context(event.community, event.actor)
        messages = ctx.settings.messages

        def respond(text: Text) -> list[Action]:
            return [Respond(event.community, event.actor.user_id, text)]

        raw = event.args
        if event.line is not None:
            try:
                parsed = parse(event.line, self.specs())
            except UnknownCommand as exc:
                return respond(self._unknown(messages, exc))
            except UsageError as exc:
                return respond(messages.usage.render(None, problem=exc.render(messages),
                                                     usage=exc.usage or "/help"))
            # Adapters may pass arguments the text can't carry (a message action's target).
            command, raw = self.commands[parsed.spec.name], {**parsed.args, **event.args}
        else:
            found = self.commands.get(event.command)
            if found is None:
                return respond(self._unknown(messages, UnknownCommand(event.command)))
            command = found
        spec = command.spec
        if not self.may_use(command, event.actor, ctx):
            return respond(messages.not_allowed.render(
                None, command=CommandRef(spec.name), level=spec.level.label))
        try:
            # Moderators still find members who left (/warnings @bob after bob went).
            raw = await self._resolve_members(event.community, raw,
                                              include_left=spec.level >= Level.MODERATOR)
            args = bind(spec, raw, now=ctx.now, tz=ctx.settings.community.timezone)
        except UsageError as exc:
            return respond(messages.usage.render(None, problem=exc.render(messages),
                                                 usage=Literal(spec.usage())))
        async def run() -> list[Action]:
            try:
                return await command.handler(event, ctx, args)
            except UsageError as exc:
                return respond(messages.usage.render(None, problem=exc.render(messages),
                                                     usage=Literal(spec.usage())))
            except Refused as refused:
                return refused.actions

        try:
            # A command that breaks has what it wrote undone, so "something went wrong" is
            # all that happened.
            async with self.outbox.isolated():
                return await run()
        except StorageUnavailable:
            raise
        except Exception as exc:
            log.error("/%s failed for %s: %r", spec.name, event.actor.user_id, exc)
            log.debug("command failure", exc_info=True)
            return self.failed(event.community, event.actor.user_id, spec.name)

    def _unknown(self, messages: CoreMessages, exc: UnknownCommand) -> Text:
        """No such command: the nearest one by spelling where there is one ("/hlep")."""
        if exc.subcommands:
            near = difflib.get_close_matches(exc.typed, exc.subcommands, n=1, cutoff=0.6) \
                if exc.typed else []
            if near:
                text: Text = messages.did_you_mean_sub.render(
                    None, command=CommandRef(exc.name), word=f"'{exc.typed}'", suggestion=near[0],
                    choices=", ".join(exc.subcommands))
                return text
            text = messages.incomplete_command.render(
                None, command=CommandRef(exc.name), choices=", ".join(exc.subcommands))
            return text
        names = sorted({spec.words[0] for spec in self.specs()})
        near = difflib.get_close_matches(exc.name.lower(), names, n=1, cutoff=0.6)
        if near:
            text = messages.did_you_mean.render(None, command=exc.name,
                                                suggestion=f"/{near[0]}")
            return text
        text = messages.unknown_command.render(None, command=exc.name)
        return text

    async def _resolve_members(self, community: Community, raw: dict[str, object], *,
                               include_left: bool = False) -> dict[str, object]:
        """Fill in who `@name` is, and what we know of members the platform named by id."""
        out = dict(raw)
        for name, value in raw.items():
            if not isinstance(value, MemberRef):
                continue
            if not value.user_id:
                found = await self.directory.by_name(community, value.name or "",
                                                     include_left=include_left)
                if found is None:
                    raise UsageError("member_not_found", name=value.name or "")
                out[name] = found
            elif value.name is None or value.is_bot is None:
                known = await self.directory.by_id(community, value.user_id)
                if known is not None:
                    out[name] = MemberRef(value.user_id, value.name or known.name,
                                          known.is_bot if value.is_bot is None else value.is_bot)
        return out

    async def autocomplete(self, community: Community, actor: Actor, command: str, option: str,
                           partial: str) -> list[tuple[str, str]]:
        """(label, value) suggestions for an option, where the owning cog offers them."""
        found = self.commands.get(command)
        if found is None or found.autocomplete is None:
            return []
        try:
            return await found.autocomplete(self.context(community, actor), option, partial)
        except Exception as exc:
            log.error("autocomplete for /%s failed: %r", command, exc)
            return []

    # -- actions out --------------------------------------------------------------------

    async def deliver(self, actions: Iterable[Action], sink: Sink | None = None) -> None:
        """Perform actions in order; a failing one is logged once and the rest still go."""
        if not actions:
            return  # most events (plain chat) answer nothing
        ready = list(actions)
        if any(isinstance(a, Emit) for a in ready):
            ready = await self.settle(lambda: _ready(ready))
        for action in ready:
            target = sink or self._sinks.get(action.community.platform)
            if target is None:
                log.warning("no adapter for %s; dropped %s", action.community.platform,
                            type(action).__name__)
                continue
            await self._perform(action, target)

    async def _perform(self, action: Action, sink: Sink) -> None:
        if isinstance(action, EditPost) and action.message_id is None:
            found = await self.posts.find(action.community, action.key)
            if found is not None:
                action = dataclasses.replace(action, channel=found[0], message_id=found[1],
                                             more_ids=found[2])
        if isinstance(action, Post) and action.thread_of and action.thread_id is None:
            found = await self.posts.find(action.community, action.thread_of)
            if found is not None:
                action = dataclasses.replace(action, channel=found[0], thread_id=found[1])
        try:
            receipt = await sink.perform(action)
        except Exception as exc:
            log.error("%s in %s failed: %r", type(action).__name__, action.community.key, exc)
            log.debug("action failure", exc_info=True)
            receipt = Receipt(False, reason="failed")
        self.metrics.action(action.community.platform, receipt.delivered)
        await self._after(action, receipt, sink)

    async def _after(self, action: Action, receipt: Receipt, sink: Sink) -> None:
        kept = action.outbox if isinstance(action, KEPT) else None
        if kept is not None and not receipt.delivered:
            if receipt.reason not in REFUSED_FOR_GOOD:
                log.warning("%s in %s is kept to be sent at the next start", type(action).__name__,
                            action.community.key)
                kept = None
            else:
                log.warning("%s in %s was refused (%s); not trying again", type(action).__name__,
                            action.community.key, receipt.reason)
        # The receipt and the outbox row's end are one write: the window in which a crash
        # would send a delivered post again is this one commit.
        async with self.outbox.unit():
            if isinstance(action, Post | EditPost) and action.key and receipt.delivered \
                    and receipt.message_id:
                await self.posts.record(action.community, action.key,
                                        receipt.channel or action.channel or "",
                                        receipt.message_id, self.clock.now(), receipt.more_ids)
            if kept is not None:
                await self.outbox.delivered(kept)
        if isinstance(action, DirectMessage) and not receipt.delivered:
            await self.deliver(action.if_undelivered, sink)
        if isinstance(action, Timeout | SendFile | PostFile) and receipt.reason == "unsupported":
            await self.deliver(action.if_unsupported, sink)
        elif isinstance(action, Timeout | GrantRole | RemoveRole) and not receipt.delivered:
            # The platform refused: whoever asked for it hears so, in the feature's words.
            await self.deliver(action.if_failed, sink)


async def _ready(actions: list[Action]) -> list[Action]:
    return actions


def _actor_in(event: Event) -> Actor | None:
    """The member an event shows as the platform sees them now (no list: every message)."""
    if isinstance(event, MessagePosted):
        return event.author
    if isinstance(event, CommandInvoked):
        return event.actor
    if isinstance(event, MemberJoined):
        return event.member
    if isinstance(event, ReactionAdded):
        return event.reactor
    return None


def _conversation(event: Event) -> tuple[str, str, str] | None:
    """What orders an event among others: its channel (a Discord thread is a channel of its
    own; a Slack thread is ordered with its channel, as reactions name only the channel), for
    what members say, react, delete and run there. Joins, DMs (the adapters order those per
    member) and internal events aren't ordered."""
    if not isinstance(event, ORDERED) or not event.channel:
        return None
    return event.community.platform, event.community.id, event.channel


def _command_name(event: CommandInvoked, known: dict[str, Command]) -> str:
    """The command's declared name, for metrics; what a member typed never becomes a label."""
    if event.command:
        return event.command if event.command in known else "unknown"
    spec = longest_match((event.line or "").split(), (c.spec for c in known.values()))
    return spec.name if spec is not None else "unknown"
