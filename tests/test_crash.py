"""Crash test: Hearth in its own process, SIGKILLed at random moments under a steady stream of
joins, commands and chat, restarted each time on the same database.

What it proves, across every kill:
- every command whose reply was printed before the kill is in the database;
- activity points lost are within the documented bound (`reputation.flush_every`: what was
  earned since the last completed flush). With the manual console clock a flush runs inside a
  `:wait`, so "the last completed flush" is the last `:wait 10s` whose next line was echoed;
- `PRAGMA integrity_check` is ok after every kill (SQLite);
- a contest that fell due while Hearth was down closes exactly once (one closed row, one
  winners announcement across all runs' output).

It runs on both backends: on PostgreSQL only Hearth is killed, never the server.
Run with `-s` to see the figures.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from storage.dialect import is_postgresql, to_numbered

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261121
KILLS = 22
LANES = 2
WAIT = timedelta(seconds=10)
CONFIG = """\
[reputation]
# Every /thanks the stream sends must be accepted, so the fairness limits are off here.
daily_limit = 0
pair_cooldown = "off"
max_share_per_giver = 1.0
"""
SPEAKERS = [f"s{i}" for i in range(60)]
COOLDOWN = timedelta(seconds=60)  # reputation.activity_cooldown (default)

# What a successful reply looks like, per kind of write.
SUCCESS = {
    "thanks": "thanked",
    "warn": "Case #",
    "create": "Done: **",
    "enter": "Your entry",
    "vote": "Your vote for entry",
}


@dataclass
class Line:
    text: str
    kind: str  # thanks, warn, create, enter, vote, message, wait, other
    key: str = ""  # what to look for in the database


@dataclass
class RunResult:
    lines: list[Line]
    out: list[str]
    # index of each sent line -> the output lines it produced (only for lines that echoed)
    segments: dict[int, list[str]] = field(default_factory=dict)
    echoed: int = 0  # how many sent lines were echoed (processing started)


class Hearth:
    """One `python -m bot console` process reading a pipe."""

    def __init__(self, db: Path | str, config: Path, start: datetime, log: Path) -> None:
        self.out: list[str] = []
        self._log = log.open("a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "console", "--database", str(db), "--config",
             str(config), "--seed", "1", "--start", start.isoformat()],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            text=True, encoding="utf-8", bufsize=1)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.out.append(line.rstrip("\n"))

    def send(self, lines: list[Line]) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write("".join(f"{ln.text}\n" for ln in lines))
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass

    def echoes(self) -> int:
        return sum(1 for line in list(self.out) if line.startswith("> "))

    def wait_for_echoes(self, n: int, limit: float = 20.0) -> None:
        deadline = time.monotonic() + limit
        while self.echoes() < n and time.monotonic() < deadline and self.proc.poll() is None:
            time.sleep(0.005)

    def wait_for(self, text: str, limit: float = 60.0) -> str:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and self.proc.poll() is None:
            for line in list(self.out):
                if text in line and not line.startswith("> "):
                    return line
            time.sleep(0.005)
        raise AssertionError(f"Hearth never printed {text!r}")

    def kill(self) -> list[str]:
        self.proc.send_signal(signal.SIGKILL)
        return self._finish()

    def close(self) -> list[str]:
        """A clean stop: end of input, so Hearth flushes and exits."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self._finish()

    def _finish(self) -> list[str]:
        self.proc.wait(timeout=30)
        self._reader.join(timeout=10)
        with __import__("contextlib").suppress(BrokenPipeError, OSError):
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        self._log.close()
        return self.out


def split(lines: list[Line], out: list[str]) -> RunResult:
    """Pair each echoed input line with the output it produced (until the next echo)."""
    result = RunResult(lines, out)
    current = -1
    for line in out:
        if line.startswith("> "):
            current += 1
            result.segments[current] = []
        elif current >= 0:
            result.segments[current].append(line)
    result.echoed = current + 1
    return result


