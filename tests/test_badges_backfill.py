"""The badge backfill at start: only badges whose criteria are new or changed since their last
finished backfill, awarded a page at a time, and one cut short finishes at the next start.
Through the real runtime on both backends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from storage import to_ts
from tests.harness import Harness, config_from

SETTLED = """
[[reputation.badges]]
name = "Settled"
emoji = "🏡"
description = "a while with us"
criterion = "membership_days"
threshold = {days}
"""

THANKED = """
[[reputation.badges]]
name = "Thanked"
emoji = "🙏"
description = "thanked twice"
criterion = "thanks_received"
threshold = 2
[[reputation.badges]]
name = "Kind"
criterion = "thanks_from_members"
threshold = 2
emoji = "💛"
description = "thanks from two members"
"""


async def holders(h: Harness) -> dict[str, int]:
    held: dict[str, int] = await h.app.stores["badges"].holders(h.community)
    return held


async def restart(h: Harness) -> list[str]:
    start = len(h.lines)
    await h.restart()
    return h.lines[start:]


async def test_unchanged_badges_are_not_backfilled_again_and_changed_ones_are_once(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness(SETTLED.format(days=7)).start()
    for name in ("alice", "bob"):
        await h.join(name)
    assert await restart(h) == []  # the community's first backfill: nobody qualifies yet
    # Behind Hearth's back (no event says so), alice has been here a month.
    await h.app.storage.db.execute(
        "UPDATE members SET first_joined=? WHERE user_id=?",
        (to_ts(h.clock.now() - timedelta(days=30)), "alice"))
    assert await restart(h) == []  # the badge is as it was: no query for it, no award
    assert await holders(h) == {}
    h.config = config_from(SETTLED.format(days=5))
    assert await restart(h) == [
        "[#announcements] Hearth: 🎉 Our badges have been updated, and 1 of you have earned "
        "new ones: 🏡 Settled (1). Congratulations, and thank you for all you do for our "
        "community!"]
    assert await holders(h) == {"Settled": 1}
    assert await restart(h) == []  # once
    await h.close()


async def fail_inserts(h: Harness, backend: str, user_id: str, badge: str) -> None:
    """A real write fault: the database refuses one award (as a full disk or a lost
    connection would refuse it), installed behind Hearth's back."""
    db = h.app.storage.db
    if backend == "sqlite":
        await db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON badges_held WHEN NEW.user_id="
            f"'{user_id}' AND NEW.badge='{badge}' BEGIN SELECT RAISE(ABORT, 'refused'); END")
    else:
        await db.execute(
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN IF NEW.user_id="
            f"'{user_id}' AND NEW.badge='{badge}' THEN RAISE EXCEPTION 'refused'; END IF;"
            " RETURN NEW; END $$ LANGUAGE plpgsql")
        await db.execute("CREATE TRIGGER refuse BEFORE INSERT ON badges_held FOR EACH ROW"
                         " EXECUTE FUNCTION refuse()")


async def test_a_backfill_cut_short_finishes_at_the_next_start(
        make_harness: Callable[..., Harness], backend: str) -> None:
    h = await make_harness("[reputation]\nbadges = []").start()
    for name in ("alice", "bob", "carol", "zed"):
        await h.join(name)
    for giver, receiver in [("alice", "bob"), ("carol", "bob"), ("alice", "zed"),
                            ("carol", "zed")]:
        await h.command(giver, f"/thanks @{receiver}")
    await fail_inserts(h, backend, "zed", "Kind")
    h.config = config_from(THANKED)
    with pytest.raises(Exception, match="refused"):
        await h.restart()  # Thanked is backfilled, then one of Kind's awards is refused
    # The start is one unit: none of it is kept, no badge is marked done.
    assert await holders(h) == {}
    await h.app.storage.db.execute("DROP TRIGGER refuse" + ("" if backend == "sqlite"
                                                             else " ON badges_held"))
    await h.app.close()
    start = len(h.lines)
    await h.start()
    assert h.lines[start:] == [
        "[#announcements] Hearth: 🎉 Our badges have been updated, and 2 of you have earned "
        "new ones: 🙏 Thanked (2), 💛 Kind (2). Congratulations, and thank you for all you "
        "do for our community!"]
    assert await holders(h) == {"Thanked": 2, "Kind": 2}
    assert await restart(h) == []
    await h.close()
