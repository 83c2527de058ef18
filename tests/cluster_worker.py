"""One Hearth worker for tests/test_cluster.py: the real composition root on a shared
PostgreSQL and the system clock, fed platform deliveries as JSON lines on stdin, printing every
action it performs (and every delivery it acknowledged) as a JSON line on stdout.

Usage: python -m tests.cluster_worker DATABASE_URL WORKER_NAME CONFIG_TOML
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from datetime import datetime

from bot import bootstrap
from bot.actions import Action, Post
from bot.config import parse_config
from bot.events import Actor, Community, MemberJoined, MessagePosted
from bot.ports import Job, Receipt
from bot.text import Text

TICK = "cluster.tick"


def say(**fields: object) -> None:
    # Flushed at once: a SIGKILL must not take lines already written with it.
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


class PrintingSink:
    """Plays the platform: an action is performed by printing it."""

    def __init__(self, worker: str) -> None:
        self.worker = worker
        self.sent = 0

    async def perform(self, action: Action) -> Receipt:
        self.sent += 1
        text = getattr(action, "text", None)
        say(worker=self.worker, effect=type(action).__name__, community=action.community.id,
            text=text.plain() if isinstance(text, Text) else "")
        return Receipt(True, message_id=f"{self.worker}-{self.sent}", channel="C1")


def event_from(line: dict[str, str], now: datetime) -> MessagePosted | MemberJoined:
    community = Community("slack", line["community"])
    actor = Actor(line["user"], line["user"])
    if line["kind"] == "join":
        return MemberJoined(community, now, member=actor, event_id=line["id"])
    return MessagePosted(community, now, author=actor, channel="C1", message_id=line["id"],
                         content=line["text"], channel_name="general", event_id=line["id"])


async def main(url: str, worker: str, toml: str) -> None:
    config = parse_config(toml, bootstrap.config_sections())
    app = await bootstrap.build(config, database=url, worker=worker)
    sink = PrintingSink(worker)

    async def tick(job: Job) -> list[Action]:
        say(worker=worker, start=job.key)
        await asyncio.sleep(0.2)  # a job that takes a while: a kill can land in the middle
        return [Post(job.community, "general", Text.of(f"tick {job.key}"))]

    app.scheduler.register(TICK, tick)
    app.runtime.add_sink("slack", sink)
    await app.runtime.start()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)

    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    say(worker=worker, ready=True)
    while not stop.is_set():
        raw = await reader.readline()
        if not raw:
            break
        line = json.loads(raw)
        await app.runtime.process(event_from(line, app.clock.now()), sink)
        say(worker=worker, ack=line["id"])  # the 2xx a platform would get
    await stop.wait()  # deliveries are over (stdin closed); jobs still run until SIGTERM
    await app.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
