"""How leaderboard places are ordered: by points, then by name as people count (m1, m2, m10)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from cogs.reputation.store import Ranked

_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key reading runs of digits as numbers: "m2" before "m10", any case."""
    return tuple((0, int(part)) if part.isdigit() else (1, part)
                 for part in _DIGITS.split(name.casefold()) if part)


def places(rows: Iterable[Ranked], size: int) -> list[Ranked]:
    """The first `size` places: most points first, ties by name in natural order."""
    return sorted(rows, key=lambda r: (-r.points, natural_key(r.name)))[:size]
