"""The inbox's rules, free of storage: when the team is next around,
how a member's answer to "did we help?" reads, and how long a text may be."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime, time, timedelta, tzinfo

# The window the usual reply time is measured over.
REPLY_WINDOW = timedelta(days=30)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# "yes", "Yes!", "yes thanks" / "not really", "no", "nope": the two answers to "did we help?".
_YES = re.compile(r"^\s*(yes|yep|yeah|y)\b", re.IGNORECASE)
_NO = re.compile(r"^\s*(not really|no|nope|n)\b", re.IGNORECASE)


def percentile(values: Sequence[float], share: float) -> float | None:
    """The value `share` (0..1) of the way up the sorted values, by the nearest rank; None
    for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def clock_time(text: str) -> time:
    """`09:00` -> a time; raises ValueError with a short reason."""
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not m or int(m.group(1)) > 24 or int(m.group(2)) > 59 or (
            int(m.group(1)) == 24 and int(m.group(2))):
        raise ValueError(f"{text!r} is not a time of day like \"09:00\"")
    hour, minute = int(m.group(1)), int(m.group(2))
    return time.max if hour == 24 else time(hour, minute)


def next_team_time(now: datetime, tz: tzinfo, days: Sequence[str], start: time, end: time
                   ) -> datetime | None:
    """When the team is next around, or None if it is around now. Team hours are
    [start, end) in the community's timezone, on the given days."""
    local = now.astimezone(tz)
    wanted = {DAYS.index(d) for d in days}
    if local.weekday() in wanted and start <= local.time() < end:
        return None
    for ahead in range(8):
        day = (local + timedelta(days=ahead)).date()
        opens = datetime.combine(day, start, tz)
        if day.weekday() in wanted and opens > local:
            return opens
    return None  # no team days configured: nothing honest to promise


def helped_answer(text: str) -> bool | None:
    """True for a yes, False for a "not really", None for anything else."""
    if _NO.match(text):
        return False
    if _YES.match(text):
        return True
    return None
