"""One community's health counters held in memory between flushes (the message hot path adds
here; the cog writes what `take` hands it with the activity flush). No text is kept."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.events import MessagePosted

# (day, figure, channel) -> how many; channel is "" for community-wide figures.
CountKey = tuple[str, str, str]
WEEK = timedelta(days=7)


@dataclass(slots=True)
class Newcomer:
    """A member in their first two weeks, as far as the funnel has seen them."""

    joined_at: datetime
    posted: bool = False
    replied: bool = False
    week2: bool = False


@dataclass(slots=True)
class Channel:
    """One channel's day: messages since the last flush, and everyone who posted that day."""

    messages: int = 0
    posters: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Batch:
    """What one flush writes."""

    counts: dict[CountKey, int]
    active: dict[str, set[str]]
    thanked: dict[tuple[str, str], int]
    weather: dict[tuple[str, str], tuple[float, int]]
    # user id -> {step: when}, steps "first_message", "replied", "week2", "introduced"
    steps: dict[str, dict[str, datetime]]
    joined: dict[str, datetime]


@dataclass(slots=True)
class Days:
    """Turns moments into the community's calendar days, remembering today's bounds so the
    hot path does no time-zone arithmetic."""

    zone: ZoneInfo
    _start: datetime | None = None
    _end: datetime | None = None
    _day: str = ""

    def of(self, now: datetime) -> str:
        start, end = self._start, self._end
        if start is not None and end is not None and start <= now < end:
            return self._day
        local = now.astimezone(self.zone)
        first = local.replace(hour=0, minute=0, second=0, microsecond=0)
        following = datetime.combine(first.date() + timedelta(days=1), time(0), self.zone)
        # Kept in the clock's zone: comparing datetimes of one tzinfo is the fast path.
        self._start, self._end = first.astimezone(now.tzinfo), following.astimezone(now.tzinfo)
        self._day = first.date().isoformat()
        return self._day


