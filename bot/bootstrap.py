"""The composition root: everything Hearth runs with, built from the validated config."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.clock import Clock, SystemClock
from bot.cog import Services
from bot.commands import CommandSpec
from bot.config import Config, ConfigError, load_config
from bot.memberdata import DataRights
from bot.metrics import Metrics
from bot.reload import CORE_RESTART_KEYS, ReloadOutcome, restart_changes
from bot.runtime import Runtime
from bot.scheduler import Scheduler
from bot.settings import Section
from cogs import ALL_COGS
from storage import Schema
from storage.dialect import database_target
from storage.lease import Lease
from storage.member_data import CoreData
from storage.store import Storage
from storage.usable import check_usable

log = logging.getLogger(__name__)


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


def is_file(database: str) -> bool:
    """Whether `hearth.database` names a SQLite file (not `:memory:` or a server's URL)."""
    return database != ":memory:" and "://" not in database


def database_path(config: Config, env: Mapping[str, str]) -> str:
    """`hearth.database`; a relative path is under $STATE_DIRECTORY when systemd set one."""
    configured = database_target(config.hearth.database, env)
    state = env.get("STATE_DIRECTORY", "").split(":")[0]
    if not is_file(configured) or Path(configured).is_absolute() or not state:
        return configured
    return str(Path(state) / configured)


@dataclass
class App:
    config: Config
    storage: Storage
    clock: Clock
    scheduler: Scheduler
    runtime: Runtime
    services: Services
    metrics: Metrics
    lease: Lease | None = None
    serving: Lease | None = None
    # Each feature's store by feature name (for tests and tools that look inside).
    stores: dict[str, Any] = field(default_factory=dict)
    # Every feature's data declaration, run together (/mydata, `hearth data`).
    rights: DataRights | None = None
    # Platform name -> whether its connection is up now; adapters register as they start.
    connected: dict[str, Callable[[], bool]] = field(default_factory=dict)
    # Called with each config a reload applied (the CLI applies the log level).
    on_reload: list[Callable[[Config], None]] = field(default_factory=list)
    _reloading: asyncio.Lock = field(default_factory=asyncio.Lock)
    # The Discord shards this process serves (ids, count), when split across workers.
    shards: tuple[list[int], int] | None = None

    async def close(self) -> None:
        try:
            await self.runtime.stop()
            await self.storage.close()
        finally:
            for held in (self.lease, self.serving):
                if held is not None:
                    held.release()

    def restart_keys(self) -> list[str]:
        return [*CORE_RESTART_KEYS,
                *(f"{cog.name}.{key}" for cog in self.runtime.cogs for key in cog.restart_keys)]

    async def reload(self, path: str | Path | None = None) -> ReloadOutcome:
        """Re-read the config file and apply all of it, or none of it (see bot/reload.py)."""
        source = str(path or self.config.source)
        async with self._reloading:
            try:
                # A small file, but read off the event loop: platforms keep being served.
                new = await asyncio.to_thread(load, source)
            except ConfigError as exc:
                outcome = ReloadOutcome(source, problems=exc.problems)
            else:
                outcome = ReloadOutcome(source, needs_restart=restart_changes(
                    self.config, new, self.restart_keys()))
                if outcome.applied:
                    self.config = self.services.config = new
                    await self.runtime.reload(new)
                    for hook in self.on_reload:
                        hook(new)
        self.metrics.reload("applied" if outcome.applied else "refused")
        if outcome.applied:
            log.info("config reloaded: %s", outcome.summary())
        else:
            log.error("config reload: %s", outcome.summary())
            for problem in outcome.problems:
                log.error("  %s", problem)
        return outcome


async def build(config: Config, *, clock: Clock | None = None, rng: random.Random | None = None,
                database: str | Path | None = None, worker: str = "hearth",
                serve: bool = False) -> App:
    """Open storage and wire the runtime and cogs. Call `runtime.start()` once sinks are added.
    `serve`: this process serves platforms, so on a SQLite file it takes the serving lease
    (refused while another process serves it)."""
    path = str(database or database_target(config.hearth.database))
    if is_file(path):
        check_usable(path)  # before the leases: nothing is written beside a file we can't use
    serving = Lease.serve(path) if serve and is_file(path) else None
    try:
        lease = Lease.acquire(path) if is_file(path) else None
    except BaseException:
        if serving is not None:
            serving.release()
        raise
    try:
        storage = await Storage.open(path, config.hearth.database_busy_timeout.total_seconds(),
                                     schemas())
    except BaseException:
        for held in (lease, serving):
            if held is not None:
                held.release()
        raise
    metrics = Metrics()
    storage.db.observe_write = metrics.storage_write.observe
    clock = clock or SystemClock()
    hearth = config.hearth
    scheduler = Scheduler(storage.jobs, clock, metrics, worker=worker, lease=hearth.job_lease,
                          poll=hearth.job_poll)
    runtime = Runtime(config, clock, scheduler, storage.claims, storage.posts, storage.members,
                      metrics, outbox=storage.outbox)
    services = Services(config=config, clock=clock, scheduler=scheduler,
                        rng=rng or random.Random(), command_specs=runtime.specs,
                        usable_specs=runtime.usable_specs,
                        members=storage.members, posts=storage.posts,
                        member_level=runtime.member_level, metrics=metrics)
    stores: dict[str, Any] = {}
    for cog_class in ALL_COGS:
        store = None
        if cog_class.store_class is not None:
            store = stores[cog_class.name] = cog_class.store_class(storage.db)
        runtime.add_cog(cog_class(services, store))
    services.data_rights = rights = data_rights(storage, runtime)
    app = App(config, storage, clock, scheduler, runtime, services, metrics, lease, serving,
              stores, rights=rights)
    services.reload = app.reload
    return app


def data_rights(storage: Storage, runtime: Runtime) -> DataRights:
    """Every feature's data declaration, then the core's (its member record goes last). Settings
    are read from the runtime's config, so a reload's retention applies at the next run."""
    return DataRights(
        [*runtime.member_data, CoreData(storage.db)], storage.db.transaction,
        lambda community: runtime.config.settings if community is None
        else runtime.config.for_community(community),
        forgetting=runtime.forgotten)

