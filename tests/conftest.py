from __future__ import annotations

import os
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from benchmarks.scratch import create_database, drop_database
from tests.harness import Harness, config_from
from tests.slack_cogs import ProbeCog
from tests.slack_rig import Rig, slack_rig

ROOT = Path(__file__).resolve().parent.parent
# Every test that opens storage runs once per backend.
BACKENDS = ("sqlite", "postgresql")
NewDatabase = Callable[[], Awaitable[str]]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: the test is about SQLite itself (its file, its locks)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test marked sqlite_only runs only in its SQLite variant."""
    items[:] = [item for item in items
                if not (item.get_closest_marker("sqlite_only")
                        and getattr(item, "callspec", None) is not None
                        and item.callspec.params.get("backend") == "postgresql")]


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str | None]:
    """A PostgreSQL server URL: HEARTH_TEST_DATABASE_URL, or one started here from the installed
    binaries (.ci/postgres.sh). Under CI=true a missing server fails the run instead of skipping."""
    url = os.environ.get("HEARTH_TEST_DATABASE_URL")
    if url:
        yield url
        return
    folder = tmp_path_factory.mktemp("pg") / "server"
    script = ROOT / ".ci" / "postgres.sh"
    started = subprocess.run(["bash", str(script), "start", str(folder)], capture_output=True,
                             text=True, check=False)
    line = next((w for w in started.stdout.split() if w.startswith("HEARTH_TEST_DATABASE_URL=")),
                None)
    if line is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs PostgreSQL for the test suite, and none could be started: "
                        f"{started.stderr.strip() or started.stdout.strip()}")
        yield None
        return
    try:
        yield line.split("=", 1)[1]
    finally:
        subprocess.run(["bash", str(script), "stop", str(folder)], capture_output=True,
                       check=False)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and request.getfixturevalue("postgres_server") is None:
        pytest.skip("no PostgreSQL here: set HEARTH_TEST_DATABASE_URL or install the server")
    return str(request.param)


@pytest.fixture
async def new_database(backend: str, tmp_path: Path, request: pytest.FixtureRequest
                       ) -> AsyncIterator[NewDatabase]:
    """Make a fresh, empty database on this test's backend: a new SQLite file, or a new
    PostgreSQL database (CREATE DATABASE, dropped after the test), so tests never share rows."""
    made: list[str] = []
    server = request.getfixturevalue("postgres_server") if backend == "postgresql" else None

    async def make() -> str:
        if server is None:
            path = str(tmp_path / f"hearth-{len(made)}.sqlite3")
            made.append(path)
            return path
        url = await create_database(server, prefix="hearth_test")
        made.append(url)
        return url

    yield make
    if server is not None:
        for url in made:
            await drop_database(server, url)


@pytest.fixture
async def database(new_database: NewDatabase) -> str:
    """A fresh database on this test's backend (a SQLite path or a PostgreSQL URL)."""
    return await new_database()


@pytest.fixture
async def make_harness(new_database: NewDatabase) -> AsyncIterator[Callable[..., Harness]]:
    """Build a harness over a fresh database (made when it starts); call `await h.start()`."""
    made: list[Harness] = []

    def make(toml: str = "", seed: int = 7) -> Harness:
        made.append(Harness(new_database, config_from(toml), seed))
        return made[-1]

    yield make
    # A test that failed half way left its harness open, and the database's threads would
    # keep pytest from ever exiting: the failure would show as a hang.
    for h in made:
        await h.close()


@pytest.fixture
async def hearth(make_harness: Callable[..., Harness]) -> AsyncIterator[Harness]:
    """A started harness with the default config."""
    h = await make_harness().start()
    yield h
    await h.close()


@pytest.fixture
async def rig(database: str) -> AsyncIterator[Rig]:
    """Hearth on a loopback Slack, with the ProbeCog's commands of every shape, on each
    backend."""
    async with slack_rig(database, cogs=[ProbeCog]) as r:
        yield r
