"""Members' data rights, as the core sees them: every feature declares what it keeps.

A feature that stores anything about a member returns a `MemberData` from `Cog.member_data()`
(the core's own tables declare theirs in storage/). The declaration says, in plain words, what
is kept and for how long (for `/mydata what`), exports one member's rows, previews and performs
forgetting them, and applies the feature's retention rule. `DataRights` runs every declaration
together: the mydata feature and the `hearth data` command line both go through it, so a
member asking in chat and an admin answering an email get the same export and the same forget.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bot.actions import Action, EditPost, RemoveRole
from bot.durations import format_duration
from bot.events import Community
from bot.templates import counted
from bot.text import Text

# Forgotten members leave some rows behind on purpose (votes still counted, thanks still worth
# points); those rows name a fresh pseudonym instead of the member, never linkable back.
FORMER_PREFIX = "former:"


# The job that carries a forget's platform changes to the running Hearth (see `to_payload`).
FOLLOW_UP = "mydata.follow_up"


def pseudonym() -> str:
    """A stand-in id for a forgotten member: unique per forget, never derived from their id."""
    return f"{FORMER_PREFIX}{secrets.token_hex(8)}"


def is_former(user_id: str | None) -> bool:
    return bool(user_id) and str(user_id).startswith(FORMER_PREFIX)


@dataclass(frozen=True, slots=True)
class Kept:
    """Rows a forget leaves on purpose: what, why, and until when (None: while needed)."""

    what: str
    why: str
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class ForgetPlan:
    """What forgetting a member would do in one feature, in plain words."""

    deleted: tuple[str, ...] = ()
    kept: tuple[Kept, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.deleted and not self.kept


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What a forget did in one feature, and what should follow on the platform."""

    rows: int = 0
    actions: tuple[Action, ...] = ()


# A community's settings; None gives the base settings (for global sections like [hearth]).
SettingsFor = Callable[[Community | None], Any]


class MemberData(Protocol):
    """One feature's part in members' data rights."""

    # The feature's name, shown in `/mydata what` and used as the export's section key.
    feature: str
    # table -> the columns in it that hold a member id, which this declaration exports and
    # forgets (the schema-coverage test holds every such column in the database to this).
    covers: Mapping[str, tuple[str, ...]]

    def statement(self, settings: Any) -> str:
        """What is kept about members and for how long, in plain words (from `settings`)."""
        ...

    async def export(self, community: Community, user_id: str) -> dict[str, Any]:
        """Everything stored about this member, limited to what they saw of other people."""
        ...

    async def preview(self, community: Community, user_id: str, now: datetime,
                      settings: Any) -> ForgetPlan:
        """What `forget` would delete and keep; changes nothing."""
        ...

    async def forget(self, community: Community, user_id: str, now: datetime,
                     settings: Any) -> Forgotten:
        """Delete or unlink this member's rows, except what the preview says is kept."""
        ...

    async def prune(self, now: datetime, settings_for: SettingsFor) -> int:
        """Apply the retention rule: delete what has been kept long enough; returns rows."""
        ...


@dataclass(frozen=True, slots=True)
class Preview:
    """A whole forget preview: feature -> its plan (features with nothing stored are left out)."""

    plans: dict[str, ForgetPlan] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.plans

    @property
    def kept(self) -> list[tuple[str, Kept]]:
        return [(feature, k) for feature, plan in self.plans.items() for k in plan.kept]

    @property
    def deleted(self) -> list[tuple[str, str]]:
        return [(feature, d) for feature, plan in self.plans.items() for d in plan.deleted]


Transaction = Callable[[], AbstractAsyncContextManager[Any]]


