"""`hearth backup` of a live database under write load, and `hearth restore`, which refuses
while a Hearth holds the database."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.events import MessagePosted
from tests.harness import ROOT, Harness

PREFILL = 3000

# hearth backup and restore are SQLite's own; PostgreSQL uses pg_dump (see the README).
pytestmark = pytest.mark.sqlite_only


async def hearth_cli(*args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    out = (await proc.communicate())[0].decode()
    assert proc.returncode is not None
    return proc.returncode, out


class Writer:
    """Platform deliveries through the real runtime, each acknowledged once `handle` returns:
    by then its claim (and the member, the first time) is committed."""

    def __init__(self, hearth: Harness) -> None:
        self.hearth = hearth
        self.acked: list[str] = []
        self.stopping = False
        self.under_way = asyncio.Event()  # set once the load has written a few

    async def one(self) -> None:
        n = len(self.acked) + 1
        h = self.hearth
        event = MessagePosted(h.community, h.clock.now(), author=h.actor(f"member{n % 700}"),
                              channel="general", message_id=f"m{n}", event_id=f"ev-{n}",
                              content=f"message number {n}, long enough to count",
                              channel_name="general")
        await h.runtime.handle(event)
        self.acked.append(event.event_id or "")

    async def run(self) -> None:
        start = len(self.acked)
        while not self.stopping:
            await self.one()
            if len(self.acked) - start == 50:
                self.under_way.set()


async def test_backup_under_write_load_is_consistent_and_complete(
        make_harness: Callable[..., Harness], tmp_path: Path) -> None:
    hearth = await make_harness().start()
    out = tmp_path / "backups" / "hearth-backup.sqlite3"
    writer = Writer(hearth)
    try:
        for _ in range(PREFILL):
            await writer.one()
        load = asyncio.ensure_future(writer.run())
        await writer.under_way.wait()
        acked_at_start = list(writer.acked)
        started = time.perf_counter()
        code, said = await hearth_cli("backup", "--database", str(hearth.database),
                                      "--out", str(out))
        took = time.perf_counter() - started
        acked_at_end = len(writer.acked)
        writer.stopping = True
        await load
    finally:
        await hearth.close()
    assert code == 0, said
    assert "integrity check ok" in said
    copy = sqlite3.connect(out)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {row[0] for row in copy.execute(
            "SELECT event_id FROM processed_events WHERE done = 1")}
        members = copy.execute("SELECT COUNT(*) FROM members").fetchone()[0]
        mode = copy.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        copy.close()
    missing = [e for e in acked_at_start if e not in stored]
    assert not missing, f"{len(missing)} acknowledged writes missing, e.g. {missing[:3]}"
    assert members == 700
    assert mode == "delete"  # one self-contained file, no -wal to forget
    print(f"backup figures: {len(acked_at_start)} deliveries acknowledged before the backup "
          f"started, {acked_at_end - len(acked_at_start)} more during it ({took:.2f} s); the copy "
          f"holds {len(stored)} ({len(stored) - len(acked_at_start)} from during the backup), "
          f"0 missing; {out.stat().st_size:,} bytes; integrity_check ok")


async def test_restore_refuses_a_running_database_then_restores_it(
        make_harness: Callable[..., Harness], tmp_path: Path) -> None:
    hearth = await make_harness().start()
    backup = tmp_path / "before.sqlite3"
    try:
        await hearth.feed("+alice")
        code, said = await hearth_cli("backup", "--database", str(hearth.database),
                                      "--out", str(backup))
        assert code == 0, said
        await hearth.feed("+bob")
        code, said = await hearth_cli("restore", str(backup), "--database",
                                      str(hearth.database))
        assert code == 1
        assert "Nothing was changed" in said and "in use by a running Hearth" in said
    finally:
        await hearth.close()
    code, said = await hearth_cli("restore", str(backup), "--database", str(hearth.database))
    assert code == 0, said
    database = Path(hearth.database)
    kept = next(database.parent.glob(f"{database.name}.before-restore-*"))
    assert str(kept) in said

    def names(path: Path) -> list[str]:
        conn = sqlite3.connect(path)
        try:
            return [r[0] for r in conn.execute("SELECT name FROM members ORDER BY name")]
        finally:
            conn.close()

    assert names(database) == ["alice"]
    assert names(kept) == ["alice", "bob"]  # what was replaced is kept, not lost
    # Hearth starts on the restored database.
    await hearth.start()
    try:
        out = await hearth.feed("+bob")
        assert any("Welcome" in line or "welcome" in line for line in out)
    finally:
        await hearth.close()


async def test_backup_of_a_missing_database_says_so(tmp_path: Path) -> None:
    code, said = await hearth_cli("backup", "--database", str(tmp_path / "none.sqlite3"),
                                  "--out", str(tmp_path / "b.sqlite3"))
    assert code == 1 and "no such database" in said
    assert not (tmp_path / "b.sqlite3").exists()
