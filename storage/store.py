"""The core's storage: the database and the core's own tables, opened together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from storage.database import CORE_SCHEMA, Database, DatabaseError, Schema
from storage.dialect import POSTGRESQL, is_postgresql, sqlite_path
from storage.jobs import JobRepository
from storage.leases import WorkerLeases
from storage.members import MemberRepository
from storage.outbox import Outbox
from storage.posted_messages import PostedMessages
from storage.processed_events import EventClaims


@dataclass
class Storage:
    db: Database
    members: MemberRepository
    claims: EventClaims
    jobs: JobRepository
    posts: PostedMessages
    leases: WorkerLeases
    outbox: Outbox

    @classmethod
    async def open(cls, path: str | Path, busy_timeout: float = 5.0,
                   schemas: Sequence[Schema] = ()) -> Storage:
        """Open the database, migrating the core's tables and those of `schemas`."""
        db = await open_database(path, busy_timeout, schemas)
        return cls(db=db, members=MemberRepository(db), claims=EventClaims(db),
                   jobs=JobRepository(db), posts=PostedMessages(db), leases=WorkerLeases(db),
                   outbox=Outbox(db))

    async def close(self) -> None:
        await self.db.close()


async def open_database(target: str | Path, busy_timeout: float = 5.0,
                        schemas: Sequence[Schema] = ()) -> Database:
    """SQLite for a path (or `sqlite:PATH`), PostgreSQL for a `postgresql://` URL; migrated
    to the newest schema either way. Both answer the same calls, so stores don't care which."""
    if not is_postgresql(target):
        return await Database.open(sqlite_path(str(target)), busy_timeout, schemas)
    from storage.migrate import MigrationError, collect
    from storage.postgres import PostgresDatabase

    try:
        steps = collect([CORE_SCHEMA, *schemas], POSTGRESQL)
    except MigrationError as exc:
        raise DatabaseError(str(exc)) from exc
    # Same interface, another class: stores only call what both define.
    return await PostgresDatabase.open(str(target), steps, connect_timeout=busy_timeout)  # type: ignore[return-value]
