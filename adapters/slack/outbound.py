"""The core's actions as Slack Web API calls (the Sink), each answered with a Receipt.

Slack answers most problems with `ok: false` and an error code; those become Receipts with a
reason the runtime understands (a closed DM runs the action's fallback). Rate limits, server
errors and dropped connections are retried by the Web API client itself.

Files (a chart, a data export) go up with `files_upload_v2`: an upload URL, the bytes, then the
share in the channel with the text as its comment. Where the place refuses (not invited, DMs
closed) the receipt says so; where only the file can't go (no `files:write` scope, the upload
refused) the receipt is "unsupported" and the runtime sends the action's text-only fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import tzinfo
from typing import ClassVar

from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.channels import Channels
from adapters.slack.people import People
from adapters.slack.render import file_pieces, pieces, render
from bot.actions import (
    Action,
    DirectMessage,
    EditPost,
    GrantRole,
    KeepThread,
    Post,
    PostFile,
    ReadMissed,
    RemoveRole,
    Respond,
    SendFile,
    Timeout,
)
from bot.events import Actor, Community
from bot.ports import Receipt
from bot.settings import SlackSettings
from bot.text import Spelling, Text

log = logging.getLogger(__name__)

# conversations.open / chat.postMessage errors that mean "this member can't get a DM from us".
DM_CLOSED = frozenset({"cannot_dm_bot", "user_disabled", "user_not_found", "user_not_visible",
                       "account_inactive", "not_allowed_token_type", "messages_tab_disabled",
                       "restricted_action"})
NOT_FOUND = frozenset({"channel_not_found", "message_not_found", "user_not_found",
                       "no_such_subteam", "is_archived"})
RESPONSE_URL_USES = 5
# chat.postMessage errors that mean "Hearth may not post in this channel" (a channel it wasn't
# invited to; a DM or private conversation between other people shows as channel_not_found).
NOT_INVITED = frozenset({"not_in_channel", "channel_not_found"})
# Errors from the files methods that mean this file can't go, though its destination is fine:
# the action's text-only fallback goes instead.
FILE_REFUSED = frozenset({"missing_scope", "invalid_arguments", "file_not_found",
                          "file_uploads_disabled", "file_uploads_except_images_disabled",
                          "file_upload_size_restricted"})
FILES_SCOPE = "files:write"
FORBIDDEN = frozenset({"not_in_channel", "restricted_action", "missing_scope", "not_authed",
                       "permission_denied", "cant_update_message", "no_permission"})


def retry_handlers() -> list:
    """429s wait for Retry-After; 5xx and dropped connections are tried again."""
    return [AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2),
            AsyncConnectionErrorRetryHandler(max_retry_count=2)]


def _reason(exc: SlackApiError) -> str:
    error = str(exc.response.get("error", "")) if exc.response is not None else ""
    if error in NOT_FOUND:
        return "not_found"
    if error in FORBIDDEN:
        return "forbidden"
    return "failed"


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "")) if exc.response is not None else repr(exc)


class Outbound:
    """The Sink for everything not tied to one interaction (events, scheduled work)."""

    def __init__(self, client, people: People, channels: Channels, settings: SlackSettings,
                 tz_for: Callable[[Community], tzinfo], spell: Spelling = lambda _: None
                 ) -> None:
        self.client = client
        self.people = people
        self.channels = channels
        self.settings = settings
        self.tz_for = tz_for
        self.spell = spell
        self._dms: dict[str, str] = {}
        self._not_invited: set[str] = set()
        self._told_no_files_scope = False
        # Reads an IM's history back into the core (ReadMissed); set by the service, which
        # holds the runtime.
        self.read_back: Callable[[ReadMissed], Awaitable[Receipt]] | None = None

    def mrkdwn(self, community: Community, text: Text) -> str:
        return render(text, self.tz_for(community), self.channels.known_id,
                      user_name=self.people.known_name, spell=self.spell)

    async def send(self, channel: str, parts: list[str], thread_ts: str | None = None
                   ) -> Receipt:
        """chat.postMessage, one message per piece (see `pieces`); the receipt names the first
        (the one a later edit finds)."""
        extra = {"thread_ts": thread_ts} if thread_ts else {}
        posted = [await self.client.chat_postMessage(channel=channel, text=piece, **extra)
                  for piece in parts]
        return Receipt(True, posted[0]["ts"], posted[0]["channel"],
                       more_ids=tuple(r["ts"] for r in posted[1:]))

    def not_invited(self, channel: str, error: str) -> None:
        """Say once per channel which invitation is missing, for the admin reading the log."""
        if channel in self._not_invited:
            return
        self._not_invited.add(channel)
        name = self.channels.known_name(channel)
        where = f"#{name} ({channel})" if name else channel
        if error == "not_in_channel":
            log.warning("slack: Hearth isn't a member of %s, so its posts there go privately to "
                        "whoever ran the command; invite it with /invite in that channel",
                        where)
        else:
            log.warning("slack: Slack won't let Hearth post in %s (%s): a DM or private "
                        "conversation it wasn't added to; posts from commands run there go "
                        "privately to whoever ran them", where, error)

    async def look_up_member(self, community: Community, user_id: str) -> Actor | None:
        """MemberLookup: the member as Slack says now (admin flag, moderator user group)."""
        return await self.people.actor(user_id, with_level=True)

    async def perform(self, action: Action) -> Receipt:
        try:
            return await self._perform(action)
        except SlackApiError as exc:
            log.warning("slack refused %s: %s", type(action).__name__, _error(exc))
            return Receipt(False, reason=_reason(exc))

    async def _perform(self, action: Action) -> Receipt:
        handler = self.HANDLERS.get(type(action))
        if handler is None:
            log.error("no Slack handler for %s", type(action).__name__)
            return Receipt(False, reason="unsupported")
        return await handler(self, action)

    async def _on_post(self, action: Post) -> Receipt:
        # Replies thread under a message by its ts; a new thread needs no opening.
        return await self.post(action.community, action.channel, action.text,
                               thread_ts=action.thread_id)

    async def _private(self, action: Respond | DirectMessage) -> Receipt:
        # A Respond outside an interaction (scheduled work) can only be private as a DM.
        return await self.dm(action.community, action.user_id, action.text)

    async def _thread(self, action: KeepThread) -> Receipt:
        """Replies thread on their own and threads have no names: a solved question's message
        gets the `mark` reaction instead."""
        if not action.solved:
            return Receipt(True, action.message_id, action.channel)
        channel_id = await self.channels.id_for(action.channel)
        if channel_id is None:
            return Receipt(False, reason="not_found")
        try:
            await self.client.reactions_add(channel=channel_id, timestamp=action.message_id,
                                            name=action.mark)
        except SlackApiError as exc:
            if _error(exc) != "already_reacted":
                raise
        return Receipt(True, action.message_id, channel_id)

    async def _timeout(self, action: Timeout) -> Receipt:
        return Receipt(False, reason="unsupported")  # Slack has no timeouts for apps

    async def _send_file(self, action: SendFile) -> Receipt:
        """A file only the member sees: shared in the app's DM with them."""
        try:
            channel = await self.im(action.user_id)
        except SlackApiError as exc:
            if _error(exc) in DM_CLOSED:
                return Receipt(False, reason="dm_closed")
            raise
        return await self.upload(action.community, channel, action)

    async def _post_file(self, action: PostFile) -> Receipt:
        await self.channels.ensure_loaded()
        channel_id = await self.channels.id_for(action.channel)
        if channel_id is None:
            log.warning("no Slack channel called #%s; create it or fix [community.channels]",
                        action.channel.lstrip("#"))
            return Receipt(False, reason="not_found")
        return await self.upload(action.community, channel_id, action)

    async def upload(self, community: Community, channel_id: str, action: SendFile | PostFile
                     ) -> Receipt:
        """The file shared in `channel_id` with the action's text as its comment, as a member
        sees a file posted with a message. A longer text continues after it (nothing goes before
        the file, so a refused file leaves no half-sent text)."""
        await self.channels.ensure_loaded()
        comment, rest = file_pieces(self.mrkdwn(community, action.text))
        try:
            await self.client.files_upload_v2(
                channel=channel_id, file=action.data, filename=action.filename,
                title=action.filename, initial_comment=comment)
        except SlackApiError as exc:
            error = _error(exc)
            if error in NOT_INVITED:
                self.not_invited(channel_id, error)
                return Receipt(False, reason="not_invited")
            if error not in FILE_REFUSED:
                raise
            self.file_refused(action.filename, error)
            return Receipt(False, reason="unsupported")
        except SlackRequestError as exc:  # the upload URL didn't take the bytes
            self.file_refused(action.filename, str(exc))
            return Receipt(False, reason="unsupported")
        if rest:
            await self.send(channel_id, rest)
        return Receipt(True, channel=channel_id)

    def file_refused(self, filename: str, error: str) -> None:
        """For the admin reading the log: a missing scope once, other refusals each time."""
        if error != "missing_scope":
            log.warning("slack: the file %s couldn't be uploaded (%s); its text went without it",
                        filename, error)
        elif not self._told_no_files_scope:
            self._told_no_files_scope = True
            log.warning("slack: the app's token lacks the %s scope, so charts and data exports "
                        "go out as text without their file; add %s under OAuth & Permissions "
                        "(hearth slack-manifest lists it) and reinstall the app",
                        FILES_SCOPE, FILES_SCOPE)

    async def post(self, community: Community, channel: str, text: Text,
                   thread_ts: str | None = None) -> Receipt:
        await self.channels.ensure_loaded()  # so channel links in the text render as links
        channel_id = await self.channels.id_for(channel)
        if channel_id is None:
            log.warning("no Slack channel called #%s; create it or fix [community.channels]",
                        channel.lstrip("#"))
            return Receipt(False, reason="not_found")
        try:
            return await self.send(channel_id, pieces(self.mrkdwn(community, text)), thread_ts)
        except SlackApiError as exc:
            if _error(exc) in NOT_INVITED:
                self.not_invited(channel_id, _error(exc))
                return Receipt(False, reason="not_invited")
            raise

    async def edit(self, action: EditPost) -> Receipt:
        """Update a post in place, every piece of it: pieces it no longer needs are deleted,
        new ones added after it. A post deleted meanwhile is posted again."""
        channel_id = await self.channels.id_for(action.channel)
        if action.message_id is None or channel_id is None:
            return await self.post(action.community, action.channel, action.text)
        await self.channels.ensure_loaded()
        parts = pieces(self.mrkdwn(action.community, action.text))
        old = [action.message_id, *action.more_ids]
        kept: list[str] = []
        for i, piece in enumerate(parts):
            if i < len(old):
                try:
                    await self.client.chat_update(channel=channel_id, ts=old[i], text=piece)
                    kept.append(old[i])
                    continue
                except SlackApiError as exc:
                    if _error(exc) != "message_not_found":
                        raise
                    if i == 0:  # the post is gone: post it afresh
                        return await self.post(action.community, action.channel, action.text)
            resp = await self.client.chat_postMessage(channel=channel_id, text=piece)
            kept.append(resp["ts"])
        for ts in old[len(parts):]:
            try:
                await self.client.chat_delete(channel=channel_id, ts=ts)
            except SlackApiError as exc:
                if _error(exc) != "message_not_found":
                    raise
        return Receipt(True, kept[0], channel_id, more_ids=tuple(kept[1:]))

    async def ephemeral(self, channel: str, user_id: str, parts: list[str]) -> Receipt:
        for piece in parts:
            await self.client.chat_postEphemeral(channel=channel, user=user_id, text=piece)
        return Receipt(True, channel=channel)

    async def dm(self, community: Community, user_id: str, text: Text) -> Receipt:
        await self.channels.ensure_loaded()
        return await self.dm_parts(user_id, pieces(self.mrkdwn(community, text)))

    async def im(self, user_id: str) -> str:
        """The app's DM with a member (conversations.open once, then remembered)."""
        channel = self._dms.get(user_id)
        if channel is None:
            channel = (await self.client.conversations_open(users=user_id))["channel"]["id"]
            self._dms[user_id] = channel
        return channel

    async def dm_parts(self, user_id: str, parts: list[str]) -> Receipt:
        try:
            return await self.send(await self.im(user_id), parts)
        except SlackApiError as exc:
            if _error(exc) in DM_CLOSED:
                return Receipt(False, reason="dm_closed")
            raise

    async def role(self, action: GrantRole | RemoveRole) -> Receipt:
        group = self.settings.role_usergroups.get(action.role)
        if not group:
            return Receipt(False, reason="unsupported")  # not mapped: quietly not done
        members = list((await self.client.usergroups_users_list(usergroup=group))["users"])
        if isinstance(action, GrantRole) and action.user_id not in members:
            members.append(action.user_id)
        elif isinstance(action, RemoveRole) and action.user_id in members:
            members.remove(action.user_id)
        else:
            return Receipt(True)
        await self.client.usergroups_users_update(usergroup=group, users=members)
        self.people.forget_group(group)
        return Receipt(True)

    async def _read_missed(self, action: ReadMissed) -> Receipt:
        if self.read_back is None:
            return Receipt(False, reason="unsupported")
        return await self.read_back(action)

    # Every action the core can ask for, by type (a contract test checks none is missing).
    HANDLERS: ClassVar[dict[type[Action], Callable[..., Awaitable[Receipt]]]] = {
        ReadMissed: _read_missed,
        Post: _on_post,
        EditPost: edit,
        Respond: _private,
        DirectMessage: _private,
        GrantRole: role,
        RemoveRole: role,
        Timeout: _timeout,
        SendFile: _send_file,
        PostFile: _post_file,
        KeepThread: _thread,
    }


