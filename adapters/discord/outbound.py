"""The Sink: the core's actions performed through Discord's REST API.

Problems an admin can fix (a channel Hearth may not post in, a role above Hearth's) are logged
once per (guild, target, kind) with what to change, and come back as a Receipt, never a crash.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import ClassVar

import discord

from adapters.discord.inbound import build_actor
from adapters.discord.render import Rendered, chunks, render
from bot.actions import (
    Action,
    DirectMessage,
    EditPost,
    GrantRole,
    KeepThread,
    Post,
    ReadMissed,
    RemoveRole,
    Respond,
    SendFile,
    Timeout,
)
from bot.events import Actor, Community
from bot.ports import Receipt
from bot.text import Spelling, Text

log = logging.getLogger(__name__)
# Discord refuses a timeout 28 days or more ahead, measured on its own clock (400, 50035):
# stay below it by a margin for clock drift and the request's time in flight.
DISCORD_TIMEOUT_LIMIT = timedelta(days=28)
MAX_TIMEOUT = DISCORD_TIMEOUT_LIMIT - timedelta(minutes=10)
# Missing Access / Missing Permissions / can't DM this user.
MISSING_ACCESS, MISSING_PERMISSIONS, CANNOT_DM = 50001, 50013, 50007


class Problems:
    """Admin-fixable problems, each logged once per (guild, target, kind)."""

    def __init__(self) -> None:
        self._seen: set[tuple[int, str, str]] = set()

    def once(self, guild_id: int, target: str, kind: str, message: str,
             level: int = logging.WARNING) -> None:
        key = (guild_id, target, kind)
        if key in self._seen:
            return
        self._seen.add(key)
        log.log(level, "%s", message)


class Channels:
    """Configured channel names -> channel ids, per guild (ids pass straight through)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, str], int] = {}

    def resolve(self, guild: discord.Guild, ref: str) -> discord.abc.GuildChannel | None:
        name = ref.strip().removeprefix("#")
        if name.isdigit():
            return guild.get_channel_or_thread(int(name))  # type: ignore[return-value]
        key = (guild.id, name.lower())
        cached = self._cache.get(key)
        if cached is not None:
            channel = guild.get_channel(cached)
            if channel is not None and channel.name.lower() == key[1]:
                return channel
        channel = next((c for c in guild.text_channels if c.name.lower() == key[1]), None)
        if channel is None:
            self._cache.pop(key, None)
            return None
        self._cache[key] = channel.id
        return channel

    def id_of(self, guild: discord.Guild, ref: str) -> int | None:
        channel = self.resolve(guild, ref)
        return channel.id if channel is not None else None


