"""The storage bundle: the database and every repository, opened together."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storage.badges import BadgeRepository
from storage.contests import ContestRepository
from storage.database import Database
from storage.introductions import IntroductionRepository
from storage.jobs import JobRepository
from storage.members import MemberRepository
from storage.moderation import ModerationRepository
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
    contests: ContestRepository
    moderation: ModerationRepository
    introductions: IntroductionRepository
    reputation: ReputationRepository
    badges: BadgeRepository

    @classmethod
    async def open(cls, path: str | Path, busy_timeout: float = 5.0) -> Storage:
        db = await Database.open(path, busy_timeout)
        return cls(
            db=db,
            members=MemberRepository(db),
            claims=EventClaims(db),
            jobs=JobRepository(db),
            posts=PostedMessages(db),
            contests=ContestRepository(db),
            moderation=ModerationRepository(db),
            introductions=IntroductionRepository(db),
            reputation=ReputationRepository(db),
            badges=BadgeRepository(db),
        )

    async def close(self) -> None:
        await self.db.close()
