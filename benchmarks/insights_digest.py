"""The weekly digest for a big community: 1,000,000 members and a year of counters.

The database is built with the real migrations, then filled directly with SQL (members, a year
of daily counters over 20 channels, five weeks of who was active and thanked, a year of
newcomers and mood). Timed: the digest text as the job builds it, and the chart drawn with it,
through the real cog on that database. Target: under 2 s together on this machine. matplotlib
is imported once before timing (about a second, paid once per process, as in a running bot).

    .venv/bin/python benchmarks/insights_digest.py [--members 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import bootstrap
from bot.clock import ManualClock
from bot.config import parse_config
from bot.events import Community
from cogs.insights import chart
from cogs.insights.cog import InsightsCog

COMMUNITY = Community("discord", "1")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
CHANNELS = [f"channel-{i}" for i in range(20)]
DAILY_ACTIVE = 20_000


def fill(path: Path, members: int) -> None:
    rng = random.Random(1)
    p, c = COMMUNITY.platform, COMMUNITY.id
    start = NOW - timedelta(days=365)
    db = sqlite3.connect(path)
    with db:
        db.executemany(
            "INSERT INTO members (platform, community, user_id, name, is_bot, first_joined,"
            " joined_at) VALUES (?,?,?,?,0,?,?)",
            ((p, c, str(i), f"member{i}", start.timestamp(), start.timestamp())
             for i in range(members)))
        counts = []
        for d in range(366):
            day = (start.date() + timedelta(days=d)).isoformat()
            for figure, n in (("joins", 300), ("leaves", 120), ("messages", 90_000),
                              ("active", DAILY_ACTIVE), ("thanks", 800), ("contest_entry", 5),
                              ("contest_vote", 60), ("warning", 4), ("appeal", 1),
                              ("pardon", 1)):
                counts.append((p, c, day, figure, "", int(n * rng.uniform(0.7, 1.3))))
            for ch in CHANNELS:
                counts.append((p, c, day, "channel_messages", ch, rng.randint(500, 9000)))
                counts.append((p, c, day, "channel_posters", ch, rng.randint(50, 3000)))
        db.executemany("INSERT INTO insight_counts VALUES (?,?,?,?,?,?)", counts)
        db.executemany("INSERT INTO insight_weather VALUES (?,?,?,?,?,?)",
                       ((p, c, (start.date() + timedelta(days=d)).isoformat(), ch,
                         rng.uniform(-50, 300), 1000) for d in range(366) for ch in CHANNELS))
        recent = date.fromisoformat((NOW - timedelta(days=35)).date().isoformat())
        for d in range(36):
            day = (recent + timedelta(days=d)).isoformat()
            users = rng.sample(range(members), DAILY_ACTIVE)
            db.executemany("INSERT INTO insight_active VALUES (?,?,?,?)",
                           ((p, c, day, str(u)) for u in users))
            db.executemany("INSERT INTO insight_thanked VALUES (?,?,?,?,?)",
                           ((p, c, day, str(u), rng.randint(1, 5)) for u in users[:600]))
        db.executemany(
            "INSERT INTO insight_newcomers VALUES (?,?,?,?,?,?,?,?)",
            ((p, c, f"new{i}", (start + timedelta(minutes=5 * i)).timestamp(),
              None if i % 3 else 1.0, None if i % 2 else 1.0, None if i % 4 else 1.0,
              None if i % 5 else 1.0) for i in range(365 * 288)))
    db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    config = parse_config("", bootstrap.config_sections())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.sqlite3"
        app = await bootstrap.build(config, clock=ManualClock(NOW), database=path)
        await app.close()
        began = time.perf_counter()
        fill(path, args.members)
        print(f"built {args.members:,} members and a year of counters in "
              f"{time.perf_counter() - began:.1f} s")
        app = await bootstrap.build(config, clock=ManualClock(NOW), database=path)
        cog = next(c for c in app.runtime.cogs if isinstance(c, InsightsCog))
        ctx = cog.services.context(COMMUNITY)
        chart.draw(await cog.report(COMMUNITY, ctx, 7), 5)  # matplotlib imported, as in a bot
        timings = []
        for _ in range(args.runs):
            began = time.perf_counter()
            text, report = await cog.digest(COMMUNITY, ctx)
            png = chart.draw(report, ctx.settings.insights.min_group)
            timings.append(time.perf_counter() - began)
        await app.close()
    print(text.plain())
    print(f"chart: {len(png):,} bytes")
    best, worst = min(timings), max(timings)
    print(f"digest + chart for {args.members:,} members and a year of counters: best "
          f"{best:.2f} s, worst {worst:.2f} s over {args.runs} runs (target < 2 s): "
          f"{'yes' if worst < 2 else 'NO'}")


if __name__ == "__main__":
    asyncio.run(main())
