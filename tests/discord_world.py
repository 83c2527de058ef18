"""Hearth (real bootstrap, runtime, cogs, SQLite) connected through the real Discord adapter
to the loopback FakeDiscord: what the tests/test_discord_*.py files drive."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.discord.service import DiscordService
from bot import bootstrap
from bot.actions import Action, Post, Respond
from bot.bootstrap import App
from bot.clock import ManualClock
from bot.cog import Cog, Context, Listener
from bot.commands import Command, CommandKind, CommandSpec, Option, OptionType
from bot.events import CommandInvoked, Event, MemberDeleted, MessagePosted, ReactionAdded
from bot.permissions import Level
from bot.text import Mention, Text, UserText
from tests.fakes.discord_server import FakeDiscord, FakeGuild
from tests.harness import START, config_from

TIMEOUT = 5.0
MODERATE_MEMBERS = 1 << 40

# Specs a feature could declare: every option type, a group, a form, a message action,
# autocomplete and a moderator command. The adapter has no code for any of them.
PROBE_MEMBER = CommandSpec(
    "probe member", "Probe a member option.",
    (Option("who", OptionType.MEMBER, "Someone"),
     Option("note", OptionType.TEXT, "A note", required=False, max_length=50)))
PROBE_TYPES = CommandSpec(
    "probe types", "Probe every other option type.",
    (Option("count", OptionType.INTEGER, "How many", min_value=1, max_value=9),
     Option("colour", OptionType.CHOICE, "Which", choices=("red", "green")),
     Option("for", OptionType.DURATION, "How long"),
     Option("until", OptionType.DATETIME, "Until when", required=False),
     Option("topic", OptionType.TEXT, "Suggested", required=False, autocomplete=True)))
PROBE_FORM = CommandSpec(
    "probeform", "Fill in a probe form",
    (Option("title", OptionType.TEXT, "A title", max_length=40),
     Option("body", OptionType.TEXT, "Some words", long=True, required=False)),
    kind=CommandKind.FORM)
BIG_FORM = CommandSpec(
    "bigform", "A form with seven fields",
    tuple(Option(f"f{i}", OptionType.TEXT, f"Field {i}", required=False) for i in range(7)),
    kind=CommandKind.FORM)
QUOTE = CommandSpec(
    "quote", "Quote a message",
    (Option("message", OptionType.TEXT, "The message"),
     Option("comment", OptionType.TEXT, "Your comment", required=False)),
    kind=CommandKind.MESSAGE_ACTION)
MODPROBE = CommandSpec("modprobe", "Moderators only.", level=Level.MODERATOR)
PICK_FORM = CommandSpec(
    "pickform", "Pick someone",
    (Option("who", OptionType.MEMBER, "Someone"),
     Option("colour", OptionType.CHOICE, "Which", choices=("red", "green"))),
    kind=CommandKind.FORM)


class ProbeCog(Cog):
    """A test feature: records what the core hands it and answers with visible actions."""

    name = "probe"

    def __init__(self, services: Any) -> None:
        super().__init__(services)
        self.invoked: list[tuple[CommandInvoked, dict[str, Any]]] = []
        self.reactions: list[ReactionAdded] = []
        self.messages: list[MessagePosted] = []
        self.deleted: list[MemberDeleted] = []
        self.changed = asyncio.Event()

    def commands(self) -> list[Command]:
        return [Command(s, self.run, self.suggest if s is PROBE_TYPES else None)
                for s in (PROBE_MEMBER, PROBE_TYPES, PROBE_FORM, BIG_FORM, QUOTE, MODPROBE,
                          PICK_FORM)]

    def listeners(self) -> dict[type[Event], Listener]:
        return {ReactionAdded: self.on_reaction, MessagePosted: self.on_message,
                MemberDeleted: self.on_deleted}

    async def run(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                  ) -> list[Action]:
        self.invoked.append((event, args))
        self.changed.set()
        who = args.get("who")
        if who is not None:
            return [Respond(event.community, event.actor.user_id,
                            Text.of("noted ", Mention(who.user_id, who.name or ""),
                                    ": ", UserText(args.get("note") or "")))]
        if event.command == "probeform":
            return [Post(event.community, "general",
                         Text.of("form: ", UserText(args["title"])))]
        return [Respond(event.community, event.actor.user_id, Text.of("ok"))]

    async def suggest(self, ctx: Context, option: str, partial: str) -> list[tuple[str, str]]:
        return [(f"Topic {t}", t) for t in ("tea", "tech", "trees") if t.startswith(partial)]

    async def on_reaction(self, event: ReactionAdded, ctx: Context) -> list[Action]:
        self.reactions.append(event)
        self.changed.set()
        return []

    async def on_message(self, event: MessagePosted, ctx: Context) -> list[Action]:
        self.messages.append(event)
        self.changed.set()
        return []

    async def on_deleted(self, event: MemberDeleted, ctx: Context) -> list[Action]:
        # Runs after the real features' listeners (the probe is wired last).
        self.deleted.append(event)
        self.changed.set()
        return []

    async def wait(self, predicate: Callable[[], bool]) -> None:
        async with asyncio.timeout(TIMEOUT):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()


def modal_inputs(modal: dict) -> list[dict]:
    """The input components of a modal the bot opened, in order (each inside its Label)."""
    rows = (modal.get("data") or modal)["components"]
    assert all(row["type"] == 18 for row in rows), "modals use the Label layout"
    return [row["component"] for row in rows]


@dataclass
class World:
    fake: FakeDiscord
    guild: FakeGuild
    channels: dict[str, str]
    alice: str
    bob: str
    mod: str
    app: App
    service: DiscordService
    probe: ProbeCog
    clock: ManualClock
    roles: dict[str, str] = field(default_factory=dict)
    # The config Hearth runs with here (the guild to sync commands to, and the test's own).
    toml: str = ""

    @property
    def community_key(self) -> str:
        return f"discord:{self.guild.id}"


async def no_identify_wait(shard_id: int | None, *, initial: bool = False) -> None:
    return None  # discord.py waits 5 s before a re-IDENTIFY; not in tests



def _target(database: str | Path) -> str | Path:
    """A database path or URL; a folder (a test's tmp_path) gets a SQLite file inside it."""
    return database / "hearth.sqlite3" if isinstance(database, Path) and database.is_dir() \
        else database

@contextlib.asynccontextmanager
async def running(database: str | Path, toml: str = "", *, sync_to_guild: bool = True,
                  channels: Callable[[FakeGuild], dict[str, str]] | None = None,
                  **fake_options: Any) -> AsyncIterator[World]:
    """FakeDiscord with a guild (#welcome, #introductions, #general, #mod-log, a Moderator and
    a Helper role below Hearth's), and Hearth started on it through DiscordService.
    `channels` adds more before Hearth connects (a forum), returning them by name."""
    async with discord(toml, sync_to_guild=sync_to_guild, channels=channels,
                       **fake_options) as world:
        async with started(world, database) as w:
            yield w


@contextlib.asynccontextmanager
async def discord(toml: str = "", *, sync_to_guild: bool = True,
                  channels: Callable[[FakeGuild], dict[str, str]] | None = None,
                  **fake_options: Any) -> AsyncIterator[World]:
    """The fake Discord of `running`, without Hearth: start it (and start it again, as after a
    restart) with `started`."""
    async with FakeDiscord(**fake_options) as fake:
        guild = fake.add_guild("Hearth HQ")
        # Hearth's role sits above the roles it hands out, as in a real set-up.
        guild.roles[guild.bot_role_id]["position"] = 50
        made = {n: guild.add_text_channel(n)
                for n in ("welcome", "introductions", "general", "mod-log", "rules")}
        if channels is not None:
            made.update(channels(guild))
        roles = {"Moderator": guild.add_role("Moderator", MODERATE_MEMBERS),
                 "Helper": guild.add_role("Helper")}
        guild.add_member("owner")  # the fake makes the first member the owner (all permissions)
        alice = guild.add_member("alice")
        bob = guild.add_member("bob")
        mod = guild.add_member("mia", roles=[roles["Moderator"]])
        guilds = f'[platforms.discord]\nguilds = ["{guild.id}"]\n' if sync_to_guild else ""
        yield World(fake, guild, made, alice, bob, mod, None, None, None,  # type: ignore[arg-type]
                    ManualClock(START), roles, guilds + toml)


@contextlib.asynccontextmanager
async def started(world: World, database: str | Path) -> AsyncIterator[World]:
    """Hearth started on the world's fake Discord and database, with the world's clock; used
    again on a world whose Hearth has stopped, it is a restart (the fake keeps what happened)."""
    config = config_from(world.toml)
    app = await bootstrap.build(config, clock=world.clock, rng=random.Random(7),
                                database=_target(database))
    try:
        probe = ProbeCog(app.runtime.cogs[0].services)
        app.runtime.add_cog(probe)
        service = DiscordService(app, "fake-token", guild_ready_timeout=0.05)
        service.client.before_identify_hook = no_identify_wait  # type: ignore[method-assign]
        with world.fake.patch_discord():
            await service.start()
            try:
                await app.runtime.start()
                world.app, world.service, world.probe = app, service, probe
                yield world
            finally:
                await service.stop()
    finally:
        await app.close()
