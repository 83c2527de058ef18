"""The composition root: everything Hearth runs with, built from the validated config."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.clock import Clock, SystemClock
from bot.cog import Services
from bot.commands import CommandSpec
from bot.config import Config, load_config
from bot.runtime import Runtime
from bot.scheduler import Scheduler
from bot.settings import Section
from cogs import ALL_COGS
from storage import Schema
from storage.dialect import database_target
from storage.store import Storage


def config_sections() -> dict[str, type[Section]]:
    return {cog.name: cog.settings for cog in ALL_COGS if cog.settings is not None}


def command_specs(config: Config) -> list[CommandSpec]:
    """Every command spec, in the order the runtime registers them, without opening storage
    (the Slack manifest lists them)."""
    return [spec for cog in ALL_COGS for spec in cog.specs(config)]


def schemas() -> list[Schema]:
    """Every feature's migrations, in the order features are wired."""
    return [Schema(cog.name, cog.__module__.rpartition(".")[0]) for cog in ALL_COGS]


def load(path: str | Path) -> Config:
    """Load and validate a config file against the core's and every cog's sections."""
    return load_config(path, config_sections())


@dataclass
class App:
    config: Config
    storage: Storage
    clock: Clock
    scheduler: Scheduler
    runtime: Runtime
    # Each feature's store by feature name (for tests and tools that look inside).
    stores: dict[str, Any] = field(default_factory=dict)
    # The Discord shards this process serves (ids, count), when split across workers.
    shards: tuple[list[int], int] | None = None

    async def close(self) -> None:
        await self.runtime.stop()
        await self.storage.close()


async def build(config: Config, *, clock: Clock | None = None, rng: random.Random | None = None,
                database: str | Path | None = None, worker: str = "hearth") -> App:
    """Open storage and wire the runtime and cogs. Call `runtime.start()` once sinks are added."""
    storage = await Storage.open(database or database_target(config.hearth.database),
                                 config.hearth.database_busy_timeout.total_seconds(),
                                 schemas())
    clock = clock or SystemClock()
    hearth = config.hearth
    scheduler = Scheduler(storage.jobs, clock, worker=worker, lease=hearth.job_lease,
                          poll=hearth.job_poll)
    runtime = Runtime(config, clock, scheduler, storage.claims, storage.posts, storage.members)
    services = Services(config=config, clock=clock, scheduler=scheduler,
                        rng=rng or random.Random(), command_specs=runtime.specs,
                        members=storage.members, posts=storage.posts,
                        member_level=runtime.member_level)
    stores: dict[str, Any] = {}
    for cog_class in ALL_COGS:
        store = None
        if cog_class.store_class is not None:
            store = stores[cog_class.name] = cog_class.store_class(storage.db)
        runtime.add_cog(cog_class(services, store))
    return App(config, storage, clock, scheduler, runtime, stores)
