"""Hearth on Discord against what Discord itself refuses or sends (issue 13, items 10-15).

Each test drives the real adapter through discord.py against the strict FakeDiscord, which
refuses what Discord documents it refuses; each one failed on the code before the fix."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from adapters.discord.service import DiscordService
from bot.actions import EditPost, Post
from bot.events import Community, MemberRef
from bot.text import Text
from tests.discord_world import modal_inputs, no_identify_wait, running
from tests.fakes.discord_server import (
    SEND_MESSAGES,
    VIEW_CHANNEL,
    option,
    subcommand,
    user_option,
)

TIMEOUT_AT_ONCE = """
[[moderation.ladder]]
warnings = 1
label = "a timeout of {duration}"
action = "timeout"
timeout = "28d"
"""


def original(w, token: str) -> str:
    return rf"/webhooks/{w.fake.app_id}/{token}/messages/@original"


async def warn_bob(w) -> object:
    interaction = await w.fake.slash_command(
        w.guild, w.channels["general"], w.mod, "warn",
        [user_option("member", w.bob), option("rule", "spam")], guild_command=True)
    await w.fake.wait_for_call("PATCH", original(w, interaction.token))
    return interaction


# -- 10. timeouts ---------------------------------------------------------------------------

async def test_a_28_day_timeout_stays_below_discords_limit_on_its_clock(tmp_path: Path) -> None:
    async with running(tmp_path, TIMEOUT_AT_ONCE) as w:
        w.fake.skew = -timedelta(seconds=30)  # Discord's clock a little behind ours
        await warn_bob(w)
        patch = await w.fake.wait_for_call("PATCH", rf"/guilds/{w.guild.id}/members/{w.bob}")
        assert patch.status == 200, patch.response
        until = datetime.fromisoformat(patch.json["communication_disabled_until"])
        ahead = until - w.fake.discord_now()
        assert timedelta(days=27, hours=23) < ahead < timedelta(days=28)


async def test_a_refused_timeout_is_told_to_the_moderator_and_the_mod_log(tmp_path: Path) -> None:
    async with running(tmp_path, TIMEOUT_AT_ONCE) as w:
        w.fake.fail_route("PATCH", rf"/guilds/{w.guild.id}/members/{w.bob}", 403, 50013,
                          "Missing Permissions")
        interaction = await warn_bob(w)
        told = await w.fake.wait_for_call(
            "POST", rf"/webhooks/{w.fake.app_id}/{interaction.token}")
        assert "couldn't time Bob out for case #1" in told.json["content"]
        assert told.json["flags"] & (1 << 6)  # only the moderator sees it
        log = w.channels["mod-log"]
        await w.fake.wait_for_call("POST", rf"/channels/{log}/messages", count=2)
        posts = [c.json["content"] for c in w.fake.calls_matching(
            "POST", rf"/channels/{log}/messages")]
        assert any("Case #1" in p and "didn't take effect" in p for p in posts), posts



async def test_a_refused_badge_role_is_told_to_the_granting_moderator(tmp_path: Path) -> None:
    async with running(tmp_path) as w:
        helper = w.roles["Helper"]
        w.fake.fail_route("PUT", rf"/guilds/{w.guild.id}/members/{w.bob}/roles/{helper}", 403,
                          50013, "Missing Permissions")
        interaction = await w.fake.slash_command(
            w.guild, w.channels["general"], w.mod, "badge",
            [subcommand("grant", user_option("member", w.bob), option("badge", "Helper"))],
            guild_command=True)
        told = await w.fake.wait_for_call(
            "POST", rf"/webhooks/{w.fake.app_id}/{interaction.token}")
        assert "couldn't give them the Helper role" in told.json["content"]

# -- 13. Membership Screening ---------------------------------------------------------------

async def test_a_pending_member_is_welcomed_when_they_pass_screening(tmp_path: Path) -> None:
    async with running(tmp_path) as w:
        welcome = rf"/channels/{w.channels['welcome']}/messages"
        dan = w.fake.add_user("dan")
        await w.fake.member_join(w.guild, dan, pending=True)
        eve = w.fake.add_user("eve")
        await w.fake.member_join(w.guild, eve)  # no screening here: welcomed at once
        await w.fake.wait_for_call("POST", welcome)
        await w.fake.wait_for_call("POST", r"/users/@me/channels")
        eve_dm = w.fake.dm_channels[eve]["id"]
        await w.fake.wait_for_call("POST", rf"/channels/{eve_dm}/messages")  # eve is done
        screened_at = len(w.fake.calls)
        await w.fake.pass_screening(w.guild, dan)
        await w.fake.wait_for_call("POST", welcome, count=2)
        posts = [(i, c.json["content"]) for i, c in enumerate(w.fake.calls)
                 if c.method == "POST" and re.fullmatch(welcome, c.path)]
        for_dan = [i for i, content in posts if f"<@{dan}>" in content]
        assert len(for_dan) == 1 and for_dan[0] >= screened_at, posts


# -- 12. posts longer than one message --------------------------------------------------------

def lines(n: int, word: str) -> Text:
    return Text.of("\n".join(f"{word} {i:03d} " + "x" * 90 for i in range(n)))


async def test_editing_a_long_post_keeps_every_piece_in_step(tmp_path: Path) -> None:
    async with running(tmp_path) as w:
        community = Community("discord", w.guild.id)
        general = w.channels["general"]

        def shown() -> list[str]:
            return [m["content"] for m in w.fake.messages.values()
                    if m["channel_id"] == general and m["author"]["id"] == w.fake.bot_user_id]

        await w.app.runtime.deliver([Post(community, "general", lines(30, "old"), key="intro")])
        assert len(shown()) == 2  # 3,000 characters: two messages
        await w.app.runtime.deliver([EditPost(community, "general", "intro", lines(50, "new"))])
        now = shown()
        assert len(now) == 3 and all("old" not in part for part in now)
        assert "\n".join(now) == lines(50, "new").plain()
        await w.app.runtime.deliver([EditPost(community, "general", "intro", Text.of("short"))])
        assert shown() == ["short"]
        assert len(w.fake.calls_matching("DELETE", rf"/channels/{general}/messages/\d+")) == 2


# -- 14. forms survive restarts and long waits -------------------------------------------------

async def restart(w) -> None:
    """Hearth's Discord side stops and starts again (a deploy); the fake and its open modals,
    like Discord and the member's screen, stay."""
    await w.service.stop()
    w.service = DiscordService(w.app, "fake-token", guild_ready_timeout=0.05)
    w.service.client.before_identify_hook = no_identify_wait  # type: ignore[method-assign]
    with w.fake.patch_discord():
        await w.service.start()


