"""Moments are stored as UTC unix seconds (REAL): compact, indexable and timezone-proof."""

from __future__ import annotations

from datetime import UTC, datetime


def to_ts(moment: datetime) -> float:
    return moment.timestamp()


def from_ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)
