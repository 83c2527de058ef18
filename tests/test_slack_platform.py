"""Hearth against what Slack really sends and refuses (issue 13, items 1-9): each test drives
the real bolt app with payloads shaped as Slack documents them, against the strict FakeSlack."""

from __future__ import annotations

import asyncio
import logging
import random
import socket
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.slack.manifest import manifest, specs_for
from adapters.slack.service import create
from bot import bootstrap
from bot.config import ConfigError
from tests.fakes import slack_requests as sr
from tests.fakes.slack_api import FakeSlack
from tests.harness import config_from
from tests.slack_cogs import ProbeCog, probe
from tests.slack_rig import Rig, slack_rig

# ------------------------------------------------------------------ 1. escaped text, once


async def test_command_text_is_decoded_once_and_member_formatting_stays_plain(rig: Rig
                                                                              ) -> None:
    typed = ("the build & the <docs>, *bold* _it_ ~gone~ `code`, see <#C0HELP|help> "
             "and https://example.org/a?b=1&c=2")
    await rig.command("/kudos", f"<@U456|cara> {typed}")
    post = await rig.fake.wait_for_call("chat.postMessage")
    assert post["text"] == (
        "Kudos to <@U456> (cara) from bob: the build &amp; the &lt;docs&gt;, "
        "\u2217bold\u2217 \u02cdit\u02cd \u223cgone\u223c \u02cbcode\u02cb, see #help "
        "and https://example.org/a?b=1&amp;c=2")


async def test_message_text_reaches_the_core_as_neutral_text(rig: Rig) -> None:
    said = sr.message("U123", "C0GENERAL",
                      "thanks <@U456|cara> & <@U123>! see <#C0HELP|help>, <https://x.org|docs> "
                      "and 1 < 2 > 0")
    await rig.event(said)
    await rig.service.drain()
    (seen,) = probe(rig).seen
    # Member mentions stay the core's member token; the rest reads as the member typed it.
    assert seen.content == ("thanks <@U456> & <@U123>! see #help, https://x.org and 1 < 2 > 0")


async def test_a_quote_in_member_text_does_not_quote_hearths_post(rig: Rig) -> None:
    await rig.command("/kudos", "<@U456> \n> not a quote\n>>> nor this")
    post = await rig.fake.wait_for_call("chat.postMessage")
    assert "\n&gt;" not in post["text"]
    assert "\uff1e not a quote" in post["text"]


async def test_shortcut_message_is_decoded_but_modal_values_are_raw(rig: Rig) -> None:
    target = sr.message("U456", "C0GENERAL", "fish & chips <cheap>")
    payload = sr.message_action("flag_message", "U123", "C0GENERAL", target,
                                rig.fake.response_url("flag"), trigger_id=rig.fake.trigger())
    await rig.sender.send_payload(payload)
    view = (await rig.fake.wait_for_call("views.open"))["view"]
    # What a member types in a modal arrives as typed: "&amp;" here is literally that.
    values = {"reason": {"value": {"type": "plain_text_input", "value": "a &amp; b <c>"}}}
    await rig.sender.send_payload(sr.view_submission(
        view["callback_id"], values, "U123", private_metadata=view["private_metadata"]))
    await rig.service.drain()
    _, args = probe(rig).args[-1]
    assert args["message"].content == "fish & chips <cheap>"
    assert args["reason"] == "a &amp; b <c>"


# ------------------------------------------------------------------ 2. reactions by name


@pytest.mark.parametrize("reaction", ["pray", "pray::skin-tone-4"])
async def test_thanks_by_reaction_works_with_slacks_emoji_names(tmp_path: Path, reaction: str
                                                                 ) -> None:
    async with slack_rig(tmp_path) as rig:  # the default thank_reactions = ["🙏"]
        await rig.command("/profile", "", user_id="U123", name="before")
        await rig.service.drain()
        said = sr.message("U123", "C0GENERAL", "here's how to fix it")
        await rig.event(said)
        await rig.event(sr.reaction_added("U456", reaction, "C0GENERAL", said["ts"],
                                          item_user="U123"))
        await rig.service.drain()
        await rig.command("/profile", "", user_id="U123", name="after")
        await rig.service.drain()
        answers = {a["_name"]: a["text"] for a in rig.fake.calls_to("response_url")}
        assert "reputation 0," in answers["before"], answers
        # One activity point for the message and one for the thanks: without the reaction
        # counting it would read "reputation 1".
        assert "reputation 2," in answers["after"], answers


