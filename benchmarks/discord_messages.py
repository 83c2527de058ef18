"""Messages per second through the loopback Discord gateway: discord.py alone vs. Hearth.

Both runs use the same FakeDiscord, the same discord.py client class, intents and options; the
baseline's on_message does nothing but count, Hearth's goes through the adapter (Actor, event)
and the real runtime (de-dup claim skipped for messages, member directory, listeners) with the
default cogs. The fake's own cost (building and sending each frame) is in both figures, so the
ratio is a fair "what does Hearth add per message".
Run: .venv/bin/python benchmarks/discord_messages.py
"""

from __future__ import annotations

import asyncio
import logging
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import discord

from adapters.discord.service import DiscordService, intents
from bot import bootstrap
from bot.clock import ManualClock
from bot.cog import Cog
from bot.events import MessagePosted
from tests.fakes.discord_server import FakeDiscord
from tests.harness import START, config_from

MESSAGES = 3000
ROUNDS = 5


class Counter:
    def __init__(self, target: int) -> None:
        self.target, self.count, self.done = target, 0, asyncio.Event()

    def hit(self) -> None:
        self.count += 1
        if self.count == self.target:
            self.done.set()


async def blast(fake: FakeDiscord, channel: str, authors: list[str], counter: Counter) -> float:
    start = time.perf_counter()
    for i in range(counter.target):
        await fake.message_create(channel, authors[i % len(authors)], f"message number {i}")
    await asyncio.wait_for(counter.done.wait(), 120)
    return time.perf_counter() - start


async def baseline(fake: FakeDiscord, channel: str, authors: list[str]) -> float:
    client = discord.Client(intents=intents(), guild_ready_timeout=0.05)
    counter = Counter(MESSAGES)

    async def on_message(message: discord.Message) -> None:
        counter.hit()

    client.on_message = on_message  # type: ignore[attr-defined]
    async with fake.connect(client):
        return await blast(fake, channel, authors, counter)


async def hearth(fake: FakeDiscord, channel: str, authors: list[str], db: Path) -> float:
    app = await bootstrap.build(config_from(), clock=ManualClock(START), rng=random.Random(1),
                                database=db)
    counter = Counter(MESSAGES)

    class CountingCog(Cog):
        name = "counting"

        def listeners(self) -> dict[type, Any]:
            async def seen(event: MessagePosted, ctx: Any) -> list:
                counter.hit()
                return []

            return {MessagePosted: seen}

    app.runtime.add_cog(CountingCog(app.runtime.cogs[0].services))  # runs after every cog
    service = DiscordService(app, "fake-token", guild_ready_timeout=0.05)
    try:
        with fake.patch_discord():
            await service.start()
            await app.runtime.start()
            try:
                return await blast(fake, channel, authors, counter)
            finally:
                await service.stop()
    finally:
        await app.close()


async def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    async with FakeDiscord() as fake:
        fake.echo_own_messages = False
        guild = fake.add_guild("Bench")
        channel = guild.add_text_channel("general")
        role = guild.add_role("Regular")
        guild.add_member("owner")
        authors = [guild.add_member(f"member{i}", roles=[role]) for i in range(50)]
        base, ours = [], []
        with tempfile.TemporaryDirectory() as tmp:
            for r in range(ROUNDS):
                base.append(await baseline(fake, channel, authors))
                ours.append(await hearth(fake, channel, authors, Path(tmp) / f"h{r}.sqlite3"))
    b, h = min(base), min(ours)
    print(f"{MESSAGES} messages, best of {ROUNDS} rounds, through FakeDiscord + discord.py")
    print(f"  discord.py, on_message doing nothing: {MESSAGES / b:8.0f} msg/s "
          f"({b / MESSAGES * 1e6:6.1f} µs/msg)")
    print(f"  Hearth (adapter + core + cogs):       {MESSAGES / h:8.0f} msg/s "
          f"({h / MESSAGES * 1e6:6.1f} µs/msg)")
    print(f"  Hearth adds {(h - b) / MESSAGES * 1e6:.1f} µs/msg; ratio {h / b:.2f} "
          f"(target <= 1.25)")


if __name__ == "__main__":
    asyncio.run(main())