class InteractionSink:
    """The Sink for one command or shortcut: answers to the invoker go back privately, through
    Slack's response_url when there is one, else as an ephemeral message or a DM."""

    def __init__(self, outbound: Outbound, user_id: str, channel: str | None,
                 response_url: str | None) -> None:
        self.outbound = outbound
        self.user_id = user_id
        self.channel = channel
        self.response_url = response_url
        self._uses = 0  # Slack takes 5 messages per response_url

    async def perform(self, action: Action) -> Receipt:
        if isinstance(action, Post) and action.channel == self.channel:
            receipt = await self.outbound.perform(action)
            if receipt.reason != "not_invited":
                return receipt
            # The command's own post can't go out where it was run: the invoker still sees it.
            await self.perform(Respond(action.community, self.user_id, action.text))
            return receipt
        if isinstance(action, SendFile) and action.user_id == self.user_id:
            receipt = await self.outbound.perform(action)
            if receipt.reason == "dm_closed":
                # No DM to put the file in: what the invoker would get instead (the data
                # inline, a note) comes back privately here, and the receipt stays "not sent".
                for instead in action.if_unsupported:
                    if isinstance(instead, Respond | DirectMessage) \
                            and instead.user_id == self.user_id:
                        await self.perform(Respond(instead.community, self.user_id,
                                                   instead.text))
            return receipt
        if isinstance(action, PostFile) and action.channel == self.channel:
            receipt = await self.outbound.perform(action)
            if receipt.reason != "not_invited":
                return receipt
            # As for a post: the invoker gets it privately, file and text together, or the
            # text alone where the file can't go.
            privately = await self.outbound.perform(SendFile(
                action.community, self.user_id, action.filename, action.data, action.text))
            if not privately.delivered:
                await self.perform(Respond(action.community, self.user_id, action.text))
            return receipt
        if not isinstance(action, Respond) or action.user_id != self.user_id:
            return await self.outbound.perform(action)
        await self.outbound.channels.ensure_loaded()
        parts = pieces(self.outbound.mrkdwn(action.community, action.text))
        rest = parts[await self._by_url(parts):]
        if not rest:
            return Receipt(True)
        if self.channel:
            try:
                return await self.outbound.ephemeral(self.channel, self.user_id, rest)
            except SlackApiError as exc:
                log.info("chat.postEphemeral failed (%s); replying by DM", _error(exc))
        try:
            return await self.outbound.dm_parts(self.user_id, rest)
        except SlackApiError as exc:
            log.warning("slack refused a private answer: %s", _error(exc))
            return Receipt(False, reason=_reason(exc))

    async def _by_url(self, parts: list[str]) -> int:
        """Send what response_url takes (5 messages per command); how many pieces went."""
        if not self.response_url:
            return 0
        webhook = AsyncWebhookClient(self.response_url, retry_handlers=retry_handlers())
        sent = 0
        for piece in parts[:max(0, RESPONSE_URL_USES - self._uses)]:
            self._uses += 1
            try:
                resp = await webhook.send(text=piece, response_type="ephemeral",
                                          replace_original=False)
            except Exception as exc:  # an expired or unreachable response_url
                log.info("response_url failed (%r); replying another way", exc)
                break
            if resp.status_code != 200:
                log.info("response_url answered %s; replying another way", resp.status_code)
                break
            sent += 1
        return sent
