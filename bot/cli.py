"""The `hearth` command: run, console, check-config, slack-manifest, config, reload, backup,
restore, data,
migrate-db.

A mistake on the command line is one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import logging
import os
import random
import signal
import socket
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import NoReturn

from bot import bootstrap
from bot.clock import ManualClock
from bot.config import GLOBAL_SECTIONS, PLATFORMS, Config, ConfigError, build_schema
from bot.config_docs import example_toml, schema_json
from bot.durations import format_duration
from bot.events import Community
from bot.logs import LOG_FORMATS, configure
from bot.templates import counted
from bot.tokens import file_warnings
from storage.database import DatabaseError
from storage.dialect import display, with_password
from storage.lease import running_pid

log = logging.getLogger("hearth")
DEFAULT_CONFIG = "config.toml"
FALLBACK_CONFIG = "config.example.toml"
SCHEMA_FILE = "config.schema.json"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
CONFIG_HELP = f"config file (default: {DEFAULT_CONFIG} if it exists, else {FALLBACK_CONFIG})"
DISTRIBUTION = "hearth-community-bot"


class UsageError(Exception):
    """A mistake on the command line, already worded as the one line to print."""


class CantStart(Exception):
    """Something Hearth needs at start-up is unavailable; the message says what to change."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see `{self.prog} --help`)")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    # The flag wins only when given; otherwise [hearth] log_level, once the config is read.
    configure(args.log_level or "INFO", args.log_format)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "config":
        return write_docs(args.what, args.out)
    path, fallback = _config_path(getattr(args, "config", None) or getattr(args, "file", None))
    if args.command == "check-config":
        return check_config(path)
    if args.command == "migrate-db":
        return asyncio.run(_migrate_db(args.source, args.target))
    try:
        config = bootstrap.load(path)
    except ConfigError as exc:
        for problem in exc.problems:
            _stopped(args, problem)
        _stopped(args, "Hearth did not start: please fix the config above.")
        return 2
    if args.log_level is None:
        configure(config.hearth.log_level, args.log_format)
    if fallback:
        log.info("no %s here, so using %s", DEFAULT_CONFIG, FALLBACK_CONFIG)
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
        if args.command == "data":
            from bot.data_cli import run_data

            return asyncio.run(run_data(config, args))
        return asyncio.run(_run(config, args))
    except (DatabaseError, CantStart) as exc:
        _stopped(args, f"Hearth did not start: {exc}")
        return 2
    except KeyboardInterrupt:
        return 0


# Exit code when the database file went away under a running Hearth.
GONE = 3


