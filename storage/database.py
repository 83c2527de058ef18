"""The SQLite database: a writer connection and a reader beside it, WAL, foreign keys,
migrations per feature.

One writer at a time: a write runs inside `transaction()`, which holds a task-reentrant lock, so
store calls can nest inside it. Reads outside a transaction go to the reader connection (its
own thread): in WAL mode they see the last commit and never wait behind a write or a long job
on the writer. Reads inside a transaction use the writer, so they see its own changes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.ports import StorageUnavailable
from storage.checkpoints import Checkpointer
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

__all__ = ["Database", "DatabaseError", "DatabaseGone", "Schema", "StorageUnavailable",
           "Unit"]

log = logging.getLogger(__name__)
CORE_SCHEMA = Schema(CORE, "storage")
CACHE_KIB = 65536  # page cache per connection, in KiB


class DatabaseError(Exception):
    """The database can't be used as it is (newer version, damaged, unreadable)."""


class DatabaseGone(StorageUnavailable):
    """The database file was deleted or replaced while Hearth had it open: what would be written
    now goes into a file nobody will read again, so nothing is."""


class Unit:
    """A unit of work under way (see `Database.unit`): whether it has written yet."""

    def __init__(self, db: Any, task: Any, *, outer: bool = True) -> None:
        self._db = db
        self._task = task
        # False for a unit opened inside another (or a transaction): the outer one commits.
        self.outer = outer

    @property
    def wrote(self) -> bool:
        """Whether this unit has begun its transaction (something was written)."""
        return bool(self._db.holds(self._task))


