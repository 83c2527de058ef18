"""Feedback's rules, free of storage: kinds, statuses, the usual review time, the review clock."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta

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
    """The median wait for a first review, rounded up to how a person says it (whole hours
    under a day, whole days after); the fallback until there are `min_items` reviews."""
    if len(waits) < min_items:
        return fallback
    median = statistics.median(w.total_seconds() for w in waits)
    hours = max(1, math.ceil(median / 3600))
    if hours < 24:
        return timedelta(hours=hours)
    return timedelta(days=math.ceil(hours / 24))


def next_after(due: datetime, every: timedelta, now: datetime) -> datetime:
    """A repeating job's next time on its own rhythm, after now: after a long downtime it runs
    once and carries on, rather than once for every period missed."""
    periods = max(1, (now - due) // every + 1)
    return due + every * periods


def reviewed_in_time(created_at: datetime, first_reviewed_at: datetime | None,
                     review_within: timedelta) -> bool:
    return first_reviewed_at is not None and first_reviewed_at - created_at <= review_within
