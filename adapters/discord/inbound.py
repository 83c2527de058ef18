"""Gateway events -> the core's events. Nothing here decides anything; the cogs do."""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from typing import Any

import discord

from bot.actions import ReadMissed
from bot.events import (
    Actor,
    Attachment,
    Community,
    DirectMessaged,
    Event,
    MemberDeleted,
    MemberJoined,
    MemberLeft,
    MemberRef,
    MessageDeleted,
    MessagePosted,
    ReactionAdded,
)
from bot.ports import Receipt, Sink
from bot.runtime import Runtime
from bot.turns import Turns

log = logging.getLogger(__name__)
# Message types a member writes (default and reply); joins, pins, boosts are system messages.
_MEMBER_MESSAGES = (discord.MessageType.default, discord.MessageType.reply)
# Actors are cached by what they are built from, so the message hot path rarely rebuilds one.
ACTOR_CACHE = 10_000


_COMMUNITIES: dict[int, Community] = {}


def community_of(guild: discord.Guild | int) -> Community:
    """Community("discord", guild id), one object per guild (it is on every event's path)."""
    gid = guild if isinstance(guild, int) else guild.id
    found = _COMMUNITIES.get(gid)
    if found is None:
        found = _COMMUNITIES[gid] = Community("discord", str(gid))
    return found


def build_actor(member: discord.Member) -> Actor:
    """The core's view of a member: name, roles (names and ids), moderator/admin flags."""
    roles = member.roles[1:]  # [0] is @everyone
    names = frozenset([r.name for r in roles] + [str(r.id) for r in roles])
    perms = member.guild_permissions
    return Actor(
        user_id=str(member.id), name=member.display_name, is_bot=member.bot, roles=names,
        platform_moderator=perms.moderate_members,
        platform_admin=perms.administrator or perms.manage_guild)


class Actors:
    """Actor for a member: their display name, roles (names and ids) and moderator/admin flags.

    Building one walks the member's roles and computes permissions; on a busy server the same
    few members post again and again, so the result is cached by everything it depends on.
    Role edits (permissions, names) clear the cache.
    """

    def __init__(self) -> None:
        self._cache: OrderedDict[tuple, Actor] = OrderedDict()

    def of(self, member: discord.Member | discord.User) -> Actor:
        if not isinstance(member, discord.Member):
            return Actor(user_id=str(member.id), name=member.display_name, is_bot=member.bot)
        # _roles is discord.py's raw role-id list (a snapshot per payload); owner matters too.
        key = (member.guild.id, member.id, member.display_name, tuple(member._roles),
               member.guild.owner_id)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = build_actor(member)
            if len(self._cache) > ACTOR_CACHE:
                self._cache.popitem(last=False)
        return found

    def clear(self) -> None:
        self._cache.clear()


