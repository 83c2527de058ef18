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
import re
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from bot.ports import StorageUnavailable
from storage.database import DatabaseError, PartBlock, Unit
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
# Hearth's statements are short lookups and small writes. A plan that can't see how soon its
# LIMIT stops (the all-time leaderboard's threshold is a subquery) may start parallel workers,
# new server processes that cost 40-100 ms to launch for 1 ms of work; JIT compilation likewise
# costs more than the statements it would speed up. Both are off for Hearth's connections.
_SESSION = {"max_parallel_workers_per_gather": "0", "jit": "off"}
# Key of the advisory lock that keeps two workers from migrating at once.
_MIGRATION_LOCK = 0x4E4152544800
# A batch this big can turn a table the planner believes empty into a big one (the first
# badge backfill awards hundreds of thousands of rows). Until autovacuum's next round (up to a
# minute) a per-member lookup may then take an index that scans the whole community (0.1 s
# for each /profile with a million members), so the table's statistics are refreshed at once.
_ANALYZE_AFTER = 10_000
_WRITTEN_TABLE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(\w+)", re.I)


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
        # Tasks inside a `unit`, and the transaction of each that has begun writing.
        self._units: set[asyncio.Task[Any]] = set()
        self._unit_tx: dict[asyncio.Task[Any], Any] = {}
        # Per task, the `isolated` blocks open in its transaction, innermost last: a savepoint
        # once issued, else None. Issued only before the block's first write (see SQLite's).
        self._marks: dict[asyncio.Task[Any], list[list[Any]]] = {}
        self._unit_began: dict[asyncio.Task[Any], float] = {}
        # Told how long each write took (a statement alone, or a whole transaction): metrics.
        self.observe_write: Callable[[float], None] | None = None

    @classmethod
    async def open(cls, url: str, steps: Sequence[Any] = (), *, connect_timeout: float = 5.0,
                   pool_size: int = 10) -> PostgresDatabase:
        """Connect, then apply the migrations in `steps` this database doesn't have yet."""
        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=pool_size,
                                             timeout=connect_timeout, command_timeout=None,
                                             reset=_reset, server_settings=_SESSION)
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
            try:
                yield held
            except _PASSING as exc:
                raise StorageUnavailable(display(str(exc)) or type(exc).__name__) from exc
            return
        try:
            async with self._pool.acquire() as conn:
                yield conn
        except _PASSING as exc:
            raise StorageUnavailable(display(str(exc)) or type(exc).__name__) from exc

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresDatabase]:
        """A write transaction; commits on success, rolls back on any error. Nests; inside a
        `unit` it is a savepoint of the unit's transaction."""
        task = asyncio.current_task()
        assert task is not None
        if task in self._units:
            await self._begin_unit()
        if task in self._held:
            if task in self._units:
                async with self.isolated():
                    yield self
            else:
                yield self
            return
        try:
            async with self._pool.acquire() as conn:
                self._held[task] = conn
                started = time.perf_counter()
                try:
                    async with conn.transaction():
                        yield self
                finally:
                    del self._held[task]
                if self.observe_write is not None:
                    self.observe_write(time.perf_counter() - started)
        except _PASSING as exc:
            raise StorageUnavailable(display(str(exc)) or type(exc).__name__) from exc

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[Unit]:
        """Everything this task writes inside commits together when the block ends, or none
        of it if the block raises; the transaction begins at the first write (see SQLite's)."""
        task = asyncio.current_task()
        assert task is not None
        if task in self._held or task in self._units:
            yield Unit(self, task, outer=False)
            return
        self._units.add(task)
        try:
            yield Unit(self, task)
        except BaseException:
            self._units.discard(task)
            await self._end(task, commit=False)
            raise
        self._units.discard(task)
        await self._end(task, commit=True)

    def isolated(self) -> _PgPart:
        """Inside a unit: a block that raises (but for a storage failure) has what it wrote
        undone and the unit carries on, as a savepoint. Elsewhere: nothing."""
        return _PgPart(self)

    def part(self) -> _PgPart:
        """`isolated` without the `async with` (see SQLite's)."""
        return _PgPart(self).open()

    async def _mark_before_write(self) -> None:
        """Issue the savepoints of this task's open `isolated` blocks not issued yet,
        outermost first, so what the write does can be undone with its block."""
        task = asyncio.current_task()
        marks = self._marks.get(task) if task is not None else None
        if not marks or marks[-1][0] is not None:
            return
        conn = self._held[task]  # type: ignore[index]
        for mark in marks:
            if mark[0] is None:
                savepoint = conn.transaction()
                await savepoint.start()
                mark[0] = savepoint

    def holds(self, task: Any) -> bool:
        """Whether `task` holds a transaction."""
        return task in self._held

    async def _begin_unit(self) -> None:
        task = asyncio.current_task()
        if task not in self._units or task in self._held:
            return
        try:
            conn = await self._pool.acquire()
            try:
                tx = conn.transaction()
                await tx.start()
            except BaseException:
                await self._pool.release(conn)
                raise
        except _PASSING as exc:
            raise StorageUnavailable(display(str(exc)) or type(exc).__name__) from exc
        self._held[task] = conn
        self._unit_tx[task] = tx
        self._unit_began[task] = time.perf_counter()

    async def _end(self, task: asyncio.Task[Any], *, commit: bool) -> None:
        self._marks.pop(task, None)
        conn = self._held.pop(task, None)
        tx = self._unit_tx.pop(task, None)
        began = self._unit_began.pop(task, None)
        if conn is None or tx is None:
            return
        try:
            if commit:
                await tx.commit()
                if self.observe_write is not None and began is not None:
                    self.observe_write(time.perf_counter() - began)  # a unit, timed whole
            else:
                await tx.rollback()
        except _PASSING as exc:
            raise StorageUnavailable(display(str(exc)) or type(exc).__name__) from exc
        finally:
            await self._pool.release(conn)

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

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection for one write statement, timed for metrics when it commits alone (in a
        transaction, the whole transaction is timed instead)."""
        alone = asyncio.current_task() not in self._held
        async with self._connection() as conn:
            started = time.perf_counter()
            yield conn
            if alone and self.observe_write is not None:
                self.observe_write(time.perf_counter() - started)

    # -- statements -----------------------------------------------------------------------

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write; returns the affected row count. Outside a transaction, atomic alone."""
        await self._begin_unit()
        await self._mark_before_write()
        async with self._write() as conn:
            return _count(await conn.execute(to_numbered(sql), *params))

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run an INSERT and return the new row's `id`."""
        await self._begin_unit()
        await self._mark_before_write()
        if " returning " not in sql.lower():
            sql += " RETURNING id"
        async with self._write() as conn:
            return int(await conn.fetchval(to_numbered(sql), *params) or 0)

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        batch = [tuple(r) for r in rows]
        if not batch:
            return
        alone = asyncio.current_task() not in self._held
        async with self.transaction(), self._connection() as conn:
            await self._mark_before_write()
            await conn.executemany(to_numbered(sql), batch)
        table = _WRITTEN_TABLE.match(sql)
        if alone and table and len(batch) >= _ANALYZE_AFTER:
            await self.analyze(table[1])

    async def analyze(self, table: str | None = None) -> None:
        """Refresh the planner's statistics (of one table, or all) after a bulk write."""
        async with self._connection() as conn:
            await conn.execute(f'ANALYZE "{table}"' if table else "ANALYZE")

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> asyncpg.Record | None:
        await self._mark_if_writing(sql)
        async with self._connection() as conn:
            return await conn.fetchrow(to_numbered(sql), *params)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[asyncpg.Record]:
        await self._mark_if_writing(sql)
        async with self._connection() as conn:
            return list(await conn.fetch(to_numbered(sql), *params))

    async def _mark_if_writing(self, sql: str) -> None:
        # A fetch may write (UPDATE ... RETURNING): its block's savepoint must come first.
        if self._marks and sql.lstrip()[:6].upper() != "SELECT":
            await self._mark_before_write()

    async def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        await self._mark_if_writing(sql)
        async with self._connection() as conn:
            return await conn.fetchval(to_numbered(sql), *params)

    async def copy_rows(self, table: str, columns: Sequence[str],
                        rows: Iterable[Sequence[Any]]) -> None:
        """Bulk-load rows with COPY (imports and benchmarks), far faster than INSERTs."""
        async with self._connection() as conn:
            await conn.copy_records_to_table(table, columns=list(columns), records=rows)


