"""A fake Slack Web API on loopback, for driving a real slack_sdk / slack_bolt client.

Usage::

    async with FakeSlack() as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url)
        ...
        call = await fake.wait_for_call("chat.postMessage")

Every request is recorded in ``fake.calls`` as ``Call(method, args)``, where ``args`` merges the
query string, the form or JSON body and (as ``token``) the bearer token. What the fake answered
is in ``fake.responses`` (same index).

What Slack refuses, the fake refuses (sources in brackets):
- ``chat.postMessage`` in a channel the bot isn't a member of: ``not_in_channel``; in a DM or
  group DM it didn't open (a conversation between other people): ``channel_not_found``
  [api.slack.com/methods/chat.postMessage, "Errors"].
- Message text past 40,000 characters is truncated, not refused
  [api.slack.com/changelog/2018-04-truncating-really-long-messages].
- A ``trigger_id`` opens one view, within 3 seconds of the interaction: later is
  ``expired_trigger_id``, a second use ``exchanged_trigger_id`` ("The trigger_id was already
  exchanged in a previous call"), one Slack never issued ``invalid_trigger_id``
  [docs.slack.dev/reference/methods/views.open and views.push, "Errors";
  api.slack.com/interactivity/handling, "trigger_id ... expires in 3 seconds"]. Issue them
  with ``fake.trigger()``; time is the fake's injected ``clock`` (plus ``advance``/``latency``),
  never a sleep.
- A ``response_url`` works 5 times within 30 minutes [api.slack.com/interactivity/handling,
  "Message responses"]; after that it answers 404 (the body, ``used_url`` / ``expired_url``,
  is the fake's wording: Hearth only relies on the status).
- ``conversations.list`` and ``users.list`` return at most ``limit`` items and a
  ``response_metadata.next_cursor`` [api.slack.com/docs/pagination].
- Files arrive in three steps [docs.slack.dev/reference/methods/files.getUploadURLExternal and
  files.completeUploadExternal; python-slack-sdk's ``files_upload_v2``]:
  1. ``files.getUploadURLExternal`` needs ``filename`` and ``length`` (a positive integer, the
     byte count), else ``invalid_arguments``; it answers ``upload_url`` and ``file_id``.
  2. The upload URL (served here, on loopback) takes one POST of exactly ``length`` bytes (raw
     or multipart) and answers 200 ``OK - <length>``; a wrong length, a second POST or an URL
     never issued get a 4xx. ``fake.fail("upload", body, status=...)`` answers with a status of
     the test's choosing (slack_sdk retries a 5xx, not a 4xx).
  3. ``files.completeUploadExternal`` takes ``files`` (a JSON array of ``{"id", "title"}``) and
     shares them in ``channel_id`` with ``initial_comment`` and ``thread_ts``, refused as
     ``chat.postMessage`` refuses (``not_in_channel`` / ``channel_not_found``). It can be called
     once per file: an id never issued, not yet uploaded or already completed is
     ``file_not_found`` (the fake's choice of code; Slack discards such uploads). The share is
     also a message in the channel with the file under ``files``. slack_sdk sends this
     method's arguments in the query string; the fake's server, like any, refuses a request
     line past 8,190 bytes (aiohttp's limit; Slack documents none), so a long
     ``initial_comment`` fails here as it would risk failing there.
  Shared files, with their bytes, are in ``fake.files``. Both methods need the bot token's
  ``files:write`` scope: without it (take it out of ``fake.scopes``) they answer
  ``missing_scope`` with ``needed`` and ``provided``, as Slack answers a missing scope.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple, Self
from urllib.parse import urlsplit

from aiohttp import web

Args = dict[str, Any]
Predicate = Callable[[Args], bool]

MAX_TEXT = 40_000
TRIGGER_LIFETIME = 3.0
RESPONSE_URL_USES = 5
RESPONSE_URL_LIFETIME = 30 * 60.0
# What the manifest asks for (adapters/slack/manifest.py) and what each method here needs.
DEFAULT_SCOPES = frozenset({
    "channels:history", "channels:read", "chat:write", "commands", "files:write",
    "groups:history", "groups:read", "im:history", "im:write", "reactions:read",
    "usergroups:read", "usergroups:write", "users:read"})
NEEDS_SCOPE = {"files.getUploadURLExternal": "files:write",
               "files.completeUploadExternal": "files:write"}


class Call(NamedTuple):
    method: str
    args: Args


@dataclass
class Response:
    status: int
    body: Any


@dataclass
class SlackFile:
    """One upload, from the URL Slack issued to where it was shared."""

    id: str
    name: str
    length: int
    data: bytes | None = None  # once uploaded
    title: str = ""
    channel: str | None = None  # once completed (None: completed without sharing)
    initial_comment: str | None = None
    thread_ts: str | None = None
    completed: bool = False


@dataclass
class _Injection:
    kind: str  # "ratelimit" or "fail"
    times: int
    retry_after: int = 1
    error: str = ""
    status: int = 500  # for the upload URL, which answers in HTTP statuses


# Slack sends these as JSON strings in form/query bodies; decode so handlers see one shape.
_JSON_FIELDS = ("view", "blocks", "attachments", "metadata")


class FakeSlack:
    """In-process fake of the Slack Web API (``https://slack.com/api/``) on 127.0.0.1."""

    def __init__(
        self,
        team_id: str = "T0001",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        *,
        team_name: str = "Hearth Test",
        team_domain: str = "hearth-test",
        app_id: str = "A0001",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.team_name = team_name
        self.team_domain = team_domain
        self.app_id = app_id

        self.calls: list[Call] = []
        self.responses: list[Response] = []
        self.unknown_methods: list[str] = []

        self.users: dict[str, Args] = {}
        self.channels: dict[str, Args] = {}
        self.usergroups: dict[str, Args] = {}
        self.views: dict[str, Args] = {}
        # (channel, ts) -> message, so chat.update/delete behave like Slack.
        self.messages: dict[tuple[str, str], Args] = {}
        self.reactions: set[tuple[str, str, str, str]] = set()
        # The bot token's scopes; take one away to see what Slack answers without it.
        self.scopes: set[str] = set(DEFAULT_SCOPES)
        # file id -> upload, in the order issued.
        self.uploads: dict[str, SlackFile] = {}
        self._ims: dict[str, str] = {}
        self._clock = clock
        self._skew = 0.0
        self._latency: dict[str, float] = {}
        self._triggers: dict[str, float | None] = {}  # id -> issued at; None once used
        self._response_urls: dict[str, tuple[float, int]] = {}  # name -> (issued at, uses)

        self._injections: dict[str, list[_Injection]] = {}
        self._cond: asyncio.Condition | None = None
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

        self.add_user(bot_user_id, "hearth", is_bot=True)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self._cond = asyncio.Condition()
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response_url/{name}", self._handle_response_url)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def api_url(self) -> str:
        """Base URL for ``AsyncWebClient(base_url=...)``; ends with ``/api/``."""
        return f"{self.base_url}/api/"

    def response_url(self, name: str) -> str:
        """A slash-command style ``response_url``; posts are recorded as method ``response_url``
        with the JSON body plus ``_name``. Usable 5 times within 30 minutes, like Slack's."""
        self._response_urls.setdefault(name, (self.now(), 0))
        return f"{self.base_url}/response_url/{name}"

    # ------------------------------------------------------------------ time

    def now(self) -> float:
        """The fake's clock: the injected one plus whatever ``advance``/``latency`` added."""
        return self._clock() + self._skew

    def advance(self, seconds: float) -> None:
        self._skew += seconds

    def latency(self, method: str, seconds: float) -> None:
        """Each call to ``method`` takes ``seconds`` of the fake's time (no real waiting)."""
        self._latency[method] = seconds

    def trigger(self) -> str:
        """A trigger_id as an interaction carries it, issued now."""
        trigger_id = f"{next(self._ids)}.{int(time.time())}.{uuid.uuid4().hex[:24]}"
        self._triggers[trigger_id] = self.now()
        return trigger_id

    # ------------------------------------------------------------------ seeding

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        real_name: str | None = None,
        display_name: str | None = None,
    ) -> Args:
        user = make_user(
            user_id,
            name,
            team_id=self.team_id,
            is_admin=is_admin,
            is_owner=is_owner,
            is_bot=is_bot,
            real_name=real_name,
            display_name=display_name,
        )
        self.users[user_id] = user
        return user

    def add_channel(self, channel_id: str, name: str, *, is_private: bool = False,
                    is_member: bool = True, is_ext_shared: bool = False) -> Args:
        now = int(time.time())
        channel = {
            "id": channel_id,
            "name": name,
            "is_channel": not is_private,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "created": now,
            "is_archived": False,
            "is_general": name == "general",
            "unlinked": 0,
            "name_normalized": name,
            "is_shared": is_ext_shared,
            "is_org_shared": False,
            "is_ext_shared": is_ext_shared,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "context_team_id": self.team_id,
            "creator": self.bot_user_id,
            "is_member": is_member,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
            "num_members": 0,
        }
        self.channels[channel_id] = channel
        return channel

    def add_usergroup(self, usergroup_id: str, handle: str, users: list[str]) -> Args:
        now = int(time.time())
        group = {
            "id": usergroup_id,
            "team_id": self.team_id,
            "is_usergroup": True,
            "is_subteam": True,
            "name": handle,
            "description": "",
            "handle": handle,
            "is_external": False,
            "date_create": now,
            "date_update": now,
            "date_delete": 0,
            "auto_type": None,
            "created_by": self.bot_user_id,
            "updated_by": self.bot_user_id,
            "deleted_by": None,
            "prefs": {"channels": [], "groups": []},
            "users": list(users),
            "user_count": len(users),
        }
        self.usergroups[usergroup_id] = group
        return group

    # ------------------------------------------------------------------ failure injection

    def rate_limit(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next ``times`` calls to ``method`` with HTTP 429 + ``Retry-After``."""
        self._injections.setdefault(method, []).append(
            _Injection("ratelimit", times, retry_after=retry_after)
        )

    def fail(self, method: str, error: str = "channel_not_found", times: int = 1,
             status: int = 500) -> None:
        """Answer the next ``times`` calls to ``method`` with ``{"ok": false, "error": error}``;
        for ``upload`` (the upload URL), with HTTP ``status`` and ``error`` as the body."""
        self._injections.setdefault(method, []).append(
            _Injection("fail", times, error=error, status=status))

    def _take_injection(self, method: str) -> _Injection | None:
        queue = self._injections.get(method)
        if not queue:
            return None
        inj = queue[0]
        inj.times -= 1
        if inj.times <= 0:
            queue.pop(0)
        return inj

    # ------------------------------------------------------------------ inspection

    @property
    def files(self) -> list[SlackFile]:
        """Files completed and shared somewhere, in the order they were issued."""
        return [f for f in self.uploads.values() if f.completed and f.channel]

    def calls_to(self, method: str) -> list[Args]:
        return [c.args for c in self.calls if c.method == method]

    # A timeout argument (not asyncio.timeout at the call site) keeps test code short.
    async def wait_for_call(
        self,
        method: str,
        predicate: Predicate | None = None,
        timeout: float = 5,  # noqa: ASYNC109
    ) -> Args:
        """First recorded call (past or future) to ``method`` matching ``predicate``."""
        return (await self.wait_for_calls(method, 1, predicate, timeout))[0]

    async def wait_for_calls(
        self,
        method: str,
        count: int,
        predicate: Predicate | None = None,
        timeout: float = 5,  # noqa: ASYNC109
    ) -> list[Args]:
        """Wait until at least ``count`` matching calls are recorded; returns all of them."""
        assert self._cond is not None, "FakeSlack not started"

        def matching() -> list[Args]:
            return [a for a in self.calls_to(method) if predicate is None or predicate(a)]

        async with self._cond:
            try:
                async with asyncio.timeout(timeout):
                    await self._cond.wait_for(lambda: len(matching()) >= count)
            except TimeoutError:
                seen = [c.method for c in self.calls]
                raise AssertionError(
                    f"expected {count} call(s) to {method}, got {len(matching())}; calls: {seen}"
                ) from None
            return matching()

    async def _record(self, method: str, args: Args) -> int:
        assert self._cond is not None
        async with self._cond:
            self.calls.append(Call(method, args))
            self.responses.append(Response(0, None))
            self._cond.notify_all()
            return len(self.calls) - 1

    # ------------------------------------------------------------------ HTTP handlers

    async def _read_args(self, request: web.Request) -> Args:
        args: Args = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    args.update(body)
            else:  # form-encoded or multipart
                form = await request.post()
                args.update({k: v for k, v in form.items() if isinstance(v, str)})
        for field in _JSON_FIELDS:
            value = args.get(field)
            if isinstance(value, str) and value[:1] in ("{", "["):
                try:
                    args[field] = json.loads(value)
                except ValueError:
                    pass
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer ") and "token" not in args:
            args["token"] = auth.removeprefix("Bearer ")
        return args

    def _json(self, index: int, body: Args, status: int = 200, **headers: str) -> web.Response:
        self.responses[index] = Response(status, body)
        # Slack answers ok:false errors with HTTP 200 too.
        return web.Response(
            status=status,
            text=json.dumps(body),
            content_type="application/json",
            charset="utf-8",
            headers=headers,
        )

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._read_args(request)
        index = await self._record(method, args)
        self._skew += self._latency.get(method, 0.0)

        inj = self._take_injection(method)
        if inj is not None and inj.kind == "ratelimit":
            return self._json(
                index,
                {"ok": False, "error": "ratelimited"},
                status=429,
                **{"Retry-After": str(inj.retry_after)},
            )
        if inj is not None:
            return self._json(index, {"ok": False, "error": inj.error})

        if not args.get("token"):
            return self._json(index, {"ok": False, "error": "not_authed"})

        needed = NEEDS_SCOPE.get(method)
        if needed and needed not in self.scopes:
            return self._json(index, {"ok": False, "error": "missing_scope", "needed": needed,
                                      "provided": ",".join(sorted(self.scopes))})

        handler = self._METHODS.get(method)
        if handler is None:
            self.unknown_methods.append(method)
            return self._json(index, {"ok": False, "error": "unknown_method"})
        body = handler(self, args)
        if body.get("ok") is not False:
            body = {"ok": True, **body}
        return self._json(index, body)

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        try:
            payload = await request.json()
        except ValueError:
            payload = {"_raw": await request.text()}
        if isinstance(payload.get("text"), str) and len(payload["text"]) > MAX_TEXT:
            payload["text"] = payload["text"][:MAX_TEXT]  # shown cut, like any message
        index = await self._record("response_url", {**payload, "_name": name})
        issued, uses = self._response_urls.get(name, (self.now(), 0))
        refused = ("expired_url" if self.now() - issued > RESPONSE_URL_LIFETIME
                   else "used_url" if uses >= RESPONSE_URL_USES else None)
        self._response_urls[name] = (issued, uses + 1)
        if refused:
            self.responses[index] = Response(404, refused)
            return web.Response(status=404, text=refused)
        inj = self._take_injection("response_url")
        if inj is not None:
            # response_url errors are plain text with a 4xx, unlike Web API methods.
            status = 429 if inj.kind == "ratelimit" else 404
            text = "rate_limited" if inj.kind == "ratelimit" else inj.error
            self.responses[index] = Response(status, text)
            return web.Response(status=status, text=text)
        self.responses[index] = Response(200, "ok")
        return web.Response(text="ok")

    async def _handle_upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal issued: the file's bytes, once."""
        file_id = request.match_info["file_id"]
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            part = next((v for v in form.values() if isinstance(v, web.FileField)), None)
            data = part.file.read() if part is not None else b""
        else:
            data = await request.read()
        index = await self._record("upload", {"_file_id": file_id, "length": len(data)})
        upload = self.uploads.get(file_id)
        inj = self._take_injection("upload")
        if upload is None or upload.data is not None or upload.completed:
            status, text = 404, "upload_url_invalid"  # the fake's wording; Hearth reads status
        elif inj is not None:
            status, text = (429, "rate_limited") if inj.kind == "ratelimit" \
                else (inj.status, inj.error)
        elif len(data) != upload.length:
            status, text = 400, f"length_mismatch: expected {upload.length}, got {len(data)}"
        else:
            upload.data = data
            status, text = 200, f"OK - {len(data)}"
        self.responses[index] = Response(status, text)
        return web.Response(status=status, text=text)

    # ------------------------------------------------------------------ methods

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ids):06d}"

    def _resolve_channel(self, channel: str) -> str:
        # Posting to a user ID lands in the DM with that user, as on real Slack.
        if channel.startswith(("U", "W")):
            return self._im_for(channel)
        if channel.startswith("#"):
            for cid, ch in self.channels.items():
                if ch["name"] == channel[1:]:
                    return cid
        return channel

    def im_of(self, user_id: str) -> str:
        """The app's IM with a member (its Messages tab), made on first use as Slack does."""
        return self._im_for(user_id)

    def member_wrote(self, event: Args) -> Args:
        """Keep a member's message (a ``message`` event, e.g. from ``slack_requests.message``)
        where Slack keeps it, so conversations.history returns it; returns the event."""
        stored = {k: v for k, v in event.items() if k not in ("channel", "channel_type",
                                                                 "event_ts")}
        self.messages[(str(event["channel"]), str(event["ts"]))] = stored
        return event

    def _im_for(self, user_id: str) -> str:
        if user_id not in self._ims:
            self._ims[user_id] = f"D{next(self._ids):08d}"
        return self._ims[user_id]

    def _bot_message(self, args: Args, ts: str) -> Args:
        msg: Args = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": args.get("text", ""),
            "ts": ts,
            "team": self.team_id,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if key in args:
                msg[key] = args[key]
        return msg

    def _auth_test(self, args: Args) -> Args:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self.users[self.bot_user_id]["name"],
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _may_post(self, channel: str) -> str | None:
        """Slack's refusal for posting in ``channel``, or None."""
        if channel in self._ims.values():
            return None
        found = self.channels.get(channel)
        if found is None:
            return "channel_not_found"  # unknown, or a DM between other people
        if not found["is_member"]:
            return "not_in_channel"
        return None

    def _chat_post_message(self, args: Args) -> Args:
        channel = self._resolve_channel(str(args.get("channel", "")))
        refused = self._may_post(channel) if channel else "channel_not_found"
        if refused:
            return {"ok": False, "error": refused}
        if len(str(args.get("text", ""))) > MAX_TEXT:
            args = {**args, "text": str(args["text"])[:MAX_TEXT]}  # Slack cuts, it doesn't refuse
        ts = self._next_ts()
        msg = self._bot_message(args, ts)
        self.messages[(channel, ts)] = msg
        return {"channel": channel, "ts": ts, "message": msg}

    def _chat_post_ephemeral(self, args: Args) -> Args:
        if not args.get("channel") or not args.get("user"):
            return {"ok": False, "error": "invalid_arguments"}
        refused = self._may_post(self._resolve_channel(str(args["channel"])))
        if refused:
            return {"ok": False, "error": refused}
        return {"message_ts": self._next_ts()}

    def _chat_update(self, args: Args) -> Args:
        channel, ts = str(args.get("channel", "")), str(args.get("ts", ""))
        msg = self.messages.get((channel, ts))
        if msg is None:
            return {"ok": False, "error": "message_not_found"}
        if len(str(args.get("text", ""))) > MAX_TEXT:
            args = {**args, "text": str(args["text"])[:MAX_TEXT]}
        msg.update(self._bot_message(args, ts))
        return {"channel": channel, "ts": ts, "text": msg["text"], "message": msg}

    def _chat_delete(self, args: Args) -> Args:
        channel, ts = str(args.get("channel", "")), str(args.get("ts", ""))
        if self.messages.pop((channel, ts), None) is None:
            return {"ok": False, "error": "message_not_found"}
        return {"channel": channel, "ts": ts}

    def _conversations_open(self, args: Args) -> Args:
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if not users:
            if args.get("channel"):
                return {"no_op": True, "already_open": True, "channel": {"id": args["channel"]}}
            return {"ok": False, "error": "users_list_not_supplied"}
        if len(users) > 1:
            return {"channel": {"id": f"G{next(self._ids):08d}"}}
        existed = users[0] in self._ims
        return {
            "no_op": existed,
            "already_open": existed,
            "channel": {"id": self._im_for(users[0])},
        }

    def _page(self, items: list[Args], args: Args) -> tuple[list[Args], Args]:
        """Cursor pagination: at most ``limit`` items (Slack's default 100), then a cursor."""
        limit = int(args.get("limit") or 100)
        start = int(str(args.get("cursor") or "0").removeprefix("dXNlcjo") or 0)
        rest = items[start + limit:]
        cursor = f"dXNlcjo{start + limit}" if rest else ""
        return items[start:start + limit], {"next_cursor": cursor}

    def _conversations_history(self, args: Args) -> Args:
        """A conversation's top-level messages, newest first, after ``oldest`` (exclusive
        unless ``inclusive``) up to ``latest``, a page at a time; thread replies are left to
        conversations.replies, as on Slack."""
        channel = str(args.get("channel", ""))
        if channel not in self._ims.values() and channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.channels and not self.channels[channel]["is_member"]:
            return {"ok": False, "error": "not_in_channel"}
        oldest = float(args.get("oldest") or 0)
        latest = float(args.get("latest") or "inf")
        inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")
        found = [m for (ch, ts), m in self.messages.items() if ch == channel
                 and (float(ts) > oldest or (inclusive and float(ts) == oldest))
                 and float(ts) <= latest
                 and m.get("thread_ts", m["ts"]) == m["ts"]]
        found.sort(key=lambda m: float(m["ts"]), reverse=True)
        page, meta = self._page(found, args)
        return {"messages": page, "has_more": bool(meta["next_cursor"]),
                "response_metadata": meta}

    def _conversations_list(self, args: Args) -> Args:
        page, meta = self._page(list(self.channels.values()), args)
        return {"channels": page, "response_metadata": meta}

    def _users_list(self, args: Args) -> Args:
        page, meta = self._page(list(self.users.values()), args)
        return {"members": page, "response_metadata": meta}

    def _apps_connections_open(self, args: Args) -> Args:
        if not str(args.get("token", "")).startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        host = urlsplit(self.base_url).netloc
        return {"url": f"ws://{host}/socket?ticket={uuid.uuid4().hex}"}

    def _conversations_info(self, args: Args) -> Args:
        channel = self.channels.get(str(args.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"channel": channel}

    def _users_info(self, args: Args) -> Args:
        user = self.users.get(str(args.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"user": user}

    def _usergroups_list(self, args: Args) -> Args:
        include_users = str(args.get("include_users", "")).lower() in ("1", "true")
        groups = []
        for group in self.usergroups.values():
            g = dict(group)
            if not include_users:
                g.pop("users")
            groups.append(g)
        return {"usergroups": groups}

    def _usergroups_users_list(self, args: Args) -> Args:
        group = self.usergroups.get(str(args.get("usergroup", "")))
        if group is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"users": list(group["users"])}

    def _usergroups_users_update(self, args: Args) -> Args:
        group = self.usergroups.get(str(args.get("usergroup", "")))
        if group is None:
            return {"ok": False, "error": "no_such_subteam"}
        users = args.get("users", "")
        if isinstance(users, str):
            users = [u for u in users.split(",") if u]
        group["users"] = list(users)
        group["user_count"] = len(users)
        group["date_update"] = int(time.time())
        return {"usergroup": group}

    def _store_view(self, view: Args, view_id: str) -> Args:
        stored = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type", "modal"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._ids):08d}",
            "title": view.get("title"),
            "clear_on_close": view.get("clear_on_close", False),
            "notify_on_close": view.get("notify_on_close", False),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.app_id,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        self.views[view_id] = stored
        return stored

    def _views_open(self, args: Args) -> Args:
        view = args.get("view")
        trigger_id = str(args.get("trigger_id") or args.get("interactivity_pointer") or "")
        if trigger_id not in self._triggers:
            return {"ok": False, "error": "invalid_trigger_id"}
        issued = self._triggers[trigger_id]
        if issued is None:
            return {"ok": False, "error": "exchanged_trigger_id"}
        if self.now() - issued > TRIGGER_LIFETIME:
            return {"ok": False, "error": "expired_trigger_id"}
        self._triggers[trigger_id] = None
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        return {"view": self._store_view(view, f"V{next(self._ids):08d}")}

    def _views_update(self, args: Args) -> Args:
        view = args.get("view")
        view_id = args.get("view_id")
        if not view_id and args.get("external_id"):
            view_id = next(
                (v["id"] for v in self.views.values() if v["external_id"] == args["external_id"]),
                None,
            )
        if not view_id or view_id not in self.views:
            return {"ok": False, "error": "not_found"}
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        return {"view": self._store_view(view, view_id)}

    def _team_info(self, args: Args) -> Args:
        return {
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "domain": self.team_domain,
                "email_domain": "",
                "icon": {"image_default": True},
            }
        }

    def _reactions_add(self, args: Args) -> Args:
        # As Slack documents it: a message is named by channel and ts, an emoji by its name
        # without colons ("white_check_mark", not ":white_check_mark:").
        if not args.get("channel") or not args.get("timestamp"):
            return {"ok": False, "error": "no_item_specified"}
        channel = self._resolve_channel(str(args["channel"]))
        if channel not in self.channels and channel not in self._ims.values():
            return {"ok": False, "error": "channel_not_found"}
        if not re.fullmatch(r"\d+\.\d+", str(args["timestamp"])):
            return {"ok": False, "error": "bad_timestamp"}
        if not re.fullmatch(r"[a-z0-9_+'-]+(::skin-tone-[2-6])?", str(args.get("name", ""))):
            return {"ok": False, "error": "invalid_name"}
        key = (
            str(args.get("channel", "")),
            str(args.get("timestamp", "")),
            str(args.get("name", "")),
            str(args.get("token", "")),
        )
        if key in self.reactions:
            return {"ok": False, "error": "already_reacted"}
        self.reactions.add(key)
        return {}

    def _files_get_upload_url_external(self, args: Args) -> Args:
        filename = str(args.get("filename") or "")
        length = str(args.get("length") or "")
        if not filename or not length.isdigit() or int(length) <= 0:
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ids):010d}"
        self.uploads[file_id] = SlackFile(file_id, filename, int(length))
        return {"upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, args: Args) -> Args:
        try:
            files = json.loads(args["files"]) if isinstance(args.get("files"), str) \
                else args.get("files")
        except ValueError:
            files = None
        if not isinstance(files, list) or not files or not all(
                isinstance(f, dict) and f.get("id") for f in files):
            return {"ok": False, "error": "invalid_arguments"}
        uploads = [self.uploads.get(str(f["id"])) for f in files]
        if any(u is None or u.data is None or u.completed for u in uploads):
            return {"ok": False, "error": "file_not_found"}
        channel = None
        if args.get("channel_id"):
            channel = self._resolve_channel(str(args["channel_id"]))
            refused = self._may_post(channel)
            if refused:
                return {"ok": False, "error": refused}
        shared = []
        for f, upload in zip(files, uploads, strict=True):
            assert upload is not None
            upload.completed = True
            upload.title = str(f.get("title") or upload.name)
            upload.channel = channel
            upload.initial_comment = args.get("initial_comment")
            upload.thread_ts = args.get("thread_ts")
            shared.append({"id": upload.id, "name": upload.name, "title": upload.title,
                           "size": upload.length, "user": self.bot_user_id})
        if channel is not None:
            # The share is a message in the channel, as conversations.history shows it.
            ts = self._next_ts()
            msg = self._bot_message({"text": args.get("initial_comment") or ""}, ts)
            msg["files"] = shared
            if args.get("thread_ts"):
                msg["thread_ts"] = args["thread_ts"]
            self.messages[(channel, ts)] = msg
        return {"files": [{"id": f["id"], "title": f["title"]} for f in shared]}

    _METHODS: ClassVar[dict[str, Callable[[FakeSlack, Args], Args]]] = {
        "auth.test": _auth_test,
        "chat.postMessage": _chat_post_message,
        "chat.postEphemeral": _chat_post_ephemeral,
        "chat.update": _chat_update,
        "chat.delete": _chat_delete,
        "conversations.open": _conversations_open,
        "conversations.list": _conversations_list,
        "conversations.info": _conversations_info,
        "conversations.history": _conversations_history,
        "users.list": _users_list,
        "apps.connections.open": _apps_connections_open,
        "users.info": _users_info,
        "usergroups.list": _usergroups_list,
        "usergroups.users.list": _usergroups_users_list,
        "usergroups.users.update": _usergroups_users_update,
        "views.open": _views_open,
        "views.update": _views_update,
        "team.info": _team_info,
        "reactions.add": _reactions_add,
        "files.getUploadURLExternal": _files_get_upload_url_external,
        "files.completeUploadExternal": _files_complete_upload_external,
    }


def make_user(
    user_id: str,
    name: str,
    *,
    team_id: str = "T0001",
    is_admin: bool = False,
    is_owner: bool = False,
    is_bot: bool = False,
    real_name: str | None = None,
    display_name: str | None = None,
) -> Args:
    """A Slack user object as users.info and the team_join event carry it."""
    real = real_name if real_name is not None else name.title()
    display = display_name if display_name is not None else name
    return {
        "id": user_id,
        "team_id": team_id,
        "name": name,
        "deleted": False,
        "color": "9f69e7",
        "real_name": real,
        "tz": "Europe/London",
        "tz_label": "Greenwich Mean Time",
        "tz_offset": 0,
        "profile": {
            "title": "",
            "phone": "",
            "skype": "",
            "real_name": real,
            "real_name_normalized": real,
            "display_name": display,
            "display_name_normalized": display,
            "fields": {},
            "status_text": "",
            "status_emoji": "",
            "status_expiration": 0,
            "avatar_hash": "ge3b51ca72de",
            "first_name": real.split(" ")[0],
            "last_name": " ".join(real.split(" ")[1:]),
            "image_24": "https://a.slack-edge.com/df10d/img/avatars/ava_0024-24.png",
            "image_48": "https://a.slack-edge.com/df10d/img/avatars/ava_0024-48.png",
            "image_72": "https://a.slack-edge.com/df10d/img/avatars/ava_0024-72.png",
            "team": team_id,
        },
        "is_admin": is_admin,
        "is_owner": is_owner,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": is_bot,
        "is_app_user": False,
        "updated": int(time.time()),
        "is_email_confirmed": not is_bot,
        "who_can_share_contact_card": "EVERYONE",
    }
