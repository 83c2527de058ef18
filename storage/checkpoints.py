"""WAL checkpoints beside the writer, so no commit waits for one.

SQLite's default checkpoint runs inside whichever COMMIT takes the WAL past 1,000 pages: that
commit copies the pages back and syncs the file while holding the one write lock (40-100 ms on
a busy disk, and every write queued behind it). Here the writer never checkpoints; a
connection of its own copies what it can every second (PASSIVE: never waits for, nor blocks,
readers or the writer), and SQLite restarts the WAL from its start once all of it is copied.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import aiosqlite

log = logging.getLogger(__name__)
EVERY = 1.0  # seconds between checkpoints


class Checkpointer:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._failed = False
        self._task = asyncio.create_task(self._run(), name="sqlite-checkpoints")

    @classmethod
    async def open(cls, path: str) -> Checkpointer:
        conn = await aiosqlite.connect(path, isolation_level=None)
        return cls(conn)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(EVERY)
            await self.checkpoint()

    async def checkpoint(self) -> None:
        """Copy what the WAL holds into the database file, as far as readers allow."""
        try:
            await self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as exc:
            if not self._failed:  # said once; the next one may well succeed
                log.warning("a WAL checkpoint failed (%s); will keep trying", exc)
            self._failed = True
        else:
            self._failed = False

    async def close(self) -> None:
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        await self._conn.close()
