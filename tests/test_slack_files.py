"""Files on Slack (issue 23's attachments, issue 18's export): the weekly digest's chart, the
/insights chart and the /mydata export go up through the real slack_sdk `files_upload_v2`
against the strict FakeSlack, and arrive byte for byte beside their text. Where Slack refuses
(no files:write scope, an upload it won't take, a channel Hearth isn't in) nothing claims
success: the text goes without its file and says so, or the invoker or the log is told."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from typing import Any

import pytest

from adapters.slack.manifest import manifest
from bot.actions import Action, PostFile, SendFile
from bot.cog import Cog, Context
from bot.commands import Command, CommandSpec
from bot.events import CommandInvoked, Community
from bot.ports import Receipt
from bot.text import Text
from cogs.insights import chart
from cogs.insights.cog import InsightsCog
from tests.fakes import slack_requests as sr
from tests.fakes.slack_api import SlackFile
from tests.harness import config_from
from tests.slack_rig import Rig, slack_rig
from tests.test_insights import PNG, png_size

COMMUNITY = Community("slack", "T0001")
# The harness starts on Saturday 21 November 2026; the digest goes out on Monday at 09:00.
TO_MONDAY = timedelta(days=2, hours=1)
LOGGER = "adapters.slack.outbound"


def insights(rig: Rig) -> InsightsCog:
    return next(c for c in rig.app.runtime.cogs if isinstance(c, InsightsCog))


async def drawn(rig: Rig, days: int, end: date | None = None) -> bytes:
    """The chart insights draws for this span now: what Slack must have received."""
    cog = insights(rig)
    ctx = cog.services.context(COMMUNITY)
    return chart.draw(await cog.report(COMMUNITY, ctx, days, end), ctx.settings.insights.min_group)


async def weekly_digest(rig: Rig) -> None:
    assert await rig.event(sr.message("U123", "C0GENERAL", "hello all")) == 200
    await rig.service.drain()
    await rig.app.scheduler.advance(TO_MONDAY)
    await rig.service.drain()


def answers(rig: Rig, method: str) -> list[Any]:
    return [r.body for c, r in zip(rig.fake.calls, rig.fake.responses, strict=True)
            if c.method == method]


def performed(rig: Rig) -> dict[str, float]:
    """hearth_actions_performed / _failed for Slack, as /metrics shows them."""
    out = {}
    for line in rig.app.runtime.metrics.exposition().decode().splitlines():
        for name in ("performed", "failed"):
            if line.startswith(f"hearth_actions_{name}_total{{") and 'platform="slack"' in line:
                out[name] = float(line.rsplit(" ", 1)[1])
    return out


# ------------------------------------------------------------------ the weekly digest


async def test_the_digest_carries_its_chart_as_a_file_beside_its_text(database: str) -> None:
    async with slack_rig(database) as rig:
        await weekly_digest(rig)
        [shared] = rig.fake.files
        assert (shared.channel, shared.name) == ("C0MODLOG", "digest-2026-11-22.png")
        assert shared.data == await drawn(rig, 7, date(2026, 11, 22))
        assert png_size(shared.data or b"")[0] > 0
        comment = shared.initial_comment or ""
        assert "Here's our community's week" in comment and "The numbers:" in comment
        assert "couldn't be attached" not in comment
        # One message, file and text together: the text isn't posted a second time.
        assert not [p for p in rig.posts("C0MODLOG") if "community's week" in p["text"]]


async def test_without_files_write_the_digest_says_its_chart_couldnt_be_attached(
        database: str, caplog: pytest.LogCaptureFixture) -> None:
    async with slack_rig(database) as rig:
        rig.fake.scopes.discard("files:write")
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            await weekly_digest(rig)
        assert answers(rig, "files.getUploadURLExternal")[0]["error"] == "missing_scope"
        assert not rig.fake.files
        [digest] = [p["text"] for p in rig.posts("C0MODLOG")
                    if "Here's our community's week" in p["text"]]
        assert digest.endswith("(The week's chart couldn't be attached here; /insights "
                               "shows the same figures.)")
        assert sum("files:write" in r.getMessage() for r in caplog.records) == 1


async def test_a_team_channel_hearth_isnt_in_gets_nothing_and_the_log_says_invite(
        database: str, caplog: pytest.LogCaptureFixture) -> None:
    async with slack_rig(database) as rig:
        rig.fake.channels["C0MODLOG"]["is_member"] = False
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            await weekly_digest(rig)
        assert answers(rig, "files.completeUploadExternal") == [
            {"ok": False, "error": "not_in_channel"}]
        assert not rig.fake.files and not rig.posts("C0MODLOG")
        assert performed(rig)["failed"] >= 1
        [told] = [r.getMessage() for r in caplog.records if "C0MODLOG" in r.getMessage()]
        assert "#mod-log" in told and "/invite" in told


# ------------------------------------------------------------------ /insights


async def test_insights_sends_the_summary_privately_and_the_chart_to_the_dm(database: str
                                                                            ) -> None:
    async with slack_rig(database) as rig:
        assert await rig.event(sr.message("U123", "C0GENERAL", "hello all")) == 200
        await rig.service.drain()
        await rig.command("/insights", "7d", user_id="UADMIN", name="mod")
        await rig.service.drain()
        [summary] = [a["text"] for a in rig.fake.calls_to("response_url")]
        assert "last 7 days" in summary
        [shared] = rig.fake.files
        assert shared.channel == rig.fake.im_of("UADMIN")
        assert shared.name == "insights-2026-11-21-7d.png"
        assert shared.data == await drawn(rig, 7)
        assert shared.initial_comment == "The last 7 days as a chart."


async def test_insights_whose_upload_is_refused_says_the_chart_couldnt_come(
        database: str, caplog: pytest.LogCaptureFixture) -> None:
    async with slack_rig(database) as rig:
        rig.fake.fail("upload", "upload refused", status=403)
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            await rig.command("/insights", "", user_id="UADMIN", name="mod")
            await rig.service.drain()
        assert answers(rig, "upload") == ["upload refused"]
        assert not rig.fake.files  # uploaded nowhere, so never completed
        said = [a["text"] for a in rig.fake.calls_to("response_url")]
        assert said[-1] == ("I couldn't attach the chart here, so the figures above are the "
                            "whole picture for the last 7 days.")
        assert any("insights-" in r.getMessage() and "status: 403" in r.getMessage()
                   for r in caplog.records)


# ------------------------------------------------------------------ /mydata export


async def test_the_export_arrives_as_a_json_file_in_the_members_dm(database: str) -> None:
    async with slack_rig(database) as rig:
        await rig.command("/mydata", "export", user_id="U123", name="ann")
        await rig.service.drain()
        [shared] = rig.fake.files
        assert shared.channel == rig.fake.im_of("U123")
        assert shared.name.startswith("hearth-data-slack-") and shared.name.endswith(".json")
        assert json.loads(shared.data or b"")["member"] == "U123"
        assert (shared.initial_comment or "").startswith(
            "Here's everything Hearth keeps about you in")
        assert shared.name in (shared.initial_comment or "")
        assert not [p for p in rig.posts() if "The full copy" in p["text"]]
        replies = [c["text"] for c in rig.fake.calls_to("response_url")]
        assert any("privately" in r for r in replies), replies


@pytest.mark.parametrize("refusal", ["scope", "upload"])
async def test_an_export_whose_file_is_refused_still_reaches_the_member_as_text(
        database: str, refusal: str, caplog: pytest.LogCaptureFixture) -> None:
    async with slack_rig(database) as rig:
        if refusal == "scope":
            rig.fake.scopes.discard("files:write")
        else:
            rig.fake.fail("upload", "upload refused", times=2, status=403)
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            for name in ("first", "again"):
                await rig.command("/mydata", "export", user_id="U123", name=name)
                await rig.service.drain()
        assert not rig.fake.files
        dms = [p["text"] for p in rig.posts(rig.fake.im_of("U123"))
               if "The full copy" in p["text"]]
        assert len(dms) == 2
        body = dms[0].split("The full copy:\n", 1)[1]
        # Slack escapes &, < and > in message text; the JSON itself is intact otherwise.
        body = body.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        assert json.loads(body)["member"] == "U123"
        told = [r.getMessage() for r in caplog.records]
        if refusal == "scope":
            # What's missing is said once, not at every export.
            assert sum("files:write" in m for m in told) == 1
        else:
            assert sum("couldn't be uploaded" in m for m in told) == 2


async def test_an_export_for_a_member_whose_dms_are_closed_comes_back_privately(
        database: str) -> None:
    async with slack_rig(database) as rig:
        rig.fake.fail("conversations.open", "messages_tab_disabled")
        await rig.command("/mydata", "export", user_id="U123", name="ann")
        await rig.service.drain()
        assert not rig.fake.files and not answers(rig, "files.getUploadURLExternal")
        # Not sent as a file (the receipt says so), but the member has the data, privately,
        # so "I've sent you your data privately" is true.
        assert performed(rig)["failed"] >= 1
        said = [a["text"] for a in rig.fake.calls_to("response_url")]
        inline = [t for t in said if "The full copy" in t]
        assert inline and '"member": "U123"' in inline[0].replace("&quot;", '"')
        assert said[-1].startswith("I've sent you your data privately")


# ------------------------------------------------------------------ a command's own file


CHART = CommandSpec("chart", "Post a chart in this channel.")
DRAWING = PNG + b"\x00\x00\x00\rIHDR" + bytes(range(256))


class ChartCog(Cog):
    """A command whose answer is a public post with a file, where it was run."""

    name = "chart"

    def commands(self) -> list[Command]:
        return [Command(CHART, self.chart)]

    async def chart(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                    ) -> list[Action]:
        return [PostFile(event.community, event.channel or "general", "chart.png", DRAWING,
                         Text.of("This week, drawn."))]


async def test_a_commands_file_post_slack_refuses_goes_to_the_invoker_privately(
        database: str, caplog: pytest.LogCaptureFixture) -> None:
    async with slack_rig(database, cogs=[ChartCog]) as rig:
        rig.fake.add_channel("C0QUIET", "quiet", is_member=False)
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            await rig.command("/chart", "", user_id="U123", channel_id="C0QUIET")
            await rig.service.drain()
        assert answers(rig, "files.completeUploadExternal")[0] == {
            "ok": False, "error": "not_in_channel"}
        [shared] = rig.fake.files
        assert (shared.channel, shared.data) == (rig.fake.im_of("U123"), DRAWING)
        assert shared.initial_comment == "This week, drawn."
        assert any("#quiet" in r.getMessage() and "/invite" in r.getMessage()
                   for r in caplog.records)


async def test_a_commands_file_post_goes_to_its_channel(database: str) -> None:
    async with slack_rig(database, cogs=[ChartCog]) as rig:
        await rig.command("/chart", "", user_id="U123", channel_id="C0HELP")
        await rig.service.drain()
        assert rig.fake.files == [SlackFile(
            rig.fake.files[0].id, "chart.png", len(DRAWING), DRAWING, "chart.png", "C0HELP",
            "This week, drawn.", None, completed=True)]
        # The share is a message in the channel, as Slack keeps it.
        [kept] = [m for (ch, _), m in rig.fake.messages.items() if ch == "C0HELP"]
        assert kept["text"] == "This week, drawn." and kept["files"][0]["name"] == "chart.png"


# ------------------------------------------------------------------ receipts, as they are


async def test_each_receipt_says_what_became_of_the_file(database: str) -> None:
    async with slack_rig(database) as rig:
        sink = rig.service.outbound
        rig.fake.add_channel("C0QUIET", "quiet", is_member=False)

        def post(channel: str, text: Text | None = None) -> PostFile:
            return PostFile(COMMUNITY, channel, "c.png", DRAWING, text or Text.of("drawn"))

        assert await sink.perform(post("general")) == Receipt(True, channel="C0GENERAL")
        assert (await sink.perform(post("nowhere"))).reason == "not_found"
        assert (await sink.perform(post("quiet"))).reason == "not_invited"
        sent = await sink.perform(SendFile(COMMUNITY, "U456", "d.json", b"{}", Text.of("yours")))
        assert sent == Receipt(True, channel=rig.fake.im_of("U456"))
        # A long text: the file with its first lines, the rest right after, nothing lost.
        long = Text.of("\n".join(f"line {i} " + "x" * 90 for i in range(40)))
        assert (await sink.perform(post("help", long))).delivered
        comment = rig.fake.files[-1].initial_comment or ""
        assert comment.startswith("line 0 ") and len(comment) <= 1_500
        shown = "\n".join([comment, *(p["text"] for p in rig.posts("C0HELP"))])
        assert shown == long.plain()
        rig.fake.fail("conversations.open", "messages_tab_disabled")
        closed = await sink.perform(SendFile(COMMUNITY, "U123", "d.json", b"{}", Text.of("x")))
        assert closed.reason == "dm_closed"
        rig.fake.scopes.discard("files:write")
        assert (await sink.perform(post("general"))).reason == "unsupported"
        assert len(rig.fake.files) == 3


def test_the_manifest_asks_for_files_write() -> None:
    config = config_from()
    scopes = manifest([], config)["oauth_config"]["scopes"]["bot"]
    assert "files:write" in scopes
