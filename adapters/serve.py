"""Running Hearth on its platforms: one process, one core, each platform's adapter beside it."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Mapping
from typing import Protocol

from bot.bootstrap import App

log = logging.getLogger(__name__)


class PlatformService(Protocol):
    """What each platform adapter package offers in `adapters/<platform>/service.py`:
    `create(app, env) -> PlatformService`. `start` registers its sink and connects."""

    platform: str

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


async def serve(app: App, platforms: list[str], env: Mapping[str, str],
                stop: asyncio.Event) -> int:
    """Start every platform, run until `stop` is set, then shut down in order. Exit code."""
    services: list[PlatformService] = []
    for name in platforms:
        module = importlib.import_module(f"adapters.{name}.service")
        services.append(module.create(app, env))
    started: list[PlatformService] = []
    try:
        for service in services:
            await service.start()
            started.append(service)
            log.info("connected to %s", service.platform)
        # Scheduled work may be overdue; run it only once every sink is in place.
        await app.runtime.start()
        await stop.wait()
        log.info("shutting down")
        return 0
    finally:
        for service in reversed(started):
            try:
                await service.stop()
            except Exception as exc:
                log.error("%s did not stop cleanly: %r", service.platform, exc)
