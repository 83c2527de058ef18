"""When an announcement goes out: now, once at a moment, or on a repeat, in the community's
timezone.

Pure functions, no I/O. People write times the way they read a wall clock ("every Monday 10:00",
"2026-12-24 18:00", "tomorrow 9:30"), so every moment is built as local wall time in the
community's zone and only then turned into an instant. Across a daylight-saving change a weekly
10:00 stays at 10:00 local. A wall time that doesn't exist that day (the hour the clocks skip)
goes out at the same instant the clock jumps past it (02:30 becomes 03:30); one that happens
twice (the hour the clocks repeat) goes out the first time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.durations import parse_duration

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_GROUPS = {
    "day": frozenset(range(7)), "days": frozenset(range(7)), "daily": frozenset(range(7)),
    "weekday": frozenset(range(5)), "weekdays": frozenset(range(5)),
    "weekend": frozenset({5, 6}), "weekends": frozenset({5, 6}),
}
_CLOCK = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm)?$")
_EVERY = re.compile(r"^every\s+(.+?)\s+(?:at\s+)?(\S+(?:\s*[ap]m)?)$")
_RELATIVE_DAY = {"today": 0, "tomorrow": 1}
_NOW = {"", "now", "right away", "immediately"}
# How far ahead a repeat looks for its next day: a week always holds one.
_WEEK = 8


class WhenError(ValueError):
    """A time the author wrote that can't be read; the text says why, kindly."""


@dataclass(frozen=True, slots=True)
class Now:
    pass


@dataclass(frozen=True, slots=True)
class Once:
    at: datetime  # aware, in UTC


@dataclass(frozen=True, slots=True)
class Repeat:
    """On each of `days` (0 = Monday) at `hour:minute` local time."""

    days: frozenset[int]
    hour: int
    minute: int

    def describe(self) -> str:
        """`every Monday at 10:00`, `every day at 09:30`: also the form stored and re-read."""
        if self.days == _DAY_GROUPS["day"]:
            which = "day"
        elif self.days == _DAY_GROUPS["weekday"]:
            which = "weekday"
        elif self.days == _DAY_GROUPS["weekend"]:
            which = "weekend"
        else:
            which = " and ".join(DAY_NAMES[d].capitalize() for d in sorted(self.days))
        return f"every {which} at {self.hour:02d}:{self.minute:02d}"

    def next_after(self, after: datetime, tz: tzinfo) -> datetime:
        """The first occurrence strictly after `after`, as an instant in UTC."""
        start = after.astimezone(tz).date()
        for offset in range(_WEEK):
            day = start + timedelta(days=offset)
            if day.weekday() not in self.days:
                continue
            moment = local_moment(day, time(self.hour, self.minute), tz)
            if moment > after:
                return moment
        raise AssertionError("a repeat with days always occurs within a week")

    def occurrence_key(self, moment: datetime, tz: tzinfo) -> str:
        """Names one occurrence by its local day and time, so it posts once whatever the clock
        did that day (a repeated hour can't make two)."""
        local = moment.astimezone(tz)
        return f"{local.date().isoformat()}T{self.hour:02d}:{self.minute:02d}"


When = Now | Once | Repeat


def local_moment(day: date, wall: time, tz: tzinfo) -> datetime:
    """The instant a wall clock in `tz` shows `wall` on `day` (first time if it shows it twice;
    the moment it jumps past it if it never does), in UTC."""
    # fold=0 reads a repeated wall time as its first showing, and a skipped one with the offset
    # from before the jump, which is the instant the clock passes that wall time.
    return datetime.combine(day, wall).replace(tzinfo=tz, fold=0).astimezone(UTC)


def parse_when(text: str, now: datetime, tz: tzinfo, *, repeats: bool = True) -> When:
    """Read `now`, a moment (`2026-12-24 18:00`, `tomorrow 9:30`, `Friday 18:00`, `15:00`, a
    duration like `2h`) or, with `repeats`, a repeat (`every Monday 10:00`)."""
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in _NOW:
        return Now()
    if cleaned.startswith("every "):
        if not repeats:
            raise WhenError("that needs a single time, not a repeat")
        return parse_repeat(cleaned)
    return Once(parse_moment(cleaned, now, tz))


def parse_repeat(text: str) -> Repeat:
    """`every Monday 10:00`, `every weekday at 9am`, `every Tuesday and Friday 18:30`."""
    m = _EVERY.match(" ".join(text.strip().lower().split()))
    if not m:
        raise WhenError(f"I couldn't read '{text}' as a repeat; try \"every Monday 10:00\"")
    days: set[int] = set()
    for word in re.split(r"\s*(?:,|\band\b)\s*", m.group(1)):
        if not word:
            continue
        found = _day(word)
        if found is None:
            raise WhenError(f"'{word}' isn't a day; try Monday, weekday, weekend or day")
        days |= found
    hour, minute = _clock(m.group(2))
    return Repeat(frozenset(days), hour, minute)


def parse_moment(text: str, now: datetime, tz: tzinfo) -> datetime:
    """One future moment, as an instant in UTC; raises WhenError."""
    cleaned = " ".join(text.strip().lower().split()).removeprefix("in ").removeprefix("at ")
    moment = _read_moment(cleaned, now, tz)
    if moment is None:
        raise WhenError(f"I couldn't read '{text}' as a time; try 2h, 15:00, \"Friday 18:00\" "
                        "or \"2026-12-24 18:00\"")
    if moment <= now:
        raise WhenError("that time has already passed")
    return moment


def _read_moment(text: str, now: datetime, tz: tzinfo) -> datetime | None:
    try:
        return now + parse_duration(text)
    except ValueError:
        pass
    try:
        written = datetime.fromisoformat(text.upper())
    except ValueError:
        written = None
    if written is not None:
        if written.tzinfo is not None:
            return written.astimezone(UTC)
        return local_moment(written.date(), written.time(), tz)
    day_word, _, clock = text.rpartition(" ")
    try:
        hour, minute = _clock(clock)
    except WhenError:
        return None
    today = now.astimezone(tz).date()
    if not day_word:
        moment = local_moment(today, time(hour, minute), tz)
        return moment if moment > now else local_moment(
            today + timedelta(days=1), time(hour, minute), tz)
    if day_word in _RELATIVE_DAY:
        return local_moment(today + timedelta(days=_RELATIVE_DAY[day_word]), time(hour, minute),
                            tz)
    found = _day(day_word)
    if found is None or len(found) != 1:
        return None
    return Repeat(found, hour, minute).next_after(now, tz)


def _day(word: str) -> frozenset[int] | None:
    word = word.strip().rstrip("s") if word.strip() not in _DAY_GROUPS else word.strip()
    if word in _DAY_GROUPS:
        return _DAY_GROUPS[word]
    for i, name in enumerate(DAY_NAMES):
        if len(word) >= 3 and name.startswith(word):
            return frozenset({i})
    return None


def _clock(text: str) -> tuple[int, int]:
    m = _CLOCK.match(text.strip().replace(" ", ""))
    if not m:
        raise WhenError(f"'{text}' isn't a time of day; try 10:00 or 9am")
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3):
        if not 1 <= hour <= 12:
            raise WhenError(f"'{text}' isn't a time of day; try 10:00 or 9am")
        hour = hour % 12 + (12 if m.group(3) == "pm" else 0)
    if hour > 23 or minute > 59:
        raise WhenError(f"'{text}' isn't a time of day; try 10:00 or 9am")
    if not m.group(2) and not m.group(3):
        raise WhenError(f"'{text}' isn't a time of day; try 10:00 or 9am")
    return hour, minute