class Plan:
    """Builds the command stream; knows the console time each line will run at."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.n = 0

    def regular(self, run: int) -> list[Line]:
        rng, lines = self.rng, [Line(":mod mo", "other")]
        t = timedelta(0)
        last_spoke: dict[str, timedelta] = {}
        lines.append(Line(f'mo> /contest create "C{run}" "Stream contest {run}" 1w votes',
                          "create", f"C{run}"))
        for _ in range(rng.randint(12, 20)):
            for _ in range(rng.randint(4, 8)):
                self.n += 1
                k = self.n
                roll = rng.random()
                if roll < 0.45:
                    eligible = [s for s in SPEAKERS
                                if s not in last_spoke or t - last_spoke[s] >= COOLDOWN]
                    speaker = rng.choice(eligible)
                    last_spoke[speaker] = t
                    lines.append(Line(f"{speaker}> this message earns a point, number {k}",
                                      "message"))
                elif roll < 0.55:
                    lines.append(Line(f"+j{k}", "other"))
                elif roll < 0.7:
                    giver = rng.choice(["alice", "bob", "carol"])
                    target = rng.choice([m for m in ("alice", "bob", "carol") if m != giver])
                    lines.append(Line(f"{giver}> /thanks @{target} T-{k}", "thanks", f"T-{k}"))
                elif roll < 0.8:
                    lines.append(Line(f"+w{k}", "other"))
                    lines.append(Line(f"mo> /warn @w{k} spam please keep it on topic",
                                      "warn", f"w{k}"))
                elif roll < 0.9:
                    lines.append(Line(f"e{k}> /contest enter #1 E-{k}", "enter", f"E-{k}"))
                else:
                    lines.append(Line(f"v{k}> /contest vote #1 1", "vote", f"v{k}"))
            lines.append(Line(f":wait {int(WAIT.total_seconds())}s", "wait"))
            t += WAIT
        lines.append(Line("#general", "other"))  # so the last :wait's completion is visible
        return lines

    def deadline(self, run: int) -> list[Line]:
        """A contest closing in a minute, two entries, then nothing: the kill comes next."""
        return [
            Line(":mod mo", "other"),
            Line(f'mo> /contest create "D{run}" "Closes while Hearth is down" 1m draw',
                 "create", f"D{run}"),
            Line(f"d{run}a> /contest enter #D Da-{run}", "enter", f"Da-{run}"),
            Line(f"d{run}b> /contest enter #D Db-{run}", "enter", f"Db-{run}"),
        ]


class _Rows:
    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows


class _Server:
    """As much of a sqlite3 connection as the checks below use, on a PostgreSQL database."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self) -> _Server:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> _Rows:
        async def fetch() -> list[tuple[Any, ...]]:
            conn = await asyncpg.connect(self.url)
            try:
                return [tuple(r) for r in await conn.fetch(to_numbered(sql), *params)]
            finally:
                await conn.close()
        return _Rows(asyncio.run(fetch()))


def connect(db: Path | str) -> Any:
    return _Server(db) if is_postgresql(db) else sqlite3.connect(db)


def stored(db: Path | str, kind: str, key: str) -> bool:
    queries = {
        "thanks": "SELECT 1 FROM rep_ledger WHERE source='thanks' AND reason=?",
        "warn": "SELECT 1 FROM moderation_cases WHERE user_id=?",
        "create": "SELECT 1 FROM contests WHERE title=?",
        "enter": "SELECT 1 FROM contest_entries WHERE content=?",
        "vote": "SELECT 1 FROM contest_votes WHERE contest=1 AND user_id=?",
    }
    with connect(db) as conn:
        return conn.execute(queries[kind], (key,)).fetchone() is not None


def activity_points(db: Path | str) -> int:
    with connect(db) as conn:
        row = conn.execute("SELECT COALESCE(SUM(points), 0) FROM rep_ledger"
                           " WHERE source='activity'").fetchone()
    return int(row[0])


def integrity(db: Path | str) -> str:
    if is_postgresql(db):
        return "ok"  # the server was never the process killed; SQLite's file is checked
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