@dataclass(slots=True)
class Counters:
    """Counts since the last flush, plus the little state the funnel needs between messages."""

    days: Days
    counts: dict[CountKey, int] = field(default_factory=dict)
    # day -> members who posted since the last flush (the store de-duplicates across flushes)
    active: dict[str, set[str]] = field(default_factory=dict)
    # (day, channel) -> its messages since the last flush and the day's posters
    channels: dict[tuple[str, str], Channel] = field(default_factory=dict)
    # day -> members already written as active that day (today's only, after a flush), so a
    # flush writes each member once a day rather than once per flush
    written: dict[str, set[str]] = field(default_factory=dict)
    thanked: dict[tuple[str, str], int] = field(default_factory=dict)
    weather: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    # Newcomers within their first two weeks, loaded at start and added to on joins.
    newcomers: dict[str, Newcomer] = field(default_factory=dict)
    steps: dict[str, dict[str, datetime]] = field(default_factory=dict)
    joined: dict[str, datetime] = field(default_factory=dict)
    # channel -> newcomers whose first message there waits for a reply, with its deadline
    awaiting: dict[str, list[tuple[str, datetime]]] = field(default_factory=dict)
    # channel -> when its next message may be scored for weather
    next_scored: dict[str, datetime] = field(default_factory=dict)

    def add(self, day: str, figure: str, channel: str = "", n: int = 1) -> None:
        key = (day, figure, channel)
        self.counts[key] = self.counts.get(key, 0) + n

    def messages(self, held: Iterable[tuple[MessagePosted, datetime]],
                 reply_window: timedelta, weather_every: timedelta | None
                 ) -> list[tuple[str, str, str]]:
        """Count messages in the order they came, in one pass with everything it touches
        held locally (this runs for every message). Returns the (day, channel, text) of those
        sampled for weather: at most one per channel every `weather_every` (None: none)."""
        days, channels, active, next_scored = self.days, self.channels, self.active, \
            self.next_scored
        sampled: list[tuple[str, str, str]] = []
        start = end = None
        day, seen = "", set[str]()
        for event, now in held:
            if start is None or end is None or not start <= now < end:
                day = days.of(now)
                start, end = days._start, days._end
                seen = active.setdefault(day, set())
            user_id = event.author.user_id
            channel = event.channel_name or event.channel  # the name people know it by
            here = channels.get((day, channel))
            if here is None:
                here = channels[(day, channel)] = Channel()
            here.messages += 1
            here.posters.add(user_id)
            seen.add(user_id)
            if self.awaiting:
                self._answered(channel, user_id, now)
            if self.newcomers:
                newcomer = self.newcomers.get(user_id)
                if newcomer is not None:
                    self._newcomer_posted(user_id, newcomer, channel, now, reply_window)
            if weather_every is not None:
                due = next_scored.get(channel)
                if due is None or now >= due:
                    next_scored[channel] = now + weather_every
                    sampled.append((day, channel, event.content))
        return sampled

    def _newcomer_posted(self, user_id: str, newcomer: Newcomer, channel: str, now: datetime,
                         reply_window: timedelta) -> None:
        age = now - newcomer.joined_at
        if age >= 2 * WEEK:
            del self.newcomers[user_id]  # out of the funnel's reach
            return
        if not newcomer.posted:
            newcomer.posted = True
            self._step(user_id, "first_message", now)
            if not newcomer.replied:
                self.awaiting.setdefault(channel, []).append((user_id, now + reply_window))
        if age >= WEEK and not newcomer.week2:
            newcomer.week2 = True
            self._step(user_id, "week2", now)

    def _answered(self, channel: str, author: str, now: datetime) -> None:
        """Someone else posting in the channel soon after a newcomer's first message counts as
        a reply to them."""
        waiting = self.awaiting.get(channel)
        if not waiting:
            return
        still = []
        for user_id, deadline in waiting:
            if now > deadline:
                continue
            if user_id == author:
                still.append((user_id, deadline))
                continue
            self.replied(user_id, now)
        if still:
            self.awaiting[channel] = still
        else:
            del self.awaiting[channel]

    def replied(self, user_id: str, now: datetime) -> None:
        newcomer = self.newcomers.get(user_id)
        if newcomer is not None and not newcomer.replied and now - newcomer.joined_at < 2 * WEEK:
            newcomer.replied = True
            self._step(user_id, "replied", now)

    def joined_now(self, user_id: str, now: datetime) -> None:
        self.newcomers[user_id] = Newcomer(now)
        self.joined[user_id] = now

    def _step(self, user_id: str, step: str, now: datetime) -> None:
        self.steps.setdefault(user_id, {}).setdefault(step, now)

    def step(self, user_id: str, step: str, now: datetime) -> None:
        if user_id in self.newcomers:
            self._step(user_id, step, now)

    def thanks(self, day: str, target: str) -> None:
        key = (day, target)
        self.thanked[key] = self.thanked.get(key, 0) + 1

    def weigh(self, day: str, channel: str, score: float) -> None:
        cell = self.weather.get((day, channel))
        if cell is None:
            self.weather[(day, channel)] = [score, 1.0]
        else:
            cell[0] += score
            cell[1] += 1

    def forget(self, user_id: str) -> None:
        """Let go of a forgotten member: nothing held may write them back (the day's totals
        already counted stay, as they name nobody)."""
        for users in (*self.active.values(), *self.written.values()):
            users.discard(user_id)
        for here in self.channels.values():
            here.posters.discard(user_id)
        self.thanked = {k: n for k, n in self.thanked.items() if k[1] != user_id}
        for held in (self.newcomers, self.steps, self.joined):
            held.pop(user_id, None)
        for channel, waiting in list(self.awaiting.items()):
            self.awaiting[channel] = [w for w in waiting if w[0] != user_id]

    def pending(self) -> bool:
        return bool(self.counts or self.active or self.steps or self.joined or self.weather
                    or any(c.messages for c in self.channels.values()))

    def take(self, today: str) -> Batch:
        """What is waiting to be written, leaving nothing behind (today's poster sets stay,
        so a channel's poster count is of the whole day)."""
        for (day, channel), here in self.channels.items():
            if here.messages:
                self.add(day, "messages", "", here.messages)
                self.add(day, "channel_messages", channel, here.messages)
                self.counts[(day, "channel_posters", channel)] = len(here.posters)
                here.messages = 0
        # Yesterday's poster sets are done with once written.
        self.channels = {k: v for k, v in self.channels.items() if k[0] >= today}
        fresh: dict[str, set[str]] = {}
        for day, users in self.active.items():
            done = self.written.setdefault(day, set())
            new = users - done
            if new:
                fresh[day] = new
                done |= new
        self.written = {d: s for d, s in self.written.items() if d >= today}
        self.active = fresh
        batch = Batch(self.counts, self.active, self.thanked,
                      {k: (v[0], int(v[1])) for k, v in self.weather.items()},
                      self.steps, self.joined)
        self.counts, self.active, self.thanked, self.weather = {}, {}, {}, {}
        self.steps, self.joined = {}, {}
        return batch

    def give_back(self, batch: Batch) -> None:
        """A write failed: keep it for the next try rather than lose it."""
        for key, n in batch.counts.items():
            if key[1] != "channel_posters":
                self.add(*key, n=n)
        for day, users in batch.active.items():
            self.active.setdefault(day, set()).update(users)
            self.written.get(day, set()).difference_update(users)
        for tk, n in batch.thanked.items():
            self.thanked[tk] = self.thanked.get(tk, 0) + n
        for wk, (total, scored) in batch.weather.items():
            cell = self.weather.setdefault(wk, [0.0, 0.0])
            cell[0] += total
            cell[1] += scored
        for uid, steps in batch.steps.items():
            for step, at in steps.items():
                self.steps.setdefault(uid, {}).setdefault(step, at)
        self.joined.update(batch.joined)
