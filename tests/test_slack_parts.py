"""The Slack adapter's parts: mrkdwn rendering, the manifest, the Sink's edge cases, set-up."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adapters.slack.manifest import manifest, specs_for, to_yaml
from adapters.slack.render import render
from adapters.slack.service import SECRET_MISSING, create
from bot import bootstrap, cli
from bot.actions import EditPost, GrantRole, Post, RemoveRole, Timeout
from bot.commands import CommandKind
from bot.events import Community
from bot.ports import Receipt
from bot.text import ChannelLink, Literal, Mention, Text, Timestamp, UserText
from tests.harness import EXAMPLE, config_from
from tests.slack_cogs import ProbeCog
from tests.slack_rig import slack_rig

SLACK = Community("slack", "T0001")

# ---------------------------------------------------------------------- rendering


def test_nothing_but_a_mention_segment_can_ping() -> None:
    text = Text((
        Literal("**Hello** <!here> & "), Mention("U1", "bo"), Literal(" "),
        UserText("<!channel> <!everyone> <@U2> <#C1> **not bold?**"),
    ))
    out = render(text, UTC)
    # Member text keeps its words, but its stars become look-alikes mrkdwn doesn't read.
    assert out == ("*Hello* &lt;!here&gt; &amp; <@U1> "
                   "&lt;!channel&gt; &lt;!everyone&gt; @U2 &lt;#C1&gt; ∗∗not bold?∗∗")
    assert re.findall(r"<[^&]", out) == ["<@"]


def test_channels_times_and_links() -> None:
    ids = {"introductions": "C0INTRO"}.get
    at = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
    text = Text((ChannelLink("introductions"), Literal(" "), ChannelLink("C0ABCDEF1"),
                 Literal(" "), ChannelLink("#nowhere"), Literal(" "), Timestamp(at),
                 Literal(" [the rules](https://example.org/r?a=1&b=2)")))
    out = render(text, ZoneInfo("Europe/Paris"), ids)
    assert out == ("<#C0INTRO> <#C0ABCDEF1> #nowhere "
                   f"<!date^{int(at.timestamp())}^{{date_short_pretty}} at {{time}}"
                   "|2026-11-24 16:30 CET> <https://example.org/r?a=1&amp;b=2|the rules>")


# ---------------------------------------------------------------------- manifest


async def test_manifest_lists_every_command_spec() -> None:
    config = config_from()
    app = await bootstrap.build(config, database=":memory:")
    app.runtime.add_cog(ProbeCog(app.runtime.cogs[0].services))
    specs = app.runtime.specs()
    await app.storage.close()
    yaml = to_yaml(manifest(specs, config))
    commands = re.findall(r'- command: "(/[^"]+)"', yaml)
    callbacks = re.findall(r'callback_id: "([^"]+)"', yaml)
    for spec in specs:
        if spec.kind is CommandKind.MESSAGE_ACTION:
            assert spec.name.replace(" ", "_") in callbacks
        else:
            assert f"/{spec.words[0]}" in commands
    assert len(commands) == len(set(commands))  # a group is one slash command
    assert {"/about", "/caution", "/raffle", "/help", "/kudos", "/contest", "/warn"} <= set(
        commands)
    assert 'description: "Raffle: enter, vote."' in yaml
    assert "socket_mode_enabled: true" in yaml and '- "commands"' in yaml
    assert '- "team_join"' in yaml and "usergroups:write" not in yaml

    prefixed = config_from('[platforms.slack]\ncommands = "prefix"\nprefix_command = "hh"\n'
                           'join_event = "member_joined_channel"\n'
                           'role_usergroups = { Helper = "S01" }')
    yaml = to_yaml(manifest(specs, prefixed, "https://hearth.example.org/slack/events"))
    assert re.findall(r'- command: "(/[^"]+)"', yaml) == ["/hh"]
    assert yaml.count('url: "https://hearth.example.org/slack/events"') == 3
    assert "socket_mode_enabled: false" in yaml and '- "member_left_channel"' in yaml
    assert '- "usergroups:write"' in yaml


async def test_manifest_from_the_real_composition_root() -> None:
    specs = await specs_for(bootstrap.load(EXAMPLE))
    assert "help" in [s.name for s in specs]


def test_cli_prints_the_manifest(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["slack-manifest", "--config", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("display_information:\n") and '- command: "/help"' in out


# ---------------------------------------------------------------------- set-up


def test_http_mode_needs_the_signing_secret(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("DISCORD_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret-value")
    assert cli.main(["run", "--config", str(EXAMPLE)]) == 2
    err = capsys.readouterr().err
    assert "SLACK_SIGNING_SECRET is not set" in err and "xoxb-secret-value" not in err


async def test_socket_mode_is_chosen_by_the_app_token(database: str) -> None:
    app = await bootstrap.build(config_from(), database=database)
    try:
        with pytest.raises(ValueError, match="SLACK_SIGNING_SECRET"):
            create(app, {"SLACK_BOT_TOKEN": "xoxb-1"})
        service = create(app, {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
        assert service.app_token == "xapp-1" and service.url is None
    finally:
        await app.close()
    assert SECRET_MISSING


# ---------------------------------------------------------------------- the Sink


async def test_edits_channels_roles_and_timeouts(tmp_path: Path) -> None:
    async with slack_rig(tmp_path, slack_toml='role_usergroups = { Helper = "S0HELP" }') as rig:
        rig.fake.add_usergroup("S0HELP", "helpers", ["UADMIN"])
        sink = rig.service.outbound
        first = await sink.perform(Post(SLACK, "general", Text.of("one")))
        assert first.delivered and first.channel == "C0GENERAL"
        edited = await sink.perform(EditPost(SLACK, "general", "k", Text.of("two"),
                                             message_id=first.message_id))
        assert edited == Receipt(True, first.message_id, "C0GENERAL")
        assert rig.fake.calls_to("chat.update")[0]["text"] == "two"
        # A message that is gone is posted anew.
        again = await sink.perform(EditPost(SLACK, "general", "k", Text.of("three"),
                                            message_id="1.000"))
        assert again.delivered and again.message_id != first.message_id
        assert (await sink.perform(Post(SLACK, "nowhere", Text.of("x")))).reason == "not_found"
        # Channel names were listed once, and again only once for the unknown name.
        assert len(rig.fake.calls_to("conversations.list")) == 1

        assert (await sink.perform(GrantRole(SLACK, "U123", "Helper"))).delivered
        assert rig.fake.usergroups["S0HELP"]["users"] == ["UADMIN", "U123"]
        assert (await sink.perform(RemoveRole(SLACK, "UADMIN", "Helper"))).delivered
        assert rig.fake.usergroups["S0HELP"]["users"] == ["U123"]
        updates = len(rig.fake.calls_to("usergroups.users.update"))
        assert await sink.perform(GrantRole(SLACK, "U123", "Elder")) == Receipt(
            False, reason="unsupported")
        assert len(rig.fake.calls_to("usergroups.users.update")) == updates

        from datetime import timedelta
        assert (await sink.perform(Timeout(SLACK, "U123", timedelta(hours=1), "x"))).reason == (
            "unsupported")
