"""Tokens never reach logs or error output: at every level (DEBUG included), in tracebacks,
through handlers libraries attach themselves, and on the start-up paths that fail because of
a token. The tokens below are set in the environment as `hearth run` reads them; most are
deliberately not token-shaped, so only the environment lookup can catch them."""

from __future__ import annotations

import asyncio
import io
import logging
import random
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from adapters.serve import serve
from adapters.slack.service import create as create_slack
from bot import bootstrap
from bot.cli import check_config
from bot.clock import ManualClock
from bot.logs import configure
from tests.fakes import slack_requests as sr
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_api import FakeSlack
from tests.harness import EXAMPLE, START, config_from
from tests.slack_rig import TEAM, seed
from tests.test_cli import hearth

TOKENS = {
    "DISCORD_TOKEN": "plain-discord-secret-0123456789",
    "SLACK_BOT_TOKEN": "xoxb-4242-fake-bot-token-abcdef",
    "SLACK_APP_TOKEN": "plain-app-secret-9876543210",
    "SLACK_SIGNING_SECRET": "plain-signing-secret-a1b2c3d4",
}
# Shaped like a real Discord bot token, and in no variable: caught by its shape.
STRAY = "MTA5ODc2NTQzMjEwOTg3NjU0.GAbCdE.abcdefghijklmnopqrstuvwxyz0123456789AB"
LIBRARIES = ("discord", "slack_bolt", "slack_sdk", "aiohttp", "asyncio", "hearth")


class Captured:
    """Everything logged, as our stderr handler wrote it and as a plain handler saw it."""

    def __init__(self, *streams: io.StringIO) -> None:
        self.streams = list(streams)

    def text(self) -> str:
        return "\n".join(s.getvalue() for s in self.streams if not s.closed)

    def assert_clean(self) -> str:
        text = self.text()
        for name, token in [*TOKENS.items(), ("stray", STRAY)]:
            assert token not in text, f"{name} leaked:\n{text}"
        return text


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Captured]:
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogRecordFactory(),
             {n: logging.getLogger(n).level for n in LIBRARIES})
    configure("DEBUG")
    for name in LIBRARIES:  # every level of every library, not just what Hearth shows
        logging.getLogger(name).setLevel(logging.DEBUG)
    # A handler added after start-up with no filter of ours (as a library or tool might).
    plain = io.StringIO()
    root.addHandler(logging.StreamHandler(plain))
    # A library logger with its own handler that doesn't propagate to the root.
    library = io.StringIO()
    lib = logging.getLogger("somelib")
    lib.addHandler(logging.StreamHandler(library))
    lib.propagate = False
    try:
        yield Captured(stderr, plain, library)
    finally:
        lib.handlers.clear()
        lib.propagate = True
        root.handlers[:], _, factory, levels = saved
        root.setLevel(saved[1])
        logging.setLogRecordFactory(factory)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def test_exceptions_and_tracebacks_are_scrubbed_everywhere(logs: Captured) -> None:
    token = TOKENS["DISCORD_TOKEN"]
    for logger in (logging.getLogger("hearth.test"), logging.getLogger("somelib")):
        try:
            raise RuntimeError(f"login with {token} failed; also {STRAY}")
        except RuntimeError as exc:
            logger.error("could not start: %r", exc)
            logger.debug("details", exc_info=True)
            logger.exception("again, with %s", TOKENS["SLACK_SIGNING_SECRET"])
        logger.debug("headers %s", {"Authorization": f"Bot {token}"}, stack_info=True)
        logger.warning(f"app token {TOKENS['SLACK_APP_TOKEN']} in an f-string")
    text = logs.assert_clean()
    # The records are still there, with the secrets replaced and the traceback kept.
    assert text.count("could not start: RuntimeError('login with [redacted] failed") == 3
    assert "Traceback (most recent call last)" in text and "Stack (most recent" in text


