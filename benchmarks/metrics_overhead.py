"""What counting for /metrics (and tagging JSON logs) costs the hot path.

The real app (bootstrap, every cog, SQLite, batched activity) handles rounds of MessagePosted
events, alternating between three set-ups on the same app, so machine noise hits each alike:
  counted    as Hearth runs: every event, action and storage write counted
  uncounted  the same with a Metrics whose methods do nothing and no write timing (baseline)
  json-tags  counted, plus the event noted for JSON logs (`--log-format json`)
Rates are per second of this process's CPU time (its threads included), so other work on a
shared machine disturbs them less than wall time. Prints each set-up's median rate over the
rounds and the ratios to the baseline.
Target: counted >= 0.95 of uncounted.

    .venv/bin/python benchmarks/metrics_overhead.py [--events 3000] [--rounds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.activity import CHATTER, COMMUNITY, START, STEP, NullSink
from bot import bootstrap
from bot.clock import ManualClock
from bot.config import parse_config
from bot.events import Actor, MessagePosted
from bot.metrics import Metrics


class Uncounted(Metrics):
    """The baseline: the same calls, doing nothing."""

    def event(self, kind: type) -> None:
        pass

    def action(self, platform: str, ok: bool) -> None:
        pass

    def command(self, name: str, seconds: float) -> None:
        pass

    def job(self, stage: str, kind: str) -> None:
        pass


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3_000, help="events per round")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--members", type=int, default=2_000)
    args = parser.parse_args()
    actors = [Actor(f"u{i}", f"member{i}") for i in range(args.members)]
    clock = ManualClock(START)
    sink = NullSink()
    with tempfile.TemporaryDirectory() as tmp:
        app = await bootstrap.build(parse_config("", bootstrap.config_sections()), clock=clock,
                                    database=Path(tmp) / "m.sqlite3")
        app.runtime.add_sink(COMMUNITY.platform, sink)
        await app.runtime.start()
        counted, uncounted = app.metrics, Uncounted()
        write_timer = app.storage.db.observe_write
        n = 0

        async def round_of(mode: str) -> float:
            nonlocal n
            app.runtime.metrics = uncounted if mode == "uncounted" else counted
            app.storage.db.observe_write = None if mode == "uncounted" else write_timer
            app.runtime.tag_logs = mode == "json-tags"
            events = [MessagePosted(COMMUNITY, START, author=actors[(n + i) % args.members],
                                    channel="general", message_id=str(n + i),
                                    content=CHATTER[(n + i) % len(CHATTER)],
                                    channel_name="general") for i in range(args.events)]
            n += args.events
            now = clock.now()
            began = time.process_time()
            for i, event in enumerate(events):
                now += STEP
                clock.set(now)
                await app.runtime.process(event, sink)
                if i % 1000 == 999:
                    await app.scheduler.run_due()
            return args.events / (time.process_time() - began)

        await round_of("counted")  # warm-up: every member known, caches filled
        rates: dict[str, list[float]] = {"counted": [], "uncounted": [], "json-tags": []}
        modes = list(rates)
        for k in range(args.rounds):
            # Each round starts with a different set-up, so order effects fall on all alike.
            for mode in modes[k % 3:] + modes[:k % 3]:
                rates[mode].append(await round_of(mode))
        await app.close()
    print(f"{args.rounds} rounds of {args.events:,} MessagePosted events through the real app")
    median = {mode: statistics.median(r) for mode, r in rates.items()}
    for mode, rate in median.items():
        print(f"  {mode:<10} {rate:>10,.0f} events/s (median)")
    ratio = median["counted"] / median["uncounted"]
    print(f"counted / uncounted = {ratio:.3f} (target >= 0.95): "
          f"{'yes' if ratio >= 0.95 else 'NO'}")
    print(f"json-tags / uncounted = {median['json-tags'] / median['uncounted']:.3f}")


if __name__ == "__main__":
    asyncio.run(main())
