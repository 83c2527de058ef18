from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.harness import Harness, config_from


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
