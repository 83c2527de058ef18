"""The core's actions as Slack Web API calls (the Sink), each answered with a Receipt.

Slack answers most problems with `ok: false` and an error code; those become Receipts with a
reason the runtime understands (a closed DM runs the action's fallback). Rate limits, server
errors and dropped connections are retried by the Web API client itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import tzinfo

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.channels import Channels
from adapters.slack.people import People
from adapters.slack.render import render
from bot.actions import (
    Action,
    DirectMessage,
    EditPost,
    GrantRole,
    Post,
    RemoveRole,
    Respond,
    Timeout,
)
from bot.events import Community
from bot.ports import Receipt
from bot.settings import SlackSettings
from bot.text import Text

log = logging.getLogger(__name__)

# conversations.open / chat.postMessage errors that mean "this member can't get a DM from us".
DM_CLOSED = frozenset({"cannot_dm_bot", "user_disabled", "user_not_found", "user_not_visible",
                       "account_inactive", "not_allowed_token_type", "messages_tab_disabled",
                       "restricted_action"})
NOT_FOUND = frozenset({"channel_not_found", "message_not_found", "user_not_found",
                       "no_such_subteam", "is_archived"})
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
                 tz_for: Callable[[Community], tzinfo]) -> None:
        self.client = client
        self.people = people
        self.channels = channels
        self.settings = settings
        self.tz_for = tz_for
        self._dms: dict[str, str] = {}

    def mrkdwn(self, community: Community, text: Text) -> str:
        return render(text, self.tz_for(community), self.channels.known_id)

    async def perform(self, action: Action) -> Receipt:
        try:
            return await self._perform(action)
        except SlackApiError as exc:
            log.warning("slack refused %s: %s", type(action).__name__, _error(exc))
            return Receipt(False, reason=_reason(exc))

    async def _perform(self, action: Action) -> Receipt:
        if isinstance(action, Post):
            # Replies thread under a message by its ts; a new thread needs no opening.
            return await self.post(action.community, action.channel, action.text,
                                   thread_ts=action.thread_id)
        if isinstance(action, EditPost):
            return await self.edit(action)
        if isinstance(action, Respond):
            # No interaction to answer through (scheduled work): privately in a DM.
            return await self.dm(action.community, action.user_id, action.text)
        if isinstance(action, DirectMessage):
            return await self.dm(action.community, action.user_id, action.text)
        if isinstance(action, GrantRole | RemoveRole):
            return await self.role(action)
        if isinstance(action, Timeout):
            return Receipt(False, reason="unsupported")  # Slack has no timeouts for apps
        return Receipt(False, reason="unsupported")

    async def post(self, community: Community, channel: str, text: Text,
                   thread_ts: str | None = None) -> Receipt:
        await self.channels.ensure_loaded()  # so channel links in the text render as links
        channel_id = await self.channels.id_for(channel)
        if channel_id is None:
            log.warning("no Slack channel called #%s; create it or fix [community.channels]",
                        channel.lstrip("#"))
            return Receipt(False, reason="not_found")
        extra = {"thread_ts": thread_ts} if thread_ts else {}
        resp = await self.client.chat_postMessage(channel=channel_id,
                                                  text=self.mrkdwn(community, text), **extra)
        return Receipt(True, resp["ts"], resp["channel"])

    async def edit(self, action: EditPost) -> Receipt:
        if action.message_id is not None:
            channel_id = await self.channels.id_for(action.channel)
            if channel_id is not None:
                try:
                    resp = await self.client.chat_update(
                        channel=channel_id, ts=action.message_id,
                        text=self.mrkdwn(action.community, action.text))
                    return Receipt(True, resp["ts"], resp["channel"])
                except SlackApiError as exc:
                    if _error(exc) != "message_not_found":
                        raise
        return await self.post(action.community, action.channel, action.text)

    async def ephemeral(self, community: Community, channel: str, user_id: str, text: Text
                        ) -> Receipt:
        await self.channels.ensure_loaded()
        await self.client.chat_postEphemeral(channel=channel, user=user_id,
                                             text=self.mrkdwn(community, text))
        return Receipt(True, channel=channel)

    async def dm(self, community: Community, user_id: str, text: Text) -> Receipt:
        await self.channels.ensure_loaded()
        try:
            channel = self._dms.get(user_id)
            if channel is None:
                channel = (await self.client.conversations_open(users=user_id))["channel"]["id"]
                self._dms[user_id] = channel
            resp = await self.client.chat_postMessage(channel=channel,
                                                      text=self.mrkdwn(community, text))
        except SlackApiError as exc:
            if _error(exc) in DM_CLOSED:
                return Receipt(False, reason="dm_closed")
            raise
        return Receipt(True, resp["ts"], resp["channel"])

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


class InteractionSink:
    """The Sink for one command or shortcut: answers to the invoker go back privately, through
    Slack's response_url when there is one, else as an ephemeral message or a DM."""

    def __init__(self, outbound: Outbound, user_id: str, channel: str | None,
                 response_url: str | None) -> None:
        self.outbound = outbound
        self.user_id = user_id
        self.channel = channel
        self.response_url = response_url

    async def perform(self, action: Action) -> Receipt:
        if not isinstance(action, Respond) or action.user_id != self.user_id:
            return await self.outbound.perform(action)
        if self.response_url:
            await self.outbound.channels.ensure_loaded()
            text = self.outbound.mrkdwn(action.community, action.text)
            webhook = AsyncWebhookClient(self.response_url, retry_handlers=retry_handlers())
            try:
                resp = await webhook.send(text=text, response_type="ephemeral",
                                          replace_original=False)
                if resp.status_code == 200:
                    return Receipt(True)
                log.info("response_url answered %s; replying another way", resp.status_code)
            except Exception as exc:  # an expired or unreachable response_url
                log.info("response_url failed (%r); replying another way", exc)
        if self.channel:
            try:
                return await self.outbound.ephemeral(action.community, self.channel,
                                                     action.user_id, action.text)
            except SlackApiError as exc:
                log.info("chat.postEphemeral failed (%s); replying by DM", _error(exc))
        return await self.outbound.perform(action)