def _let_go(marks: list[list[Any]], mark: list[Any]) -> None:
    if marks and marks[-1] is mark:
        marks.pop()


class _PgPart(PartBlock):
    """`PostgresDatabase.isolated()` and `part()`; the savepoint is issued only before the
    part's first write (`_mark_before_write`)."""

    __slots__ = ("_db", "_mark", "_marks", "_task")

    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db
        self._mark: list[Any] | None = None
        self._marks: list[list[Any]] = []

    def open(self) -> _PgPart:
        db = self._db
        task = self._task = asyncio.current_task()
        if task in db._units and task in db._held:
            assert task is not None
            self._marks = db._marks.setdefault(task, [])
            self._mark = [None]
            self._marks.append(self._mark)
        return self

    def done(self) -> None:
        """The part succeeded: its savepoint stays until the unit's COMMIT releases it."""
        if self._mark is not None:
            _let_go(self._marks, self._mark)

    async def failed(self, kind: type[BaseException] = Exception) -> None:
        """The part raised `kind`: what it wrote is undone (a storage failure ends the unit)."""
        self.done()
        db, task = self._db, self._task
        if issubclass(kind, StorageUnavailable) or task not in db._units:
            return
        if self._mark is None:
            if task in db._held:  # it began the transaction: undo it all
                assert task is not None
                await db._end(task, commit=False)
        elif self._mark[0] is not None:
            await self._mark[0].rollback()
