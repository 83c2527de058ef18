"""Feedback on Slack, through the real bolt app against the loopback Web API: /feedback opens a
modal with selects for the closed choices, the submit posts the idea, and a status change set
by an admin reaches the author and a supporter by DM."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapters.slack import forms
from tests.fakes import slack_requests as sr
from tests.slack_rig import slack_rig

# Ideas go to #general here; the team channel is the default (mod-log).
TOML = '[community.channels]\nfeedback = "general"\n'


def field(block: dict[str, Any], value: str) -> dict[str, Any]:
    """A modal field's state as Slack sends it: a select's choice or typed text."""
    if block["element"]["type"] == "static_select":
        return {forms.ACTION_ID: {"type": "static_select",
                                  "selected_option": {"value": value}}}
    return {forms.ACTION_ID: {"type": "plain_text_input", "value": value}}


async def test_the_feedback_form_and_a_status_change_over_slack(tmp_path: Path) -> None:
    async with slack_rig(tmp_path, toml=TOML) as rig:
        await rig.command("/feedback", "", user_id="U123", name="open")
        view = (await rig.fake.wait_for_call("views.open"))["view"]
        blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
        assert list(blocks) == ["kind", "title", "text", "anonymous"]
        assert blocks["kind"]["element"]["type"] == "static_select"
        answers = {"kind": "idea", "title": "Weekly voice chat",
                   "text": "Fridays? <!channel> &amp; friends", "anonymous": "no"}
        values = {name: field(block, answers[name]) for name, block in blocks.items()}
        await rig.sender.send_payload(sr.view_submission(
            view["callback_id"], values, "U123", private_metadata=view["private_metadata"]))
        await rig.service.drain()
        public = [p["text"] for p in rig.posts("C0GENERAL")]
        assert len(public) == 1 and "Weekly voice chat" in public[0]
        assert "<!channel>" not in public[0]  # modal values arrive raw and are escaped out
        assert any("**Feedback #1**" in p["text"] or "*Feedback #1*" in p["text"]
                   for p in rig.posts("C0MODLOG"))

        await rig.command("/feedback", "support 1", user_id="U456", name="support")
        await rig.service.drain()
        await rig.command("/feedback", "status 1 planned Fridays from next month.",
                          user_id="UADMIN", name="status")
        await rig.service.drain()
        opened = {c["users"] for c in rig.fake.calls_to("conversations.open")}
        assert opened == {"U123", "U456"}
        dms = [p["text"] for p in rig.posts() if p["channel"].startswith("D")]
        assert len(dms) == 2 and all("planned" in d and "Fridays from next month" in d
                                     for d in dms)