def test_one_config_value_matches_glyphs_and_names_alike() -> None:
    from bot.emoji import canonical

    wanted = {canonical("🙏")}
    for seen in ("🙏", "🙏🏽", "🙏\ufe0f", "pray", "pray::skin-tone-4", ":pray:"):
        assert canonical(seen) in wanted, seen
    assert canonical("❤️") == canonical("heart") == canonical("❤")
    assert canonical("partyparrot") == "partyparrot"  # a custom emoji keeps its name
    assert canonical("thumbsup") != canonical("🙏")


# ------------------------------------------------------------------ 3. undeliverable posts


async def test_a_post_slack_refuses_goes_to_the_invoker_and_the_log_says_why_once(
        rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    rig.fake.add_channel("C0QUIET", "quiet", is_member=False)
    with caplog.at_level(logging.WARNING, logger="adapters.slack.outbound"):
        for name in ("first", "second"):
            await rig.command("/kudos", "<@U456> for the docs", channel_id="C0QUIET", name=name)
            await rig.service.drain()
        # A DM between two other people: slash commands work there, Hearth can't post.
        await rig.command("/kudos", "<@U456> in private", channel_id="D0THEIRS", name="dm")
        await rig.service.drain()
    assert rig.posts("C0QUIET") and all(
        r.body == {"ok": False, "error": "not_in_channel"}
        for c, r in zip(rig.fake.calls, rig.fake.responses, strict=True)
        if c.method == "chat.postMessage" and c.args["channel"] == "C0QUIET")
    answers = {a["_name"]: a["text"] for a in rig.fake.calls_to("response_url")}
    assert answers["first"].startswith("Kudos to <@U456> (cara) from bob: for the docs")
    assert answers["second"].startswith("Kudos to <@U456>")
    assert answers["dm"].startswith("Kudos to <@U456>")
    told = [r.getMessage() for r in caplog.records if "C0QUIET" in r.getMessage()]
    assert len(told) == 1 and "invite" in told[0] and "#quiet" in told[0]
    assert any("D0THEIRS" in r.getMessage() for r in caplog.records)


# ------------------------------------------------------------------ 4. Slack Connect


async def test_shared_channel_events_land_in_the_installed_workspace(rig: Rig) -> None:
    rig.fake.add_user("UEXT", "erin")
    event = sr.message("UEXT", "C0GENERAL", "hello from the other org", team_id="T0OTHER")
    await rig.sender.send_event(event, team_id="T0OTHER", installed_team="T0001")
    await rig.service.drain()
    (seen,) = probe(rig).seen
    assert seen.community.key == "slack:T0001"


async def test_a_form_submitted_by_an_external_member_counts_for_the_installation(rig: Rig
                                                                                   ) -> None:
    await rig.command("/about", "")
    view = (await rig.fake.wait_for_call("views.open"))["view"]
    values = {"bio": {"value": {"type": "plain_text_input", "value": "hi"}}}
    payload = sr.view_submission(view["callback_id"], values, "U123", team_id="T0OTHER",
                                 private_metadata=view["private_metadata"])
    payload["view"]["app_installed_team_id"] = "T0001"
    await rig.sender.send_payload(payload)
    await rig.service.drain()
    assert probe(rig).args[-1][0] == "about"
    # Handled as a member of the home workspace, not of a community of its own.
    assert [e.community.key for e in probe(rig).events] == ["slack:T0001"]


# ------------------------------------------------------------------ 5. long answers


async def test_long_posts_and_answers_are_split_at_line_breaks_and_nothing_is_lost(rig: Rig
                                                                                  ) -> None:
    await rig.command("/roll", "600", name="roll")
    await rig.service.drain()
    posts = [p["text"] for p in rig.posts("C0GENERAL")]
    answers = [a["text"] for a in rig.fake.calls_to("response_url")]
    for pieces in (posts, answers):
        assert len(pieces) >= 2 and all(len(p) <= 40_000 for p in pieces)
        lines = "\n".join(pieces).split("\n")
        assert len(lines) == 600  # every line whole, none cut or lost
        assert all(line.startswith(f"{i}. Fish &amp; chips &lt;best&gt; by <@U123> ")
                   for i, line in enumerate(lines, 1))


async def test_editing_a_long_post_keeps_every_piece_up_to_date(rig: Rig) -> None:
    def shown() -> list[str]:
        msgs = sorted((ts, m["text"]) for (ch, ts), m in rig.fake.messages.items()
                      if ch == "C0GENERAL")
        return "\n".join(text for _, text in msgs).split("\n")

    for lines in (1500, 300, 1500):  # several pieces, then one (the rest deleted), then more
        await rig.command("/board", str(lines), name=f"board{lines}")
        await rig.service.drain()
        assert [line.split(".")[0] for line in shown()] == [str(i) for i in range(1, lines + 1)]
        if lines == 1500 and not rig.fake.calls_to("chat.update"):
            pieces = len(rig.posts("C0GENERAL"))
    assert pieces > 1 and len(rig.fake.calls_to("chat.delete")) == pieces - 1
    assert len(rig.posts("C0GENERAL")) == pieces + pieces - 1  # the first piece was edited


def test_split_never_cuts_an_entity_or_a_mention() -> None:
    import re

    from bot.text import split

    atoms = re.compile(r"&[a-z]+;|<[^<>\n]*>")
    for before, token in ((97, "&amp;"), (95, "<@U123456>")):
        text = "x" * before + token + "y" * 20  # one long line, no spaces; 100 is inside
        pieces = split(text, 100, atoms)
        assert "".join(pieces) == text
        assert pieces == ["x" * before, token + "y" * 20]


# ------------------------------------------------------------------ 6. the form opens first


async def test_the_form_opens_within_three_seconds_even_when_lookups_are_slow(rig: Rig
                                                                              ) -> None:
    rig.fake.latency("users.info", 4.0)  # each lookup takes 4 s of Slack's time
    await rig.command("/about", "")
    await rig.service.drain()
    (opened,) = [r for c, r in zip(rig.fake.calls, rig.fake.responses, strict=True)
                 if c.method == "views.open"]
    assert opened.body["ok"] is True, opened.body


async def test_a_trigger_opens_one_view_within_three_seconds() -> None:
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.async_client import AsyncWebClient

    now = [1000.0]
    async with FakeSlack(clock=lambda: now[0]) as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url)
        view = {"type": "modal", "title": {"type": "plain_text", "text": "x"}, "blocks": []}
        used, late = fake.trigger(), fake.trigger()
        await client.views_open(trigger_id=used, view=view)
        now[0] += 3.5
        for trigger, error in ((used, "exchanged_trigger_id"), (late, "expired_trigger_id"),
                               ("1.2.never-issued", "invalid_trigger_id")):
            with pytest.raises(SlackApiError) as err:
                await client.views_open(trigger_id=trigger, view=view)
            assert err.value.response["error"] == error


