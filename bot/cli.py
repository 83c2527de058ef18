"""The `hearth` command: run, console, check-config, migrate-db."""

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
from pathlib import Path

from bot import bootstrap
from bot.clock import ManualClock
from bot.config import Config, ConfigError
from bot.durations import format_duration
from bot.logs import configure
from bot.templates import counted
from bot.tokens import file_warnings
from storage.database import DatabaseError
from storage.dialect import display, with_password

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
    if args.command == "migrate-db":
        return asyncio.run(_migrate_db(args.source, args.target))
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
    run.add_argument("--shards", help="serve only these Discord shards, e.g. 0-3 or 4,5 "
                                      "(needs --shard-count; other workers serve the rest)")
    run.add_argument("--shard-count", type=int, help="how many Discord shards there are in all")
    run.add_argument("--worker", help="this process's name in the database's claims "
                                      "(default: host and process id with --shards)")
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
    mig = sub.add_parser("migrate-db", help="Copy a whole Hearth database into an empty one "
                                            "(SQLite to PostgreSQL) and check the row counts.")
    mig.add_argument("--from", dest="source", required=True, help="sqlite:PATH (or a URL)")
    mig.add_argument("--to", dest="target", required=True,
                     help="postgresql://user@host/db (the password from PGPASSWORD)")
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

    try:
        shards = shard_slice(getattr(args, "shards", None), getattr(args, "shard_count", None))
    except ValueError as exc:
        print(f"Hearth did not start: {exc}", file=sys.stderr)
        return 2
    if shards and "discord" not in platforms:
        print("Hearth did not start: --shards splits Discord's shards, and Discord isn't "
              "enabled here (set DISCORD_TOKEN).", file=sys.stderr)
        return 2
    worker = getattr(args, "worker", None) or os.environ.get("HEARTH_WORKER") or (
        f"{socket.gethostname()}-{os.getpid()}" if shards else "hearth")
    app = await bootstrap.build(config, worker=worker)
    app.shards = shards
    stop = _stop_on_signals()
    try:
        async with _own_shards(app, worker) as refusal:
            if refusal:
                print(f"Hearth did not start: {refusal}", file=sys.stderr)
                return 2
            return await serve(app, platforms, os.environ, stop)
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
