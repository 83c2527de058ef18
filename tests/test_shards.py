"""`hearth run --shards A-B --shard-count N`: a worker serves a slice of Discord's shards, and a
second worker asking for a shard another live worker serves is refused with a clear message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import shard_slice
from storage.store import Storage
from tests.test_cli import hearth


async def test_a_worker_is_refused_shards_another_serves(tmp_path: Path) -> None:
    database = tmp_path / "h.sqlite3"
    (tmp_path / "config.toml").write_text(f'[hearth]\ndatabase = "{database}"\n')
    storage = await Storage.open(database)
    now = datetime.now(UTC)
    assert await storage.leases.acquire(["discord-shard:2/8", "discord-shard:3/8"], "box-1",
                                        now, now + timedelta(minutes=5)) == []
    await storage.close()

    result = hearth("run", "--config", str(tmp_path / "config.toml"), "--shards", "0-3",
                    "--shard-count", "8", env={"DISCORD_TOKEN": "not-a-real-token"})
    assert result.returncode == 2
    assert ("Hearth did not start: shards 2, 3 of 8 are already served by worker 'box-1'. "
            "Start this worker with other --shards, or stop that one first (if it died, its "
            "claim runs out within 5 minutes).") in result.stderr
    storage = await Storage.open(database)
    # Nothing was half-taken: shards 0 and 1 are still free for whoever starts next.
    assert await storage.leases.acquire(["discord-shard:0/8", "discord-shard:1/8"], "box-2",
                                        now, now + timedelta(minutes=5)) == []
    await storage.close()


@pytest.mark.parametrize(("shards", "count", "problem"), [
    ("0-3", None, "--shards and --shard-count go together"),
    ("4-9", 8, "--shards 4-9 must lie within 0-7 (--shard-count 8)."),
    ("a-b", 8, "--shards takes numbers and ranges like 0-3 or 4,5; got 'a-b'."),
])
def test_a_shard_slice_that_cant_be_served_says_why(shards: str, count: int | None,
                                                    problem: str) -> None:
    with pytest.raises(ValueError) as caught:
        shard_slice(shards, count)
    assert problem in str(caught.value)


def test_shard_slices() -> None:
    assert shard_slice("0-3", 8) == ([0, 1, 2, 3], 8)
    assert shard_slice("4,6-7", 8) == ([4, 6, 7], 8)
    assert shard_slice(None, None) is None