def _stopped(args: argparse.Namespace, line: str) -> None:
    """Why Hearth can't start, on stderr: a log record when logs are JSON (so every line a
    log collector reads is an object), else the plain line."""
    if args.log_format == "json":
        log.error("%s", line)
    else:
        print(line, file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="hearth", description="A warm, calm community bot for Discord, Slack and "
                                           "the console.")
    p.add_argument("--version", action="version", version=f"hearth {_version()}")
    p.add_argument("--log-format", default="text", choices=LOG_FORMATS,
                   help="text (default) or json: one object per line, for log collectors")
    p.add_argument("--log-level", choices=LEVELS, type=str.upper, metavar="LEVEL",
                   help="how much to log: debug, info, warning or error (default: [hearth] "
                        "log_level in the config, else info)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", help="what to do (each has its "
                                                                     "own --help)")
    run = sub.add_parser("run", help="run on Discord and/or Slack when their tokens are set, "
                                     "otherwise in the console",
                         description="Run Hearth on Discord and/or Slack (DISCORD_TOKEN, "
                                     "SLACK_BOT_TOKEN), or in the console when no token is set.")
    run.add_argument("--config", metavar="FILE", help=CONFIG_HELP)
    con = sub.add_parser("console", help="run a community in the terminal (no tokens needed)",
                         description="Run a community in the terminal: type `+name` to have "
                                     "someone join, `name> text` to speak as them.")
    con.add_argument("--config", metavar="FILE", help=CONFIG_HELP)
    con.add_argument("--script", metavar="FILE",
                     help="read lines from this file instead of the terminal")
    con.add_argument("--database", metavar="FILE",
                     help="SQLite file (default: [hearth] database from the config)")
    con.add_argument("--seed", type=int, metavar="N",
                     help="random seed, for repeatable greetings (a whole number)")
    con.add_argument("--start", type=_start_time, metavar="WHEN",
                     help="start the console clock at this date and time, like "
                          "2026-12-24T18:00 (UTC unless it names an offset like +01:00)")
    con.add_argument("--no-echo", action="store_true",
                     help="don't repeat script lines in the output")
    run.add_argument("--shards", metavar="IDS",
                     help="serve only these Discord shards, e.g. 0-3 or 4,5 (needs "
                          "--shard-count; other workers serve the rest)")
    run.add_argument("--shard-count", type=int, metavar="N",
                     help="how many Discord shards there are in all")
    run.add_argument("--worker", metavar="NAME",
                     help="this process's name in the database's claims (default: host and "
                          "process id with --shards)")
    chk = sub.add_parser("check-config", help="check a config file and list every problem",
                         description="Check a config file and list every problem at once, "
                                     "each with its key path. Exit code 1 when there are any.")
    chk.add_argument("file", nargs="?", metavar="FILE", help=CONFIG_HELP)
    man = sub.add_parser("slack-manifest", help="print a Slack app manifest with every command",
                         description="Print a Slack app manifest (YAML) listing every command, "
                                     "to create or update the Slack app with.")
    man.add_argument("--config", metavar="FILE", help=CONFIG_HELP)
    man.add_argument("--url", type=_https_url, metavar="URL",
                     help="public https URL of /slack/events (HTTP mode); without it the "
                          "manifest uses Socket Mode")
    doc = sub.add_parser("config", help="print the example config or its JSON Schema",
                         description="Print what the settings models say of the config: "
                                     "`example` is config.example.toml, `schema` a JSON Schema "
                                     "for editors that check TOML.")
    doc.add_argument("what", choices=("example", "schema"),
                     help="example: every key with its default and explanation; schema: a "
                          "JSON Schema of the whole config")
    doc.add_argument("--out", metavar="FILE", help="write to this file instead of stdout")
    rel = sub.add_parser("reload", help="ask the running Hearth to re-read its config (SIGHUP)",
                         description="Ask the Hearth running on this database to re-read its "
                                     "config file, as SIGHUP and /reload do; its log says how "
                                     "it went.")
    bak = sub.add_parser("backup", help="copy the database safely, even while Hearth runs",
                         description="Copy the SQLite database with SQLite's online backup API: "
                                     "one consistent snapshot, checked, even while Hearth "
                                     "runs.")
    bak.add_argument("--out", required=True, metavar="FILE", help="file to write the copy to")
    res = sub.add_parser("restore", help="replace the database with a backup (Hearth stopped)",
                         description="Replace the database with a backup made by `hearth "
                                     "backup`; refused while a Hearth has it open. The database "
                                     "it replaces is kept beside it.")
    res.add_argument("backup_file", metavar="FILE", help="a file made by `hearth backup`")
    for offline in (rel, bak, res):
        offline.add_argument("--config", metavar="FILE", help=CONFIG_HELP)
        offline.add_argument("--database", metavar="FILE",
                             help="SQLite file (default: [hearth] database from the config)")
    data = sub.add_parser("data", help="export or forget one member's data (requests by email)",
                          description="Answer a member's data request from the command line: "
                                      "the same export and forget as /mydata.")
    actions = data.add_subparsers(dest="action", metavar="ACTION", required=True,
                                  help="export or forget (each has its own --help)")
    for name, about in (("export", "write everything Hearth keeps about a member as JSON"),
                        ("forget", "show what forgetting a member would do; --yes does it")):
        act = actions.add_parser(name, help=about, description=about[0].upper() + about[1:] + ".")
        act.add_argument("--community", required=True, type=_community, metavar="PLATFORM:ID",
                         help='the community, like "discord:GUILD_ID" or "slack:TEAM_ID"')
        act.add_argument("--member", required=True, metavar="ID",
                         help="the member's platform user id")
        act.add_argument("--config", metavar="FILE", help=CONFIG_HELP)
        act.add_argument("--database", metavar="FILE",
                         help="SQLite file (default: [hearth] database from the config)")
        if name == "export":
            act.add_argument("--out", metavar="FILE",
                             help="write the JSON here (default: standard output)")
        else:
            act.add_argument("--yes", action="store_true",
                             help="forget them (without it, only the preview is shown)")
    mig = sub.add_parser("migrate-db", help="copy a whole Hearth database into an empty one "
                                            "(SQLite to PostgreSQL) and check the row counts",
                         description="Copy a whole Hearth database into an empty one (SQLite "
                                     "to PostgreSQL) and check every table's row count.")
    mig.add_argument("--from", dest="source", required=True, metavar="SOURCE",
                     help="sqlite:PATH (or a URL)")
    mig.add_argument("--to", dest="target", required=True, metavar="URL",
                     help="postgresql://user@host/db (the password from PGPASSWORD)")
    return p


