"""Contest rules that need no storage or messages: when a contest takes entries, how entries
rank, and the keys contests are known by."""

from __future__ import annotations

from datetime import datetime

from cogs.contests import draw
from cogs.contests.store import ContestRecord, EntryRecord


def label(number: int) -> str:
    return f"#{number}"


def accepting(contest: ContestRecord, now: datetime) -> bool:
    """Open and before its deadline; a deadline can pass while Hearth is down, and the contest
    is closed either way."""
    return contest.state == "open" and now < contest.closes_at


def ranked(contest: ContestRecord, entries: list[EntryRecord], votes: dict[int, int],
           seed_input: str) -> list[draw.Candidate]:
    """Entries in winning order: by votes (ties by the draw) or by the draw alone."""
    pool = draw.candidates([(e.number, e.user_id) for e in entries], votes)
    return draw.order(draw.sha256(seed_input), pool, by_votes=contest.method == "votes")


def places_to_fill(contest: ContestRecord, entries: list[EntryRecord]) -> int:
    """How many winners a contest can have: no more than there are different entrants."""
    return min(contest.winners, len({e.user_id for e in entries}))


def announcement_key(contest: ContestRecord) -> str:
    """The posted-message key that shows a contest's latest announcement was delivered."""
    return f"contest:{contest.number}:{contest.state}"
