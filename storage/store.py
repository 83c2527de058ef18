"""The core's storage: the database and the core's own tables, opened together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from storage.database import Database, Schema
from storage.jobs import JobRepository
from storage.members import MemberRepository
from storage.posted_messages import PostedMessages
from storage.processed_events import EventClaims


@dataclass
class Storage:
    db: Database
    members: MemberRepository
    claims: EventClaims
    jobs: JobRepository
    posts: PostedMessages

    @classmethod
    async def open(cls, path: str | Path, busy_timeout: float = 5.0,
                   schemas: Sequence[Schema] = ()) -> Storage:
        """Open the database, migrating the core's tables and those of `schemas`."""
        db = await Database.open(path, busy_timeout, schemas)
        return cls(db=db, members=MemberRepository(db), claims=EventClaims(db),
                   jobs=JobRepository(db), posts=PostedMessages(db))

    async def close(self) -> None:
        await self.db.close()
