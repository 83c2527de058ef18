from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.harness import Harness, config_from
from tests.slack_cogs import ProbeCog
from tests.slack_rig import Rig, slack_rig


@pytest.fixture
def make_harness(tmp_path: Path) -> Callable[..., Harness]:
    """Build a harness over a fresh SQLite file; call `await h.start()`."""
    made: list[Harness] = []

    def make(toml: str = "", seed: int = 7) -> Harness:
        h = Harness(tmp_path / f"hearth-{len(made)}.sqlite3", config_from(toml), seed)
        made.append(h)
        return h

    return make


@pytest.fixture
async def hearth(make_harness: Callable[..., Harness]) -> AsyncIterator[Harness]:
    """A started harness with the default config."""
    h = await make_harness().start()
    yield h
    await h.close()


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    """Hearth on a loopback Slack, with the ProbeCog's commands of every shape."""
    async with slack_rig(tmp_path, cogs=[ProbeCog]) as r:
        yield r
