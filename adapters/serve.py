"""Running Hearth on its platforms: one process, one core, each platform's adapter beside it."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Mapping
from typing import Protocol

from bot import heap
from bot.bootstrap import App

log = logging.getLogger(__name__)


class PlatformError(Exception):
    """A platform can't start or stay connected; the message says what the admin should fix."""


class PlatformService(Protocol):
    """What each platform adapter package offers in `adapters/<platform>/service.py`:
    `create(app, env) -> PlatformService`. `start` registers its sink and connects.
    Optionally `wait_failed() -> str` returns (with what to fix) if the connection ends for
    good while running, so Hearth exits instead of sitting there disconnected."""

    platform: str

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


async def serve(app: App, platforms: list[str], env: Mapping[str, str],
                stop: asyncio.Event) -> int:
    """Start every platform, run until `stop` is set, then shut down in order. Exit code."""
    services: list[PlatformService] = []
    started: list[PlatformService] = []
    try:
        for name in platforms:
            module = importlib.import_module(f"adapters.{name}.service")
            services.append(module.create(app, env))
            app.connected[name] = _not_yet  # /healthz: down until it has connected
        for service in services:
            await service.start()
            started.append(service)
            # A service without a `connected()` check counts as up while it runs: it ends the
            # process through wait_failed when its connection ends for good.
            app.connected[service.platform] = getattr(service, "connected", _running)
            app.metrics.watch_connected(service.platform, app.connected[service.platform])
            log.info("connected to %s", service.platform)
        # Scheduled work may be overdue; run it only once every sink is in place.
        await app.runtime.start()
        heap.settle()
        failure = await _until_stopped(stop, started)
        if failure:
            log.error("%s", failure)
            return 1
        log.info("shutting down")
        return 0
    except PlatformError as exc:
        log.error("%s", exc)
        return 1
    finally:
        for name in platforms:
            app.connected[name] = _not_yet
        for service in reversed(started):
            try:
                await service.stop()
            except Exception as exc:
                log.error("%s did not stop cleanly: %r", service.platform, exc)


def _not_yet() -> bool:
    return False


def _running() -> bool:
    return True


async def _until_stopped(stop: asyncio.Event, services: list[PlatformService]) -> str | None:
    """Wait for the stop signal, or for a platform that ends for good (its reason)."""
    waits = {asyncio.ensure_future(stop.wait())}
    failing = {asyncio.ensure_future(s.wait_failed()) for s in services  # type: ignore[attr-defined]
               if hasattr(s, "wait_failed")}
    done, pending = await asyncio.wait(waits | failing, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    if stop.is_set():
        return None
    return next(t.result() for t in done if t in failing)
