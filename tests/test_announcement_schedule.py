"""When announcements go out: moments and repeats in a community's timezone, across the
daylight-saving changes of Europe/Berlin (2027-03-28 and 2027-10-31) and New York."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from cogs.announcements.schedule import (
    Now,
    Once,
    Repeat,
    WhenError,
    parse_moment,
    parse_repeat,
    parse_when,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def walk(rule: Repeat, start: datetime, tz: ZoneInfo, count: int) -> list[datetime]:
    out, moment = [], start
    for _ in range(count):
        moment = rule.next_after(moment, tz)
        out.append(moment)
    return out


def test_weekly_ten_oclock_stays_ten_oclock_across_spring_forward() -> None:
    rule = parse_repeat("every Monday 10:00")
    got = walk(rule, utc(2027, 3, 20, 12), BERLIN, 3)
    # 10:00 CET is 09:00 UTC; after the change 10:00 CEST is 08:00 UTC.
    assert got == [utc(2027, 3, 22, 9), utc(2027, 3, 29, 8), utc(2027, 4, 5, 8)]
    assert {m.astimezone(BERLIN).strftime("%a %H:%M") for m in got} == {"Mon 10:00"}


def test_weekly_across_fall_back_in_new_york() -> None:
    rule = parse_repeat("every Sunday at 9am")
    got = walk(rule, utc(2027, 10, 30), NEW_YORK, 2)
    # 09:00 EDT is 13:00 UTC; after 2027-11-07 02:00, 09:00 EST is 14:00 UTC.
    assert got == [utc(2027, 10, 31, 13), utc(2027, 11, 7, 14)]


def test_a_skipped_wall_time_goes_out_when_the_clock_jumps_past_it() -> None:
    rule = parse_repeat("every day 02:30")
    got = walk(rule, utc(2027, 3, 26, 12), BERLIN, 3)
    # 27th 02:30 CET; the 28th has no 02:30 (02:00 -> 03:00): 01:30 UTC is 03:30 CEST; the
    # 29th 02:30 CEST.
    assert got == [utc(2027, 3, 27, 1, 30), utc(2027, 3, 28, 1, 30), utc(2027, 3, 29, 0, 30)]
    assert got[1].astimezone(BERLIN).strftime("%H:%M %Z") == "03:30 CEST"


def test_a_repeated_wall_time_goes_out_once_the_first_time() -> None:
    rule = parse_repeat("every day 02:30")
    got = walk(rule, utc(2027, 10, 30, 12), BERLIN, 2)
    # On the 31st 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET): once only.
    assert got == [utc(2027, 10, 31, 0, 30), utc(2027, 11, 1, 1, 30)]
    keys = [rule.occurrence_key(m, BERLIN) for m in got]
    assert keys == ["2027-10-31T02:30", "2027-11-01T02:30"]
    # Asking again from the repeated hour finds the next day, not a second showing.
    assert rule.next_after(utc(2027, 10, 31, 1, 0), BERLIN) == utc(2027, 11, 1, 1, 30)


@pytest.mark.parametrize("text, days, describe", [
    ("every Monday 10:00", {0}, "every Monday at 10:00"),
    ("every weekday at 9am", {0, 1, 2, 3, 4}, "every weekday at 09:00"),
    ("every Tuesday and Friday 18:30", {1, 4}, "every Tuesday and Friday at 18:30"),
    ("every day 7.15", set(range(7)), "every day at 07:15"),
    ("every weekend 12pm", {5, 6}, "every weekend at 12:00"),
    ("EVERY  mondays   10:00", {0}, "every Monday at 10:00"),
])
def test_repeats_read_as_people_write_them(text: str, days: set[int], describe: str) -> None:
    rule = parse_repeat(text)
    assert rule.days == frozenset(days)
    assert rule.describe() == describe
    assert parse_repeat(rule.describe()) == rule  # the stored form reads back the same


@pytest.mark.parametrize("text", ["every blursday 10:00", "every Monday", "every Monday 25:00",
                                  "every Monday 13pm", "every"])
def test_unreadable_repeats_say_why(text: str) -> None:
    with pytest.raises(WhenError):
        parse_repeat(text)


NOW = utc(2027, 3, 27, 23, 0)  # Sunday 28 March, 00:00 in Berlin (the night the clocks jump)


@pytest.mark.parametrize("text, expected", [
    ("2h", utc(2027, 3, 28, 1)),
    ("in 90m", utc(2027, 3, 28, 0, 30)),
    ("2027-03-28 10:00", utc(2027, 3, 28, 8)),       # CEST already
    ("2027-03-28T01:00", utc(2027, 3, 28, 0)),       # still CET
    ("2027-03-28 10:00+00:00", utc(2027, 3, 28, 10)),
    ("tomorrow 9:30", utc(2027, 3, 29, 7, 30)),
    ("today 12:00", utc(2027, 3, 28, 10)),
    ("15:00", utc(2027, 3, 28, 13)),
    ("at 9am", utc(2027, 3, 28, 7)),
    ("Friday 18:00", utc(2027, 4, 2, 16)),
])
def test_moments_in_the_community_timezone(text: str, expected: datetime) -> None:
    assert parse_moment(text, NOW, BERLIN) == expected


def test_a_time_already_past_today_means_tomorrow_but_a_date_in_the_past_is_refused() -> None:
    assert parse_moment("00:00", utc(2027, 3, 28), BERLIN) == utc(2027, 3, 28, 22)
    with pytest.raises(WhenError, match="already passed"):
        parse_moment("2026-01-01 10:00", NOW, BERLIN)
    with pytest.raises(WhenError, match="couldn't read"):
        parse_moment("whenever", NOW, BERLIN)


def test_parse_when_tells_the_three_apart() -> None:
    assert parse_when("now", NOW, BERLIN) == Now()
    assert parse_when("", NOW, BERLIN) == Now()
    assert parse_when("1h", NOW, BERLIN) == Once(utc(2027, 3, 28, 0))
    assert parse_when("every Monday 10:00", NOW, BERLIN) == Repeat(frozenset({0}), 10, 0)
    with pytest.raises(WhenError, match="single time"):
        parse_when("every Monday 10:00", NOW, BERLIN, repeats=False)
