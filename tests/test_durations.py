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
