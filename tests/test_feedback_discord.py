"""Feedback on Discord, through the real discord.py client and Hearth's adapter against the
strict loopback fake: the form as a Label-layout modal with selects, and a status change that
reaches the author and a supporter by DM and edits the public post."""

from __future__ import annotations

from pathlib import Path

from tests.discord_world import World, modal_inputs, running
from tests.fakes.discord_server import EPHEMERAL, option

# Ideas go to #general here; the team channel is the default (mod-log).
TOML = '[community.channels]\nfeedback = "general"\n'


def webhook(w: World, token: str) -> str:
    return rf"/webhooks/{w.fake.app_id}/{token}/messages/@original"


async def send_idea(w: World, who: str, *, anonymous: str = "no") -> str:
    """Open /feedback as `who`, fill in the modal, and return Hearth's private answer."""
    general = w.channels["general"]
    opened = await w.fake.slash_command(w.guild, general, who, "feedback", guild_command=True)
    modal = (await w.fake.wait_for_response(opened)).json
    assert modal["type"] == 9
    submit = await w.fake.modal_submit(w.guild, general, who, modal["data"]["custom_id"], {
        "kind": "idea", "title": "Weekly voice chat",
        "text": "A relaxed voice hangout every Friday @everyone", "anonymous": anonymous})
    return str((await w.fake.wait_for_call("PATCH", webhook(w, submit.token))).json["content"])


async def test_the_feedback_form_is_a_modal_with_selects_and_posts_the_idea(
        tmp_path: Path) -> None:
    async with running(tmp_path, TOML) as w:
        general = w.channels["general"]
        opened = await w.fake.slash_command(w.guild, general, w.alice, "feedback",
                                            guild_command=True)
        modal = (await w.fake.wait_for_response(opened)).json
        inputs = {i["custom_id"]: i for i in modal_inputs(modal)}
        assert list(inputs) == ["kind", "title", "text", "anonymous"]
        # A closed choice is a string select, so nobody types "idea" by hand.
        assert inputs["kind"]["type"] == 3
        assert [o["value"] for o in inputs["kind"]["options"]] == [
            "idea", "problem", "praise", "question"]
        assert inputs["anonymous"]["type"] == 3 and inputs["anonymous"]["required"] is False
        assert inputs["title"]["type"] == 4 and inputs["title"]["max_length"] == 100
        assert inputs["text"]["style"] == 2  # a paragraph

        submit = await w.fake.modal_submit(w.guild, general, w.alice, modal["data"]["custom_id"],
                                           {"kind": "idea", "title": "Weekly voice chat",
                                            "text": "Fridays? @everyone", "anonymous": "no"})
        first = (await w.fake.wait_for_response(submit)).json
        assert first["type"] == 5 and first["data"]["flags"] & EPHEMERAL
        reply = (await w.fake.wait_for_call("PATCH", webhook(w, submit.token))).json["content"]
        assert "Your idea is #1" in reply and f"<#{general}>" in reply
        public = await w.fake.wait_for_call("POST", rf"/channels/{general}/messages")
        assert "Weekly voice chat" in public.json["content"]
        assert public.json["allowed_mentions"]["parse"] == []  # member text never pings
        team = await w.fake.wait_for_call("POST", rf"/channels/{w.channels['mod-log']}/messages")
        assert "**Feedback #1**" in team.json["content"]


async def test_a_status_change_reaches_the_author_and_supporters_by_dm(tmp_path: Path) -> None:
    async with running(tmp_path, TOML) as w:
        await send_idea(w, w.alice)
        supported = await w.fake.slash_command(
            w.guild, w.channels["general"], w.bob, "feedback-support", [option("number", 1)],
            guild_command=True)
        assert "Thanks for supporting #1" in (await w.fake.wait_for_call(
            "PATCH", webhook(w, supported.token))).json["content"]

        moved = await w.fake.slash_command(
            w.guild, w.channels["mod-log"], w.mod, "feedback-status",
            [option("number", 1), option("status", "planned"),
             option("reason", "Fridays at 19:00 UTC from next month.")], guild_command=True)
        ack = (await w.fake.wait_for_call("PATCH", webhook(w, moved.token))).json["content"]
        assert "#1 is now planned" in ack
        await w.fake.wait_for_call("POST", r"/users/@me/channels", count=2)
        texts = {}
        for who in (w.alice, w.bob):
            channel = w.fake.dm_channels[who]["id"]
            dm = await w.fake.wait_for_call("POST", rf"/channels/{channel}/messages")
            texts[who] = dm.json["content"]
        assert "your idea #1" in texts[w.alice] and "**planned**" in texts[w.alice]
        assert "which you support" in texts[w.bob] and "Fridays at 19:00" in texts[w.bob]
        # The public post is edited to show where the idea stands.
        edit = await w.fake.wait_for_call(
            "PATCH", rf"/channels/{w.channels['general']}/messages/\d+", count=2)
        assert "(idea, planned)" in edit.json["content"]


async def test_a_member_cannot_change_a_status_on_discord(tmp_path: Path) -> None:
    async with running(tmp_path, TOML) as w:
        await send_idea(w, w.alice)
        tried = await w.fake.slash_command(
            w.guild, w.channels["general"], w.bob, "feedback-status",
            [option("number", 1), option("status", "done")], guild_command=True)
        text = (await w.fake.wait_for_call("PATCH", webhook(w, tried.token))).json["content"]
        assert "is for the moderator team" in text
        assert w.fake.dm_channels.get(w.alice) is None