@dataclass
class LaneFigures:
    kills: int
    mid_stream: int
    acked: int
    points_lost: int
    bound: int
    worst: tuple[int, int]
    deadline_contests: int


def lane(folder: Path, seed: int, kills_wanted: int, db: str) -> LaneFigures:
    """One database, killed and restarted `kills_wanted` times; asserts as it goes."""
    folder.mkdir()
    rng = random.Random(seed)
    config, log = folder / "crash.toml", folder / "log"
    config.write_text(CONFIG)
    start = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    plan = Plan(rng)
    all_out: list[str] = []

    # Setup, with a clean stop: the members who thank each other and contest #1.
    setup = [Line(":mod mo", "other"), Line("+alice", "other"), Line("+bob", "other"),
             Line("+carol", "other"),
             Line('mo> /contest create "Stream" "Everyone enters" 1w votes', "create", "Stream"),
             Line("alice> /contest enter #1 first entry", "enter", "first entry")]
    hearth = Hearth(db, config, start, log)
    hearth.send(setup)
    all_out += hearth.close()

    acked: list[tuple[int, Line]] = []
    refused: list[tuple[Line, list[str]]] = []
    kills = points_lost = bound_total = mid_stream = 0
    worst: tuple[int, int] = (0, 0)  # (lost, bound) of the run closest to its bound
    deadline_runs: list[int] = []
    for run in range(1, kills_wanted + 1):
        start += timedelta(hours=1)  # monotonic console time, past any contest due meanwhile
        is_deadline = run % 5 == 2
        lines = plan.deadline(run) if is_deadline else plan.regular(run)
        before = activity_points(db)
        hearth = Hearth(db, config, start, log)
        if is_deadline:
            # The entries name the contest by the number its creation reply printed.
            deadline_runs.append(run)
            hearth.send(lines[:2])
            number = hearth.wait_for(f"**D{run}** (#")
            number = number.split(f"**D{run}** (#")[1].split(")")[0]
            for ln in lines[2:]:
                ln.text = ln.text.replace("#D ", f"#{number} ")
            hearth.send(lines[2:])
            hearth.wait_for(f"Db-{run}")  # the last entry's post: everything was answered
        elif rng.random() < 0.15:
            hearth.send(lines)
            time.sleep(rng.uniform(0.0, 0.4))  # sometimes while starting up
        else:
            hearth.send(lines)
            # Some way into the stream, however fast this machine and backend are today.
            hearth.wait_for_echoes(rng.randint(1, len(lines)))
            time.sleep(rng.uniform(0.0, 0.3))
        out = hearth.kill()
        kills += 1
        mid_stream += sum(1 for ln in out if ln.startswith("> ")) < len(lines)
        all_out += out
        assert integrity(db) == "ok", f"run {run}: integrity check failed"
        result = split(lines, out)
        expected = bound = 0
        for i, line in enumerate(lines):
            if i not in result.segments:
                break
            done = (i + 1) in result.segments  # the next line started, so this one finished
            if line.kind in SUCCESS:
                reply = result.segments[i]
                if not any(SUCCESS[line.kind] in r for r in reply):
                    if done:  # it finished without saying so: the stream sent a bad line
                        refused.append((line, reply))
                    continue  # killed before the reply went out (a public post may have)
                acked.append((run, line))
                assert stored(db, line.kind, line.key), (
                    f"run {run}: acknowledged {line.text!r} is not in the database; "
                    f"reply was {reply}")
            elif line.kind == "message" and done:
                expected += 1
                bound += 1
            elif line.kind == "wait" and done:
                bound = 0  # every point earned before this wait has been flushed
        lost = expected - (activity_points(db) - before)
        assert 0 <= lost <= bound, f"run {run}: lost {lost} activity points, bound {bound}"
        points_lost += lost
        bound_total += bound
        if lost and lost / max(bound, 1) >= worst[0] / max(worst[1], 1):
            worst = (lost, bound)

    # A clean last run: overdue work finishes, memory is flushed.
    hearth = Hearth(db, config, start + timedelta(hours=1), log)
    hearth.send([Line(":wait 10s", "wait")])
    all_out += hearth.close()
    assert integrity(db) == "ok"
    assert not refused, f"commands refused (the stream must only send valid ones): {refused[:3]}"

    for run in deadline_runs:
        announcements = [ln for ln in all_out if f"**D{run}** (#" in ln and "has closed" in ln]
        with connect(db) as conn:
            states = conn.execute("SELECT state FROM contests WHERE title=?",
                                  (f"D{run}",)).fetchall()
            winners = conn.execute(
                "SELECT COUNT(*) FROM contest_winners w JOIN contests c ON c.number=w.contest"
                " AND c.platform=w.platform AND c.community=w.community WHERE c.title=?",
                (f"D{run}",)).fetchone()[0]
        assert states == [("closed",)], f"D{run}: {states}"
        assert len(announcements) == 1, f"D{run} announced {len(announcements)} times"
        assert winners == 1, f"D{run} has {winners} winners"

    for run, line in acked:
        assert stored(db, line.kind, line.key), f"run {run}: {line.text!r} lost later"
    return LaneFigures(kills, mid_stream, len(acked), points_lost, bound_total, worst,
                       len(deadline_runs))


