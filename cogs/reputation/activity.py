"""Activity points held in memory between flushes: who earned how many, and when each member's
next message may earn again. No storage: the cog writes what `take` hands it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(slots=True)
class Activity:
    """One community's activity since the last flush."""

    # user id -> when their next message may earn points again
    next_at: dict[str, datetime] = field(default_factory=dict)
    # user id -> messages that earned points since the last flush
    pending: dict[str, int] = field(default_factory=dict)

    def count(self, user_id: str, now: datetime, cooldown: timedelta | None) -> bool:
        """Count a message toward activity; False while the member's cooldown runs."""
        allowed = self.next_at.get(user_id)
        if allowed is not None and now < allowed:
            return False
        if cooldown:
            self.next_at[user_id] = now + cooldown
        self.pending[user_id] = self.pending.get(user_id, 0) + 1
        return True

    def take(self, most: int) -> dict[str, int]:
        """Up to `most` members' waiting activity; the rest stays for the next take."""
        if len(self.pending) <= most:
            pending, self.pending = self.pending, {}
            return pending
        # From the end: popping the first keys would leave holes every later take scans.
        return dict(self.pending.popitem() for _ in range(most))

    def give_back(self, pending: dict[str, int]) -> None:
        """A write failed: keep the points for the next try rather than lose them."""
        for user_id, n in pending.items():
            self.pending[user_id] = self.pending.get(user_id, 0) + n

    def forget_cooldowns(self, now: datetime) -> None:
        """Cooldowns that have run out would allow the next message anyway."""
        self.next_at = {u: t for u, t in self.next_at.items() if t > now}