# ------------------------------------------------------------------ 7. leaving


async def test_a_deactivated_member_is_said_goodbye_to(tmp_path: Path) -> None:
    async with slack_rig(tmp_path, toml="[greetings]\ngoodbye = true\n") as rig:
        await rig.event(sr.team_join("UNEW", "newbie"))
        await rig.service.drain()
        welcomes = len(rig.posts("C0WELCOME"))
        await rig.event(sr.user_change("UNEW", "newbie", title="Potter"))  # a profile edit
        await rig.event(sr.user_change("UNEW", "newbie", deleted=True))
        await rig.service.drain()
        await rig.event(sr.user_change("UNEW", "newbie", deleted=True, title="Gone"))
        await rig.service.drain()
        said = [p["text"] for p in rig.posts("C0WELCOME")][welcomes:]
        assert len(said) == 1 and said[0].startswith("newbie has moved on"), said


async def test_a_reactivated_member_is_welcomed_back_only_after_greet_again_after(
        tmp_path: Path) -> None:
    async with slack_rig(tmp_path, toml='[greetings]\ngreet_again_after = "30d"\n') as rig:
        async def away_and_back(days: int) -> list[str]:
            before = len(rig.posts("C0WELCOME"))
            await rig.event(sr.user_change("UNEW", "newbie", deleted=True))
            await rig.service.drain()
            rig.clock.set(rig.clock.now() + timedelta(days=days))
            await rig.event(sr.user_change("UNEW", "newbie", deleted=False))
            await rig.service.drain()
            return [p["text"] for p in rig.posts("C0WELCOME")][before:]

        await rig.event(sr.team_join("UNEW", "newbie"))
        await rig.service.drain()
        assert await away_and_back(days=3) == []  # greeted 3 days ago: not again
        back = await away_and_back(days=40)
        assert len(back) == 1 and "<@UNEW>" in back[0]


# ------------------------------------------------------------------ 8. Socket Mode


async def failure_in_socket_mode(tmp_path: Path, fake: FakeSlack, bot_token: str,
                                 app_token: str) -> str:
    """Start Socket Mode against `fake` and return why it gave up."""
    app = await bootstrap.build(config_from(""), rng=random.Random(1),
                                database=tmp_path / "h.sqlite3")
    service = create(app, {"SLACK_BOT_TOKEN": bot_token, "SLACK_APP_TOKEN": app_token},
                     base_url=fake.api_url)
    try:
        async with asyncio.timeout(10):
            await service.start()
            return await service.wait_failed()
    finally:
        await service.stop()
        await app.close()