class DiscordSink:
    """Performs actions for every guild the client is in."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self.channels = Channels()
        self.problems = Problems()
        self.spell: Spelling = lambda _: None  # how commands are typed here; set by the service
        # Reads a DM channel's history back into the core (ReadMissed); set by the service,
        # whose inbound side holds the runtime.
        self.read_back: Callable[[ReadMissed], Awaitable[Receipt]] | None = None

    # -- helpers shared with the interaction sink ----------------------------------------

    def guild(self, community: Community) -> discord.Guild | None:
        if community.platform != "discord" or not community.id.isdigit():
            return None
        return self.client.get_guild(int(community.id))

    async def look_up_member(self, community: Community, user_id: str) -> Actor | None:
        """MemberLookup: the member as Discord says now (cache first, then one REST call)."""
        guild = self.guild(community)
        if guild is None or not user_id.isdigit():
            return None
        member = guild.get_member(int(user_id))
        if member is None:
            try:
                member = await guild.fetch_member(int(user_id))
            except discord.NotFound:
                return None
        return build_actor(member)

    def render(self, guild: discord.Guild | None, text: Text) -> Rendered:
        if guild is None:
            return render(text, spell=self.spell)
        return render(text, lambda name: self.channels.id_of(guild, name), self.spell,
                      guild.id)

    # -- the Sink ------------------------------------------------------------------------

    async def perform(self, action: Action) -> Receipt:
        guild = self.guild(action.community)
        if guild is None and isinstance(action, DirectMessage) \
                and action.community.platform == "discord":
            # A DM from someone in none of Hearth's servers is still answered, kindly.
            return await self._outside(action)
        if guild is None:
            log.warning("%s for %s dropped: Hearth is not in that server", type(action).__name__,
                        action.community.key)
            return Receipt(False, reason="not_found")
        handler = self.HANDLERS.get(type(action))
        if handler is None:
            log.error("no Discord handler for %s", type(action).__name__)
            return Receipt(False, reason="unsupported")
        try:
            return await handler(self, guild, action)
        except discord.Forbidden as exc:
            return self._forbidden(guild, action, exc)
        except discord.NotFound as exc:
            log.warning("%s in %s: %s", type(action).__name__, guild.id, exc.text)
            return Receipt(False, reason="not_found")
        except discord.HTTPException as exc:
            log.error("%s in %s failed: %s %s", type(action).__name__, guild.id, exc.status,
                      exc.text)
            return Receipt(False, reason="failed")

    async def _outside(self, action: DirectMessage) -> Receipt:
        try:
            return await self._dm(None, action.user_id, action.text)
        except discord.HTTPException as exc:
            log.info("couldn't answer a DM from %s: %s %s", action.user_id, exc.status, exc.text)
            return Receipt(False, reason="failed")

    async def _read_missed(self, guild: discord.Guild, action: ReadMissed) -> Receipt:
        if self.read_back is None:
            return Receipt(False, reason="unsupported")
        return await self.read_back(action)

    async def _on_post(self, guild: discord.Guild, action: Post) -> Receipt:
        if action.thread_id is not None:
            return await self._in_thread(guild, action)
        receipt = await self._post(guild, action.channel, action.text, _nonce(action))
        if action.opens_thread and receipt.delivered:
            await self._open_thread(guild, receipt, action.opens_thread)
        return receipt

    async def _file(self, guild: discord.Guild, action: SendFile) -> Receipt:
        # Outside an interaction a member's file can only be private as a DM attachment.
        return await self._dm(guild, action.user_id, action.text, as_file(action))

    async def _private(self, guild: discord.Guild, action: DirectMessage | Respond) -> Receipt:
        # A Respond outside an interaction (e.g. from scheduled work) can only be private as a
        # DM; inside one, the InteractionSink answers it.
        return await self._dm(guild, action.user_id, action.text)

    async def _post(self, guild: discord.Guild, ref: str, text: Text, nonce: str | None = None
                    ) -> Receipt:
        channel = self.channels.resolve(guild, ref)
        if channel is None or not isinstance(channel, discord.abc.Messageable):
            self.problems.once(
                guild.id, ref, "missing_channel",
                f"Hearth has nowhere to post '{ref}' in server '{guild.name}' ({guild.id}): "
                f"create a text channel called #{ref.lstrip('#')} or point the config's "
                "[community.channels] entry at an existing channel (name or id).")
            return Receipt(False, reason="not_found")
        return await self._send(guild, channel, text, nonce)

    async def _send(self, guild: discord.Guild, channel: discord.abc.Messageable, text: Text,
                    nonce: str | None = None) -> Receipt:
        """Text in as many messages as it needs; the first one stands for the post. With a
        nonce (a post from the outbox), Discord returns the message it already made for that
        nonce instead of posting again (`enforce_nonce`), so a post sent again after a crash
        within a few minutes appears once."""
        rendered = self.render(guild, text)
        ids = [str((await channel.send(part, allowed_mentions=rendered.allowed_mentions,
                                       nonce=f"{nonce}.{n}" if nonce else None)).id)
               for n, part in enumerate(chunks(rendered.content), start=1)]
        return Receipt(True, ids[0], str(channel.id), more_ids=tuple(ids[1:]))

    async def _open_thread(self, guild: discord.Guild, receipt: Receipt, name: str) -> None:
        """A thread under the message just posted; it takes the message's id. The post stands
        even if the thread can't be made (missing Create Public Threads): replies then go in
        the channel."""
        channel = guild.get_channel(int(receipt.channel or 0))
        if not isinstance(channel, discord.TextChannel) or receipt.message_id is None:
            return
        try:
            await channel.get_partial_message(int(receipt.message_id)).create_thread(
                name=name[:100])
        except discord.HTTPException as exc:
            log.warning("couldn't open a thread in %s: %s %s", guild.id, exc.status, exc.text)

    async def _thread(self, guild: discord.Guild, action: KeepThread) -> Receipt:
        """A question's thread: opened on its message in a text channel (a forum post already
        is a thread, with the post's id); when solved, renamed, and tagged where its forum has
        the tag."""
        message_id = int(action.message_id)
        thread = await self._thread_of(guild, message_id)
        if thread is None:
            channel = self.channels.resolve(guild, action.channel)
            if action.solved or not isinstance(channel, discord.TextChannel):
                return Receipt(False, reason="not_found")
            opened = await channel.get_partial_message(message_id).create_thread(
                name=action.name[:100])
            return Receipt(True, str(opened.id), str(channel.id))
        if action.solved:
            parent = thread.parent
            if isinstance(parent, discord.ForumChannel):
                tags = list(thread.applied_tags)
                tag = next((t for t in parent.available_tags
                            if action.tag and t.name.lower() == action.tag.lower()), None)
                if tag is not None and tag not in tags and len(tags) < 5:
                    tags.append(tag)
                await thread.edit(name=action.name[:100], applied_tags=tags)
            else:
                await thread.edit(name=action.name[:100])
        return Receipt(True, str(thread.id), str(thread.parent_id))

    async def _in_thread(self, guild: discord.Guild, action: Post) -> Receipt:
        """A post in the thread started from message `thread_id` (same id), or plainly in its
        channel when there is no such thread."""
        thread = await self._thread_of(guild, int(action.thread_id or 0))
        if thread is None:
            return await self._post(guild, action.channel, action.text, _nonce(action))
        return await self._send(guild, thread, action.text, _nonce(action))

    async def _thread_of(self, guild: discord.Guild, thread_id: int) -> discord.Thread | None:
        """The thread with this id (a thread under a message has the message's id): from the
        cache, else one REST call; None if there is none or Hearth can't see it."""
        thread = guild.get_thread(thread_id)
        if thread is not None:
            return thread
        try:
            found = await self.client.fetch_channel(thread_id)
        except (discord.NotFound, discord.Forbidden):
            return None
        return found if isinstance(found, discord.Thread) else None

    async def _edit(self, guild: discord.Guild, action: EditPost) -> Receipt:
        """Every piece of the post edited to match the new text: pieces it no longer needs are
        deleted, pieces it needs now are posted after the last one."""
        channel = self.channels.resolve(guild, action.channel)
        if action.message_id is None or not isinstance(channel, discord.TextChannel
                                                       | discord.Thread):
            return await self._post(guild, action.channel, action.text)
        rendered = self.render(guild, action.text)
        parts = list(chunks(rendered.content))
        old = [action.message_id, *action.more_ids]
        try:
            await channel.get_partial_message(int(old[0])).edit(
                content=parts[0], allowed_mentions=rendered.allowed_mentions)
        except discord.NotFound:
            return await self._post(guild, action.channel, action.text)  # deleted: post anew
        ids = [old[0]]
        for n, part in enumerate(parts[1:], start=1):
            if n < len(old):
                try:
                    await channel.get_partial_message(int(old[n])).edit(
                        content=part, allowed_mentions=rendered.allowed_mentions)
                    ids.append(old[n])
                    continue
                except discord.NotFound:
                    pass  # that piece was deleted: post it again
            sent = await channel.send(part, allowed_mentions=rendered.allowed_mentions)
            ids.append(str(sent.id))
        for surplus in old[len(parts):]:
            with contextlib.suppress(discord.NotFound):
                await channel.get_partial_message(int(surplus)).delete()
        return Receipt(True, ids[0], str(channel.id), more_ids=tuple(ids[1:]))

    async def _dm(self, guild: discord.Guild | None, user_id: str, text: Text,
                  file: discord.File | None = None) -> Receipt:
        if not user_id.isdigit():
            return Receipt(False, reason="not_found")
        rendered = self.render(guild, text)
        try:
            channel = await self.client.create_dm(discord.Object(int(user_id)))
            parts = list(chunks(rendered.content))
            for i, part in enumerate(parts):
                last = file if i == len(parts) - 1 else None
                await channel.send(part, allowed_mentions=rendered.allowed_mentions,
                                   **({"file": last} if last else {}))
        except discord.Forbidden as exc:
            if exc.code != CANNOT_DM:
                raise
            if guild is None:
                return Receipt(False, reason="dm_closed")
            self.problems.once(
                guild.id, user_id, "dm_closed",
                f"couldn't DM member {user_id} in '{guild.name}': they don't accept DMs from "
                "this server, so Hearth used the fallback instead.", logging.INFO)
            return Receipt(False, reason="dm_closed")
        return Receipt(True)

    async def _member(self, guild: discord.Guild, user_id: str) -> discord.Member | None:
        if not user_id.isdigit():
            return None
        member = guild.get_member(int(user_id))
        if member is None:
            try:
                member = await guild.fetch_member(int(user_id))
            except discord.NotFound:
                return None
        return member

    def _role_named(self, guild: discord.Guild, ref: str) -> discord.Role | None:
        if ref.isdigit():
            return guild.get_role(int(ref))
        exact = discord.utils.get(guild.roles, name=ref)
        if exact is not None:
            return exact
        folded = ref.casefold()
        return next((r for r in guild.roles if r.name.casefold() == folded), None)

    async def _role(self, guild: discord.Guild, action: GrantRole | RemoveRole) -> Receipt:
        role = self._role_named(guild, action.role)
        if role is None:
            self.problems.once(
                guild.id, action.role, "missing_role",
                f"there is no role '{action.role}' in server '{guild.name}' ({guild.id}): create "
                "it (Hearth gives it as a badge) or fix the role name in the config.")
            return Receipt(False, reason="not_found")
        me = guild.me
        if not (me.guild_permissions.manage_roles and role.is_assignable()):
            return self._cant_manage_role(guild, role)
        member = await self._member(guild, action.user_id)
        if member is None:
            return Receipt(False, reason="not_found")
        reason = "Hearth badge"
        if isinstance(action, GrantRole):
            await member.add_roles(role, reason=reason)
        else:
            await member.remove_roles(role, reason=reason)
        return Receipt(True)

    def _cant_manage_role(self, guild: discord.Guild, role: discord.Role) -> Receipt:
        self.problems.once(
            guild.id, str(role.id), "forbidden_role",
            f"Hearth can't give or remove the role '{role.name}' in server '{guild.name}' "
            f"({guild.id}): give Hearth the Manage Roles permission and drag Hearth's role above "
            f"'{role.name}' in Server Settings > Roles.")
        return Receipt(False, reason="forbidden")

    async def _timeout(self, guild: discord.Guild, action: Timeout) -> Receipt:
        member = await self._member(guild, action.user_id)
        if member is None:
            return Receipt(False, reason="not_found")
        duration = min(action.duration, MAX_TIMEOUT)
        await member.timeout(duration if duration > timedelta(0) else None,
                             reason=action.reason[:512] or None)
        return Receipt(True)

    def _forbidden(self, guild: discord.Guild, action: Action, exc: discord.Forbidden) -> Receipt:
        if isinstance(action, Post | EditPost):
            self.problems.once(
                guild.id, action.channel, "forbidden_post",
                f"Hearth can't post in '{action.channel}' in server '{guild.name}' ({guild.id}): "
                "give Hearth's role View Channel and Send Messages there "
                f"(Discord said {exc.code}: {exc.text}).")
        elif isinstance(action, GrantRole | RemoveRole):
            role = self._role_named(guild, action.role)
            if role is not None:
                return self._cant_manage_role(guild, role)
        elif isinstance(action, KeepThread):
            self.problems.once(
                guild.id, action.channel, "forbidden_thread",
                f"Hearth can't open or mark a question's thread in '{action.channel}' in server "
                f"'{guild.name}' ({guild.id}): give Hearth's role Create Public Threads there, "
                "and Manage Threads to rename and tag members' forum posts when they're solved "
                f"(Discord said {exc.code}: {exc.text}).")
        elif isinstance(action, Timeout):
            self.problems.once(
                guild.id, action.user_id, "forbidden_timeout",
                f"Hearth can't time out member {action.user_id} in server '{guild.name}' "
                f"({guild.id}): give Hearth the Moderate Members permission and a role above "
                "theirs (owners and administrators can't be timed out).")
        else:
            self.problems.once(
                guild.id, type(action).__name__, "forbidden",
                f"Hearth was refused a {type(action).__name__} in '{guild.name}' ({guild.id}): "
                f"{exc.code} {exc.text}")
        return Receipt(False, reason="forbidden")

    # Every action the core can ask for, by type (a contract test checks none is missing).
    HANDLERS: ClassVar[dict[type[Action], Callable[..., Awaitable[Receipt]]]] = {
        Post: _on_post,
        EditPost: _edit,
        Respond: _private,
        DirectMessage: _private,
        SendFile: _file,
        GrantRole: _role,
        RemoveRole: _role,
        Timeout: _timeout,
        KeepThread: _thread,
        ReadMissed: _read_missed,
    }


def as_file(action: SendFile) -> discord.File:
    """A data export as a Discord attachment."""
    return discord.File(io.BytesIO(action.data), filename=action.filename)


def _nonce(action: Post) -> str | None:
    """What names a post from the outbox to Discord (at most 25 characters with its piece)."""
    return f"hearth{action.outbox}" if action.outbox is not None else None
