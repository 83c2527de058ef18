"""The PostgreSQL database: a pool of asyncpg connections behind the same calls as SQLite's.

Stores write `?` placeholders once for both backends (rewritten to `$n` here). A transaction
holds one pooled connection for the task that opened it; calls from that task (stores nesting
inside it) use that connection, and everything else runs on its own pooled connection as one
autocommitted statement. Unlike SQLite's single writer, transactions from other tasks and other
processes run side by side, so a check-then-write that must not interleave takes `lock(...)`.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from bot.ports import StorageUnavailable
from storage.database import DatabaseError
from storage.dialect import POSTGRESQL, display, to_numbered

log = logging.getLogger(__name__)

# Failures that pass (the server restarting, out of connections, a full disk, a deadlock
# victim): the caller is told nothing was saved, as with SQLite's "database is locked".
_PASSING: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.LockNotAvailableError,
    asyncpg.exceptions.QueryCanceledError,
    asyncpg.exceptions.AdminShutdownError,
)
# Key of the advisory lock that keeps two workers from migrating at once.
_MIGRATION_LOCK = 0x4E4152544800


class PostgresError(DatabaseError):
    """The PostgreSQL database can't be opened (refused, unknown, newer schema)."""


def _count(status: str) -> int:
    """Rows an INSERT/UPDATE/DELETE touched, from its command tag (`UPDATE 3`)."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


async def _reset(conn: asyncpg.Connection) -> None:
    """What a connection needs on its way back to the pool. asyncpg's default (unlock, close,
    unlisten, reset) is a round trip per statement here; Hearth leaves no session state behind
    (its locks end with their transaction), so only a transaction left open is undone."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


def lock_key(parts: Sequence[object]) -> int:
    """A stable 63-bit advisory-lock key for `parts` (the same in every worker)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return (zlib.crc32(text) << 31 | zlib.adler32(text)) & 0x7FFF_FFFF_FFFF_FFFF


class PostgresDatabase:
    dialect = POSTGRESQL
    # Claims of due work skip rows another worker is claiming instead of queueing behind it.
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self.path = display(url)
        self._held: dict[asyncio.Task[Any], asyncpg.Connection] = {}
        # Metrics' write timer (set by the composition root; timed on SQLite only for now).
        self.observe_write: Any = None

    @classmethod
    async def open(cls, url: str, steps: Sequence[Any] = (), *, connect_timeout: float = 5.0,
                   pool_size: int = 10) -> PostgresDatabase:
        """Connect, then apply the migrations in `steps` this database doesn't have yet."""
        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=pool_size,
                                             timeout=connect_timeout, command_timeout=None,
                                             reset=_reset)
        except (*_PASSING, asyncpg.PostgresError) as exc:
            # asyncpg's messages may quote the DSN; the password never reaches a log.
            raise PostgresError(f"can't connect to {display(url)}: "
                                f"{display(str(exc)) or type(exc).__name__}") from None
        db = cls(pool, url)
        try:
            await db._migrate(steps)
        except BaseException:
            await pool.close()
            raise
        return db

    async def close(self) -> None:
        await self._pool.close()

    # -- migrations ---------------------------------------------------------------------

    async def applied(self) -> set[tuple[str, int]]:
        rows = await self.fetchall(
            "SELECT feature, version FROM schema_migrations") if await self.scalar(
            "SELECT to_regclass('schema_migrations') IS NOT NULL") else []
        return {(r[0], int(r[1])) for r in rows}

    async def _migrate(self, steps: Sequence[Any]) -> None:
        async with self._pool.acquire() as conn:
            # Workers started together take turns; the second finds nothing left to do.
            await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (feature TEXT NOT NULL,"
                    " version INTEGER NOT NULL, name TEXT NOT NULL,"
                    " PRIMARY KEY (feature, version))")
                rows = await conn.fetch("SELECT feature, version FROM schema_migrations")
                done = {(r[0], int(r[1])) for r in rows}
                self._refuse_newer(done, steps)
                for step in steps:
                    if (step.feature, step.version) in done:
                        continue
                    log.info("applying migration %s/%s (PostgreSQL)", step.feature, step.name)
                    async with conn.transaction():
                        await conn.execute(step.sql)
                        await conn.execute("INSERT INTO schema_migrations VALUES ($1, $2, $3)",
                                           step.feature, step.version, step.name)
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)

    def _refuse_newer(self, done: set[tuple[str, int]], steps: Sequence[Any]) -> None:
        known: dict[str, int] = {}
        for step in steps:
            known[step.feature] = max(known.get(step.feature, 0), step.version)
        for feature, version in sorted(done):
            if feature in known and version > known[feature]:
                raise PostgresError(
                    f"{self.path} was written by a newer Hearth ({feature} schema {version}, "
                    f"this one knows {known[feature]}); upgrade Hearth rather than risk "
                    "damaging it")

    # -- connections and transactions ----------------------------------------------------

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        held = self._held.get(asyncio.current_task())  # type: ignore[arg-type]
        if held is not None:
            yield held
            return
        try:
            async with self._pool.acquire() as conn:
                yield conn
        except _PASSING as exc:
            raise StorageUnavailable(display(str(exc)) or type(exc).__name__) from exc

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresDatabase]:
        """A write transaction; commits on success, rolls back on any error. Nests."""
        task = asyncio.current_task()
        assert task is not None
        if task in self._held:
            yield self
            return
        try:
            async with self._pool.acquire() as conn:
                self._held[task] = conn
                try:
                    async with conn.transaction():
                        yield self
                finally:
                    del self._held[task]
        except _PASSING as exc:
            raise StorageUnavailable(display(str(exc)) or type(exc).__name__) from exc

    async def ping(self) -> None:
        """Check the server answers (raises StorageUnavailable if not); nothing is written."""
        await self.scalar("SELECT 1")

    async def lock(self, *key: object) -> None:
        """Inside a transaction: wait until no other transaction holds `key`, then hold it
        until this one ends. What SQLite's single writer gives every transaction for free."""
        task = asyncio.current_task()
        if task not in self._held:
            raise RuntimeError("lock() belongs inside a transaction")
        await self.execute("SELECT pg_advisory_xact_lock(?)", (lock_key(key),))

    # -- statements -----------------------------------------------------------------------

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write; returns the affected row count. Outside a transaction, atomic alone."""
        async with self._connection() as conn:
            return _count(await conn.execute(to_numbered(sql), *params))

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run an INSERT and return the new row's `id`."""
        if " returning " not in sql.lower():
            sql += " RETURNING id"
        async with self._connection() as conn:
            return int(await conn.fetchval(to_numbered(sql), *params) or 0)

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        batch = [tuple(r) for r in rows]
        if not batch:
            return
        async with self.transaction(), self._connection() as conn:
            await conn.executemany(to_numbered(sql), batch)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> asyncpg.Record | None:
        async with self._connection() as conn:
            return await conn.fetchrow(to_numbered(sql), *params)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[asyncpg.Record]:
        async with self._connection() as conn:
            return list(await conn.fetch(to_numbered(sql), *params))

    async def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        async with self._connection() as conn:
            return await conn.fetchval(to_numbered(sql), *params)

    async def copy_rows(self, table: str, columns: Sequence[str],
                        rows: Iterable[Sequence[Any]]) -> None:
        """Bulk-load rows with COPY (imports and benchmarks), far faster than INSERTs."""
        async with self._connection() as conn:
            await conn.copy_records_to_table(table, columns=list(columns), records=rows)
