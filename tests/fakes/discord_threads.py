"""FakeDiscord's threads, forum posts and message history: the routes discord.py calls for them
and the rules Discord documents, mixed into ``FakeDiscord`` (tests/fakes/discord_server.py).

Sources, discord/discord-api-docs (developers/...) and discord.py 2.7.1's http.py / threads.py:
  resources/message.mdx, Start Thread from Message: ``POST /channels/{c}/messages/{m}/threads``;
    the thread takes the message's id; name 1-100; auto_archive_duration 60, 1440, 4320 or
    10080; a second thread on one message is 400 code 160004; needs Create Public Threads.
  resources/channel.mdx, Start Thread without Message: ``POST /channels/{c}/threads`` with
    ``type`` 11 (public, Create Public Threads) or 12 (private, Create Private Threads);
    Start Thread in Forum or Media Channel: the same route with a ``message`` (content,
    embeds, ...) and ``applied_tags`` (up to 5 of the forum's ``available_tags``; the forum's
    REQUIRE_TAG flag, 1 << 4, makes one mandatory); needs Send Messages; the answer is the
    thread with the first ``message`` nested, both with the same id. discord.py adds
    ``?use_nested_fields=1``.
  resources/channel.mdx, Modify Channel (Thread): name 1-100, archived, locked,
    auto_archive_duration, applied_tags; locking, or changing a locked thread, needs Manage
    Threads (403, 50013). A THREAD_UPDATE follows.
  topics/threads.mdx: archived threads are immutable, but sending a message unarchives one
    automatically; a locked one only a member with Manage Threads can unarchive (400, 50083
    "Operation cannot be performed on an archived thread"); sending in a thread needs Send
    Messages in Threads. THREAD_CREATE carries ``newly_created`` for new threads.
  resources/message.mdx, Get Channel Messages: ``limit`` 1-100 (default 50), one of
    ``around``/``before``/``after``, newest first; needs Read Message History in a guild.
  topics/opcodes-and-status-codes.mdx: 50035 Invalid Form Body, 50001 Missing Access,
    50013 Missing Permissions, 50083 archived thread, 160004 thread already created.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.fakes.discord_shapes import _error, _invalid, _now_iso, snowflake

if TYPE_CHECKING:
    from tests.fakes.discord_server import Call, FakeGuild

MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38
READ_MESSAGE_HISTORY = 1 << 16
VIEW_CHANNEL, SEND_MESSAGES = 1 << 10, 1 << 11
PUBLIC_THREAD, PRIVATE_THREAD, GUILD_FORUM = 11, 12, 15
THREAD_TYPES = (PUBLIC_THREAD, PRIVATE_THREAD)
ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)
THREAD_NAME_MAX = 100
APPLIED_TAGS_MAX = 5
REQUIRE_TAG = 1 << 4
HISTORY_LIMIT_MAX = 100


def thread_problem(body: dict, *, create: bool) -> tuple[int, dict] | None:
    """A thread name or archive duration Discord refuses, as it refuses it."""
    name = body.get("name")
    if create or "name" in body:
        if not isinstance(name, str) or not 1 <= len(name) <= THREAD_NAME_MAX:
            return 400, _invalid("name", "BASE_TYPE_BAD_LENGTH",
                                 f"Must be between 1 and {THREAD_NAME_MAX} in length.")
    duration = body.get("auto_archive_duration")
    if duration is not None and duration not in ARCHIVE_DURATIONS:
        return 400, _invalid("auto_archive_duration", "BASE_TYPE_CHOICES",
                             f"Value must be one of {set(ARCHIVE_DURATIONS)}.")
    return None


def tags_problem(forum: dict, tags: list[str]) -> tuple[int, dict] | None:
    """Tags a forum post may not carry: more than 5, or any not among the forum's own."""
    known = {t["id"] for t in forum.get("available_tags", [])}
    if len(tags) > APPLIED_TAGS_MAX or not set(tags) <= known:
        return 400, _invalid("applied_tags", "BASE_TYPE_BAD_LENGTH" if
                             len(tags) > APPLIED_TAGS_MAX else "TAG_INVALID",
                             f"Up to {APPLIED_TAGS_MAX} of the forum's available tags.")
    return None


