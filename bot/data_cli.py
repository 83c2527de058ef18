"""`hearth data export|forget`: an admin answers a member's data request from the command line.

The same declarations as /mydata run here, so an emailed request gets exactly what the member
would get in chat. No platform is connected here, so what a forget changes there (the
introduction post, roles from badges) is queued as a job for the running Hearth.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from datetime import datetime
from pathlib import Path

from bot import bootstrap
from bot.bootstrap import App
from bot.config import Config
from bot.events import Community
from bot.memberdata import FOLLOW_UP, DataRights, Preview, export_json, to_payload
from bot.templates import counted


async def run_data(config: Config, args: argparse.Namespace) -> int:
    community: Community = args.community
    app = await bootstrap.build(config, database=args.database)
    try:
        rights = app.rights
        assert rights is not None, "bootstrap.build sets it"
        now = app.clock.now()
        if args.action == "export":
            return await _export(rights, community, args.member, now, args.out)
        return await _forget(app, community, args.member, now, args.yes)
    finally:
        await app.close()


async def _export(rights: DataRights, community: Community, member: str, now: datetime,
                  out: str | None) -> int:
    data = await rights.export(community, member, now)
    body = export_json(data)
    if out:
        await asyncio.to_thread(Path(out).write_bytes, body)
        print(f"Wrote {len(body):,} bytes to {out} "
              f"({len(data['features'])} features hold something).", file=sys.stderr)
    else:
        sys.stdout.write(body.decode())
    return 0


async def _forget(app: App, community: Community, member: str, now: datetime, yes: bool
                  ) -> int:
    rights = app.rights
    assert rights is not None, "bootstrap.build sets it"
    preview = await rights.preview(community, member, now)
    if preview.empty:
        print(f"Hearth keeps nothing about {member} in {community.key}; nothing to forget.")
        return 0
    print(describe(preview))
    if not yes:
        print("Nothing was changed. Run again with --yes to forget them.")
        return 0
    rows, actions = await rights.forget(community, member, now)
    print(f"Forgotten: {counted(rows, 'row', 'rows')} deleted or unlinked in {community.key}.")
    follow_ups = to_payload(actions)
    if follow_ups:
        # Queued for the running Hearth (its next scheduled run, or its next start).
        key = f"{FOLLOW_UP}:{community.key}:{secrets.token_hex(4)}"
        await app.scheduler.schedule(FOLLOW_UP, key, community, now, {"actions": follow_ups})
        print(f"{counted(len(follow_ups), 'change', 'changes')} on the platform (their "
              "introduction post, roles from badges) will be made by the running Hearth within "
              "minutes, or when it next starts.")
    return 0


def describe(preview: Preview) -> str:
    lines = ["Deleted for good:"]
    lines += [f"  {feature}: {what}" for feature, what in preview.deleted] or ["  nothing"]
    lines.append("Kept on purpose:")
    for feature, kept in preview.kept:
        until = f" until {kept.until:%Y-%m-%d %H:%M} UTC" if kept.until else ""
        lines.append(f"  {feature}: {kept.what}{until} ({kept.why})")
    if not preview.kept:
        lines.append("  nothing")
    return "\n".join(lines)
