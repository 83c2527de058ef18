"""The status listener as a supervisor and Prometheus use it: /healthz turns 503 while storage
can't take a write and 200 again after; /metrics moves with what a session did and names no
member. Port 0 everywhere."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.status import StatusServer
from bot.settings import HttpSettings
from tests.harness import Harness
from tests.live_console import LiveConsole


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


# Holds SQLite's write lock from another connection.
@pytest.mark.sqlite_only
async def test_healthz_is_503_while_storage_is_locked_and_200_after(
        make_harness: Callable[..., Harness], tmp_path: Path) -> None:
    hearth = await make_harness('[hearth]\ndatabase_busy_timeout = "1s"\n').start()
    server = StatusServer(hearth.app, HttpSettings(enabled=True, port=0))
    await server.start()
    url = f"http://127.0.0.1:{server.port}/healthz"
    try:
        status, body = await get(url)
        assert status == 200, body
        assert '"storage": "ok"' in body and '"down": []' in body

        # Another process holds the write lock (a stuck migration, a manual sqlite3 session).
        other = sqlite3.connect(hearth.database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        status, body = await get(url)
        assert status == 503, body
        assert '"down": ["storage"]' in body and "database is locked" in body

        # What a member sees meanwhile is the kind "didn't save", not silence.
        reply = await hearth.feed("alice> /thanks @bob for the help")
        assert reply and "couldn't save that" in reply[-1]

        other.execute("ROLLBACK")
        other.close()
        status, body = await get(url)
        assert status == 200, body
    finally:
        await server.stop()
        await hearth.close()


async def test_healthz_reports_a_platform_that_is_not_connected(
        make_harness: Callable[..., Harness]) -> None:
    hearth = await make_harness().start()
    server = StatusServer(hearth.app, HttpSettings(enabled=True, port=0))
    await server.start()
    up = asyncio.Event()
    # What serve() registers: down until the adapter has connected, then its own check.
    hearth.app.connected["slack"] = up.is_set
    try:
        status, body = await get(f"http://127.0.0.1:{server.port}/healthz")
        assert status == 503 and '"down": ["slack"]' in body and '"storage": "ok"' in body
        up.set()
        status, body = await get(f"http://127.0.0.1:{server.port}/healthz")
        assert status == 200 and '"slack": "connected"' in body
    finally:
        await server.stop()
        await hearth.close()


SESSION = [
    "+alice", "+bob", "+carol",
    "bob> Hello everyone, glad to be here today!",
    "carol> Good morning all, this is a lovely place",
    "alice> /thanks @bob for the warm welcome",
    "bob> /profile",
    "alice> /nosuchcommand",
    ":wait 1h",  # the activity flush and other scheduled work fall due
]


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


async def test_metrics_after_a_scripted_console_session(tmp_path: Path, database: str) -> None:
    config = tmp_path / "hearth.toml"
    config.write_text("[hearth.http]\nenabled = true\nport = 0\n"
                      "[platforms.console]\nadmins = [\"alice\"]\n", encoding="utf-8")
    async with LiveConsole(config, database) as console:
        port = await console.port()
        before = samples((await get(f"http://127.0.0.1:{port}/metrics"))[1])
        await console.send(*SESSION)
        out = await console.sync()
        status, text = await get(f"http://127.0.0.1:{port}/metrics")
        health = await get(f"http://127.0.0.1:{port}/healthz")
        assert await console.close() == 0
    assert status == 200
    print(text)  # the closing note's sample (pytest -s)
    after = samples(text)

    def moved(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert moved("hearth_events_handled_total", kind="MemberJoined") == 3
    assert moved("hearth_events_handled_total", kind="MessagePosted") == 2
    assert moved("hearth_events_handled_total", kind="CommandInvoked") == 3
    # Every line the console printed for an action is one action performed.
    actions = [line for line in out if line.startswith("[") and not line.startswith("[console]")]
    assert moved("hearth_actions_performed_total", platform="console") == len(actions) > 5
    assert moved("hearth_actions_failed_total", platform="console") == 0
    for command in ("thanks", "profile", "unknown"):
        assert moved("hearth_command_seconds_count", command=command) == 1
    assert moved("hearth_jobs_run_total", kind="reputation.flush") >= 1
    assert moved("hearth_jobs_due_total", kind="reputation.flush") >= 1
    # bob's and carol's messages each earned a point, written in one flush of two members.
    assert moved("hearth_activity_batch_members_count") == 1
    assert moved("hearth_activity_batch_members_sum") == 2
    # Each command, join and flush that wrote commits once, as one unit of work, and is timed.
    assert moved("hearth_storage_write_seconds_count") >= 5
    for name in ("alice", "bob", "carol", "welcome"):
        assert name not in text.lower()
    assert health[0] == 200


async def test_healthz_follows_the_discord_gateway(tmp_path: Path) -> None:
    from tests.discord_world import running

    async with running(tmp_path) as world:
        world.app.connected["discord"] = world.service.connected  # as serve() registers it
        world.app.metrics.watch_connected("discord", world.service.connected)
        server = StatusServer(world.app, HttpSettings(enabled=True, port=0))
        await server.start()
        try:
            status, body = await get(f"http://127.0.0.1:{server.port}/healthz")
            assert status == 200 and '"discord": "connected"' in body, body
            metrics = samples((await get(f"http://127.0.0.1:{server.port}/metrics"))[1])
            assert metrics[("hearth_platform_connected", (("platform", "discord"),))] == 1
            assert ("hearth_discord_gateway_latency_seconds", ()) in metrics
            await world.service.client.close()  # the gateway connection ends
            status, body = await get(f"http://127.0.0.1:{server.port}/healthz")
            assert status == 503 and '"down": ["discord"]' in body, body
        finally:
            await server.stop()
