"""`hearth insights --config F [--community C] [--since 90d] --out DIR`: the report written to
files, from the same figures /insights and the digest use."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from bot import bootstrap
from bot.config import Config
from bot.events import Community
from cogs.insights.cog import InsightsCog
from cogs.insights.export import export

SPAN = re.compile(r"^\s*(\d+)\s*d\s*$")


def days_of(text: str) -> int | None:
    """'90d' -> 90; None for anything else."""
    found = SPAN.match(text)
    return int(found.group(1)) if found and 1 <= int(found.group(1)) <= 3660 else None


async def run_insights(config: Config, args: argparse.Namespace) -> int:
    days = days_of(args.since)
    if days is None:
        print(f"--since takes a number of days like 90d; got {args.since!r}", file=sys.stderr)
        return 2
    app = await bootstrap.build(config, database=args.database)
    try:
        cog = next(c for c in app.runtime.cogs if isinstance(c, InsightsCog))
        known = await app.storage.members.communities()
        if args.community:
            platform, _, ident = args.community.partition(":")
            wanted = [Community(platform, ident)]
            if wanted[0] not in known:
                names = ", ".join(c.key for c in known) or "none yet"
                print(f"Hearth knows no community {args.community!r} (known: {names}).",
                      file=sys.stderr)
                return 2
        else:
            wanted = known
        if not wanted:
            print("Hearth hasn't seen any community yet, so there is nothing to report.",
                  file=sys.stderr)
            return 2
        for community in wanted:
            for path in await export(cog, community, days, Path(args.out)):
                print(path)
    finally:
        await app.close()
    return 0