class ThreadRoutes:
    """Threads and forums for FakeDiscord; tests read ``fake.threads`` (id -> thread)."""

    # Provided by FakeDiscord.
    bot_user_id: str
    guilds: dict[str, FakeGuild]
    messages: dict[str, dict]
    dm_channels: dict[str, dict]

    def _thread_route_table(self, c: str, m: str) -> list[tuple[str, str, Any]]:
        return [
            ("POST", rf"/channels/{c}/messages/{m}/threads", self._start_thread_from_message),
            ("POST", rf"/channels/{c}/threads", self._start_thread),
            ("PATCH", rf"/channels/{c}", self._modify_thread),
            ("GET", rf"/channels/{c}/messages", self._channel_history),
        ]

    @property
    def threads(self) -> dict[str, dict]:
        """Every thread (and forum post) in every guild, by id."""
        return {tid: t for g in self.guilds.values() for tid, t in g.threads.items()}

    # --- test-facing ---------------------------------------------------------------------

    async def member_dm(self, user_id: str, content: str) -> str:
        """A member writes to Hearth privately: MESSAGE_CREATE in their DM channel, without
        ``guild_id``; returns the message id."""
        channel = self._dm_channel(user_id)  # type: ignore[attr-defined]
        mid: str = await self.message_create(channel["id"], user_id, content)  # type: ignore[attr-defined]
        channel["last_message_id"] = mid
        return mid

    def dm_history(self, user_id: str, *contents: str) -> list[str]:
        """Messages a member sent privately while Hearth was away (no gateway event); returns
        their ids, oldest first. Hearth finds them through the channel's history."""
        channel = self._dm_channel(user_id)  # type: ignore[attr-defined]
        ids = [self._message_obj(channel["id"], user_id, text)["id"]  # type: ignore[attr-defined]
               for text in contents]
        if ids:
            channel["last_message_id"] = ids[-1]
        return ids

    # --- helpers -------------------------------------------------------------------------

    def _thread_and_guild(self, thread_id: str) -> tuple[dict, FakeGuild] | tuple[None, None]:
        for guild in self.guilds.values():
            if thread_id in guild.threads:
                return guild.threads[thread_id], guild
        return None, None

    def _bot_may(self, guild: FakeGuild, parent: str, permission: int) -> bool:
        return bool(guild.channel_permissions(self.bot_user_id, parent) & permission)

    def _thread_obj(self, guild: FakeGuild, parent: dict, thread_id: str, body: dict,
                    kind: int) -> dict:
        duration = body.get("auto_archive_duration") or parent.get(
            "default_auto_archive_duration") or 1440
        now = _now_iso()
        thread = {
            "id": thread_id,
            "guild_id": guild.id,
            "parent_id": parent["id"],
            "owner_id": self.bot_user_id,
            "name": body["name"],
            "type": kind,
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "rate_limit_per_user": body.get("rate_limit_per_user") or 0,
            "flags": 0,
            "applied_tags": [str(t) for t in body.get("applied_tags") or []],
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": duration,
                "archive_timestamp": now,
                "locked": False,
                "create_timestamp": now,
                **({"invitable": bool(body.get("invitable", True))}
                   if kind == PRIVATE_THREAD else {}),
            },
            "member": {"id": thread_id, "user_id": self.bot_user_id, "join_timestamp": now,
                       "flags": 0},
        }
        guild.threads[thread_id] = thread
        return thread

    async def _announce_thread(self, thread: dict, event: str = "THREAD_CREATE") -> None:
        payload = {**thread}
        if event == "THREAD_CREATE":
            payload["newly_created"] = True
        await self.dispatch(event, payload)  # type: ignore[attr-defined]

    def _parent_or_error(self, channel: str, *allowed_types: int
                         ) -> tuple[dict, FakeGuild] | tuple[int, dict]:
        guild = self._guild_of_channel(channel)  # type: ignore[attr-defined]
        if guild is None or channel not in guild.channels:
            if channel in self.threads:
                return 400, _error(50024, "Cannot execute action on this channel type")
            return 404, _error(10003, "Unknown Channel")
        parent = guild.channels[channel]
        if parent["type"] not in allowed_types:
            return 400, _error(50024, "Cannot execute action on this channel type")
        if not self._bot_may(guild, channel, VIEW_CHANNEL):
            return 403, _error(50001, "Missing Access")
        return parent, guild

    # --- routes --------------------------------------------------------------------------

    async def _start_thread_from_message(self, call: Call, channel: str, message: str
                                         ) -> tuple[int, Any]:
        found = self._parent_or_error(channel, 0, 5)
        if isinstance(found[0], int):
            return found  # type: ignore[return-value]
        parent, guild = found  # type: ignore[misc]
        source = self.messages.get(message)
        if source is None or source["channel_id"] != channel:
            return 404, _error(10008, "Unknown Message")
        if not self._bot_may(guild, channel, CREATE_PUBLIC_THREADS):
            return 403, _error(50013, "Missing Permissions")
        body = call.json or {}
        problem = thread_problem(body, create=True)
        if problem is not None:
            return problem
        if message in guild.threads:
            return 400, _error(160004, "A thread has already been created for this message")
        thread = self._thread_obj(guild, parent, message, body, PUBLIC_THREAD)
        source["thread"] = thread
        source["flags"] = source.get("flags", 0) | (1 << 5)  # HAS_THREAD
        await self._announce_thread(thread)
        return 201, thread

    async def _start_thread(self, call: Call, channel: str) -> tuple[int, Any]:
        found = self._parent_or_error(channel, 0, 5, GUILD_FORUM)
        if isinstance(found[0], int):
            return found  # type: ignore[return-value]
        parent, guild = found  # type: ignore[misc]
        body = call.json or {}
        problem = thread_problem(body, create=True)
        if problem is not None:
            return problem
        if parent["type"] == GUILD_FORUM:
            return await self._start_forum_post(guild, parent, body)
        kind = body.get("type", PRIVATE_THREAD)  # v9+: private unless told otherwise
        if kind not in THREAD_TYPES:
            return 400, _invalid("type", "BASE_TYPE_CHOICES", "Value must be one of {11, 12}.")
        needed = CREATE_PUBLIC_THREADS if kind == PUBLIC_THREAD else CREATE_PRIVATE_THREADS
        if not self._bot_may(guild, channel, needed):
            return 403, _error(50013, "Missing Permissions")
        thread = self._thread_obj(guild, parent, snowflake(), body, kind)
        await self._announce_thread(thread)
        return 201, thread

    async def _start_forum_post(self, guild: FakeGuild, forum: dict, body: dict
                                ) -> tuple[int, Any]:
        from tests.fakes.discord_server import message_problem
        if not self._bot_may(guild, forum["id"], SEND_MESSAGES):
            return 403, _error(50013, "Missing Permissions")
        first = body.get("message")
        if not isinstance(first, dict):
            return 400, _invalid("message", "BASE_TYPE_REQUIRED", "This field is required")
        problem = message_problem(first)
        if problem is not None:
            return problem
        tags = [str(t) for t in body.get("applied_tags") or []]
        problem = tags_problem(forum, tags)
        if problem is not None:
            return problem
        if forum["flags"] & REQUIRE_TAG and not tags:
            return 400, _error(40067, "A tag is required to create a forum post in this channel")
        thread_id = snowflake()
        thread = self._thread_obj(guild, forum, thread_id, {**body, "applied_tags": tags},
                                  PUBLIC_THREAD)
        message = self._message_obj(  # type: ignore[attr-defined]
            thread_id, self.bot_user_id, first.get("content") or "", body=first,
            extra={"id": thread_id, "position": 0})
        thread.update(last_message_id=thread_id, message_count=1, total_message_sent=1)
        forum["last_message_id"] = thread_id
        await self._announce_thread(thread)
        await self._echo(message)  # type: ignore[attr-defined]
        return 201, {**thread, "message": message}

    async def _modify_thread(self, call: Call, channel: str) -> tuple[int, Any]:
        thread, guild = self._thread_and_guild(channel)
        if thread is None or guild is None:
            found = self._channel(channel)  # type: ignore[attr-defined]
            return (404, _error(10003, "Unknown Channel")) if found is None else (
                403, _error(50013, "Missing Permissions"))  # only threads are modelled
        body = call.json or {}
        problem = thread_problem(body, create=False)
        if problem is not None:
            return problem
        meta = thread["thread_metadata"]
        manage = self._bot_may(guild, thread["parent_id"], MANAGE_THREADS)
        owner = thread["owner_id"] == self.bot_user_id
        if ("locked" in body or meta["locked"]) and not manage:
            return 403, _error(50013, "Missing Permissions")
        if {"name", "applied_tags"} & body.keys() and not (manage or owner):
            return 403, _error(50013, "Missing Permissions")
        if "applied_tags" in body:
            parent = guild.channels[thread["parent_id"]]
            tags = [str(t) for t in body["applied_tags"] or []]
            problem = tags_problem(parent, tags)
            if problem is not None:
                return problem
            thread["applied_tags"] = tags
        if "name" in body:
            thread["name"] = body["name"]
        for key in ("archived", "locked", "auto_archive_duration"):
            if key in body:
                meta[key] = body[key]
        if "archived" in body:
            meta["archive_timestamp"] = _now_iso()
        await self._announce_thread(thread, "THREAD_UPDATE")
        return 200, thread

    def thread_send_problem(self, channel: str) -> tuple[int, dict] | None:
        """Why a message can't go into this thread, or None (unarchiving it if it may)."""
        thread, guild = self._thread_and_guild(channel)
        if thread is None or guild is None:
            return None
        parent = thread["parent_id"]
        if not self._bot_may(guild, parent, VIEW_CHANNEL):
            return 403, _error(50001, "Missing Access")
        if not self._bot_may(guild, parent, SEND_MESSAGES_IN_THREADS):
            return 403, _error(50013, "Missing Permissions")
        meta = thread["thread_metadata"]
        manage = self._bot_may(guild, parent, MANAGE_THREADS)
        if meta["locked"] and not manage:
            if meta["archived"]:
                return 400, _error(50083, "Thread is archived")
            return 403, _error(50013, "Missing Permissions")
        return None

    async def after_thread_message(self, channel: str, message_id: str) -> None:
        """Sending unarchives the thread (THREAD_UPDATE) and counts the message."""
        thread, _ = self._thread_and_guild(channel)
        if thread is None:
            return
        thread.update(last_message_id=message_id, message_count=thread["message_count"] + 1,
                      total_message_sent=thread["total_message_sent"] + 1)
        if thread["thread_metadata"]["archived"]:
            thread["thread_metadata"]["archived"] = False
            await self._announce_thread(thread, "THREAD_UPDATE")

    async def _channel_history(self, call: Call, channel: str) -> tuple[int, Any]:
        found = self._channel(channel)  # type: ignore[attr-defined]
        if found is None:
            return 404, _error(10003, "Unknown Channel")
        guild = self._guild_of_channel(channel)  # type: ignore[attr-defined]
        if guild is not None:
            thread = guild.threads.get(channel)
            where = thread["parent_id"] if thread else channel
            if not self._bot_may(guild, where, VIEW_CHANNEL):
                return 403, _error(50001, "Missing Access")
            if not self._bot_may(guild, where, READ_MESSAGE_HISTORY):
                return 200, []  # Discord answers an empty list without the permission
        try:
            limit = int(call.query.get("limit", 50))
        except ValueError:
            return 400, _invalid("limit", "NUMBER_TYPE_COERCE", "Value is not int.")
        if not 1 <= limit <= HISTORY_LIMIT_MAX:
            return 400, _invalid("limit", "NUMBER_TYPE_MAX" if limit > 1 else "NUMBER_TYPE_MIN",
                                 f"Must be between 1 and {HISTORY_LIMIT_MAX}.")
        anchors = [k for k in ("around", "before", "after") if k in call.query]
        if len(anchors) > 1:
            return 400, _error(50035, "Invalid Form Body")
        here = sorted((m for m in self.messages.values() if m["channel_id"] == channel),
                      key=lambda m: int(m["id"]))
        if "after" in call.query:
            after = int(call.query["after"])
            here = [m for m in here if int(m["id"]) > after][:limit]
        elif "before" in call.query:
            before = int(call.query["before"])
            here = [m for m in here if int(m["id"]) < before][-limit:]
        elif "around" in call.query:
            around = int(call.query["around"])
            older = [m for m in here if int(m["id"]) < around][-(limit // 2):] if limit > 1 \
                else []
            newer = [m for m in here if int(m["id"]) >= around][: limit - len(older)]
            here = older + newer
        else:
            here = here[-limit:]
        return 200, list(reversed(here))  # newest first, as documented
