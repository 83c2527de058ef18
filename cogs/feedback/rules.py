"""Feedback's rules, free of storage: kinds, statuses, the usual review time, the review clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.durations import usual_wait

KINDS = ("idea", "problem", "praise", "question")
# In the order an item usually moves; declined and duplicate end it another way.
STATUSES = ("new", "under-review", "planned", "in-progress", "done", "declined", "duplicate")
# What a moderator may set with /feedback status (duplicate has its own command).
SETTABLE = ("under-review", "planned", "in-progress", "done", "declined")
# Statuses after which an item takes no more support.
CLOSED = ("done", "declined", "duplicate")
# The window the usual review time is measured over.
REVIEW_WINDOW = timedelta(days=90)


def usual_review_time(waits: Sequence[timedelta], fallback: timedelta, min_items: int
                      ) -> timedelta:
    """The median wait for a first review, as a person says it; the fallback until there are
    `min_items` reviews."""
    return usual_wait(waits, fallback, min_items)


def next_after(due: datetime, every: timedelta, now: datetime) -> datetime:
    """A repeating job's next time on its own rhythm, after now: after a long downtime it runs
    once and carries on, rather than once for every period missed."""
    periods = max(1, (now - due) // every + 1)
    return due + every * periods


def reviewed_in_time(created_at: datetime, first_reviewed_at: datetime | None,
                     review_within: timedelta) -> bool:
    return first_reviewed_at is not None and first_reviewed_at - created_at <= review_within
