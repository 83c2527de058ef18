"""The SQLite database: one connection, WAL, foreign keys, numbered migrations.

One writer at a time: a write runs inside `transaction()`, which holds a task-reentrant lock, so
reads from other tasks never see a half-done write and repository calls can nest inside it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.ports import StorageUnavailable

__all__ = ["Database", "DatabaseError", "StorageUnavailable", "migrations"]

log = logging.getLogger(__name__)
_MIGRATION = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class DatabaseError(Exception):
    """The database can't be used as it is (newer version, damaged, unreadable)."""


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every bundled migration, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        m = _MIGRATION.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    # Numbers are handed out to features built in parallel, so a branch may have gaps (0001,
    # 0003); two files with one number are always a mistake.
    for (before, first, _), (version, name, _) in itertools.pairwise(found):
        if version == before:
            raise DatabaseError(f"migrations {first} and {name} share the number {version:04d}")
    return found


class Database:
    dialect = "sqlite"
    # One writer at a time already: nothing to skip when claiming due work.
    skip_locked = ""

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self.path = path
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None

    @classmethod
    async def open(cls, path: str | Path, busy_timeout: float = 5.0) -> Database:
        """Open (creating folders as needed) and migrate to the newest schema."""
        target = str(path)
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(target, isolation_level=None)
        conn.row_factory = sqlite3.Row
        db = cls(conn, target)
        try:
            # Refuse a newer schema before anything writes to the file, even the WAL switch.
            await db._refuse_newer()
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            await db._migrate()
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

    async def _refuse_newer(self) -> None:
        current = await self.version()
        newest = migrations()[-1][0]
        if current > newest:
            raise DatabaseError(
                f"{self.path} was written by a newer Hearth (schema {current}, this one knows "
                f"{newest}); upgrade Hearth rather than risk damaging it"
            )

    async def _migrate(self) -> None:
        current = await self.version()
        steps = migrations()
        for version, name, sql in steps:
            if version <= current:
                continue
            log.info("applying migration %s", name)
            # executescript commits on its own; the version bump rides in the same script.
            await self._conn.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version={version};\nCOMMIT;"
            )

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
        async with self._single():
            cur = await self._run(sql, params)
            return cur.rowcount

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run an INSERT and return the new row id."""
        async with self._single():
            cur = await self._run(sql, params)
            return int(cur.lastrowid or 0)

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