class DataRights:
    """Every feature's declaration, run together for one member."""

    def __init__(self, declarations: Sequence[MemberData], transaction: Transaction,
                 settings_for: SettingsFor,
                 forgetting: Callable[[Community, str], Awaitable[None]] | None = None) -> None:
        self.declarations = list(declarations)
        self._transaction = transaction
        self._settings_for = settings_for
        # Called once a member is forgotten, so in-memory caches (the runtime's) let go too.
        self._forgetting = forgetting

    def statements(self, community: Community) -> list[tuple[str, str]]:
        settings = self._settings_for(community)
        return [(d.feature, d.statement(settings)) for d in self.declarations]

    async def export(self, community: Community, user_id: str, now: datetime
                     ) -> dict[str, Any]:
        sections: dict[str, Any] = {}
        for d in self.declarations:
            found = await d.export(community, user_id)
            if found:
                sections[d.feature] = found
        return {
            "hearth_export": 1,
            "community": community.key,
            "member": user_id,
            "generated_at": now.isoformat(),
            "features": sections,
        }

    async def preview(self, community: Community, user_id: str, now: datetime) -> Preview:
        settings = self._settings_for(community)
        plans = {}
        for d in self.declarations:
            plan = await d.preview(community, user_id, now, settings)
            if not plan.empty:
                plans[d.feature] = plan
        return Preview(plans)

    async def forget(self, community: Community, user_id: str, now: datetime
                     ) -> tuple[int, list[Action]]:
        """Forget a member in every feature, in one transaction: all of it or none of it."""
        settings = self._settings_for(community)
        rows, actions = 0, list[Action]()
        async with self._transaction():
            for d in self.declarations:
                done = await d.forget(community, user_id, now, settings)
                rows += done.rows
                actions.extend(done.actions)
        if self._forgetting is not None:
            await self._forgetting(community, user_id)
        return rows, actions

    async def prune(self, now: datetime) -> dict[str, int]:
        """Every feature's retention rule; returns rows deleted per feature."""
        return {d.feature: await d.prune(now, self._settings_for) for d in self.declarations}


def export_json(export: dict[str, Any]) -> bytes:
    """The export as the file a member receives: readable, stable key order, UTF-8."""
    return (json.dumps(export, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode()


def to_payload(actions: Sequence[Action]) -> list[dict[str, Any]]:
    """What a forget asks of the platform, as a job payload, for when it can't be done now
    (`hearth data forget` has no platform connected): edits and role removals, the only
    actions a forget returns. Texts are Hearth's own wording, kept as plain text."""
    out: list[dict[str, Any]] = []
    for a in actions:
        if isinstance(a, EditPost) and a.message_id:
            out.append({"edit": a.channel, "message_id": a.message_id,
                        "more_ids": list(a.more_ids), "text": a.text.plain()})
        elif isinstance(a, RemoveRole):
            out.append({"remove_role": a.role, "member": a.user_id})
    return out


def from_payload(community: Community, payload: Sequence[dict[str, Any]]) -> list[Action]:
    actions: list[Action] = []
    for item in payload:
        if "edit" in item:
            actions.append(EditPost(community, item["edit"], "", Text.of(item["text"]),
                                    message_id=item["message_id"],
                                    more_ids=tuple(item["more_ids"])))
        elif "remove_role" in item:
            actions.append(RemoveRole(community, item["member"], item["remove_role"]))
    return actions


def how_long(value: timedelta) -> str:
    """A retention period as a person says it: "1 year", "90 days", "2 days", "12 hours"."""
    days, rest = divmod(int(value.total_seconds()), 86400)
    if rest == 0 and days >= 365 and days % 365 == 0:
        return counted(days // 365, "year", "years")
    if rest == 0 and days >= 1:
        return counted(days, "day", "days")
    return format_duration(value)


def ts(value: float | None) -> str | None:
    """A stored timestamp as ISO 8601 for exports (None stays None)."""
    if value is None:
        return None
    return datetime.fromtimestamp(float(value), UTC).isoformat()


class Scalars(Protocol):
    async def scalar(self, sql: str, params: Any = ...) -> Any: ...


async def count(db: Scalars, sql: str, params: tuple[Any, ...]) -> int:
    """A `SELECT COUNT(*)`'s answer as an int (what a forget preview tells the member)."""
    return int(await db.scalar(sql, params) or 0)
