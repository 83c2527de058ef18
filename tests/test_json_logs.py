"""`--log-format json`: one JSON object per line, the event id and community where known, and
secrets scrubbed exactly as in text logs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logs import configure
from tests.fakes import slack_requests as sr
from tests.slack_rig import TEAM, slack_rig
from tests.test_cli import hearth
from tests.test_secrets import STRAY, TOKENS


def parsed(text: str) -> list[dict[str, object]]:
    """Every line as its JSON object; a line that isn't one fails the test."""
    lines = [line for line in text.splitlines() if line]
    assert lines
    return [json.loads(line) for line in lines]


def assert_no_secret(text: str) -> None:
    for name, token in [*TOKENS.items(), ("stray", STRAY)]:
        assert token not in text, f"{name} leaked:\n{text}"


@pytest.fixture
def json_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogRecordFactory())
    configure("DEBUG", "json")
    try:
        yield stderr
    finally:
        root.handlers[:], level, factory = saved
        root.setLevel(level)
        logging.setLogRecordFactory(factory)


async def test_slack_deliveries_are_tagged_and_nothing_secret_is_logged(
        json_logs: io.StringIO, tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        rig.app.runtime.tag_logs = True  # what `--log-format json` sets
        join = sr.team_join("UNEW", "newbie")
        await rig.event(join, event_id="EvJOIN0001")
        await rig.service.drain()
        # Slack delivers it again: the skip is logged, naming the delivery.
        await rig.event(join, event_id="EvJOIN0001", retry_num=1)
        await rig.service.drain()
        rig.fake.fail("chat.postMessage", error="invalid_auth", times=5)
        await rig.event(sr.team_join("UNEW2", "other"), event_id="EvJOIN0002")
        await rig.service.drain()
    try:
        raise RuntimeError(f"login with {TOKENS['DISCORD_TOKEN']} failed; also {STRAY}")
    except RuntimeError:
        logging.getLogger("hearth.test").exception("could not start")
    text = json_logs.getvalue()
    assert_no_secret(text)
    records = parsed(text)
    skipped = [r for r in records if "already handled" in str(r["message"])]
    assert skipped and skipped[0]["event_id"] == "EvJOIN0001"
    assert skipped[0]["community"] == f"slack:{TEAM}"
    assert any("invalid_auth" in str(r["message"]) for r in records)
    failed = next(r for r in records if r["message"] == "could not start")
    assert failed["level"] == "ERROR" and "[redacted]" in str(failed["traceback"])
    assert "event_id" not in failed  # logged outside any event
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)


def test_hearth_console_with_json_logs(tmp_path: Path) -> None:
    config = tmp_path / "hearth.toml"
    # A token pasted into the file: the warning names the key, never the value.
    config.write_text(f'[community]\nname = "{TOKENS["SLACK_BOT_TOKEN"]}"\n', encoding="utf-8")
    result = hearth("--log-format", "json", "--log-level", "debug", "console", "--config",
                    str(config), "--database", str(tmp_path / "h.sqlite3"),
                    stdin="+alice\nalice> /thanks @nobody\n", env=TOKENS)
    assert result.returncode == 0, result.stderr
    assert_no_secret(result.stderr)  # the logs (the console itself says the name it was given)
    records = parsed(result.stderr)
    assert any(r["level"] == "WARNING" and "community.name" in str(r["message"])
               for r in records)
    assert any("migration" in str(r["message"]) for r in records)


def test_a_config_that_stops_hearth_is_reported_as_json_lines(tmp_path: Path) -> None:
    config = tmp_path / "hearth.toml"
    config.write_text("[greetings.raid]\nburst = -3\n", encoding="utf-8")
    result = hearth("--log-format", "json", "console", "--config", str(config), "--database",
                    str(tmp_path / "h.sqlite3"), stdin="+alice\n")
    assert result.returncode == 2
    messages = [r["message"] for r in parsed(result.stderr)]
    assert messages == ["greetings.raid.burst: input should be greater than or equal to 1, "
                        "got -3", "Hearth did not start: please fix the config above."]
