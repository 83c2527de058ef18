"""Who may use what: member, moderator or admin, from config plus what the platform says."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from bot.events import Actor


class Level(enum.IntEnum):
    MEMBER = 0
    MODERATOR = 1
    ADMIN = 2

    @property
    def label(self) -> str:
        return self.name.lower()


def level_of(
    actor: Actor,
    *,
    moderator_roles: Iterable[str] = (),
    admin_roles: Iterable[str] = (),
    moderator_users: Iterable[str] = (),
    admin_users: Iterable[str] = (),
) -> Level:
    """The highest level the actor holds; roles match by name or platform id."""
    if actor.is_bot:
        return Level.MEMBER
    # Users match by id only: display names are chosen by members and can be spoofed.
    uid, roles = actor.user_id, actor.roles
    if actor.platform_admin or uid in set(admin_users) or roles & set(admin_roles):
        return Level.ADMIN
    if actor.platform_moderator or uid in set(moderator_users) or roles & set(moderator_roles):
        return Level.MODERATOR
    return Level.MEMBER
