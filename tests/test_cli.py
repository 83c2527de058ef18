"""The `hearth` command as a person runs it."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import ROOT


def hearth(*args: str, stdin: str = "", env: dict[str, str] | None = None,
           cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")}
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, text=True,
                          capture_output=True, cwd=cwd, env={**clean, **(env or {})},
                          timeout=60, check=False)


def test_run_without_tokens_is_the_console_and_ends_with_its_input(tmp_path: Path) -> None:
    # Like `make run` with stdin closed: no tokens, so the console; input ends, Hearth exits 0.
    (tmp_path / "config.toml").write_text(
        f'[hearth]\ndatabase = "{tmp_path / "data" / "h.sqlite3"}"\n')
    result = hearth("run", "--config", str(tmp_path / "config.toml"), stdin="+alice\n")
    assert result.returncode == 0, result.stderr
    assert "starting the console" in result.stderr
    assert "[#welcome] Hearth:" in result.stdout and "[DM to alice]" in result.stdout
    assert (tmp_path / "data" / "h.sqlite3").exists()


def test_run_with_no_config_here_uses_the_example(tmp_path: Path) -> None:
    result = hearth("console", "--database", str(tmp_path / "h.sqlite3"), stdin="")
    assert result.returncode == 0, result.stderr
    assert "using config.example.toml" in result.stderr


def test_newer_database_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    import sqlite3
    db = tmp_path / "future.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version=999")
    conn.close()
    result = hearth("console", "--database", str(db), stdin="+alice\n")
    assert result.returncode == 2
    assert "written by a newer Hearth" in result.stderr
    assert "Traceback" not in result.stderr


def test_log_level_flag(tmp_path: Path) -> None:
    quiet = hearth("--log-level", "warning", "console", "--database", str(tmp_path / "a.db"))
    chatty = hearth("--log-level", "debug", "console", "--database", str(tmp_path / "b.db"))
    assert "INFO" not in quiet.stderr
    assert "INFO" in chatty.stderr


def test_secrets_never_reach_logs(tmp_path: Path) -> None:
    token = "xoxb-1111111111-2222222222-abcdefabcdefabcdefabcdef"
    result = hearth("--log-level", "debug", "console", "--database", str(tmp_path / "c.db"),
                    stdin="+alice\n", env={"SLACK_SIGNING_SECRET": token})
    assert token not in result.stderr + result.stdout


def test_sigterm_and_ctrl_c_shut_down_gracefully(tmp_path: Path) -> None:
    import signal
    import sqlite3

    for sig in (signal.SIGTERM, signal.SIGINT):
        db = tmp_path / f"{sig.name}.sqlite3"
        clean = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "console", "--database", str(db)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=ROOT, env=clean)
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("+alice\n")
        proc.stdin.flush()
        # Wait for the welcome (the join is stored by then), then ask Hearth to stop while
        # its input is still open.
        while "[DM to alice]" not in proc.stdout.readline():
            pass
        # A message earns activity points, held in memory until the flush (every 5 s); the
        # reply to /help shows the message was handled before the signal.
        proc.stdin.write("alice> Glad to be here, thank you all\nalice> /help\n")
        proc.stdin.flush()
        while "[to alice only]" not in proc.stdout.readline():
            pass
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "stopped; everything is saved" in err
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT name FROM members").fetchall() == [("alice",)]
        assert conn.execute("SELECT messages, points FROM rep_totals").fetchall() == [(1, 1)]
        conn.close()


def _fake_venv(tmp_path: Path) -> Path:
    """What `make run` needs of a venv: its marker files and a `hearth` that is this Hearth."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    hearth_script = venv / "bin" / "hearth"
    hearth_script.write_text(f"#!{sys.executable}\nimport sys\nfrom bot.cli import main\n"
                             "sys.exit(main())\n")
    hearth_script.chmod(0o755)
    (venv / ".run-installed").touch()
    return venv


def test_make_run_uses_config_toml_when_there_is_one(tmp_path: Path) -> None:
    import shutil

    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    venv = _fake_venv(tmp_path)  # after pyproject.toml, so make sees the install is current
    shutil.copy(ROOT / "config.example.toml", tmp_path / "config.example.toml")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}

    def make_run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(["make", "-s", "-f", str(ROOT / "Makefile"), f"VENV={venv}", "run"],
                              input="+alice\n", text=True, capture_output=True, cwd=tmp_path,
                              env=clean, timeout=120, check=False)

    example = make_run()
    assert example.returncode == 0, example.stderr
    assert "our community" in example.stdout and "using config.example.toml" in example.stderr
    (tmp_path / "config.toml").write_text('[hearth]\ndatabase = "data/mine.sqlite3"\n'
                                          '[community]\nname = "the Pottery Club"\n'
                                          '[greetings.messages]\nwelcome = "Welcome to '
                                          '{community}, {member}!"\n')
    mine = make_run()
    assert mine.returncode == 0, mine.stderr
    assert "Welcome to the Pottery Club, @alice!" in mine.stdout


