"""Rules for thanks that need no storage: whether a thanks may count (the fairness rules),
decided from what the cog loaded. Who a message thanks is read in thanked.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cogs.reputation.settings import ReputationSettings


@dataclass(frozen=True, slots=True)
class Thanker:
    user_id: str
    name: str
    is_bot: bool


@dataclass(frozen=True, slots=True)
class History:
    """What the fairness rules look at, loaded for one giver and receiver (None: not needed)."""

    # Thanks the giver recorded in the last day, and when the oldest of them was.
    given_today: int = 0
    oldest_today: datetime | None = None
    # When the giver last thanked this receiver within the pair cooldown.
    last_to_receiver: datetime | None = None
    # The receiver's points (with unflushed activity), and how many came from this giver.
    receiver_points: int = 0
    from_giver: int = 0


def passed_over(cfg: ReputationSettings, giver: Thanker, target_id: str, target_is_bot: bool
                ) -> bool:
    """Thanks said in passing (a reaction, a message) that nobody meant as one: to yourself,
    from or to a bot. They are ignored without a word."""
    if target_id == giver.user_id and not cfg.allow_self_thanks:
        return True
    return not cfg.bots_take_part and (giver.is_bot or target_is_bot)


def refusal(cfg: ReputationSettings, giver: Thanker, target_id: str, target_is_bot: bool,
            history: History, now: datetime) -> tuple[str, dict[str, Any]] | None:
    """Why this thanks can't be recorded, as a message key and its fields; None if it can."""
    if target_id == giver.user_id and not cfg.allow_self_thanks:
        return "refused_self", {}
    if target_is_bot and not cfg.bots_take_part:
        return "refused_bot", {}
    if cfg.daily_limit and history.given_today >= cfg.daily_limit:
        again = (history.oldest_today or now) + timedelta(days=1)
        return "refused_daily_limit", {"limit": cfg.daily_limit, "again": again}
    if cfg.pair_cooldown and history.last_to_receiver is not None:
        return "refused_pair", {"again": history.last_to_receiver + cfg.pair_cooldown}
    if cfg.max_share_per_giver < 1:
        total = history.receiver_points + cfg.thanks_points
        if total >= cfg.share_applies_from and \
                (history.from_giver + cfg.thanks_points) / total > cfg.max_share_per_giver:
            return "refused_share", {}
    return None