class Inbound:
    """Registers gateway listeners on the client and feeds the runtime."""

    def __init__(self, client: discord.Client, runtime: Runtime, sink: Sink,
                 actors: Actors) -> None:
        self.client = client
        self.runtime = runtime
        self.sink = sink
        self.actors = actors
        # Events being handled now, so a stop lets them finish (discord.py runs each listener
        # as its own task).
        self._handling: set[asyncio.Task[Any]] = set()
        # One member's DMs are handled in the order they came, one to the end before the next.
        self._dms = Turns()

    def attach(self) -> None:
        for handler in (self.on_member_join, self.on_member_update, self.on_raw_member_remove,
                        self.on_message, self.on_raw_message_delete,
                        self.on_raw_reaction_add, self.on_guild_role_update,
                        self.on_guild_role_delete):
            # discord.Client dispatches `on_<event>` by attribute (it has no add_listener).
            setattr(self.client, handler.__name__, handler)

    async def _process(self, event: Event) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handling.add(task)
        try:
            await self.runtime.process(event, self.sink)
        except Exception as exc:
            log.error("%s in %s failed: %r", type(event).__name__, event.community.key, exc)
            log.debug("event failure", exc_info=True)
        finally:
            self._handling.discard(task)  # type: ignore[arg-type]

    async def settle(self) -> None:
        """Let the events being handled finish (what they post is recorded): a stop waits for
        them, within a time the caller sets, so a relay isn't repeated after the restart."""
        pending = self._handling - {asyncio.current_task()}
        if pending:
            await asyncio.wait(pending)

    # -- members ------------------------------------------------------------------------

    async def on_member_join(self, member: discord.Member) -> None:
        if member.pending:
            return  # Membership Screening: they are welcomed once they accept the rules
        await self._joined(member)

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        if before.pending and not after.pending:
            await self._joined(after)

    async def _joined(self, member: discord.Member) -> None:
        await self._process(MemberJoined(community_of(member.guild), self.runtime.clock.now(),
                                         member=self.actors.of(member)))

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        community, now = community_of(payload.guild_id), self.runtime.clock.now()
        await self._process(MemberLeft(community, now, member=self.actors.of(payload.user)))
        if await self._deleted(payload.user):
            await self._process(MemberDeleted(community, now, user_id=str(payload.user.id)))

    async def _deleted(self, user: discord.abc.User) -> bool:
        """Whether a departing user's account was deleted. discord.py hands back its cached
        user (the old name), so the account is read afresh: one call per departure."""
        if looks_deleted(user):
            return True
        try:
            return looks_deleted(await self.client.fetch_user(user.id))
        except discord.HTTPException:
            return False

    # -- messages -----------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        # Discord echoes Hearth's own posts back; bots and webhooks aren't members talking.
        author, guild = message.author, message.guild
        if (author.bot or message.webhook_id is not None
                or message.type not in _MEMBER_MESSAGES):
            return
        if guild is None:
            if isinstance(message.channel, discord.DMChannel):
                await self._direct(message)
            return  # a group DM: between members, not to Hearth
        channel = message.channel
        community = _COMMUNITIES.get(guild.id) or community_of(guild)
        await self._process(MessagePosted(
            community, self.runtime.clock.now(), author=self.actors.of(author),
            channel=str(channel.id), message_id=str(message.id), content=message.content,
            channel_name=getattr(channel, "name", None), reply_to=_reply_to(message),
            parent_name=_parent_name(channel)))

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if payload.guild_id is None:
            return
        await self._process(MessageDeleted(
            community_of(payload.guild_id), self.runtime.clock.now(),
            channel=str(payload.channel_id), message_id=str(payload.message_id)))

    async def _direct(self, message: discord.Message) -> None:
        """A member's DM to Hearth: which servers Hearth serves they are in is for the core to
        weigh (oldest server first); its id is the DM channel's and the message's, the same when
        it is read back from the history after a restart."""
        author = message.author
        async with self._dms.turn(str(message.channel.id)):
            shared = tuple(community_of(g) for g in await self._servers_of(author))
            where = shared[0] if shared else Community("discord", "")
            await self._process(self._dm_event(message, where, shared))

    def _dm_event(self, message: discord.Message, where: Community,
                  shared: tuple[Community, ...]) -> DirectMessaged:
        author = message.author
        return DirectMessaged(
            where, self.runtime.clock.now(), author=self.actors.of(author),
            channel=str(message.channel.id), message_id=str(message.id),
            content=message.content, shared=shared,
            attachments=tuple(Attachment(a.filename, a.url) for a in message.attachments),
            event_id=f"dm:{message.channel.id}:{message.id}")

    async def _servers_of(self, user: discord.abc.User) -> list[discord.Guild]:
        """The servers Hearth is in that `user` is a member of: the member cache first (kept
        whole by the members intent), then one REST look-up per server if it knows none."""
        guilds = sorted(self.client.guilds, key=lambda g: g.id)
        found = [g for g in guilds if g.get_member(user.id) is not None]
        if found:
            return found
        for guild in guilds:
            try:
                await guild.fetch_member(user.id)
            except discord.HTTPException:
                continue
            found.append(guild)
        return found

    async def read_back(self, action: ReadMissed) -> Receipt:
        """Read a member's DMs to Hearth after the last one it saw (sent while it was down),
        oldest first, each handled as if it had just arrived; the runtime's claims skip any
        already handled."""
        if not action.channel.isdigit():
            return Receipt(False, reason="not_found")
        channel = self.client.get_channel(int(action.channel))
        if channel is None:
            channel = await self.client.fetch_channel(int(action.channel))
        if not isinstance(channel, discord.DMChannel):
            return Receipt(False, reason="not_found")
        after = discord.Object(int(action.after)) if action.after and action.after.isdigit() \
            else None
        async for message in channel.history(limit=None, after=after, oldest_first=True):
            if str(message.author.id) == action.user_id:
                await self.on_message(message)
        return Receipt(True)

    # -- reactions ----------------------------------------------------------------------

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if payload.guild_id is None or payload.user_id == self.client.user.id:  # type: ignore[union-attr]
            return
        guild = self.client.get_guild(payload.guild_id)
        if guild is None:
            return
        reactor = payload.member or guild.get_member(payload.user_id)
        if reactor is None:
            return
        emoji = payload.emoji
        await self._process(ReactionAdded(
            community_of(guild), self.runtime.clock.now(), reactor=self.actors.of(reactor),
            channel=str(payload.channel_id), message_id=str(payload.message_id),
            message_author=await self._message_author(guild, payload),
            # Custom emoji by name (what an admin writes in the config), others as the character.
            emoji=emoji.name if emoji.id is not None and emoji.name else str(emoji)))

    async def _message_author(self, guild: discord.Guild,
                              payload: discord.RawReactionActionEvent) -> MemberRef | None:
        """Who wrote the reacted-to message: from the event (discord.py 2.4+, Discord sends it
        for guild reactions), else the message cache, and only then one REST call."""
        author_id = getattr(payload, "message_author_id", None)
        if author_id is None:
            cached = next((m for m in reversed(self.client.cached_messages)
                           if m.id == payload.message_id), None)
            if cached is not None:
                author_id = cached.author.id
            else:
                channel = guild.get_channel_or_thread(payload.channel_id)
                try:
                    message = await channel.fetch_message(payload.message_id)  # type: ignore[union-attr]
                except (discord.HTTPException, AttributeError):
                    return None
                author_id = message.author.id
        member = guild.get_member(author_id)
        if member is None:
            return MemberRef(str(author_id))
        return MemberRef(str(author_id), member.display_name, member.bot)

    # -- cache upkeep -------------------------------------------------------------------

    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        self.actors.clear()  # a role's name or permissions changed: actors built on it are stale

    async def on_guild_role_delete(self, role: discord.Role) -> None:
        self.actors.clear()


def _reply_to(message: discord.Message) -> str | None:
    """The message this one answers: a reply's target, or the message a thread was started
    from (such a thread has that message's id)."""
    if message.reference is not None and message.reference.message_id is not None:
        return str(message.reference.message_id)
    if isinstance(message.channel, discord.Thread):
        return str(message.channel.id)
    return None


def _parent_name(channel: object) -> str | None:
    """The name of the channel a thread is in (a forum's, for a forum post)."""
    if isinstance(channel, discord.Thread) and channel.parent is not None:
        return channel.parent.name
    return None


# Discord has no deleted-account event or flag (discord-api-docs issues #2141, #2288): a deleted
# account leaves every server and its user is renamed "deleted_user_" and 12 hex digits (before
# unique usernames: "Deleted User" with discriminator 0000). That is the signal Hearth reads.
_DELETED = re.compile(r"^deleted_user_[0-9a-f]{12}$")


def looks_deleted(user: discord.abc.User) -> bool:
    """Whether a departing user is a deleted account (the closest signal Discord gives)."""
    return bool(_DELETED.match(user.name)) or (
        user.name == "Deleted User" and user.discriminator == "0000")