class Database:
    dialect = "sqlite"
    # One writer at a time already: nothing to skip when claiming due work.
    skip_locked = ""

    def __init__(self, conn: aiosqlite.Connection, path: str,
                 reader: aiosqlite.Connection | None = None) -> None:
        self._conn = conn
        # None for ":memory:", where a second connection would be another database.
        self._reader = reader
        self._checkpoints: Checkpointer | None = None
        self.path = path
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        # Tasks inside a `unit` (whose transaction begins at their first write).
        self._units: set[asyncio.Task[Any]] = set()
        self._savepoints = 0
        # The `isolated` blocks open in the held transaction, innermost last: [name, issued].
        # A block's SAVEPOINT is issued only before its first write, so the many listeners
        # that write nothing cost no trip to the database.
        self._marks: list[list[Any]] = []
        self._unheld = _Unheld(self)
        self._started = 0.0
        # Told how long each write took (a statement alone, or a whole transaction): metrics.
        self.observe_write: Callable[[float], None] | None = None
        # The file as it was opened (device, inode): a write first checks it is still that one.
        self._identity = _identity(path)
        # Called once when the file turns out to be gone (the command line stops Hearth).
        self.on_gone: Callable[[], None] | None = None
        self._gone = False

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
            # 64 MiB of pages (SQLite's default is 2 MiB), taken only as pages are read: at
            # 1M members a flush's upserts read their B-tree paths from the OS each time.
            await conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            await conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            await db._migrate(steps)
            if target != ":memory:":
                db._reader = await _open_reader(target, busy_timeout)
                db._checkpoints = await Checkpointer.open(target)
                await conn.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer's job
            db._identity = _identity(target)
        except sqlite3.DatabaseError as exc:
            await db.close()
            if isinstance(exc, sqlite3.OperationalError) and _passing(exc):
                raise
            raise DatabaseError(f"{target} can't be used as a Hearth database ({exc}); restore "
                                "it from a backup (hearth restore FILE) or point [hearth] "
                                "database elsewhere") from None
        except BaseException:
            await db.close()
            raise
        return db

    async def close(self) -> None:
        await self._close_beside()
        await self._conn.close()

    async def _close_beside(self) -> None:
        """The reader and the checkpointer."""
        if self._checkpoints is not None:
            await self._checkpoints.close()
            self._checkpoints = None
        if self._reader is not None:
            await self._reader.close()
            self._reader = None

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

    def holds(self, task: Any) -> bool:
        """Whether `task` holds the write transaction."""
        return self._owner is not None and self._owner is task

    def _held_here(self) -> bool:
        return self._owner is not None and self._owner is asyncio.current_task()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """A write transaction; commits on success, rolls back on any error. Inside a `unit`
        it is a savepoint of the unit's transaction: an error rolls back its part, and what
        it wrote commits with the unit."""
        if self._in_unit():
            await self._begin_unit()
            async with self.isolated():
                yield self
            return
        if self._held_here():
            yield self
            return
        await self._begin()
        try:
            yield self
        except BaseException:
            await self._end(commit=False)
            raise
        await self._end(commit=True)

    def unit(self) -> _UnitBlock:
        """Everything this task writes inside commits together when the block ends, or none of
        it if the block raises. The transaction begins at the first write, so reads before it
        hold no lock and a block that writes nothing costs nothing."""
        return _UnitBlock(self)

    def isolated(self) -> _Isolated:
        """Inside a unit: if the block raises (anything but a storage failure, which ends the
        whole unit), what it wrote is undone and the unit carries on. Elsewhere: nothing."""
        return _Isolated(self)

    def part(self) -> _Isolated | _Unheld:
        """`isolated` without the `async with`, for the runtime's per-listener loop: opened
        now; call `done()` when it succeeded or `await failed()` when it raised."""
        if self._owner is None or self._owner is not asyncio.current_task():
            return self._unheld  # no transaction yet: nothing to mark, one shared object
        return _Isolated(self).open()

    def _let_go(self, mark: list[Any]) -> None:
        if self._marks and self._marks[-1] is mark:
            self._marks.pop()

    async def _mark_before_write(self) -> None:
        """Issue the SAVEPOINTs of the open `isolated` blocks not issued yet, outermost first,
        so what this write does can be undone with its block."""
        if not self._marks or self._marks[-1][1] or not self._held_here():
            return
        for mark in self._marks:
            if not mark[1]:
                await self._run(f"SAVEPOINT {mark[0]}")
                mark[1] = True

    def _in_unit(self) -> bool:
        return asyncio.current_task() in self._units

    async def _begin_unit(self) -> None:
        """The unit's transaction begins with its first write."""
        if self._in_unit() and not self._held_here():
            await self._begin()

    def _still_there(self) -> None:
        """Raise DatabaseGone if the file at our path is no longer the one we opened."""
        if self._identity is None:
            return
        if not self._gone and _identity(self.path) == self._identity:
            return
        if not self._gone:
            self._gone = True
            log.critical("%s was deleted or replaced while Hearth was running, so nothing more "
                         "can be saved in it; stopping. Put the file back (hearth restore FILE) "
                         "or start Hearth again to begin a new one", self.path)
            if self.on_gone is not None:
                self.on_gone()
        raise DatabaseGone(f"{self.path} was deleted or replaced")

    async def _begin(self) -> None:
        self._still_there()
        await self._lock.acquire()
        self._owner = asyncio.current_task()
        self._started = time.perf_counter()
        try:
            await self._run("BEGIN IMMEDIATE")
        except BaseException:
            self._owner = None
            self._lock.release()
            raise

    async def _end(self, *, commit: bool) -> None:
        try:
            if not commit:
                if self._conn.in_transaction:
                    await self._conn.rollback()
                return
            try:
                await self._run("COMMIT")
            except BaseException:
                # A failed COMMIT (disk full) can leave the transaction open; later single
                # writes would join it and never be committed.
                if self._conn.in_transaction:
                    await self._conn.rollback()
                raise
            if self.observe_write is not None:
                self.observe_write(time.perf_counter() - self._started)
        finally:
            self._marks.clear()
            self._owner = None
            self._lock.release()

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
        await self._begin_unit()
        if not self._held_here():
            self._still_there()
        else:
            await self._mark_before_write()
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
            await self._mark_before_write()
            try:
                await self._conn.executemany(sql, [tuple(r) for r in rows])
            except sqlite3.OperationalError as exc:
                if _passing(exc):
                    raise StorageUnavailable(str(exc)) from exc
                raise

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        if self._readable(sql):
            rows = await self._read(sql, params)
            return rows[0] if rows else None
        await self._mark_if_writing(sql)
        async with self._single():
            cur = await self._run(sql, params)
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        if self._readable(sql):
            return await self._read(sql, params)
        await self._mark_if_writing(sql)
        async with self._single():
            cur = await self._run(sql, params)
            return list(await cur.fetchall())

    async def _mark_if_writing(self, sql: str) -> None:
        # A fetch may write (INSERT ... RETURNING): its block's savepoint must come first.
        if self._marks and sql.lstrip()[:6].upper() != "SELECT":
            await self._mark_before_write()

    def _readable(self, sql: str) -> bool:
        """Whether the reader can answer: a plain SELECT (a write with RETURNING is fetched
        too) from a task not inside its own transaction."""
        return (self._reader is not None and not self._held_here()
                and sql.lstrip()[:6].upper() == "SELECT")

    async def _read(self, sql: str, params: Iterable[Any]) -> list[sqlite3.Row]:
        assert self._reader is not None
        try:
            # One trip to the reader's thread: statement and rows together.
            return list(await self._reader.execute_fetchall(sql, tuple(params)))
        except sqlite3.OperationalError as exc:
            if _passing(exc):
                raise StorageUnavailable(str(exc)) from exc
            raise

    async def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return row[0] if row is not None else None


