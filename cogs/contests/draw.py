"""The auditable draw: every step is sha256 over text anyone can rebuild from the announcement.

    seed_input = "hearth-contest|<platform>:<community>|#<contest>|<closed, UTC>|<entries>|<secret>"
    seed       = sha256(seed_input) as hex
    ticket(e)  = sha256("<seed>:<entry number>") as hex

`entries` is the numbers of the entries in the draw, ascending, joined by commas. The secret is
drawn when the contest opens and only its seal (the first 16 hex digits of its sha256) is shown
then, so nobody, moderators included, can steer the result by timing or by choosing entries.
Order: lowest ticket first (a draw), or most votes first with the lowest ticket breaking ties.
Each member wins at most once: walking down the order, entries by someone already chosen are
skipped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

SEAL_DIGITS = 16


@dataclass(frozen=True, slots=True)
class Candidate:
    entry: int
    user_id: str
    votes: int = 0


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal(secret: str) -> str:
    return sha256(secret)[:SEAL_DIGITS]


def seed_input(community_key: str, contest: int, closed_at: datetime, entries: Iterable[int],
               secret: str) -> str:
    moment = closed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    numbers = ",".join(str(n) for n in sorted(entries))
    return f"hearth-contest|{community_key}|#{contest}|{moment}|{numbers}|{secret}"


def ticket(seed: str, entry: int) -> str:
    return sha256(f"{seed}:{entry}")


def order(seed: str, candidates: Sequence[Candidate], *, by_votes: bool) -> list[Candidate]:
    """Every candidate, best first."""
    if by_votes:
        return sorted(candidates, key=lambda c: (-c.votes, ticket(seed, c.entry)))
    return sorted(candidates, key=lambda c: ticket(seed, c.entry))


def choose(ordered: Sequence[Candidate], count: int, exclude: Iterable[str] = ()
           ) -> list[Candidate]:
    """The first `count` candidates from distinct members not in `exclude`."""
    taken = set(exclude)
    chosen: list[Candidate] = []
    for candidate in ordered:
        if len(chosen) == count:
            break
        if candidate.user_id in taken:
            continue
        taken.add(candidate.user_id)
        chosen.append(candidate)
    return chosen


def candidates(entries: Iterable[tuple[int, str]], votes: Mapping[int, int]) -> list[Candidate]:
    return [Candidate(n, uid, votes.get(n, 0)) for n, uid in entries]
