"""The weekly digest on Discord: its chart is attached to the post in the team channel (real
discord.py against the loopback fake). Slack's upload of the same chart is in
tests/test_slack_files.py."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.discord_world import running

# The harness starts on Saturday 21 November 2026; the digest goes out on Monday at 09:00.
TO_MONDAY = timedelta(days=2, hours=1)


async def test_discord_digest_has_its_chart_attached(tmp_path: Path) -> None:
    async with running(tmp_path) as w:
        await w.fake.message_create(w.channels["general"], w.bob, "hello, lovely people")
        await w.probe.wait(lambda: bool(w.probe.messages))
        await w.app.scheduler.advance(TO_MONDAY)
        # The job's post is delivered before `advance` returns.
        [sent] = [c for c in w.fake.calls_matching(
            "POST", rf"/channels/{w.channels['mod-log']}/messages$")
            if "Here's our community's week" in (c.json or {}).get("content", "")]
        assert sent.files == ["digest-2026-11-22.png"]
        assert "What needs a look:" in sent.json["content"]

