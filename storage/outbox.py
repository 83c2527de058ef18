"""The outbox: posts that follow a committed change, stored in the same transaction as the change
and forgotten once the platform's receipt is stored.

The runtime opens a `unit` around each event's handling and each job; whatever the features write
inside it, and the posts their actions ask for, commit together. A post is kept as JSON: its
channel, its text as segments (so each adapter still renders it natively), its key and thread.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.actions import Action, EditPost, Post
from bot.events import Community
from bot.ports import Part
from bot.text import (
    ChannelLink,
    CommandRef,
    Literal,
    Mention,
    MessageLink,
    Segment,
    Text,
    Timestamp,
    UserText,
)
from storage.database import Database, Unit
from storage.times import from_ts, to_ts

# Actions that are kept: what everyone sees in a channel. Replies and private messages answer
# the member at once or not at all (an interaction's reply can't be sent after a restart).
KEPT = (Post, EditPost)


class Outbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    def unit(self) -> AbstractAsyncContextManager[Unit]:
        """Everything written inside commits together at the end, or none of it."""
        return self.db.unit()

    def isolated(self) -> AbstractAsyncContextManager[None]:
        """A part of a unit that may fail alone: what it wrote is undone, the unit goes on."""
        return self.db.isolated()

    def part(self) -> Part:
        """`isolated` as calls rather than a block: `done()` or `await failed()`."""
        return self.db.part()

    async def keep(self, actions: Sequence[Action], worker: str, at: datetime) -> list[Action]:
        """Store every post among `actions` (inside the unit that made them); returns the
        actions with each stored post carrying its outbox id."""
        out: list[Action] = []
        for action in actions:
            if isinstance(action, KEPT) and action.outbox is None:
                c = action.community
                number = await self.db.insert(
                    "INSERT INTO outbox (platform, community, action, worker, created_at)"
                    " VALUES (?,?,?,?,?)",
                    (c.platform, c.id, json.dumps(_encode(action)), worker, to_ts(at)))
                action = replace(action, outbox=number)
            out.append(action)
        return out

    async def delivered(self, number: int) -> None:
        await self.db.execute("DELETE FROM outbox WHERE id=?", (number,))

    async def left_behind(self, worker: str, now: datetime, stale: timedelta
                          ) -> list[Action]:
        """Posts a crash left undelivered: this worker's own, and any another worker made more
        than `stale` ago (it died), taken over by this one, oldest first."""
        async with self.db.transaction():
            await self.db.execute(
                "UPDATE outbox SET worker=? WHERE worker<>? AND created_at<?",
                (worker, worker, to_ts(now - stale)))
            rows = await self.db.fetchall(
                "SELECT id, platform, community, action FROM outbox WHERE worker=?"
                " ORDER BY created_at, id", (worker,))
        return [_decode(Community(r["platform"], r["community"]), json.loads(r["action"]),
                        int(r["id"])) for r in rows]

    async def waiting(self) -> int:
        return int(await self.db.scalar("SELECT COUNT(*) FROM outbox") or 0)


def _segment(s: Segment) -> list[Any]:
    if isinstance(s, Literal):
        return ["l", s.text]
    if isinstance(s, UserText):
        return ["u", s.text]
    if isinstance(s, Mention):
        return ["m", s.user_id, s.name]
    if isinstance(s, ChannelLink):
        return ["c", s.channel]
    if isinstance(s, CommandRef):
        return ["r", s.name]
    if isinstance(s, MessageLink):
        return ["k", s.channel, s.message_id]
    return ["t", to_ts(s.at)]


def _unsegment(raw: list[Any]) -> Segment:
    kind = raw[0]
    if kind == "l":
        return Literal(raw[1])
    if kind == "u":
        return UserText(raw[1])
    if kind == "m":
        return Mention(raw[1], raw[2])
    if kind == "c":
        return ChannelLink(raw[1])
    if kind == "r":
        return CommandRef(raw[1])
    if kind == "k":
        return MessageLink(raw[1], raw[2])
    at = from_ts(raw[1])
    assert at is not None
    return Timestamp(at)


def _encode(action: Post | EditPost) -> dict[str, Any]:
    text = [_segment(s) for s in action.text.segments]
    if isinstance(action, EditPost):
        return {"edit": True, "channel": action.channel, "key": action.key, "text": text}
    return {"channel": action.channel, "text": text, "key": action.key,
            "opens_thread": action.opens_thread, "thread_of": action.thread_of}


def _decode(community: Community, raw: dict[str, Any], number: int) -> Action:
    text = Text(tuple(_unsegment(s) for s in raw["text"]))
    if raw.get("edit"):
        return EditPost(community, raw["channel"], raw["key"], text, outbox=number)
    return Post(community, raw["channel"], text, key=raw.get("key"),
                opens_thread=raw.get("opens_thread"), thread_of=raw.get("thread_of"),
                outbox=number)
