"""A Hearth under test: the real runtime, cogs and database (SQLite or PostgreSQL), with the
console session as its sink.

Tests feed events (or console lines) and read back actions (or console lines). Nothing of ours
is replaced: the sink is the real console adapter, writing into a list.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.console.session import COMMUNITY, ConsoleSession
from bot import bootstrap
from bot.actions import Action
from bot.clock import ManualClock
from bot.config import Config, parse_config
from bot.events import Actor, CommandInvoked, Event, MemberJoined, MemberLeft, MessagePosted
from bot.text import Text

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"
START = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
# Tables that legitimately change on any delivered event: the runtime claims each delivered
# event id before it looks at the command, so a platform retry is not handled twice.
BOOKKEEPING = {"processed_events"}


def config_from(toml: str = "") -> Config:
    """A config from a TOML snippet; everything else takes its default."""
    return parse_config(toml, bootstrap.config_sections())


class Harness:
    def __init__(self, database: str | Path | Callable[[], Awaitable[str]], config: Config,
                 seed: int = 7, worker: str = "hearth") -> None:
        # A path or URL, or a maker of a fresh database, called when the harness first starts.
        self.database = database
        self.worker = worker
        self.config = config
        self.seed = seed
        self.clock = ManualClock(START)
        self.lines: list[str] = []
        self.community = COMMUNITY
        self._files: Path | None = None
        self._open = False

    def files_dir(self) -> Path:
        """Where sent files land: beside a SQLite file, or a scratch folder for a server URL."""
        if "://" in str(self.database):
            if self._files is None:
                self._files = Path(tempfile.mkdtemp(prefix="hearth-")) / "files"
            return self._files
        return Path(str(self.database)).parent / "files"

    async def start(self) -> Harness:
        if callable(self.database):
            self.database = await self.database()
        self.app = await bootstrap.build(self.config, clock=self.clock,
                                         rng=random.Random(self.seed), database=self.database,
                                         worker=self.worker)
        self.runtime = self.app.runtime
        self.session = ConsoleSession(self.runtime, self.app.scheduler, self.lines.append,
                                      self.config.hearth.name, self.files_dir())
        self.runtime.add_sink("console", self.session)
        self._open = True
        await self.runtime.start()
        return self

    async def restart(self) -> None:
        """Stop and start again on the same database and clock, as after a crash or deploy."""
        await self.close()
        await self.start()

    async def close(self) -> None:
        if self._open:
            self._open = False
            await self.app.close()

    # -- driving --------------------------------------------------------------------------

    def actor(self, name: str, *, mod: bool = False, admin: bool = False, bot: bool = False
              ) -> Actor:
        return Actor(user_id=name, name=name, is_bot=bot, platform_moderator=mod,
                     platform_admin=admin)

    async def handle(self, event: Event) -> list[Action]:
        """The actions an event produces, taken by the test instead of a platform: they aren't
        rendered, and posts among them count as delivered (their outbox rows go), so a restart
        doesn't send them again."""
        actions = await self.runtime.handle(event)
        for action in actions:
            kept = getattr(action, "outbox", None)
            if kept is not None:
                await self.app.storage.outbox.delivered(kept)
        return actions

    async def join(self, name: str, **kw: bool) -> list[Action]:
        return await self.handle(MemberJoined(self.community, self.clock.now(),
                                              member=self.actor(name, **kw)))

    async def leave(self, name: str) -> list[Action]:
        return await self.handle(MemberLeft(self.community, self.clock.now(),
                                            member=self.actor(name)))

    async def say(self, name: str, content: str, channel: str = "general") -> list[Action]:
        return await self.handle(MessagePosted(
            self.community, self.clock.now(), author=self.actor(name), channel=channel,
            message_id=f"m{len(self.lines)}-{self.clock.now().timestamp()}", content=content,
            channel_name=channel))

    async def command(self, name: str, line: str, **kw: bool) -> list[Action]:
        return await self.handle(CommandInvoked(self.community, self.clock.now(),
                                                actor=self.actor(name, **kw),
                                                line=line.removeprefix("/")))

    async def feed(self, *lines: str) -> list[str]:
        """Console lines in, console lines out (only those these lines produced)."""
        start = len(self.lines)
        for line in lines:
            await self.session.feed(line)
        return self.lines[start:]

    async def wait(self, delta: timedelta) -> list[str]:
        start = len(self.lines)
        await self.app.scheduler.advance(delta)
        return self.lines[start:]


def texts(actions: list[Action]) -> list[str]:
    """The plain text of every action that carries text, in order."""
    out = []
    for a in actions:
        text = getattr(a, "text", None)
        if isinstance(text, Text):
            out.append(text.plain())
    return out


def snapshot(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the bookkeeping ones, in a stable order: a command that
    must change nothing leaves this equal."""
    with sqlite3.connect(database) as db:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        return {t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
                for t in tables if t not in BOOKKEEPING}
