"""What the runtime remembers of members between events: each one's Actor as last seen (roles
and platform flags, for `member_level`) and whether the member list already has them under
that name, so it is written once.

Held as strings, booleans and tuples of them, which the cycle collector stops tracking. Kept
as Actor objects, 100,000 members made each full collection walk half a million objects: about
190 ms with the event loop stopped, on a busy server every few seconds. Held this way, the one
OrderedDict left costs it about 15 ms.
"""

from __future__ import annotations

from collections import OrderedDict

from bot.events import Actor, Community

# How many members' stored names are remembered per cached member (see MemberCache.note).
STORED_PER_CACHED = 4

# (platform, community id, user id)
_Key = tuple[str, str, str]
# (name, is_bot, roles, platform_moderator, platform_admin, in the member list)
_Seen = tuple[str, bool, tuple[str, ...], bool, bool, bool]


class MemberCache:
    """Least recently seen first: when it holds `size` members, the oldest is let go, never the
    whole of it. (An OrderedDict: letting go of a plain dict's first key scans the holes left
    by earlier deletions, which at 200,000 members cost more than all the rest.)"""

    def __init__(self) -> None:
        self._seen: OrderedDict[_Key, _Seen] = OrderedDict()
        # Beyond the cache, whom the member list has under which name: two hashes a member
        # (about 100 bytes), so a member the cache let go of isn't written again each time
        # they speak (200,000 active members against a cache of 100,000 wrote every message).
        # Two plain dicts, the newer and the one before it, so none is walked by the
        # collector and letting go of old entries is dropping the older dict.
        self._names: dict[int, int] = {}
        self._older: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._seen)

    def get(self, community: Community, user_id: str) -> Actor | None:
        """The member as last seen, if still remembered."""
        seen = self._seen.get((community.platform, community.id, user_id))
        if seen is None:
            return None
        name, is_bot, roles, moderator, admin, _ = seen
        return Actor(user_id, name, is_bot, frozenset(roles), moderator, admin)

    def in_directory(self, community: Community, actor: Actor) -> bool:
        """Whether the member list already has this member under this name."""
        key = (community.platform, community.id, actor.user_id)
        seen = self._seen.get(key)
        if seen is not None:
            return seen[5] and seen[0] == actor.name
        h = hash(key)
        name = self._names.get(h)
        if name is None:
            name = self._older.get(h)
        return name == hash(actor.name)

    def note(self, community: Community, actor: Actor, stored: bool, size: int) -> None:
        """Remember the member as seen now (the most recently seen), and whether the member
        list has them under this name; keeps at most `size` members."""
        key = (community.platform, community.id, actor.user_id)
        seen = self._seen
        if key in seen:
            seen.move_to_end(key)
        else:
            while len(seen) >= size:
                seen.popitem(last=False)
        seen[key] = (actor.name, actor.is_bot, tuple(sorted(actor.roles)),
                     actor.platform_moderator, actor.platform_admin, stored)
        h = hash(key)
        if stored:
            if len(self._names) >= STORED_PER_CACHED * size // 2:
                self._older, self._names = self._names, {}
            self._names[h] = hash(actor.name)
        else:
            self._names.pop(h, None)
            self._older.pop(h, None)

    def forget(self, community: Community, user_id: str) -> None:
        """A member was forgotten: let go of everything held about them."""
        key = (community.platform, community.id, user_id)
        self._seen.pop(key, None)
        h = hash(key)
        self._names.pop(h, None)
        self._older.pop(h, None)
