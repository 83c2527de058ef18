"""The weekly digest on the platforms: on Discord its chart is attached to the post in the team
channel (real discord.py against the loopback fake); on Slack, where files aren't wired yet,
the digest still goes out as text and says the chart couldn't be attached."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import tests.fakes.slack_requests as sr
from tests.discord_world import running
from tests.slack_rig import slack_rig

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


async def test_slack_digest_goes_out_as_text_when_the_chart_cannot(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        assert await rig.event(sr.message("U123", "C0GENERAL", "hello all")) == 200
        await rig.service.drain()
        await rig.app.scheduler.advance(TO_MONDAY)
        await rig.service.drain()
        [digest] = [p["text"] for p in rig.posts("C0MODLOG")
                    if "Here's our community's week" in p["text"]]
        assert "The numbers:" in digest
        assert digest.endswith("(The week's chart couldn't be attached here; /insights "
                               "shows the same figures.)")
