"""Events per second through the real bolt app over loopback HTTP into Hearth, against the same
bolt app whose listener does nothing, and the time Slack waits for its acknowledgement.

    .venv/bin/python benchmarks/slack_events.py [--events 3000] [--concurrency 32]

Each event is a signed `message` event_callback from one of 50 members (names cached after the
first), so Hearth's part is: translate, claim the event_id in SQLite, hand it to the cogs,
mark it done, answer 200. Target: p99 acknowledgement under 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.slack.service import create
from bot import bootstrap
from bot.clock import ManualClock
from tests.fakes import slack_requests as sr
from tests.fakes.slack_api import FakeSlack
from tests.harness import START, config_from

SECRET = "bench-secret"
MEMBERS = [f"U{n:05d}" for n in range(50)]


def requests(count: int) -> list[tuple[bytes, dict[str, str]]]:
    """Signed bodies, built before the clock starts."""
    out = []
    for i in range(count):
        event = sr.message(random.choice(MEMBERS), "C0GENERAL", f"message {i}")
        raw, content_type = sr.event_callback(event, "T0001")
        out.append((raw, sr.sign(SECRET, raw, content_type=content_type)))
    return out


async def blast(url: str, reqs: list[tuple[bytes, dict[str, str]]], concurrency: int
                ) -> tuple[float, list[float]]:
    """Send everything with `concurrency` in flight; (seconds, per-request ack latencies)."""
    latencies: list[float] = []
    queue = iter(reqs)

    async def worker(session: aiohttp.ClientSession) -> None:
        for raw, headers in queue:
            t0 = time.perf_counter()
            async with session.post(url, data=raw, headers=headers) as resp:
                await resp.read()
                assert resp.status == 200, resp.status
            latencies.append(time.perf_counter() - t0)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        return time.perf_counter() - start, latencies


async def serve(app: AsyncApp) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app.web_app(path="/slack/events"), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}/slack/events"


def summary(label: str, seconds: float, lat: list[float]) -> float:
    rate = len(lat) / seconds
    q = statistics.quantiles(lat, n=100)
    print(f"{label:<22} {rate:8.0f} events/s   ack p50 {q[49] * 1000:6.1f} ms   "
          f"p99 {q[98] * 1000:6.1f} ms   max {max(lat) * 1000:6.1f} ms")
    return rate


async def main(events: int, concurrency: int) -> None:
    async with FakeSlack() as fake:
        for uid in MEMBERS:
            fake.add_user(uid, uid.lower())
        fake.add_channel("C0GENERAL", "general")

        # The same bolt app, with a listener that does nothing.
        bare = AsyncApp(client=AsyncWebClient(token="xoxb-bench", base_url=fake.api_url),
                        signing_secret=SECRET, process_before_response=True)

        @bare.event("message")
        async def nothing() -> None:
            return None

        runner, url = await serve(bare)
        await blast(url, requests(200), concurrency)  # warm-up (auth.test)
        bare_s, bare_lat = await blast(url, requests(events), concurrency)
        await runner.cleanup()

        with tempfile.TemporaryDirectory() as tmp:
            config = config_from("[platforms.slack]\nport = 0\n[hearth]\nlog_level = \"WARNING\"")
            app = await bootstrap.build(config, clock=ManualClock(START),
                                        database=Path(tmp) / "bench.sqlite3")
            service = create(app, {"SLACK_BOT_TOKEN": "xoxb-bench",
                                   "SLACK_SIGNING_SECRET": SECRET}, base_url=fake.api_url)
            await service.start()
            await app.runtime.start()
            assert service.url
            try:
                await blast(service.url, requests(200), concurrency)  # warm the caches
                hearth_s, hearth_lat = await blast(service.url, requests(events), concurrency)
                await service.drain()
            finally:
                await service.stop()
                await app.close()

    print(f"{events} signed message events, {concurrency} in flight, loopback HTTP")
    bare_rate = summary("bolt, empty listener", bare_s, bare_lat)
    hearth_rate = summary("bolt + Hearth", hearth_s, hearth_lat)
    p99 = statistics.quantiles(hearth_lat, n=100)[98] * 1000
    print(f"Hearth runs at {hearth_rate / bare_rate:.2f}x the empty app's rate; "
          f"ack p99 {p99:.1f} ms (target < 100 ms): {'ok' if p99 < 100 else 'OVER'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.concurrency))
