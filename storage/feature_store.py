"""What every feature's store starts from: the database it reads and writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from storage.database import Database


class Store:
    """A feature's own tables, behind methods named for what the feature means.

    A store runs SQL on its feature's tables only (and may read the core's `members`); what it
    needs of another feature comes through that feature's declared queries, never its tables.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    @asynccontextmanager
    async def transaction(self, *hold: object) -> AsyncIterator[None]:
        """One write transaction around this store's calls and the scheduler's, which share
        the database: all of it commits, or none.

        `hold` names what a check-then-write inside decides about (a community's contests, a
        giver's thanks): no other transaction holding the same name, in any worker, runs
        between its check and its write. SQLite's single writer gives that to every
        transaction; on PostgreSQL it is an advisory lock held until the commit."""
        async with self.db.transaction():
            if hold:
                await self.db.lock(type(self).__name__, *hold)
            yield