def test_kills_lose_no_acknowledged_write(tmp_path: Path, new_database: Callable[[], Awaitable[str]]
                                          ) -> None:
    databases = [asyncio.run(new_database()) for _ in range(LANES)]
    # Two databases side by side halve the wall time; each lane is its own seeded story.
    with ThreadPoolExecutor(LANES) as pool:
        futures = [pool.submit(lane, tmp_path / f"lane{i}", SEED + i, KILLS // LANES,
                               databases[i])
                   for i in range(LANES)]
        lanes = [f.result() for f in futures]
    kills = sum(f.kills for f in lanes)
    acked = sum(f.acked for f in lanes)
    worst = max((f.worst for f in lanes), key=lambda w: w[0] / max(w[1], 1))
    print(f"\ncrash test: {kills} kills survived ({sum(f.mid_stream for f in lanes)} "
          f"mid-stream), {acked} acknowledged writes, 0 lost; activity points lost "
          f"{sum(f.points_lost for f in lanes)} against a bound of {sum(f.bound for f in lanes)} "
          f"(worst run {worst[0]} of {worst[1]}); "
          f"{sum(f.deadline_contests for f in lanes)} contests due during downtime each closed "
          f"and announced once; "
          f"{'on PostgreSQL' if is_postgresql(databases[0]) else 'integrity ok after every kill'}")
    assert kills >= 20
    assert acked > 100, "too few acknowledged writes to prove anything"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(os.system(f"{sys.executable} -m pytest -s -q {__file__}"))


# -- posts that follow a committed change -----------------------------------------------------
#
# The console's "platform" is its stdout. A pipe the test stops reading fills, and Hearth blocks
# in the middle of delivering (after the change is committed, before the post is accepted); the
# kill comes then. Every stored change's post must appear in some run's output.

F_SETPIPE_SZ = 1031
POST_KILLS = 10
# Every thanks also earns a badge, so badge announcements are among the posts. Without the
# welcome DM (and without echoing input), what fills the pipe is Hearth answering stored changes;
# every join is welcomed by name (no raid summary).
POST_CONFIG = CONFIG + """
[greetings]
send_dm = false

[greetings.raid]
burst = 1000

[[reputation.badges]]
name = "Thanked"
criterion = "thanks_received"
threshold = 1
"""


