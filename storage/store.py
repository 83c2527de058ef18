"""The storage bundle: the database and every repository, opened together."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storage.badges import BadgeRepository
from storage.database import Database
from storage.introductions import IntroductionRepository
from storage.jobs import JobRepository
from storage.members import MemberRepository
from storage.posted_messages import PostedMessages
from storage.processed_events import EventClaims
from storage.reputation import ReputationRepository


@dataclass
class Storage:
    db: Database
    members: MemberRepository
    claims: EventClaims
    jobs: JobRepository
    posts: PostedMessages
    introductions: IntroductionRepository
    reputation: ReputationRepository
    badges: BadgeRepository

    @classmethod
    async def open(cls, path: str | Path) -> Storage:
        db = await Database.open(path)
        return cls(
            db=db,
            members=MemberRepository(db),
            claims=EventClaims(db),
            jobs=JobRepository(db),
            posts=PostedMessages(db),
            introductions=IntroductionRepository(db),
            reputation=ReputationRepository(db),
            badges=BadgeRepository(db),
        )

    async def close(self) -> None:
        await self.db.close()