def _community(text: str) -> Community:
    platform, _, ident = text.partition(":")
    if platform not in PLATFORMS or not ident:
        raise argparse.ArgumentTypeError(
            f'{text!r} should look like "discord:GUILD_ID", "slack:TEAM_ID" or "console:local"')
    return Community(platform, ident)


def _version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "(not installed)"


def _start_time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} isn't a date and time; write it like 2026-12-24T18:00") from None


def _https_url(text: str) -> str:
    if not text.startswith("https://") or len(text) <= len("https://"):
        raise argparse.ArgumentTypeError(
            f"Slack sends events only to a public https:// URL, like "
            f"https://bot.example.org/slack/events; got {text!r}")
    return text


def _config_path(given: str | None) -> tuple[str, bool]:
    """The config file to use, and whether it is the example for want of config.toml."""
    if given:
        return given, False
    if Path(DEFAULT_CONFIG).exists():
        return DEFAULT_CONFIG, False
    return FALLBACK_CONFIG, True


def write_docs(what: str, out: str | None) -> int:
    """`hearth config example|schema`: generated from the settings models, no config needed."""
    schema = build_schema(bootstrap.config_sections())
    text = (example_toml(schema, f"./{SCHEMA_FILE}") if what == "example"
            else schema_json(schema, GLOBAL_SECTIONS))
    if out is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"Can't write {out}: {exc.strerror}", file=sys.stderr)
        return 2
    return 0


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
    start = getattr(args, "start", None) or settings.start or datetime.now(UTC)
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    seed = args.seed if getattr(args, "seed", None) is not None else settings.seed
    app = await bootstrap.build(config, clock=ManualClock(start.replace(microsecond=0)),
                                rng=random.Random(seed), database=_database(config, args),
                                serve=True)
    script = getattr(args, "script_text", None)
    source = io.StringIO(script) if script is not None else sys.stdin
    interactive = script is None and sys.stdin.isatty()
    stop = _stop_on_signals()
    gone = _stop_when_gone(app, stop)
    try:
        _prepare(app, args)
        async with _status(app):
            await run_console(app.runtime, app.scheduler, source, interactive=interactive,
                              echo=not interactive and not getattr(args, "no_echo", False),
                              stop=stop, files=_files_beside(app.storage.db.path))
    finally:
        await app.close()  # flushes what cogs hold in memory
    if gone:
        return GONE
    if stop.is_set():
        log.info("stopped; everything is saved")
    return 0


def _files_beside(database: str) -> Path:
    """Files the console sends members (data exports) go in `files/` beside the database (a
    server's database has no folder: then under the current one)."""
    return (Path(database).parent if bootstrap.is_file(database) else Path(".")) / "files"


def _stop_when_gone(app: bootstrap.App, stop: asyncio.Event) -> list[bool]:
    """When the database file is deleted or replaced under a running Hearth, stop (the line
    saying so is logged once); the returned list turns non-empty then, for the exit code."""
    why: list[bool] = []

    def gone() -> None:
        why.append(True)
        stop.set()

    if hasattr(app.storage.db, "on_gone"):
        app.storage.db.on_gone = gone
    return why


