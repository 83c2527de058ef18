"""Fairness limits under concurrent commands, on each backend: Discord and Slack both run a
member's commands at once, so every check-then-write must hold when they race (three /appeal
at once, three /thanks at once, fifteen over a daily limit of ten)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tests.harness import Harness, texts

OPEN = "already have an open appeal"


async def test_three_appeals_at_once_open_one_and_tell_the_others_why(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness().start()
    for name in ("bob",):
        await h.join(name)
    await h.command("alice", "/warn @bob spam", mod=True)
    replies = await asyncio.gather(*(h.command("bob", f"/appeal 1 it was a quote ({i})")
                                     for i in range(3)))
    said = [t for r in replies for t in texts(r)]
    assert sum("with the moderators" in t for t in said) == 1, said
    assert sum(OPEN in t for t in said) == 2, said
    assert not any("went wrong" in t for t in said), said
    assert await h.app.storage.db.scalar("SELECT COUNT(*) FROM moderation_appeals") == 1
    await h.close()


async def test_thanks_at_once_respect_the_pair_cooldown_and_the_daily_limit(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness("[reputation]\ndaily_limit = 10\n").start()
    names = [f"m{i:02}" for i in range(15)]
    for name in ("alice", *names):
        await h.join(name)
    # Three to one member at once: the pair cooldown lets one through.
    same = await asyncio.gather(*(h.command("alice", "/thanks @m00") for _ in range(3)))
    # Fifteen to different members at once: the daily limit (10) stops the rest.
    many = await asyncio.gather(*(h.command("alice", f"/thanks @{n}") for n in names[1:]))
    given = await h.app.storage.db.scalar(
        "SELECT COUNT(*) FROM rep_ledger WHERE giver_id='alice'")
    to_m00 = await h.app.storage.db.scalar(
        "SELECT COUNT(*) FROM rep_ledger WHERE giver_id='alice' AND user_id='m00'")
    assert to_m00 == 1, [texts(r) for r in same]
    assert given == 10, [texts(r) for r in many]
    await h.close()
