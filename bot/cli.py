"""The `hearth` command: run, console, check-config, reload, backup, restore."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import logging
import os
import random
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from bot import bootstrap
from bot.clock import ManualClock
from bot.config import Config, ConfigError
from bot.logs import LOG_FORMATS, configure
from bot.templates import counted
from bot.tokens import file_warnings
from storage.database import DatabaseError
from storage.lease import running_pid

log = logging.getLogger("hearth")
DEFAULT_CONFIG = "config.toml"
FALLBACK_CONFIG = "config.example.toml"
DISTRIBUTION = "hearth-community-bot"


class CantStart(Exception):
    """Something Hearth needs at start-up is unavailable; the message says what to change."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    configure(args.log_level, args.log_format)
    # A reload applies the config's log level only when no flag chose one.
    given = sys.argv[1:] if argv is None else argv
    args.level_from_flag = any(a == "--log-level" or a.startswith("--log-level=") for a in given)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "check-config":
        return check_config(args.file)
    path = _config_path(args.config)
    try:
        config = bootstrap.load(path)
    except ConfigError as exc:
        for problem in exc.problems:
            _stopped(args, problem)
        _stopped(args, "Hearth did not start: please fix the config above.")
        return 2
    for warning in file_warnings(path):
        log.warning("%s: %s", path, warning.removeprefix("warning: "))
    if getattr(args, "script", None):
        try:
            # Scripts are small; reading one up front keeps file I/O off the event loop.
            args.script_text = Path(args.script).read_text(encoding="utf-8")
        except OSError as exc:
            _stopped(args, f"Can't read the script {args.script}: {exc.strerror}")
            return 2
    if args.command in ("backup", "restore", "reload"):
        return _offline(args, config)
    try:
        if args.command == "console":
            return asyncio.run(_console(config, args))
        if args.command == "slack-manifest":
            return asyncio.run(_slack_manifest(config, args.url))
        return asyncio.run(_run(config, args))
    except (DatabaseError, CantStart) as exc:
        _stopped(args, f"Hearth did not start: {exc}")
        return 2
    except KeyboardInterrupt:
        return 0


def _stopped(args: argparse.Namespace, line: str) -> None:
    """Why Hearth can't start, on stderr: a log record when logs are JSON (so every line a
    log collector reads is an object), else the plain line."""
    if args.log_format == "json":
        log.error("%s", line)
    else:
        print(line, file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hearth", description="A warm, calm community bot.")
    p.add_argument("--version", action="version", version=f"hearth {_version()}")
    p.add_argument("--log-level", default="INFO",
                   choices=["DEBUG", "INFO", "WARNING", "ERROR"], type=str.upper)
    p.add_argument("--log-format", default="text", choices=LOG_FORMATS,
                   help="text (default) or json: one object per line, for log collectors")
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
    rel = sub.add_parser("reload", help="Ask the running Hearth to re-read its config (SIGHUP).")
    bak = sub.add_parser("backup", help="Copy the database, safely, even while Hearth runs.")
    bak.add_argument("--out", required=True, help="file to write the copy to")
    res = sub.add_parser("restore", help="Replace the database with a backup (Hearth stopped).")
    res.add_argument("file", help="a file made by `hearth backup`")
    for offline in (rel, bak, res):
        offline.add_argument("--config")
        offline.add_argument("--database", help="SQLite file (default: hearth.database from "
                                                "the config)")
    return p


def _version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "(not installed)"


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
                                rng=random.Random(seed), database=_database(config, args))
    script = getattr(args, "script_text", None)
    source = io.StringIO(script) if script is not None else sys.stdin
    interactive = script is None and sys.stdin.isatty()
    stop = _stop_on_signals()
    try:
        _prepare(app, args)
        async with _status(app):
            await run_console(app.runtime, app.scheduler, source, interactive=interactive,
                              echo=not interactive and not getattr(args, "no_echo", False),
                              stop=stop)
    finally:
        await app.close()  # flushes what cogs hold in memory
    if stop.is_set():
        log.info("stopped; everything is saved")
    return 0


def _stop_on_signals() -> asyncio.Event:
    """SIGTERM and Ctrl-C ask for a graceful stop instead of killing mid-write."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def _prepare(app: bootstrap.App, args: argparse.Namespace) -> None:
    """What every running Hearth does besides its platforms: reload on SIGHUP, tag JSON logs
    with the event being handled, keep the log level the admin chose."""
    app.runtime.tag_logs = args.log_format == "json"
    if not args.level_from_flag:
        app.on_reload.append(lambda new: logging.getLogger().setLevel(new.hearth.log_level))
    reloads: set[asyncio.Task[object]] = set()

    def reload() -> None:
        log.info("SIGHUP: re-reading %s", app.config.source)
        task = asyncio.ensure_future(app.reload())
        reloads.add(task)  # keep a reference until it is done
        task.add_done_callback(reloads.discard)

    asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, reload)


@contextlib.asynccontextmanager
async def _status(app: bootstrap.App) -> AsyncIterator[None]:
    """The /healthz and /metrics listener, when `[hearth.http] enabled`."""
    settings = app.config.hearth.http
    if not settings.enabled:
        yield
        return
    from adapters.status import StatusServer

    server = StatusServer(app, settings)
    try:
        await server.start()
    except OSError as exc:
        raise CantStart(f"the status listener can't use {settings.host}:{settings.port} "
                        f"({exc.strerror}); change [hearth.http] or turn it off") from None
    try:
        yield
    finally:
        await server.stop()


def _database(config: Config, args: argparse.Namespace) -> str:
    return getattr(args, "database", None) or bootstrap.database_path(config, os.environ)


def _offline(args: argparse.Namespace, config: Config) -> int:
    """reload, backup and restore: they act on a database (and its running Hearth) by path."""
    from storage.backup import backup, restore

    database = _database(config, args)
    if not bootstrap.is_file(database):
        how = ("send the process SIGHUP (systemctl reload hearth)" if args.command == "reload"
               else "use pg_dump and pg_restore (see the README)")
        print(f"hearth {args.command} works on a SQLite file; for {database.split('://')[0]}, "
              f"{how}.", file=sys.stderr)
        return 1
    try:
        if args.command == "reload":
            return _signal_reload(database)
        if args.command == "backup":
            copied = backup(database, args.out)
            print(f"Backed up {database} to {copied.path}: {copied.bytes:,} bytes, "
                  f"schema {copied.schema}, integrity check ok.")
            return 0
        copied, kept = restore(args.file, database)
    except DatabaseError as exc:
        print(f"Nothing was changed: {exc}.", file=sys.stderr)
        return 1
    if kept is not None:
        print(f"The database it replaced is kept as {kept}.")
    print(f"Restored {database} from {args.file}: {copied.bytes:,} bytes, schema "
          f"{copied.schema}, integrity check ok. Start Hearth when you're ready.")
    return 0


def _signal_reload(database: str) -> int:
    pid = running_pid(database)
    if pid is None:
        print(f"No running Hearth holds {database}, so there is nothing to reload.",
              file=sys.stderr)
        return 1
    os.kill(pid, signal.SIGHUP)
    print(f"Asked Hearth (process {pid}) to re-read its config; its log says how it went.")
    return 0


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

        _stopped(args, f"Hearth did not start: {SECRET_MISSING}")
        return 2
    from adapters.serve import serve

    app = await bootstrap.build(config, database=_database(config, args))
    stop = _stop_on_signals()
    try:
        _prepare(app, args)
        async with _status(app):
            return await serve(app, platforms, os.environ, stop)
    finally:
        await app.close()