def _blocked_writing(pid: int) -> bool:
    """Whether Hearth's main thread sleeps in write(1, ...): its stdout pipe is full."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        call = Path(f"/proc/{pid}/syscall").read_text().split()
    except OSError:
        return False
    return state == "S" and call[:2] == ["1", "0x1"]


def _run_until_blocked(db: Path, config: Path, start: datetime, log: Path, lines: list[str]
                       ) -> list[str]:
    """Start Hearth with a one-page stdout pipe nobody reads, feed it, and SIGKILL it once it
    is stuck delivering; returns the lines it got out whole."""
    import fcntl

    with log.open("a") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "console", "--database", str(db), "--config",
             str(config), "--seed", "1", "--start", start.isoformat(), "--no-echo"],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        assert proc.stdin is not None and proc.stdout is not None
        fcntl.fcntl(proc.stdout.fileno(), F_SETPIPE_SZ, 4096)
        try:
            proc.stdin.write("".join(f"{ln}\n" for ln in lines).encode())
            proc.stdin.flush()
        except BrokenPipeError:
            pass
        deadline = time.monotonic() + 60
        while not _blocked_writing(proc.pid):
            assert proc.poll() is None, "Hearth ended before it had to wait for its output"
            assert time.monotonic() < deadline, "Hearth never filled its output"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        out = proc.stdout.read().decode("utf-8")
        proc.stdin.close()
        proc.stdout.close()
    return out.splitlines()


def test_kills_while_delivering_lose_no_post_of_a_stored_change(tmp_path: Path) -> None:
    db, config, log = tmp_path / "hearth.sqlite3", tmp_path / "crash.toml", tmp_path / "log"
    config.write_text(POST_CONFIG)
    start = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    out: list[str] = []
    members: list[str] = []
    k = 0
    for run in range(POST_KILLS):
        start += timedelta(hours=1)
        lines = []
        for i in range(16):
            name = f"n{run:02}x{i:02}"
            members.append(name)
            lines.append(f"+{name}")
            if len(members) > 1:
                k += 1
                lines.append(f"{name}> /thanks @{members[-2]} T-{k:04}")
        lines.append(f'{members[-1]}> /thanks @{members[0]} T-{k + 1:04}')
        k += 1
        out += _run_until_blocked(db, config, start, log, lines)
    # A clean last run sends whatever the kills left in the outbox.
    final = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--database", str(db), "--config", str(config),
         "--seed", "1", "--start", (start + timedelta(hours=1)).isoformat()],
        cwd=ROOT, input=":wait 1s\n", capture_output=True, text=True, timeout=120, check=True)
    out += final.stdout.splitlines()
    assert integrity(db) == "ok"

    with sqlite3.connect(db) as conn:
        welcomed = [r[0] for r in conn.execute(
            "SELECT name FROM members WHERE welcomed_at IS NOT NULL AND name LIKE 'n%x%'")]
        thanks = [r[0] for r in conn.execute(
            "SELECT reason FROM rep_ledger WHERE source='thanks'")]
        badges = conn.execute("SELECT m.name, b.badge FROM badges_held b JOIN members m"
                              " USING (platform, community, user_id)").fetchall()
        waiting = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] if conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name='outbox'").fetchone() else 0
    posts = [ln for ln in out if ln.startswith("[#")]
    seen = {
        **{f"welcome {n}": sum(ln.startswith("[#welcome]") and f"@{n}" in ln for ln in posts)
           for n in welcomed},
        **{f"thanks {t}": sum(f"“{t}”" in ln for ln in posts) for t in thanks},
        **{f"badge {n} {b}": sum(f"@{n}" in ln and b in ln and "welcome" not in ln
                                 for ln in posts) for n, b in badges},
    }
    lost = sorted(what for what, n in seen.items() if n == 0)
    doubled = sorted(what for what, n in seen.items() if n > 1)
    print(f"\noutbox crash test: {POST_KILLS} kills while delivering; {len(seen)} posts of "
          f"stored changes ({len(welcomed)} welcomes, {len(thanks)} thanks, {len(badges)} "
          f"badges): {len(lost)} lost, {len(doubled)} sent twice; {waiting} left in the outbox")
    assert not lost, lost
    assert waiting == 0
    assert len(welcomed) >= 30 and len(thanks) >= 20 and len(badges) >= 20
