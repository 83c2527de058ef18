"""A database Hearth can't use is one clear line (what is wrong, which file, what to do), a
non-zero exit and nothing written: random bytes, a truncated file, a folder, a read-only file
and a read-only folder; and a database deleted or replaced while Hearth runs. Driven through
`hearth console` as a separate process."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.harness import EXAMPLE
from tests.test_cli import hearth


def random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(64 * 1024))


def truncated(path: Path) -> None:
    made = hearth("console", "--database", str(path), stdin="+alice\n+bob\n")
    assert made.returncode == 0, made.stderr
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for extra in ("-wal", "-shm", ".pid", ".serving"):
        Path(f"{path}{extra}").unlink(missing_ok=True)
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 2)


def a_folder(path: Path) -> None:
    path.mkdir()


def read_only_file(path: Path) -> None:
    made = hearth("console", "--database", str(path), stdin="+alice\n")
    assert made.returncode == 0, made.stderr
    for extra in ("-wal", "-shm", ".pid", ".serving"):
        Path(f"{path}{extra}").unlink(missing_ok=True)
    path.chmod(0o444)


def read_only_folder(path: Path) -> None:
    path.parent.chmod(0o555)


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "random bytes": (random_bytes, "is not a SQLite database"),
    "truncated": (truncated, "is damaged"),
    "a folder": (a_folder, "is a folder, not a database file"),
    "read-only file": (read_only_file, "is read-only for this user"),
    "read-only folder": (read_only_folder, "is read-only for this user"),
}


def snapshot(folder: Path) -> dict[str, bytes | None]:
    return {p.name: (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("case", list(CASES))
def test_an_unusable_database_is_one_clear_line_and_nothing_written(
        case: str, tmp_path: Path) -> None:
    make, says = CASES[case]
    folder = tmp_path / "data"
    folder.mkdir()
    database = folder / "hearth.sqlite3"
    make(database)
    before = snapshot(folder)
    try:
        result = hearth("console", "--config", str(EXAMPLE), "--database", str(database),
                        stdin="+carol\n")
        after = snapshot(folder)
    finally:
        folder.chmod(0o755)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, lines
    assert lines[0].startswith("Hearth did not start: ") and says in lines[0], lines
    assert str(database) in lines[0] or str(folder) in lines[0]
    assert "Welcome" not in result.stdout
    assert after == before  # nothing written: no lease, no -wal, no change to the file


def _delete(database: Path) -> None:
    for extra in ("", "-wal", "-shm"):
        Path(f"{database}{extra}").unlink(missing_ok=True)


def _replace(database: Path) -> None:
    other = database.with_name("other.sqlite3")
    sqlite3.connect(other).close()
    os.replace(other, database)


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_database_deleted_or_replaced_while_running_stops_hearth_saying_so(
        how: str, tmp_path: Path) -> None:
    """Noticed at the next write: nothing is acknowledged into a file nobody will read, one
    line says what happened and what to do, and Hearth exits non-zero (3)."""
    from tests.test_crash import Hearth, Line

    database, log = tmp_path / "hearth.sqlite3", tmp_path / "stderr"
    h = Hearth(database, EXAMPLE, datetime(2026, 11, 21, 9, 0, tzinfo=UTC), log)
    h.send([Line("+alice", "other"), Line("+bob", "other"),
            Line("alice> /thanks @bob for the map", "thanks")])
    h.wait_for("alice thanked @bob")
    (_delete if how == "deleted" else _replace)(database)
    h.send([Line("bob> /thanks @alice for the tea", "thanks")])
    assert h.proc.wait(timeout=30) == 3
    out = h._finish()
    told = out[out.index("> bob> /thanks @alice for the tea") + 1:]
    assert told and all("Sorry, I couldn't save that" in line for line in told), told
    stderr = log.read_text()
    said = [line for line in stderr.splitlines() if "was deleted or replaced while Hearth" in line]
    assert len(said) == 1, stderr
    assert str(database) in said[0] and "hearth restore" in said[0]
    assert "Traceback" not in stderr, stderr