def test_log_level_comes_from_the_config_unless_the_flag_is_given(tmp_path: Path) -> None:
    config = tmp_path / "quiet.toml"
    config.write_text('[hearth]\nlog_level = "WARNING"\n')
    quiet = hearth("console", "--config", str(config), "--database", str(tmp_path / "a.db"),
                   stdin="+alice\n")
    assert quiet.returncode == 0, quiet.stderr
    assert " INFO " not in quiet.stderr
    chatty = hearth("--log-level", "info", "console", "--config", str(config),
                    "--database", str(tmp_path / "b.db"), stdin="+alice\n")
    assert " INFO " in chatty.stderr


def test_check_config_picks_the_same_file_as_run(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[greetings]\nenabeld = true\n')
    result = hearth("check-config", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "greetings.enabeld: unknown key (did you mean 'enabled'?)", "1 problem in config.toml."]
    run = hearth("run", cwd=tmp_path)  # the same file stops run
    assert run.returncode == 2 and "greetings.enabeld" in run.stderr


def test_every_command_and_option_has_help() -> None:
    from bot.cli import _parser

    parser = _parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help for c in commands._choices_actions}
    bare = [f"hearth {name}" for name in commands.choices if not helps.get(name)]
    for name, sub in [("", parser), *commands.choices.items()]:
        bare += [f"hearth {name} {a.dest}".replace("  ", " ") for a in sub._actions
                 if not a.help and a.dest != "help"]
    assert bare == []


@pytest.mark.parametrize(("command", "shown"), [
    (["check-config", "--help"], "list every problem at once"),
    (["console", "--help"], "--config FILE"),
    (["slack-manifest", "--help"], "config file (default: config.toml if it exists"),
])
def test_help_texts(command: list[str], shown: str, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    with pytest.raises(SystemExit) as done:
        main(command)
    assert done.value.code == 0
    assert shown in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize(("argv", "says"), [
    (["console", "--start", "yesterday"],
     "hearth console: argument --start: 'yesterday' isn't a date and time; write it like "
     "2026-12-24T18:00"),
    (["console", "--seed", "seven"], "hearth console: argument --seed: invalid int value"),
    (["--log-level", "loud", "run"], "hearth: argument --log-level: invalid choice: 'LOUD'"),
    (["serve"], "hearth: argument COMMAND: invalid choice: 'serve'"),
    (["check-config", "a.toml", "b.toml"], "hearth: unrecognized arguments: b.toml"),
    (["slack-manifest", "--url", "http://bot.example.org/slack/events"],
     "hearth slack-manifest: argument --url: Slack sends events only to a public https:// URL"),
    (["config"], "hearth config: the following arguments are required: what"),
])
def test_every_cli_mistake_is_one_clear_line(argv: list[str], says: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    assert main(argv) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err.count("\n") == 1
    assert out.err.startswith(says)
    assert out.err.rstrip().endswith(f"(see `{says.split(':')[0]} --help`)")


def test_a_mistake_is_one_line_as_a_person_runs_it() -> None:
    result = hearth("console", "--start", "yesterday")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "hearth console: argument --start: 'yesterday' isn't a date and time; write it like "
        "2026-12-24T18:00 (see `hearth console --help`)"]


def test_version() -> None:
    result = hearth("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("hearth ") and "not installed" not in result.stdout


def test_database_goes_under_the_state_directory_when_systemd_gives_one(tmp_path: Path) -> None:
    state = tmp_path / "state"
    result = hearth("console", "--config", "config.example.toml", stdin="+alice\n",
                    env={"STATE_DIRECTORY": str(state)})
    assert result.returncode == 0, result.stderr
    assert (state / "data" / "hearth.sqlite3").exists()


def test_the_service_file_runs_commands_hearth_has() -> None:
    import configparser
    import shlex

    from bot.cli import _parser

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(ROOT / "deploy" / "hearth.service")
    service = unit["Service"]
    assert service["Restart"] == "on-failure" and service["StateDirectory"] == "hearth"
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert service["User"] != "root" and "EnvironmentFile" in service
    argv = shlex.split(service["ExecStart"])
    assert argv[0].endswith("/hearth")
    args = _parser().parse_args(argv[1:])  # exits (fails the test) on a flag hearth lacks
    assert args.command == "run"
