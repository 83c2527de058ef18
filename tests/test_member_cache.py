"""The runtime's memory of members: as last seen, least recently seen let go first, and held
in a shape the cycle collector doesn't walk (a full collection stops the event loop)."""

from __future__ import annotations

import dataclasses
import gc

from bot.events import Actor, Community
from bot.member_cache import MemberCache

HERE = Community("discord", "1")


def test_a_member_comes_back_as_last_seen_with_every_field() -> None:
    cache = MemberCache()
    # Every field away from its default, so a field added to Actor and not kept fails here.
    values = {"user_id": "7", "name": "Ada", "is_bot": True, "roles": frozenset({"r1", "r2"}),
              "platform_moderator": True, "platform_admin": True}
    assert set(values) == {f.name for f in dataclasses.fields(Actor)}
    actor = Actor(**values)  # type: ignore[arg-type]
    cache.note(HERE, actor, False, size=10)
    assert cache.get(HERE, "7") == actor
    assert cache.get(Community("slack", "1"), "7") is None
    assert cache.get(HERE, "8") is None


def test_the_member_seen_longest_ago_is_let_go_first() -> None:
    cache = MemberCache()
    for user in ("a", "b", "c"):
        cache.note(HERE, Actor(user, user), True, size=3)
    cache.note(HERE, Actor("a", "a"), True, size=3)  # a seen again: b is now the oldest
    cache.note(HERE, Actor("d", "d"), True, size=3)
    assert [cache.get(HERE, u) is not None for u in "abcd"] == [True, False, True, True]
    assert len(cache) == 3


def test_the_member_list_is_remembered_beyond_the_cache_by_name() -> None:
    cache = MemberCache()
    cache.note(HERE, Actor("a", "Ada"), True, size=1)
    cache.note(HERE, Actor("b", "Bo"), True, size=1)  # a let go of
    assert cache.get(HERE, "a") is None
    assert cache.in_directory(HERE, Actor("a", "Ada"))
    assert not cache.in_directory(HERE, Actor("a", "Ada L."))  # renamed: written again
    cache.note(HERE, Actor("b", "Bo"), False, size=1)  # the write failed
    assert not cache.in_directory(HERE, Actor("b", "Bo"))
    cache.forget(HERE, "a")
    assert not cache.in_directory(HERE, Actor("a", "Ada"))


def test_what_is_remembered_beyond_the_cache_is_bounded() -> None:
    cache = MemberCache()
    for i in range(1000):
        cache.note(HERE, Actor(str(i), f"m{i}"), True, size=10)
    remembered = sum(cache.in_directory(HERE, Actor(str(i), f"m{i}")) for i in range(1000))
    assert 20 <= remembered <= 40  # between 2 and 4 times the cache
    assert cache.in_directory(HERE, Actor("999", "m999"))


def test_a_full_cache_adds_nothing_for_the_collector_to_walk() -> None:
    cache = MemberCache()
    gc.collect()
    before = len(gc.get_objects())
    for i in range(5000):
        roles = frozenset({"helper"}) if i % 3 else frozenset()
        cache.note(HERE, Actor(str(i), f"member{i}", roles=roles), True, size=5000)
    gc.collect()
    # Actor objects and their frozensets would be 10,000 tracked objects or more.
    assert len(gc.get_objects()) - before < 50
