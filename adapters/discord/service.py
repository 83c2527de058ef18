"""Hearth on Discord: the client, its start-up (login, gateway, command sync) and shutdown.

`create(app, env)` is what `hearth run` calls (through adapters/serve.py) when DISCORD_TOKEN is
set. The token is read from the environment here and handed only to discord.py's login; it is
never formatted into a log line or an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

import discord
from discord import app_commands

from adapters.discord import commands
from adapters.discord.inbound import Actors, Inbound, community_of
from adapters.discord.interactions import InteractionFlow
from adapters.discord.outbound import DiscordSink
from adapters.discord.render import allowed
from adapters.serve import PlatformError
from bot.bootstrap import App
from bot.settings import DiscordSettings

log = logging.getLogger(__name__)

# How long a stop waits for events already being handled.
STOP_WAIT = 10.0
INTENTS_HELP = (
    "Discord refused the privileged intents Hearth needs. In the Developer Portal "
    "(https://discord.com/developers/applications) open your application > Bot > Privileged "
    "Gateway Intents, turn on SERVER MEMBERS INTENT (welcomes) and MESSAGE CONTENT INTENT "
    "(activity points, thanks words), save, and start Hearth again.")
TOKEN_HELP = ("Discord rejected DISCORD_TOKEN. Copy the bot token again from the Developer "
              "Portal (Bot > Reset Token) and set it in the environment.")


def intents() -> discord.Intents:
    """Guilds, messages, reactions and DMs, plus the two privileged ones Hearth needs."""
    wanted = discord.Intents.default()
    wanted.members = True  # member joins and leaves
    wanted.message_content = True  # activity points and thanks words read message text
    return wanted


def make_client(settings: DiscordSettings, shards: tuple[list[int], int] | None = None,
                **options: Any) -> discord.Client:
    options.setdefault("intents", intents())
    # A backstop: anything sent without explicit mentions pings nobody.
    options.setdefault("allowed_mentions", allowed())
    if shards:
        # This worker's slice of the shards (`hearth run --shards`); others serve the rest.
        return discord.AutoShardedClient(shard_ids=shards[0], shard_count=shards[1], **options)
    if settings.shards:
        return discord.AutoShardedClient(shard_count=settings.shards, **options)
    return discord.Client(**options)


class DiscordService:
    platform = "discord"

    def __init__(self, app: App, token: str, **client_options: Any) -> None:
        self.app = app
        self.settings: DiscordSettings = app.config.platforms.discord
        self._token = token
        self.client = make_client(self.settings, app.shards, **client_options)
        self.tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(
            self.client)
        self.sink = DiscordSink(self.client)
        self.sink.spell = commands.spelling(app.runtime.specs)
        actors = Actors()
        self.flow = InteractionFlow(app.runtime, self.sink, actors)
        self.inbound = Inbound(self.client, app.runtime, self.sink, actors)
        self.inbound.attach()
        self.sink.read_back = self.inbound.read_back
        # Form submits are routed by custom_id here, not by discord.py's in-memory modals.
        self.client.on_interaction = self.flow.on_interaction  # type: ignore[attr-defined]
        for command in commands.build(app.runtime.specs(), self.flow):
            self.tree.add_command(command)
        self.tree.on_error = self._on_command_error  # type: ignore[method-assign]
        self._task: asyncio.Task[None] | None = None
        self.synced: list[app_commands.AppCommand] = []

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Log in, connect, wait for the guilds, sync commands. Raises PlatformError with
        what to fix when Discord refuses the token or the intents."""
        self.app.runtime.add_sink(self.platform, self.sink)
        try:
            await self.client.login(self._token)
        except discord.LoginFailure:
            await self.client.close()
            raise PlatformError(TOKEN_HELP) from None
        except (OSError, discord.HTTPException) as exc:
            # Unreachable (DNS, network) or Discord failing: say so instead of a traceback.
            await self.client.close()
            raise PlatformError(f"Hearth couldn't reach Discord to log in ({exc}). Check the "
                                "network and https://discordstatus.com, then start again."
                                ) from None
        self.app.metrics.watch_discord_latency(lambda: self.client.latency)
        self._task = asyncio.create_task(self.client.connect(), name="hearth-discord")
        ready = asyncio.ensure_future(self.client.wait_until_ready())
        done, _ = await asyncio.wait({ready, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            await self.stop()
            raise self._failure() or PlatformError("the Discord connection closed during start-up")
        await self.sync()

    def connected(self) -> bool:
        """Whether the gateway connection is up now (for /healthz)."""
        ws = self.client.ws
        return self.client.is_ready() and not self.client.is_closed() and ws is not None \
            and ws.open

    async def stop(self) -> None:
        # Events already being handled finish first (their posts are recorded).
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(STOP_WAIT):
                await self.inbound.settle()
        await self.client.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def wait_failed(self) -> str:
        """Returns (with what to fix) if the connection ends for good while running."""
        assert self._task is not None
        with contextlib.suppress(Exception):
            await asyncio.shield(self._task)
        failure = self._failure()
        return str(failure) if failure else "the Discord connection closed"

    def _failure(self) -> PlatformError | None:
        if self._task is None or not self._task.done() or self._task.cancelled():
            return None
        exc = self._task.exception()
        if isinstance(exc, discord.PrivilegedIntentsRequired):
            return PlatformError(INTENTS_HELP)
        if isinstance(exc, discord.LoginFailure):
            return PlatformError(TOKEN_HELP)
        if exc is not None:
            return PlatformError(f"the Discord connection failed: {exc!r}")
        return None

    # -- commands -------------------------------------------------------------------------

    async def sync(self) -> None:
        """Register the commands: in the configured guilds (instant) or globally (Discord may
        take up to an hour to show changes everywhere)."""
        try:
            if self.settings.guilds:
                for gid in self.settings.guilds:
                    guild = discord.Object(int(gid))
                    self.tree.copy_global_to(guild=guild)
                    self.synced = await self.tree.sync(guild=guild)
            else:
                self.synced = await self.tree.sync()
        except discord.Forbidden as exc:
            log.error("Discord refused Hearth's commands (%s %s): re-invite the bot with the "
                      "`applications.commands` scope, and check platforms.discord.guilds lists "
                      "servers Hearth is in.", exc.code, exc.text)
            return
        except discord.HTTPException as exc:
            log.error("registering commands with Discord failed: %s %s", exc.status, exc.text)
            return
        where = ", ".join(self.settings.guilds) if self.settings.guilds else "all servers"
        log.info("registered %d Discord commands for %s", len(self.synced), where)

    async def _on_command_error(self, interaction: discord.Interaction,
                                error: app_commands.AppCommandError) -> None:
        name = interaction.command.qualified_name if interaction.command else "?"
        log.error("Discord command /%s failed: %r", name, error)
        if interaction.guild_id is None or interaction.response.is_done():
            return
        text = self.flow.failed_text(community_of(interaction.guild_id), name)
        rendered = self.sink.render(interaction.guild, text)
        with contextlib.suppress(discord.HTTPException):
            await interaction.response.send_message(
                rendered.content, ephemeral=True, allowed_mentions=rendered.allowed_mentions)


def create(app: App, env: Mapping[str, str]) -> DiscordService:
    token = env.get("DISCORD_TOKEN", "").strip()
    if not token:
        raise PlatformError("DISCORD_TOKEN is not set")
    return DiscordService(app, token)