async def open_form(w, command: str, user: str) -> dict:
    """Run a form command in #general; the modal Hearth answered with (its `data`)."""
    opened = await w.fake.slash_command(w.guild, w.channels["general"], user, command,
                                        guild_command=True)
    return (await w.fake.wait_for_response(opened)).json["data"]


async def test_a_form_submitted_after_a_restart_still_runs(tmp_path: Path) -> None:
    async with running(tmp_path) as w:
        modal = await open_form(w, "probeform", w.alice)
        w.clock.set(w.clock.now() + timedelta(hours=2))  # the member took their time
        await restart(w)
        try:
            submit = await w.fake.modal_submit(w.guild, w.channels["general"], w.alice,
                                               modal["custom_id"], {"title": "Late but here"})
            await w.fake.wait_for_response(submit)
            await w.probe.wait(lambda: any(e.event_id == submit.id for e, _ in w.probe.invoked))
            assert w.probe.invoked[-1][1]["title"] == "Late but here"
        finally:
            await w.service.stop()


# -- 15. the current modal layout ---------------------------------------------------------------

async def test_warn_about_this_message_asks_the_rule_as_a_select_and_survives_a_restart(
        tmp_path: Path) -> None:
    async with running(tmp_path) as w:
        general = w.channels["general"]
        mid = await w.fake.message_create(general, w.bob, "buy cheap stuff at example.com")
        menu = await w.fake.message_command(w.guild, general, w.mod, "Warn about this message",
                                            mid, guild_command=True)
        modal = (await w.fake.wait_for_response(menu)).json["data"]
        rule, note = modal_inputs(modal)
        assert rule["type"] == 3 and rule["custom_id"] == "rule"  # a string select
        assert "spam" in [o["value"] for o in rule["options"]]
        assert note["type"] == 4 and note["style"] == 2
        assert len(modal["custom_id"]) <= 100
        await restart(w)
        try:
            submit = await w.fake.modal_submit(w.guild, general, w.mod, modal["custom_id"],
                                               {"rule": "spam", "note": "Please keep it real."})
            await w.fake.wait_for_response(submit)
            await w.fake.wait_for_call("POST", r"/users/@me/channels")
            dm = await w.fake.wait_for_call(
                "POST", rf"/channels/{w.fake.dm_channels[w.bob]['id']}/messages")
            assert "buy cheap stuff" in dm.json["content"]  # the message, read again
            assert "No spam" in dm.json["content"]
        finally:
            await w.service.stop()


