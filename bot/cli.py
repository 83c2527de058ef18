"""The `hearth` command: run, console, check-config."""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import random
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot import bootstrap
from bot.clock import ManualClock
from bot.config import Config, ConfigError
from bot.logs import configure
from bot.templates import counted
from bot.tokens import file_warnings
from storage.database import DatabaseError

log = logging.getLogger("hearth")
DEFAULT_CONFIG = "config.toml"
FALLBACK_CONFIG = "config.example.toml"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    configure(args.log_level)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "check-config":
        return check_config(args.file)
    if args.command == "data" and args.action is None:
        parser.parse_args(["data", "--help"])
    path = _config_path(args.config)
    try:
        config = bootstrap.load(path)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("Hearth did not start: please fix the config above.", file=sys.stderr)
        return 2
    for warning in file_warnings(path):
        log.warning("%s: %s", path, warning.removeprefix("warning: "))
    if getattr(args, "script", None):
        try:
            # Scripts are small; reading one up front keeps file I/O off the event loop.
            args.script_text = Path(args.script).read_text(encoding="utf-8")
        except OSError as exc:
            print(f"Can't read the script {args.script}: {exc.strerror}", file=sys.stderr)
            return 2
    try:
        if args.command == "console":
            return asyncio.run(_console(config, args))
        if args.command == "slack-manifest":
            return asyncio.run(_slack_manifest(config, args.url))
        if args.command == "data":
            from bot.data_cli import run_data

            return asyncio.run(run_data(config, args))
        return asyncio.run(_run(config, args))
    except DatabaseError as exc:
        print(f"Hearth did not start: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hearth", description="A warm, calm community bot.")
    p.add_argument("--log-level", default="INFO",
                   choices=["DEBUG", "INFO", "WARNING", "ERROR"], type=str.upper)
    sub = p.add_subparsers(dest="command")
    run = sub.add_parser("run", help="Run on Discord and/or Slack when their tokens are set, "
                                     "otherwise in the console.")
    run.add_argument("--config", help=f"config file (default {DEFAULT_CONFIG}, "
                                      f"else {FALLBACK_CONFIG})")
    con = sub.add_parser("console", help="Run a community in the terminal (no tokens needed).")
    con.add_argument("--config")
    con.add_argument("--script", help="read lines from this file instead of the terminal")
    con.add_argument("--database", help="SQLite file (default: hearth.database from the config)")
    con.add_argument("--seed", type=int, help="random seed, for repeatable greetings")
    con.add_argument("--start", help="start the console clock at this ISO time (UTC if naive)")
    con.add_argument("--no-echo", action="store_true", help="don't repeat script lines")
    chk = sub.add_parser("check-config", help="Check a config file and list every problem.")
    chk.add_argument("file")
    man = sub.add_parser("slack-manifest", help="Print a Slack app manifest with every command.")
    man.add_argument("--config")
    man.add_argument("--url", help="public https URL of /slack/events (HTTP mode); "
                                   "without it the manifest uses Socket Mode")
    data = sub.add_parser("data", help="A member's data, for requests that come by email.")
    actions = data.add_subparsers(dest="action")
    for name, about in (("export", "Write everything Hearth keeps about a member as JSON."),
                        ("forget", "Show what forgetting a member would do; --yes does it.")):
        act = actions.add_parser(name, help=about)
        act.add_argument("--community", required=True,
                         help='the community, like "discord:GUILD_ID" or "slack:TEAM_ID"')
        act.add_argument("--member", required=True, help="the member's platform user id")
        act.add_argument("--config")
        act.add_argument("--database", help="SQLite file (default: hearth.database)")
        if name == "export":
            act.add_argument("--out", help="write the JSON here (default: standard output)")
        else:
            act.add_argument("--yes", action="store_true",
                             help="forget them (without it, only the preview is shown)")
    return p


def _config_path(given: str | None) -> str:
    if given:
        return given
    if Path(DEFAULT_CONFIG).exists():
        return DEFAULT_CONFIG
    log.info("no %s here, so using %s", DEFAULT_CONFIG, FALLBACK_CONFIG)
    return FALLBACK_CONFIG


def check_config(path: str) -> int:
    """Exit 1 for problems that stop Hearth starting. A secret in the file is a warning (exit
    0): Hearth never reads it from there, so it runs fine, and the fix (move it to the
    environment and reset it) is the admin's; a pattern match could also be a false alarm."""
    warnings = file_warnings(path)
    for warning in warnings:
        print(warning)
    try:
        bootstrap.load(path)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{counted(len(exc.problems), 'problem', 'problems')} in {path}.")
        return 1
    if warnings:
        print(f"{path} is valid, but please act on the warning{'s' if len(warnings) != 1 else ''}"
              " above.")
        return 0
    print(f"{path} looks good.")
    return 0


async def _console(config: Config, args: argparse.Namespace) -> int:
    from adapters.console.runner import run_console

    settings = config.platforms.console
    start = _start_time(getattr(args, "start", None)) or settings.start or datetime.now(UTC)
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    seed = args.seed if getattr(args, "seed", None) is not None else settings.seed
    app = await bootstrap.build(config, clock=ManualClock(start.replace(microsecond=0)),
                                rng=random.Random(seed), database=getattr(args, "database", None))
    script = getattr(args, "script_text", None)
    source = io.StringIO(script) if script is not None else sys.stdin
    interactive = script is None and sys.stdin.isatty()
    stop = _stop_on_signals()
    try:
        await run_console(app.runtime, app.scheduler, source, interactive=interactive,
                          echo=not interactive and not getattr(args, "no_echo", False),
                          stop=stop, files=_files_beside(app.storage.db.path))
    finally:
        await app.close()  # flushes what cogs hold in memory
    if stop.is_set():
        log.info("stopped; everything is saved")
    return 0


def _files_beside(database: str) -> Path:
    """Files the console sends members (data exports) go in `files/` beside the database."""
    return (Path(".") if database == ":memory:" else Path(database).parent) / "files"


def _stop_on_signals() -> asyncio.Event:
    """SIGTERM and Ctrl-C ask for a graceful stop instead of killing mid-write."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def _start_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _platforms(config: Config) -> list[str]:
    wanted = []
    if config.platforms.discord.enabled and os.environ.get("DISCORD_TOKEN"):
        wanted.append("discord")
    if config.platforms.slack.enabled and os.environ.get("SLACK_BOT_TOKEN"):
        wanted.append("slack")
    return wanted


async def _slack_manifest(config: Config, url: str | None) -> int:
    from adapters.slack.manifest import manifest, specs_for, to_yaml

    print(to_yaml(manifest(await specs_for(config), config, url)), end="")
    return 0


async def _run(config: Config, args: argparse.Namespace) -> int:
    platforms = _platforms(config)
    if not platforms:
        log.info("no DISCORD_TOKEN or SLACK_BOT_TOKEN set, so starting the console")
        return await _console(config, args)
    if ("slack" in platforms and not os.environ.get("SLACK_APP_TOKEN")
            and not os.environ.get("SLACK_SIGNING_SECRET")):
        from adapters.slack.service import SECRET_MISSING

        print(f"Hearth did not start: {SECRET_MISSING}", file=sys.stderr)
        return 2
    from adapters.serve import serve

    app = await bootstrap.build(config)
    stop = _stop_on_signals()
    try:
        return await serve(app, platforms, os.environ, stop)
    finally:
        await app.close()
