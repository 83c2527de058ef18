"""A database Hearth can't use is one clear line (what is wrong, which file, what to do), a
non-zero exit and nothing written: random bytes, a truncated file, a folder, a read-only file
and a read-only folder. Driven through `hearth console` as a separate process."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
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