def test_a_short_variable_is_not_used_to_redact(logs: Captured,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # A misconfigured one-letter secret must not blank out every "e" in the logs.
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "e")
    logging.getLogger("hearth.test").warning("hello there")
    assert "hello there" in logs.text()


async def test_discord_refusing_the_token_says_what_to_fix_without_it(
        logs: Captured, database: str) -> None:
    async with FakeDiscord() as fake:
        fake.fail_route("GET", r"/users/@me", 401, 0, "401: Unauthorized")
        app = await bootstrap.build(config_from(), database=database)
        try:
            with fake.patch_discord():
                code = await serve(app, ["discord"], {"DISCORD_TOKEN": TOKENS["DISCORD_TOKEN"]},
                                   asyncio.Event())
        finally:
            await app.close()
    assert code == 1
    text = logs.assert_clean()
    assert "Discord rejected DISCORD_TOKEN" in text


async def test_discord_unreachable_is_a_clear_error_not_a_traceback(
        logs: Captured, database: str) -> None:
    async with FakeDiscord() as gone:
        pass  # its port is closed now: nothing answers there
    app = await bootstrap.build(config_from(), database=database)
    try:
        with gone.patch_discord():
            code = await serve(app, ["discord"], {"DISCORD_TOKEN": TOKENS["DISCORD_TOKEN"]},
                               asyncio.Event())
    finally:
        await app.close()
    assert code == 1
    text = logs.assert_clean()
    assert "couldn't reach Discord" in text
    assert "Unclosed client session" not in text


