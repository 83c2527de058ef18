"""The SQLite database: one connection, WAL, foreign keys, migrations per feature.

One writer at a time: a write runs inside `transaction()`, which holds a task-reentrant lock, so
reads from other tasks never see a half-done write and store calls can nest inside it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.ports import StorageUnavailable
from storage.migrate import (
    CORE,
    LEDGER,
    LEDGER_TABLE,
    Migration,
    MigrationError,
    Schema,
    collect,
    legacy_steps,
    too_new,
)

__all__ = ["Database", "DatabaseError", "Schema", "StorageUnavailable"]

log = logging.getLogger(__name__)
CORE_SCHEMA = Schema(CORE, "storage")


class DatabaseError(Exception):
    """The database can't be used as it is (newer version, damaged, unreadable)."""


class Database:
    dialect = "sqlite"
    # One writer at a time already: nothing to skip when claiming due work.
    skip_locked = ""

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self.path = path
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        # Told how long each write took (a statement alone, or a whole transaction): metrics.
        self.observe_write: Callable[[float], None] | None = None

    @classmethod
    async def open(cls, path: str | Path, busy_timeout: float = 5.0,
                   schemas: Sequence[Schema] = ()) -> Database:
        """Open (creating folders as needed) and migrate the core's schema and the features'
        (`schemas`, in order) to the newest."""
        try:
            steps = collect([CORE_SCHEMA, *schemas])
        except MigrationError as exc:
            raise DatabaseError(str(exc)) from exc
        target = str(path)
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(target, isolation_level=None)
        conn.row_factory = sqlite3.Row
        db = cls(conn, target)
        try:
            # Refuse a newer schema before anything writes to the file, even the WAL switch.
            await db._refuse_newer(steps)
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            await db._migrate(steps)
        except sqlite3.DatabaseError as exc:
            await conn.close()
            if isinstance(exc, sqlite3.OperationalError) and _passing(exc):
                raise
            raise DatabaseError(f"{target} can't be used as a Hearth database ({exc}); restore "
                                "it from a backup (hearth restore FILE) or point [hearth] "
                                "database elsewhere") from None
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        await self._conn.close()

    async def version(self) -> int:
        async with self._conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def applied(self) -> set[tuple[str, int]]:
        """(feature, version) of every migration this file has, whichever layout it uses."""
        current = await self.version()
        if current < LEDGER:
            return set(legacy_steps(current))
        rows = await self.fetchall("SELECT feature, version FROM schema_migrations")
        return {(r[0], int(r[1])) for r in rows}

    async def _refuse_newer(self, steps: list[Migration]) -> None:
        current = await self.version()
        problem = (f"format {current}, this one knows {LEDGER}" if current > LEDGER
                   else too_new(await self.applied(), steps))
        if problem:
            raise DatabaseError(
                f"{self.path} was written by a newer Hearth ({problem}); upgrade Hearth rather "
                "than risk damaging it")

    async def _migrate(self, steps: list[Migration]) -> None:
        current = await self.version()
        if current < LEDGER:
            # Adopt the old global number (0 for a new file): one script records what it
            # stood for, so a crash half way leaves the old layout whole.
            rows = "".join(f"INSERT INTO schema_migrations VALUES ('{f}', {v}, 'legacy');\n"
                           for f, v in legacy_steps(current))
            await self._conn.executescript(
                f"BEGIN IMMEDIATE;\n{LEDGER_TABLE}\n{rows}PRAGMA user_version={LEDGER};\n"
                "COMMIT;")
        done = await self.applied()
        for step in steps:
            if (step.feature, step.version) in done:
                continue
            log.info("applying migration %s/%s", step.feature, step.name)
            # executescript commits on its own; the ledger row rides in the same script.
            await self._conn.executescript(
                f"BEGIN IMMEDIATE;\n{step.sql}\nINSERT INTO schema_migrations VALUES "
                f"('{step.feature}', {step.version}, '{step.name}');\nCOMMIT;")

    async def ping(self) -> None:
        """Check the database answers and its write lock can be had now (raises
        StorageUnavailable if not): the lock is taken and let go, nothing is written. A full
        disk only shows when a write needs a new page."""
        async with self._single():
            if self._held_here():
                return  # inside our own transaction: we hold the lock already
            await self._run("BEGIN IMMEDIATE")
            await self._conn.rollback()

    async def lock(self, *key: object) -> None:
        """Serialise check-then-writes on `key` across workers. SQLite's BEGIN IMMEDIATE
        already lets one transaction write at a time, so there is nothing more to hold."""
        if not self._held_here():
            raise RuntimeError("lock() belongs inside a transaction")

    def _held_here(self) -> bool:
        return self._owner is not None and self._owner is asyncio.current_task()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """A write transaction; commits on success, rolls back on any error."""
        if self._held_here():
            yield self
            return
        async with self._lock:
            self._owner = asyncio.current_task()
            started = time.perf_counter()
            try:
                await self._run("BEGIN IMMEDIATE")
                try:
                    yield self
                except BaseException:
                    await self._conn.rollback()
                    raise
                try:
                    await self._run("COMMIT")
                except BaseException:
                    # A failed COMMIT (disk full) can leave the transaction open; later single
                    # writes would join it and never be committed.
                    if self._conn.in_transaction:
                        await self._conn.rollback()
                    raise
                if self.observe_write is not None:
                    self.observe_write(time.perf_counter() - started)
            finally:
                self._owner = None

    async def _run(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Cursor:
        try:
            return await self._conn.execute(sql, tuple(params))
        except sqlite3.OperationalError as exc:
            if _passing(exc):
                raise StorageUnavailable(str(exc)) from exc
            raise

    @asynccontextmanager
    async def _single(self) -> AsyncIterator[None]:
        # Outside a transaction one statement commits on its own (autocommit), which saves
        # BEGIN and COMMIT, two trips to aiosqlite's thread, on the hot path. The lock still
        # keeps it out of another task's open transaction.
        if self._held_here():
            yield
        else:
            async with self._lock:
                yield

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write; returns the affected row count. Outside a transaction, atomic alone."""
        return (await self._write(sql, params)).rowcount

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run an INSERT and return the new row id."""
        return int((await self._write(sql, params)).lastrowid or 0)

    async def _write(self, sql: str, params: Iterable[Any]) -> aiosqlite.Cursor:
        if self._held_here() or self.observe_write is None:
            async with self._single():
                return await self._run(sql, params)
        async with self._single():
            started = time.perf_counter()
            cur = await self._run(sql, params)
            self.observe_write(time.perf_counter() - started)
            return cur

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        async with self.transaction():
            try:
                await self._conn.executemany(sql, [tuple(r) for r in rows])
            except sqlite3.OperationalError as exc:
                if _passing(exc):
                    raise StorageUnavailable(str(exc)) from exc
                raise

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        async with self._single():
            cur = await self._run(sql, params)
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        async with self._single():
            cur = await self._run(sql, params)
            return list(await cur.fetchall())

    async def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return row[0] if row is not None else None


def _passing(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return any(w in text for w in ("locked", "busy", "disk", "full", "i/o"))