async def test_a_member_in_a_form_is_a_user_select_and_a_choice_a_select(tmp_path: Path) -> None:
    async with running(tmp_path) as w:
        modal = await open_form(w, "pickform", w.alice)
        who, colour = modal_inputs(modal)
        assert who["type"] == 5 and (who["min_values"], who["max_values"]) == (1, 1)
        assert colour["type"] == 3 and [o["value"] for o in colour["options"]] == ["red", "green"]
        submit = await w.fake.modal_submit(w.guild, w.channels["general"], w.alice,
                                           modal["custom_id"], {"who": w.bob, "colour": "green"})
        await w.fake.wait_for_response(submit)
        await w.probe.wait(lambda: any(e.event_id == submit.id for e, _ in w.probe.invoked))
        args = w.probe.invoked[-1][1]
        assert args["who"] == MemberRef(w.bob, "Bob", False) and args["colour"] == "green"


async def test_commands_are_for_servers_by_contexts_and_the_action_is_named_as_documented(
        tmp_path: Path) -> None:
    async with running(tmp_path) as w:
        put = w.fake.calls_matching(
            "PUT", rf"/applications/{w.fake.app_id}/guilds/{w.guild.id}/commands")[0]
        assert put.status == 200  # within every registration limit the fake checks
        sent = {c["name"]: c for c in put.json}
        assert sent["Warn about this message"]["type"] == 3
        assert all(c["contexts"] == [0] and c["integration_types"] == [0]
                   for c in sent.values())


# -- a command used where Hearth can't post -----------------------------------------------------

async def test_a_command_where_hearth_cannot_post_answers_the_invoker_privately(
        tmp_path: Path) -> None:
    async with running(tmp_path) as w:
        general = w.channels["general"]
        w.guild.deny(general, w.guild.bot_role_id, VIEW_CHANNEL | SEND_MESSAGES)
        interaction = await w.fake.slash_command(
            w.guild, general, w.alice, "thanks",
            [user_option("member", w.bob), option("reason", "fixed my bug")], guild_command=True)
        assert int(interaction.payload["app_permissions"]) & SEND_MESSAGES == 0
        reply = await w.fake.wait_for_call("PATCH", original(w, interaction.token))
        assert "fixed my bug" in reply.json["content"]
        refused = [c for c in w.fake.calls_matching("POST", rf"/channels/{general}/messages")
                   if c.status == 200]
        assert refused == []


async def test_the_fake_refuses_a_post_where_hearth_may_not_write(tmp_path: Path) -> None:
    async with running(tmp_path) as w:
        general = w.channels["general"]
        w.guild.deny(general, w.guild.bot_role_id, VIEW_CHANNEL)
        receipt = await w.service.sink.perform(
            Post(Community("discord", w.guild.id), "general", Text.of("hello")))
        assert receipt.reason == "forbidden"
        call = w.fake.calls_matching("POST", rf"/channels/{general}/messages")[0]
        assert (call.status, call.response["code"]) == (403, 50001)


# -- autocomplete sends the typed text, even for an integer option --------------------------------

async def test_contest_number_suggestions_before_anything_is_typed(tmp_path: Path) -> None:
    async with running(tmp_path) as w:
        start = await w.fake.slash_command(
            w.guild, w.channels["general"], w.mod, "contest",
            [subcommand("create", option("title", "Best photo"),
                        option("description", "Your best shot"), option("closes", "3d"),
                        option("method", "draw"))], guild_command=True)
        await w.fake.wait_for_call("PATCH", original(w, start.token))
        suggest = await w.fake.autocomplete(
            w.guild, w.channels["general"], w.alice, "contest",
            [subcommand("enter", option("contest", 0, 4, focused=True))], guild_command=True)
        assert suggest.payload["data"]["options"][0]["options"][0]["value"] == "0"
        empty = await w.fake.autocomplete(
            w.guild, w.channels["general"], w.alice, "contest",
            [subcommand("enter", {"name": "contest", "type": 4, "value": "", "focused": True})],
            guild_command=True)
        answer = await w.fake.wait_for_response(empty)
        assert answer.status in (200, 204) and answer.json["type"] == 8
        choices = answer.json["data"]["choices"]
        assert choices and all(isinstance(c["value"], int) for c in choices)
        assert "Best photo" in choices[0]["name"]