async def test_slack_api_errors_and_bad_requests_log_no_token(logs: Captured,
                                                               database: str) -> None:
    config = config_from("[platforms.slack]\nport = 0\n")
    async with FakeSlack(team_id=TEAM) as fake:
        seed(fake)
        app = await bootstrap.build(config, clock=ManualClock(START), rng=random.Random(7),
                                    database=database)
        env = {k: TOKENS[k] for k in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")}
        service = create_slack(app, env, base_url=fake.api_url)
        await service.start()
        try:
            assert service.url is not None
            async with sr.SlackSender(service.url, TOKENS["SLACK_SIGNING_SECRET"]) as sender:
                # The welcome's post and DM fail as if the token were revoked.
                fake.fail("chat.postMessage", error="invalid_auth", times=5)
                fake.fail("conversations.open", error="token_revoked", times=5)
                await sender.send_event(sr.team_join("UNEW", "newbie"))
                # A forged request: the signature check fails and is logged.
                body = sr.event_callback(sr.team_join("UX", "x"), TEAM)
                status, _, _ = await sender.send(body, bad_signature=True)
                assert status == 401
                await service.drain()
        finally:
            await service.stop()
            await app.close()
    text = logs.assert_clean()
    assert "invalid_auth" in text  # the failure itself is logged, just not the token


def test_a_failing_log_handler_reports_without_the_token(
        logs: Captured, monkeypatch: pytest.MonkeyPatch) -> None:
    # Our handler's stream goes away (a closed terminal); logging reports the failure on
    # stderr, with the exception that was being handled when the record was logged.
    logs.streams[0].close()
    report = io.StringIO()
    monkeypatch.setattr("sys.stderr", report)
    logs.streams.append(report)
    try:
        raise RuntimeError(f"token {TOKENS['DISCORD_TOKEN']} refused")
    except RuntimeError:
        logging.getLogger("hearth.test").error("login failed")
    text = logs.assert_clean()
    assert "Logging error" in text and "refused" in text


# ---------------------------------------------------------------------- secrets in the config

SLACK_BOT = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp"
SLACK_APP = "xapp-1-A0123456789-1234567890-abcdef0123456789"


def check(tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str) -> tuple[int, str]:
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    code = check_config(str(path))
    out, err = capsys.readouterr()
    return code, out + err


def test_check_config_warns_of_tokens_by_shape_without_showing_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Valid config, but tokens pasted in: where Hearth would even post one as a welcome.
    code, out = check(tmp_path, capsys, (
        f'[greetings.messages]\nwelcome = "Welcome {{member}}! {SLACK_BOT}"\n'
        f'[communities."discord:1234".greetings.messages]\nwelcome = "Hi {STRAY}"\n'
        f'[platforms.console]\nmoderators = ["mia", "{SLACK_APP}"]\n'))
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("warning: greetings.messages.welcome looks like a Slack bot")
    assert "set SLACK_BOT_TOKEN in the environment" in lines[0]
    assert lines[1].startswith('warning: communities."discord:1234".greetings.messages.welcome '
                               "looks like a Discord bot token")
    assert "DISCORD_TOKEN" in lines[1]
    assert lines[2].startswith("warning: platforms.console.moderators[1] looks like a Slack "
                               "app-level token") and "SLACK_APP_TOKEN" in lines[2]
    assert lines[3].endswith("is valid, but please act on the warnings above.")
    for token in (SLACK_BOT, SLACK_APP, STRAY):
        assert token not in out


def test_check_config_warns_of_keys_named_like_secrets(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(tmp_path, capsys, (
        '[platforms.discord]\ntoken = "hunter2-not-shaped"\n'
        '[platforms.slack]\nsigning_secret = "s3cr3t"\n[hearth]\npassword = "pw"\n'))
    # Unknown keys are errors anyway; the warnings come first and say where secrets go.
    assert code == 1, out
    warned = [line for line in out.splitlines() if line.startswith("warning:")]
    assert [w.split(" ")[1] for w in warned] == [
        "platforms.discord.token", "platforms.slack.signing_secret", "hearth.password"]
    assert all("from the environment" in w for w in warned)
    assert "platforms.discord.token: unknown key" in out
    for value in ("hunter2-not-shaped", "s3cr3t", '"pw"'):
        assert value not in out


def test_a_token_in_a_wrong_value_is_not_quoted_back(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(tmp_path, capsys, f'[platforms.slack]\nport = "{SLACK_BOT}"\n')
    assert code == 1
    assert "platforms.slack.port: must be a whole number, got '[redacted]'" in out
    assert SLACK_BOT not in out


def test_the_example_config_has_no_false_alarm(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_config(str(EXAMPLE)) == 0
    assert capsys.readouterr().out.strip() == f"{EXAMPLE} looks good."


def test_hearth_run_warns_and_fails_to_start_without_printing_tokens(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[hearth]\ndatabase = "{tmp_path / "h.sqlite3"}"\n'
                      f'[greetings.messages]\nwelcome = "hi {{member}} {SLACK_BOT}"\n')
    # Slack over HTTP without a signing secret can't start: the admin is told why.
    env = {k: TOKENS[k] for k in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN")}
    result = hearth("--log-level", "debug", "run", "--config", str(config), env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "SLACK_SIGNING_SECRET is not set" in output
    assert "greetings.messages.welcome looks like a Slack bot or user token" in output
    for token in (*TOKENS.values(), SLACK_BOT):
        assert token not in output


def test_a_token_with_a_trailing_newline_is_scrubbed_in_every_form(
        logs: Captured, monkeypatch: pytest.MonkeyPatch) -> None:
    # As an env file gives it; the clients strip it, and a URL or form body encodes it.
    raw = "plain-discord-secret/with+odd=chars 0123456789\n"
    monkeypatch.setenv("DISCORD_TOKEN", raw)
    stripped = raw.strip()
    forms = {"raw": raw, "stripped": stripped, "url-encoded": quote(stripped, safe=""),
             "form-encoded": quote_plus(stripped), "raw url-encoded": quote(raw, safe=""),
             "path-encoded": quote(stripped)}
    log = logging.getLogger("hearth.test")
    for name, form in forms.items():
        log.error("request failed (%s): Authorization: Bot %s; url=/gateway?token=%s", name,
                  form, form)
    text = logs.text()
    for name, form in forms.items():
        assert form not in text, f"the {name} form leaked:\n{text}"
    assert text.count("[redacted]") >= 2 * len(forms)
