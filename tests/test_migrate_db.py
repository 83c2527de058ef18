"""`hearth migrate-db`: a community's whole SQLite history moves to PostgreSQL, every table's
row count is checked, Hearth carries on there as before, and a non-empty target is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import Harness, config_from
from tests.test_cli import hearth

HISTORY = [
    "+alice", "+bob", "+cara",
    "alice> /thanks @bob for the kiln tips",
    "cara> /thanks @bob",
    "bob> /introduce",
    ":mod mo",
    'mo> /contest create "Winter stories" "Tell us a winter story" 3d draw',
    "alice> /contest enter 1 A story about snow",
    "mo> /warn cara rule:spam note:\"Please keep links in #links\"",
]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_whole_history_moves_and_every_count_matches(
        tmp_path: Path, database: str) -> None:
    source = tmp_path / "old.sqlite3"
    old = await Harness(source, config_from()).start()
    await old.feed(*HISTORY)
    before = await old.feed("bob> /profile")
    await old.close()

    moved = hearth("migrate-db", "--from", f"sqlite:{source}", "--to", database)
    assert moved.returncode == 0, moved.stderr
    assert "rep_ledger: 2 rows, the same on both sides" in moved.stdout
    assert "moderation_cases: 1 row, the same on both sides" in moved.stdout
    assert "every count matches" in moved.stdout

    # Hearth on PostgreSQL knows everything it knew: bob's profile reads the same, and the
    # numbering carries on (the next case is #2).
    new = await Harness(database, config_from()).start()
    assert await new.feed("bob> /profile") == before
    after = await new.feed(":mod mo", "mo> /warn alice rule:spam")
    assert any("#2" in line for line in after), after
    await new.close()

    again = hearth("migrate-db", "--from", f"sqlite:{source}", "--to", database)
    assert again.returncode == 2
    assert "already holds rows" in again.stderr and "Nothing was copied" in again.stderr