def _stop_on_signals() -> asyncio.Event:
    """SIGTERM and Ctrl-C ask for a graceful stop instead of killing mid-write."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def _prepare(app: bootstrap.App, args: argparse.Namespace) -> None:
    """What every running Hearth does besides its platforms: reload on SIGHUP, tag JSON logs
    with the event being handled, follow [hearth] log_level unless the flag chose one."""
    app.runtime.tag_logs = args.log_format == "json"
    if args.log_level is None:
        app.on_reload.append(lambda new: configure(new.hearth.log_level, args.log_format))
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
        copied, kept = restore(args.backup_file, database)
    except DatabaseError as exc:
        print(f"Nothing was changed: {exc}.", file=sys.stderr)
        return 1
    if kept is not None:
        print(f"The database it replaced is kept as {kept}.")
    print(f"Restored {database} from {args.backup_file}: {copied.bytes:,} bytes, schema "
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

    try:
        shards = shard_slice(getattr(args, "shards", None), getattr(args, "shard_count", None))
    except ValueError as exc:
        _stopped(args, f"Hearth did not start: {exc}")
        return 2
    if shards and "discord" not in platforms:
        _stopped(args, "Hearth did not start: --shards splits Discord's shards, and Discord "
                 "isn't enabled here (set DISCORD_TOKEN).")
        return 2
    worker = getattr(args, "worker", None) or os.environ.get("HEARTH_WORKER") or (
        f"{socket.gethostname()}-{os.getpid()}" if shards else "hearth")
    app = await bootstrap.build(config, database=_database(config, args), worker=worker,
                                serve=True)
    app.shards = shards
    stop = _stop_on_signals()
    gone = _stop_when_gone(app, stop)
    try:
        _prepare(app, args)
        async with _own_shards(app, worker) as refusal:
            if refusal:
                _stopped(args, f"Hearth did not start: {refusal}")
                return 2
            async with _status(app):
                served = await serve(app, platforms, os.environ, stop)
                return GONE if gone else served
    finally:
        await app.close()


def shard_slice(spec: str | None, count: int | None) -> tuple[list[int], int] | None:
    """`--shards 0-3 --shard-count 8` as ([0, 1, 2, 3], 8); ValueError says what's wrong."""
    if spec is None and count is None:
        return None
    if spec is None or count is None:
        raise ValueError("--shards and --shard-count go together (e.g. --shards 0-3 "
                         "--shard-count 8).")
    if count < 1:
        raise ValueError(f"--shard-count must be at least 1, got {count}.")
    ids: set[int] = set()
    for part in spec.split(","):
        first, _, last = part.strip().partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise ValueError(f"--shards takes numbers and ranges like 0-3 or 4,5; got {spec!r}.")
        ids.update(range(int(first), int(last or first) + 1))
    if not ids or max(ids) >= count:
        raise ValueError(f"--shards {spec} must lie within 0-{count - 1} "
                         f"(--shard-count {count}).")
    return sorted(ids), count


@contextlib.asynccontextmanager
async def _own_shards(app: bootstrap.App, worker: str) -> AsyncIterator[str | None]:
    """Hold this worker's shards in the database while it runs (renewed every third of the
    lease), or yield why not: another live worker already serves one of them."""
    if app.shards is None:
        yield None
        return
    ids, count = app.shards
    scopes = [f"discord-shard:{i}/{count}" for i in ids]
    lease = app.config.hearth.job_lease
    now = app.clock.now()
    held = await app.storage.leases.acquire(scopes, worker, now, now + lease)
    if held:
        taken = ", ".join(sorted({h.scope.split(":")[1].split("/")[0] for h in held}, key=int))
        others = ", ".join(sorted({repr(h.worker) for h in held}))
        yield (f"shard{'s' if len(held) > 1 else ''} {taken} of {count} "
               f"{'are' if len(held) > 1 else 'is'} already served by worker {others}. Start "
               "this worker with other --shards, or stop that one first (if it died, its claim "
               f"runs out within {format_duration(lease)}).")
        return

    async def renew() -> None:
        while True:
            await asyncio.sleep(lease.total_seconds() / 3)
            with contextlib.suppress(Exception):
                await app.storage.leases.renew(scopes, worker, app.clock.now() + lease)

    renewing = asyncio.create_task(renew())
    log.info("serving Discord shards %s of %d as worker %s", ",".join(map(str, ids)), count,
             worker)
    try:
        yield None
    finally:
        renewing.cancel()
        with contextlib.suppress(Exception):
            await app.storage.leases.release(scopes, worker)


async def _migrate_db(source: str, target: str) -> int:
    from storage.transfer import TransferError, copy_database

    try:
        counts = await copy_database(source, with_password(target), bootstrap.schemas())
    except (TransferError, DatabaseError) as exc:
        print(f"Nothing was copied: {exc}", file=sys.stderr)
        return 2
    for table, rows in counts:
        print(f"{table}: {counted(rows, 'row', 'rows')}, the same on both sides")
    total = sum(rows for _, rows in counts)
    print(f"Copied {counted(total, 'row', 'rows')} in {counted(len(counts), 'table', 'tables')} to "
          f"{display(target)}; every count matches.")
    return 0