class _UnitBlock:
    """`Database.unit()`. A class rather than a generator: it wraps every event, so its cost
    is on the hot path."""

    __slots__ = ("_db", "_outer", "_task")

    def __init__(self, db: Database) -> None:
        self._db = db

    async def __aenter__(self) -> Unit:
        db = self._db
        task = self._task = asyncio.current_task()
        self._outer = not (db._owner is task or task in db._units)
        if self._outer:
            assert task is not None
            db._units.add(task)
        return Unit(db, task, outer=self._outer)

    async def __aexit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if not self._outer:
            return
        db = self._db
        db._units.discard(self._task)
        if db._owner is self._task:
            await db._end(commit=kind is None)


class PartBlock:
    """`async with` over a part of a unit (`open`, then `done` or `await failed(kind)`), the
    same on every backend."""

    __slots__ = ()

    def open(self) -> PartBlock:
        raise NotImplementedError

    def done(self) -> None:
        raise NotImplementedError

    async def failed(self, kind: type[BaseException] = Exception) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> None:
        self.open()

    async def __aexit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self.done()
        else:
            await self.failed(kind)


class _Unheld:
    """A part begun while its task holds no transaction (most listeners of most events): if
    it fails having begun the unit's transaction, all of it is undone, since nothing else was
    written yet; otherwise there is nothing to do."""

    __slots__ = ("_db",)

    def __init__(self, db: Database) -> None:
        self._db = db

    def done(self) -> None:
        return None

    async def failed(self, kind: type[BaseException] = Exception) -> None:
        db, task = self._db, asyncio.current_task()
        if issubclass(kind, StorageUnavailable) or task not in db._units:
            return
        if db._owner is task:
            await db._end(commit=False)


class _Isolated(PartBlock):
    """`Database.isolated()` and `part()`: one per listener per event, so a class (see
    `_UnitBlock`). Its SAVEPOINT is issued only before the block's first write
    (`_mark_before_write`)."""

    __slots__ = ("_db", "_mark", "_task")

    def __init__(self, db: Database) -> None:
        self._db = db
        self._mark: list[Any] | None = None

    def open(self) -> _Isolated:
        db = self._db
        task = self._task = asyncio.current_task()
        if task in db._units and db._owner is task:
            db._savepoints += 1
            self._mark = [f"hearth_{db._savepoints}", False]
            db._marks.append(self._mark)
        return self

    def done(self) -> None:
        """The part succeeded: its savepoint stays until the COMMIT releases them all (one
        trip fewer per part; a later ROLLBACK TO an outer savepoint still undoes it)."""
        if self._mark is not None:
            self._db._let_go(self._mark)

    async def failed(self, kind: type[BaseException] = Exception) -> None:
        """The part raised `kind`: what it wrote is undone (a storage failure ends the whole
        unit instead)."""
        self.done()
        db, mark = self._db, self._mark
        if issubclass(kind, StorageUnavailable) or self._task not in db._units:
            return
        if mark is None:
            if db._owner is self._task:  # the part began the unit's transaction: undo it all
                await db._end(commit=False)
        elif mark[1] and db._conn.in_transaction:
            await db._run(f"ROLLBACK TO {mark[0]}")
            await db._run(f"RELEASE {mark[0]}")


async def _open_reader(path: str, busy_timeout: float) -> aiosqlite.Connection:
    """A read-only connection to the same file, for reads that shouldn't queue behind the
    writer's lock."""
    reader = await aiosqlite.connect(path, isolation_level=None)
    reader.row_factory = sqlite3.Row
    try:
        await reader.execute("PRAGMA query_only=ON")
        await reader.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        await reader.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    except BaseException:
        await reader.close()
        raise
    return reader


def _identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of a database file; None for an in-memory database or a missing file."""
    if path == ":memory:" or path.startswith("file:"):
        return None
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _passing(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return any(w in text for w in ("locked", "busy", "disk", "full", "i/o"))
