"""Overlapping processes on one SQLite database (an overlapping deploy): only one serves, so two
can never both close a contest and post its winners. The second is refused at start with one
line, writes nothing, and the first carries on; once the first has stopped, a new one starts."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

from tests.live_console import LiveConsole
from tests.test_cli import hearth

CONFIG = '[platforms.console]\nadmins = ["alice"]\n'


def rows_in(database: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, read beside the serving process."""
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted(db.execute(f'SELECT * FROM "{t}"'), key=repr) for t in tables}


async def test_a_second_process_on_a_served_sqlite_file_is_refused(tmp_path: Path) -> None:
    config, database = tmp_path / "hearth.toml", tmp_path / "h.sqlite3"
    config.write_text(CONFIG, encoding="utf-8")
    async with LiveConsole(config, database) as first:
        await first.send("+alice",
                         'alice> /contest create "Best photo" "Share a photo" 3d votes winners:1')
        started = await first.sync()
        assert any("A new contest has begun" in line for line in started), started
        before = rows_in(database)
        # The second process would run the same contest's close job and post its winners.
        second = await asyncio.to_thread(
            hearth, "console", "--config", str(config), "--database", str(database),
            stdin="+bob\n")
        lines = second.stderr.strip().splitlines()
        assert second.returncode != 0
        assert len(lines) == 1 and "already served by another Hearth" in lines[0], lines
        assert f"process {first.proc.pid}" in lines[0] and "Traceback" not in second.stderr
        assert "Welcome" not in second.stdout  # it served nothing
        assert rows_in(database) == before  # (the file's size moves as the WAL is copied in)
        assert await first.sync() == []  # the first is untouched and still serving
        assert await first.close() == 0
    # The first has stopped: the next one serves.
    after = await asyncio.to_thread(
        hearth, "console", "--config", str(config), "--database", str(database),
        stdin="+bob\n")
    assert after.returncode == 0, after.stderr
