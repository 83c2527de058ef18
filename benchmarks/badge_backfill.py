"""Start-up time and memory of the badge backfill on a community of 100,000 members (SQLite).

Before this change every start asked the store for every qualifying member of every badge; now a
start backfills only badges whose criteria are new or changed since their last finished backfill.
Both are measured in the same run on the same data: "every badge" runs the backfill over all
configured badges as each start used to (`_backfill(changed_only=False)`, paged as now), "start,
badges unchanged" is a real restart (`runtime.start()` on a freshly built app). The first start,
when the badges are new to the database, awards all 100k members a page at a time. Peak memory
is tracemalloc's peak during each step; the load average is printed beside the figures.

    .venv/bin/python benchmarks/badge_backfill.py [--members 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import bootstrap
from bot.clock import ManualClock
from bot.config import parse_config
from bot.events import Community
from cogs.badges.cog import BadgesCog
from storage import to_ts

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
COMMUNITY = Community("console", "local")
BADGES = """
[[reputation.badges]]
name = "Settled"
emoji = "🏡"
description = "a week with us"
criterion = "membership_days"
threshold = 7
[[reputation.badges]]
name = "Veteran"
emoji = "🌳"
description = "a year with us"
criterion = "membership_days"
threshold = 365
[[reputation.badges]]
name = "Helper"
emoji = "🌟"
description = "thanked by 5 members"
criterion = "thanks_from_members"
threshold = 5
"""


async def measured(step: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    """Seconds and peak MiB traced while the step ran."""
    tracemalloc.start()
    began = time.perf_counter()
    await step()
    took = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return took, peak


async def main(members: int) -> None:
    config = parse_config(BADGES, bootstrap.config_sections())
    folder = Path(tempfile.mkdtemp(prefix="hearth-badges-"))
    path = str(folder / "hearth.sqlite3")
    app = await bootstrap.build(config, clock=ManualClock(NOW), database=path)
    joined = to_ts(NOW - timedelta(days=30))
    began = time.perf_counter()
    await app.storage.db.executemany(
        "INSERT INTO members (platform, community, user_id, name, is_bot, first_joined,"
        " joined_at) VALUES (?,?,?,?,0,?,?)",
        [(COMMUNITY.platform, COMMUNITY.id, f"{i:08d}", f"member{i}", joined, joined)
         for i in range(members)])
    print(f"loaded {members:,} members in {time.perf_counter() - began:.1f} s")
    rows: list[tuple[str, float, float]] = []
    rows.append(("first start, badges new", *await measured(app.runtime.start)))
    await app.close()
    app = await bootstrap.build(config, clock=ManualClock(NOW), database=path)
    cog = next(c for c in app.runtime.cogs if isinstance(c, BadgesCog))
    rows.append(("every badge (each start before)",
                 *await measured(lambda: cog._backfill(COMMUNITY, changed_only=False))))
    rows.append(("start, badges unchanged (now)", *await measured(app.runtime.start)))
    held = await app.stores["badges"].holders(COMMUNITY)
    await app.close()
    print(f"members: {members:,}; held after: {held}; load average: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for label, took, peak in rows:
        print(f"  {label:34} {took * 1000:9.1f} ms   peak {peak:7.1f} MiB")
    print(f"  unchanged start vs every badge: {rows[1][1] / max(rows[2][1], 1e-9):.0f}x faster")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().members))
