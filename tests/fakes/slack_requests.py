"""Build and send what Slack sends an app: signed slash commands, events and interactivity.

Shapes follow Slack's documented payloads (and slack-bolt's recorded fixtures). Builders return
``(body_bytes, content_type)`` for request bodies, or plain dicts for events and payloads, so a
test can tweak a field before encoding.

Member text goes out the way Slack sends it [api.slack.com/reference/surfaces/formatting,
"Escaping text"; bolt-python tests/scenario_tests fixtures]: `&`, `<`, `>` as entities, links
wrapped (`<https://x>`), while the tokens Slack itself made from what was typed (`<@U1|name>`,
`<#C1|name>`, `<!here>`, `<https://x|label>`) stay as they are: write those in a test's text
where a member picked someone or something from Slack's autocomplete.
"""

from __future__ import annotations

import itertools
import json
import re
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack_api import make_user

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

Body = tuple[bytes, str]

_seq = itertools.count(1)


def _ts() -> str:
    return f"{int(time.time())}.{next(_seq):06d}"


def _trigger_id() -> str:
    return f"{next(_seq)}.{int(time.time())}.{uuid.uuid4().hex}"


def sign(
    secret: str, body: bytes, timestamp: int | str | None = None, content_type: str = JSON
) -> dict[str, str]:
    """Headers Slack adds: v0 HMAC signature over ``v0:{timestamp}:{body}``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
        "Content-Type": content_type,
    }


# ---------------------------------------------------------------------- member text

_SLACK_TOKEN = re.compile(r"<(?:[@#!][^<>\s]+|https?://[^<>\s]+)>")
_BARE_URL = re.compile(r"(?<![<|])\bhttps?://[^\s<>|]+")


def encode(typed: str) -> str:
    """What Slack sends for `typed`: Slack's own tokens kept, the rest escaped, URLs wrapped."""
    out, last = [], 0
    for m in _SLACK_TOKEN.finditer(typed):
        out.append(_escape_typed(typed[last:m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(_escape_typed(typed[last:]))
    return "".join(out)


def _escape_typed(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BARE_URL.sub(lambda m: f"<{m.group(0)}>", text)


# ---------------------------------------------------------------------- slash commands


def slash_command(
    command: str,
    text: str,
    user_id: str,
    channel_id: str,
    team_id: str,
    response_url: str,
    trigger_id: str | None = None,
    *,
    user_name: str = "someone",
    channel_name: str = "general",
    team_domain: str = "hearth-test",
    api_app_id: str = "A0001",
) -> Body:
    """Form-encoded slash command invocation."""
    fields = {
        "token": "verification_token",
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": encode(text),
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or _trigger_id(),
    }
    return urlencode(fields).encode(), FORM


# ---------------------------------------------------------------------- Events API


def url_verification(
    challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
) -> Body:
    return json.dumps(
        {"token": "verification_token", "challenge": challenge, "type": "url_verification"}
    ).encode(), JSON


def event_callback(
    event: dict[str, Any],
    team_id: str,
    event_id: str | None = None,
    api_app_id: str = "A0001",
    *,
    bot_user_id: str = "UBOT",
    event_time: int | None = None,
    installed_team: str | None = None,
) -> Body:
    """JSON ``event_callback`` body. Reuse ``event_id`` to model a Slack redelivery."""
    envelope = event_envelope(
        event, team_id, event_id, api_app_id, bot_user_id=bot_user_id, event_time=event_time,
        installed_team=installed_team,
    )
    return json.dumps(envelope).encode(), JSON


def event_envelope(
    event: dict[str, Any],
    team_id: str,
    event_id: str | None = None,
    api_app_id: str = "A0001",
    *,
    bot_user_id: str = "UBOT",
    event_time: int | None = None,
    installed_team: str | None = None,
) -> dict[str, Any]:
    """The ``event_callback`` envelope as a dict (``authorizations`` names the bot user).
    ``installed_team`` differs from ``team_id`` for an event from another organisation in a
    Slack Connect channel: the envelope carries theirs, ``authorizations`` the installation's
    [api.slack.com/apis/connect, "Events in shared channels"]."""
    return {
        "token": "verification_token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": event_time if event_time is not None else int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": installed_team or team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": bool(installed_team and installed_team != team_id),
        "event_context": f"4-{uuid.uuid4().hex}",
    }


def team_join(
    user_id: str, name: str, team_id: str = "T0001", **user_fields: Any
) -> dict[str, Any]:
    """``team_join``: carries the full user object, not just an ID."""
    user = make_user(user_id, name, team_id=team_id)
    user.update(user_fields)
    return {"type": "team_join", "user": user, "cache_ts": int(time.time()), "event_ts": _ts()}


def user_change(user_id: str, name: str, team_id: str = "T0001", **user_fields: Any
                ) -> dict[str, Any]:
    """``user_change``: a profile changed; ``deleted=True`` is the account deactivated (how a
    member leaves a workspace: there is no ``team_leave``) [api.slack.com/events/user_change]."""
    user = make_user(user_id, name, team_id=team_id)
    user.update(user_fields)
    return {"type": "user_change", "user": user, "cache_ts": int(time.time()), "event_ts": _ts()}


def member_joined_channel(
    user_id: str, channel_id: str, team_id: str = "T0001", inviter: str | None = None
) -> dict[str, Any]:
    event = {
        "type": "member_joined_channel",
        "user": user_id,
        "channel": channel_id,
        "channel_type": "C",
        "team": team_id,
        "event_ts": _ts(),
    }
    if inviter:
        event["inviter"] = inviter
    return event


def message(
    user_id: str,
    channel_id: str,
    text: str,
    team_id: str = "T0001",
    *,
    ts: str | None = None,
    channel_type: str = "channel",
    thread_ts: str | None = None,
    files: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A plain user message in a channel (``channel_type`` ``im`` for DMs); with ``files``
    (from ``file()``) it is a ``file_share`` message, as Slack sends an upload."""
    ts = ts or _ts()
    event = {
        "client_msg_id": str(uuid.uuid4()),
        "type": "message",
        "text": encode(text),
        "user": user_id,
        "ts": ts,
        "team": team_id,
        "blocks": [
            {
                "type": "rich_text",
                "block_id": uuid.uuid4().hex[:4],
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                ],
            }
        ],
        "channel": channel_id,
        "event_ts": ts,
        "channel_type": channel_type,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    if files:
        event["subtype"] = "file_share"
        event["files"] = files
        event["upload"] = False
    return event


def file(name: str, team_id: str = "T0001") -> dict[str, Any]:
    """A file object as a file_share message carries it: ``url_private`` needs the bot token to
    fetch; ``permalink`` opens it in Slack for anyone who may see it."""
    file_id = f"F{uuid.uuid4().hex[:10].upper()}"
    return {
        "id": file_id, "created": int(time.time()), "timestamp": int(time.time()),
        "name": name, "title": name, "mimetype": "image/png", "filetype": "png",
        "user": "U123", "size": 1234, "mode": "hosted", "is_external": False,
        "url_private": f"https://files.slack.com/files-pri/{team_id}-{file_id}/{name}",
        "url_private_download": f"https://files.slack.com/files-pri/{team_id}-{file_id}/download/{name}",
        "permalink": f"https://hearth-test.slack.com/files/U123/{file_id}/{name}",
    }


def bot_message(
    bot_id: str, channel_id: str, text: str, *, username: str = "other-bot"
) -> dict[str, Any]:
    """Classic ``bot_message`` subtype (no ``user``; identified by ``bot_id``)."""
    ts = _ts()
    return {
        "type": "message",
        "subtype": "bot_message",
        "text": text,
        "ts": ts,
        "username": username,
        "bot_id": bot_id,
        "channel": channel_id,
        "event_ts": ts,
        "channel_type": "channel",
    }


def message_changed(
    user_id: str,
    channel_id: str,
    new_text: str,
    old_text: str,
    original_ts: str,
    team_id: str = "T0001",
) -> dict[str, Any]:
    """``message_changed``: the edited message is nested under ``message``."""
    ts = _ts()
    return {
        "type": "message",
        "subtype": "message_changed",
        "message": {
            "type": "message",
            "text": new_text,
            "user": user_id,
            "team": team_id,
            "edited": {"user": user_id, "ts": ts},
            "ts": original_ts,
        },
        "previous_message": {
            "type": "message",
            "text": old_text,
            "user": user_id,
            "team": team_id,
            "ts": original_ts,
        },
        "channel": channel_id,
        "hidden": True,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
    }


def message_deleted(
    user_id: str, channel_id: str, text: str, deleted_ts: str, team_id: str = "T0001",
    *, thread_ts: str | None = None,
) -> dict[str, Any]:
    """``message_deleted``: a hidden event naming the deleted message by ``deleted_ts``."""
    ts = _ts()
    previous: dict[str, Any] = {"type": "message", "text": text, "user": user_id,
                                "team": team_id, "ts": deleted_ts}
    if thread_ts:
        previous["thread_ts"] = thread_ts
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "deleted_ts": deleted_ts,
        "previous_message": previous,
        "channel": channel_id,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
    }


def reaction_added(
    user_id: str, reaction: str, channel_id: str, message_ts: str, item_user: str
) -> dict[str, Any]:
    """``reaction`` is an emoji *name* (`pray`, `pray::skin-tone-4`), never the glyph
    [api.slack.com/events/reaction_added]."""
    assert reaction.isascii() and ":" not in reaction.replace("::", ""), (
        f"Slack sends reaction names, not {reaction!r}")
    return {
        "type": "reaction_added",
        "user": user_id,
        "reaction": reaction,
        "item_user": item_user,
        "item": {"type": "message", "channel": channel_id, "ts": message_ts},
        "event_ts": _ts(),
    }


# ---------------------------------------------------------------------- interactivity


def interactivity(payload: dict[str, Any]) -> Body:
    """Interactivity requests are form-encoded with a single ``payload`` JSON field."""
    return urlencode({"payload": json.dumps(payload)}).encode(), FORM


def _user(user_id: str, team_id: str, name: str) -> dict[str, Any]:
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _team(team_id: str) -> dict[str, Any]:
    return {"id": team_id, "domain": "hearth-test"}


def view_submission(
    callback_id: str,
    values: dict[str, dict[str, dict[str, Any]]],
    user_id: str,
    team_id: str = "T0001",
    *,
    private_metadata: str = "",
    view_id: str = "V0001",
    api_app_id: str = "A0001",
    bot_id: str = "BBOT",
    user_name: str = "someone",
) -> dict[str, Any]:
    """``values`` is ``state.values``: ``{block_id: {action_id: {"type": ..., "value": ...}}}``."""
    return {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, team_id, user_name),
        "api_app_id": api_app_id,
        "token": "verification_token",
        "trigger_id": _trigger_id(),
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "blocks": [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": values},
            "hash": f"{int(time.time())}.abcdEFGH",
            "title": {"type": "plain_text", "text": "Hearth"},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": {"type": "plain_text", "text": "Cancel"},
            "submit": {"type": "plain_text", "text": "Submit"},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": api_app_id,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": bot_id,
        },
        "response_urls": [],
        "is_enterprise_install": False,
    }


def message_action(
    callback_id: str,
    user_id: str,
    channel_id: str,
    message: dict[str, Any],
    response_url: str,
    team_id: str = "T0001",
    *,
    channel_name: str = "general",
    user_name: str = "someone",
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """Message shortcut. ``message`` is the target message (e.g. from ``message()``); pass a
    ``trigger_id`` from ``FakeSlack.trigger()`` when the app will open a view with it."""
    return {
        "type": "message_action",
        "token": "verification_token",
        "action_ts": _ts(),
        "team": _team(team_id),
        "user": {"id": user_id, "name": user_name},
        "channel": {"id": channel_id, "name": channel_name},
        "is_enterprise_install": False,
        "callback_id": callback_id,
        "trigger_id": trigger_id or _trigger_id(),
        "message_ts": message.get("ts"),
        "message": message,
        "response_url": response_url,
    }


def block_actions(
    action_id: str,
    value: str,
    user_id: str,
    channel_id: str,
    message_ts: str,
    response_url: str,
    team_id: str = "T0001",
    *,
    block_id: str = "actions",
    api_app_id: str = "A0001",
    user_name: str = "someone",
) -> dict[str, Any]:
    """A button click on a message posted by the app."""
    return {
        "type": "block_actions",
        "user": _user(user_id, team_id, user_name),
        "api_app_id": api_app_id,
        "token": "verification_token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "trigger_id": _trigger_id(),
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "general"},
        "message": {"type": "message", "ts": message_ts, "text": "", "user": "UBOT"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "text": {"type": "plain_text", "text": value, "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": _ts(),
            }
        ],
    }


# ---------------------------------------------------------------------- sender


class SlackSender:
    """Posts signed requests to a served bolt app, like Slack's delivery side."""

    def __init__(self, url: str, secret: str) -> None:
        self.url = url
        self.secret = secret
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> SlackSender:
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(
        self,
        body: Body,
        *,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        bad_signature: bool = False,
        timestamp: int | str | None = None,
    ) -> tuple[int, str, dict[str, str]]:
        """Send ``(raw, content_type)``; returns ``(status, body text, response headers)``."""
        raw, content_type = body
        headers = sign(self.secret, raw, timestamp, content_type)
        if bad_signature:
            headers["X-Slack-Signature"] = "v0=" + "0" * 64
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.post(self.url, data=raw, headers=headers) as resp:
            return resp.status, await resp.text(), dict(resp.headers)

    async def send_event(
        self, event: dict[str, Any], team_id: str = "T0001", **kwargs: Any
    ) -> tuple[int, str, dict[str, str]]:
        event_id = kwargs.pop("event_id", None)
        installed = kwargs.pop("installed_team", None)
        return await self.send(
            event_callback(event, team_id, event_id, installed_team=installed), **kwargs)

    async def send_payload(
        self, payload: dict[str, Any], **kwargs: Any
    ) -> tuple[int, str, dict[str, str]]:
        return await self.send(interactivity(payload), **kwargs)
