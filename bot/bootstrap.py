"""The composition root: everything Hearth runs with, built from the validated config."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from bot.clock import Clock, SystemClock
from bot.cog import Services
from bot.config import Config, load_config
from bot.runtime import Runtime
from bot.scheduler import Scheduler
from bot.settings import Section
from cogs import ALL_COGS
from storage.store import Storage


def config_sections() -> dict[str, type[Section]]:
    return {cog.name: cog.settings for cog in ALL_COGS if cog.settings is not None}


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

    async def close(self) -> None:
        await self.runtime.stop()
        await self.storage.close()


async def build(config: Config, *, clock: Clock | None = None, rng: random.Random | None = None,
                database: str | Path | None = None, worker: str = "hearth") -> App:
    """Open storage and wire the runtime and cogs. Call `runtime.start()` once sinks are added."""
    storage = await Storage.open(database or config.hearth.database,
                                 config.hearth.database_busy_timeout.total_seconds())
    clock = clock or SystemClock()
    hearth = config.hearth
    scheduler = Scheduler(storage.jobs, clock, worker=worker, lease=hearth.job_lease,
                          poll=hearth.job_poll)
    runtime = Runtime(config, clock, scheduler, storage.claims, storage.posts, storage.members)
    services = Services(config=config, clock=clock, scheduler=scheduler,
                        rng=rng or random.Random(), command_specs=runtime.specs, storage=storage,
                        member_level=runtime.member_level)
    for cog_class in ALL_COGS:
        runtime.add_cog(cog_class(services))
    return App(config, storage, clock, scheduler, runtime)