async def test_a_refused_app_token_stops_with_a_clear_message(tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        fake.fail("apps.connections.open", "invalid_auth", times=5)
        reason = await failure_in_socket_mode(tmp_path, fake, "xoxb-test", "xapp-1-bad")
    assert "Slack refused SLACK_APP_TOKEN (invalid_auth)" in reason
    assert "xapp-1-bad" not in reason
    assert len(fake.calls_to("apps.connections.open")) == 1  # no retrying a bad token


async def test_a_refused_bot_token_stops_socket_mode_too(tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        fake.fail("auth.test", "token_revoked")
        reason = await failure_in_socket_mode(tmp_path, fake, "xoxb-revoked", "xapp-1")
    assert reason.startswith("Slack refused SLACK_BOT_TOKEN (token_revoked).")
    assert fake.calls_to("apps.connections.open") == []


async def test_unreachable_slack_is_retried_and_a_stop_is_heard(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/api/"
    app = await bootstrap.build(config_from(""), rng=random.Random(1),
                                database=tmp_path / "h.sqlite3")
    service = create(app, {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-1-ok"},
                     base_url=dead)
    service.backoff = (0.01, 0.02)
    tries = asyncio.Event()
    seen: list[str] = []

    class Count(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "can't reach Slack" in record.getMessage():
                seen.append(record.getMessage())
                if len(seen) >= 3:
                    tries.set()

    handler = Count()
    logging.getLogger("adapters.slack.service").addHandler(handler)
    try:
        async with asyncio.timeout(10):
            await service.start()
            await tries.wait()
            await service.stop()  # what SIGTERM leads to: it returns, it doesn't hang
    finally:
        logging.getLogger("adapters.slack.service").removeHandler(handler)
        await app.close()
    assert not service._failed.is_set()  # unreachable isn't a reason to give up


# ------------------------------------------------------------------ 9. manifest and config


async def test_appeal_shows_the_members_command_in_slacks_menu() -> None:
    config = config_from("")
    commands = {c["command"]: c for c in manifest(await specs_for(config), config)
                ["features"]["slash_commands"]}
    appeal = commands["/appeal"]
    assert appeal["description"].startswith("Appeal one of your warnings")
    assert appeal["usage_hint"].startswith("<case>") and "resolve" in appeal["usage_hint"]


def test_a_name_slack_would_refuse_is_a_config_error_with_its_key_path() -> None:
    with pytest.raises(ConfigError) as err:
        config_from('[hearth]\nname = "The Friendly Neighbourhood Community Bot"\n')
    assert any(p.startswith("hearth.name: Slack allows an app name of at most 35")
               for p in err.value.problems)
    config_from('[hearth]\nname = "The Friendly Neighbourhood Community Bot"\n'
                "[platforms.slack]\nenabled = false\n")  # only Slack minds


# ------------------------------------------------------------------ one name per command


async def test_commands_are_named_the_way_this_workspace_types_them(tmp_path: Path) -> None:
    async with slack_rig(tmp_path, slack_toml='commands = "prefix"', cogs=[ProbeCog]) as rig:
        await rig.command("/hearth", "help", name="help")
        await rig.command("/hearth", "kudos", name="usage")
        await rig.service.drain()
        answers = {a["_name"]: a["text"] for a in rig.fake.calls_to("response_url")}
        assert "`/hearth kudos &lt;member&gt; [reason]`" in answers["help"]
        assert "`/hearth appeal &lt;case&gt; &lt;text&gt;`" in answers["help"]
        assert "Usage: `/hearth kudos &lt;member&gt; [reason]`" in answers["usage"]
        assert "`/kudos" not in answers["help"] + answers["usage"]


async def test_answers_beyond_what_response_url_takes_arrive_another_way(rig: Rig) -> None:
    await rig.command("/roll", "3000", name="roll")  # about 270,000 characters: 7 pieces
    await rig.service.drain()
    by_url = rig.fake.calls_to("response_url")
    ephemeral = rig.fake.calls_to("chat.postEphemeral")
    assert [r.status for c, r in zip(rig.fake.calls, rig.fake.responses, strict=True)
            if c.method == "response_url"] == [200] * 5  # all Slack takes, none refused
    assert all(e["user"] == "U123" for e in ephemeral)
    lines = "\n".join(p["text"] for p in by_url + ephemeral).split("\n")
    assert [line.split(".")[0] for line in lines] == [str(i) for i in range(1, 3001)]
