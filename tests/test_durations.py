from __future__ import annotations

from datetime import timedelta

import pytest

from bot.durations import format_duration, parse_duration, short_duration


@pytest.mark.parametrize("text, expected", [
    ("90m", timedelta(minutes=90)), ("3d", timedelta(days=3)),
    ("1w2d", timedelta(days=9)), ("1h 30m", timedelta(minutes=90)), ("45S", timedelta(seconds=45)),
])
def test_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "3", "d3", "3 days", "0m", "-5m", "99999w"])
def test_parse_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_format() -> None:
    assert format_duration(timedelta(days=1, hours=2, minutes=5)) == "1 day 2 hours"
    assert format_duration(timedelta(minutes=1)) == "1 minute"
    assert short_duration(timedelta(days=9, hours=1)) == "1w2d1h"


@pytest.mark.parametrize("value, said", [
    (timedelta(days=90), "90 days"),
    (timedelta(weeks=4, days=5, hours=9), "33 days"),
    (timedelta(days=3, hours=4), "3 days"),
    (timedelta(days=1, hours=2), "1 day 2 hours"),
    (timedelta(days=105), "about 3 months"),
    (timedelta(weeks=57, days=1), "about a year"),
    (timedelta(days=800), "about 2 years"),
    (timedelta(hours=1, minutes=30), "1 hour 30 minutes"),
])
def test_durations_read_as_a_person_says_them(value: timedelta, said: str) -> None:
    assert format_duration(value) == said
