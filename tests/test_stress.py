"""Quick versions of benchmarks/stress_load.py: the functional facts under load, never timings."""

from __future__ import annotations

import importlib.util
import sys
from datetime import timedelta
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "stress_load", Path(__file__).resolve().parent.parent / "benchmarks" / "stress_load.py")
assert _spec is not None and _spec.loader is not None
stress_load = importlib.util.module_from_spec(_spec)
sys.modules["stress_load"] = stress_load  # its dataclasses look themselves up there
_spec.loader.exec_module(stress_load)


async def test_a_raid_of_500_joins_gets_one_summary_and_every_dm(tmp_path: Path) -> None:
    r = await stress_load.raid(500, 10.0, folder=tmp_path)
    # The default burst is 10: ten newcomers are welcomed one by one, then the crowd together.
    assert r.welcomes == 10
    assert r.summaries == 1
    assert r.dms == 500 and r.dm_recipients == 500  # everyone once, nobody twice
    assert r.outbound == r.welcomes + r.summaries + r.dms
    # Paced: after the first ten, one DM per `raid.dm_pace` (2 s), so at most 30 a minute.
    assert r.max_dms_per_minute <= 10 + 30


async def test_a_burst_of_10000_messages_loses_no_activity_point(tmp_path: Path) -> None:
    b = await stress_load.burst(10_000, 1_000, folder=tmp_path, trace=False)
    assert b.expected_points > 0
    assert b.stored_points == b.expected_points


async def test_dms_still_paced_when_hearth_restarts_mid_raid(tmp_path: Path) -> None:
    # The paced DMs are stored jobs; after ten minutes down they are all overdue at once.
    # 500 joins queue DMs 16 minutes ahead, so some are overdue after ten minutes and some not.
    r = await stress_load.raid(500, 10.0, folder=tmp_path, down_for=timedelta(minutes=10))
    assert r.dms == 500 and r.dm_recipients == 500
    assert r.summaries == 1
    # Ten individual welcomes' DMs may share a second with the first paced one; after that,
    # one per `raid.dm_pace`, downtime or not.
    assert r.max_dms_per_second <= 11
    assert r.max_dms_per_minute <= 10 + 30
