"""Durations as people write them: `90m`, `3d`, `1w2d`, `1h30m`."""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)
_WHOLE = re.compile(r"^\s*(?:\d+\s*[smhdw]\s*)+$", re.IGNORECASE)
_NAMES = (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))
# Past this nothing Hearth schedules makes sense, and datetime arithmetic stays safe.
MAX_DURATION = timedelta(days=3650)


def parse_duration(text: str) -> timedelta:
    """Parse a duration; raises ValueError with a short human reason."""
    if not _WHOLE.match(text or ""):
        raise ValueError(f"'{text}' is not a duration (try 90m, 3d or 1w2d)")
    seconds = sum(int(n) * _UNITS[u.lower()] for n, u in _PART.findall(text))
    if seconds <= 0:
        raise ValueError("a duration must be longer than zero")
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError("that duration is longer than ten years")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """A duration as a person says it: exact while short ("1 hour 30 minutes", "3 days"),
    whole days up to about three months ("90 days"), then "about 4 months", "about a year"."""
    seconds = int(value.total_seconds())
    if seconds <= 0:
        return "now"
    days = seconds / 86400
    if days >= 330:
        years = round(days / 365.25)
        return "about a year" if years <= 1 else f"about {years} years"
    if days >= 100:
        return f"about {round(days / 30.44)} months"
    if days >= 14:
        return _count(round(days), "day")
    if days >= 2:
        whole, hours = divmod(round(days * 24), 24)
        # "3 days" from 3 days 4 hours; half a day or more rounds up, as people say it.
        return _count(whole + (hours >= 12), "day")
    parts = []
    for name, size in _NAMES[1:]:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(_count(count, name))
        if len(parts) == 2:
            break
    return " ".join(parts)


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


def short_duration(value: timedelta) -> str:
    """`1h`, `3d`, `1w2d`: the compact form people type, for terse lines."""
    seconds = int(value.total_seconds())
    out = []
    for unit, size in sorted(_UNITS.items(), key=lambda kv: -kv[1]):
        count, seconds = divmod(seconds, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out) or "0s"


def usual_wait(waits: Sequence[timedelta], fallback: timedelta, min_count: int) -> timedelta:
    """What members are told they usually wait (for a first review, a first reply): the
    median, rounded up to how a person says it (whole hours under a day, whole days after);
    the fallback until there are `min_count` waits to go on."""
    if len(waits) < min_count:
        return fallback
    median = statistics.median(w.total_seconds() for w in waits)
    hours = max(1, math.ceil(median / 3600))
    if hours < 24:
        return timedelta(hours=hours)
    return timedelta(days=math.ceil(hours / 24))
