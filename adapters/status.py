"""The optional HTTP listener for supervisors and monitoring: GET /healthz and GET /metrics.

/healthz answers 200 only when storage answers and its write lock can be had now, and every
platform Hearth runs on is connected; otherwise 503. Either way the JSON body says which part
is which, so whoever is paged knows where to look. /metrics is Prometheus' text format from the
app's own registry. Neither names a member or a community.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import web

from bot.bootstrap import App
from bot.metrics import CONTENT_TYPE_LATEST
from bot.settings import HttpSettings

log = logging.getLogger(__name__)
# A supervisor's poll shouldn't hang: storage that can't answer within this is "down".
STORAGE_ANSWER_WITHIN = 3.0


class StatusServer:
    def __init__(self, app: App, settings: HttpSettings) -> None:
        self.app = app
        self.settings = settings
        self.port: int | None = None
        self._runner: web.AppRunner | None = None
        self._ping: asyncio.Future[None] | None = None

    async def start(self) -> None:
        web_app = web.Application()
        web_app.router.add_get("/healthz", self._healthz)
        web_app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port)
        await site.start()
        self.port = self._runner.addresses[0][1]  # port 0 picks a free one
        log.info("status listener on http://%s:%s (/healthz, /metrics)", self.settings.host,
                 self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def health(self) -> tuple[bool, dict[str, Any]]:
        """Whether everything is up, and a report of each part."""
        storage = await self._storage()
        platforms = {name: "connected" if connected() else "down"
                     for name, connected in sorted(self.app.connected.items())}
        down = [] if storage == "ok" else ["storage"]
        down += [name for name, state in platforms.items() if state != "connected"]
        return not down, {"status": "ok" if not down else "down", "down": down,
                          "storage": storage, "platforms": platforms}

    async def _storage(self) -> str:
        # One probe at a time, shielded: cancelling a probe mid-way could leave the write lock
        # taken; a slow one finishes in the background while this poll answers "down".
        if self._ping is None or self._ping.done():
            self._ping = asyncio.ensure_future(self.app.storage.db.ping())
        try:
            await asyncio.wait_for(asyncio.shield(self._ping), STORAGE_ANSWER_WITHIN)
        except TimeoutError:
            return f"down: no answer within {STORAGE_ANSWER_WITHIN:g} s"
        except Exception as exc:
            return f"down: {exc}"
        return "ok"

    async def _healthz(self, request: web.Request) -> web.Response:
        ok, report = await self.health()
        return web.Response(status=200 if ok else 503, text=json.dumps(report),
                            content_type="application/json")

    async def _metrics(self, request: web.Request) -> web.Response:
        body = self.app.metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
