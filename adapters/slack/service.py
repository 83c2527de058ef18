"""The Slack platform service: a slack-bolt AsyncApp wired to the core, over HTTP or Socket Mode.

Timing, the one thing Slack is strict about:
- Events: the listener translates the payload and lets the runtime claim and decide (local
  SQLite work, milliseconds), then answers 200 while the actions are delivered in the
  background. If deciding fails (Slack couldn't tell us who someone is, the database was
  busy), the claim is released and Slack gets a 500, so its retry does the work again. A
  delivery that fails after the ack is not redone: parts of it may already have gone out, so
  a redo could greet twice; transient Web API failures are retried in place instead. If
  deciding ever takes longer than ACK_BUDGET, Slack gets its 200 anyway and the work goes on.
- Commands, shortcuts and modal submissions are acknowledged at once with an empty body and
  handled in the background; answers to the invoker go through response_url or ephemerally.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Awaitable, Mapping
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import forms
from adapters.slack.channels import Channels
from adapters.slack.inbound import PLATFORM, Inbound, community, team_of
from adapters.slack.outbound import InteractionSink, Outbound, retry_handlers
from adapters.slack.people import People
from adapters.slack.render import spelling
from bot.actions import ReadMissed, Respond
from bot.bootstrap import App
from bot.commands import CommandKind, CommandSpec
from bot.events import Actor, Community, DirectMessaged, MemberRef, MessageRef
from bot.permissions import Level
from bot.ports import Receipt, Sink
from bot.text import CommandRef
from bot.turns import Turns

log = logging.getLogger(__name__)

# Slack wants an answer within 3 s; deciding normally takes milliseconds.
ACK_BUDGET = 2.0
PRUNE_EVERY = 6 * 3600.0
# Messages asked for per conversations.history call when reading back missed DMs.
HISTORY_PAGE = 200
EVENTS = ("team_join", "user_change", "member_joined_channel", "member_left_channel", "message",
          "reaction_added")
# apps.connections.open errors that mean the app-level token itself is no good: retrying can't help.
TOKEN_REFUSED = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked",
                           "token_expired", "not_allowed_token_type", "missing_scope"})
APP_TOKEN_FIX = ("Create an app-level token with the connections:write scope (Basic Information "
                 "-> App-Level Tokens) and set SLACK_APP_TOKEN to it.")
BOT_TOKEN_FIX = ("Copy the Bot User OAuth Token (xoxb-...) from OAuth & Permissions, reinstalling "
                 "the app if it was removed, and set SLACK_BOT_TOKEN to it.")
SECRET_MISSING = ("SLACK_SIGNING_SECRET is not set. HTTP mode needs it to check that requests "
                  "come from Slack; set it, or set SLACK_APP_TOKEN to use Socket Mode.")


def create(app: App, env: Mapping[str, str], *, base_url: str | None = None) -> SlackService:
    """The service for `hearth run`; `base_url` points the Web API elsewhere (tests)."""
    token = env.get("SLACK_BOT_TOKEN", "")
    app_token = env.get("SLACK_APP_TOKEN", "")
    secret = env.get("SLACK_SIGNING_SECRET", "")
    if not token:
        raise ValueError("SLACK_BOT_TOKEN is not set.")
    if not app_token and not secret:
        raise ValueError(SECRET_MISSING)
    return SlackService(app, token=token, signing_secret=secret, app_token=app_token or None,
                        base_url=base_url)


class SlackService:
    platform = PLATFORM
    # Socket Mode: how long to wait before trying an unreachable Slack again (doubling).
    backoff = (1.0, 60.0)

    def __init__(self, app: App, *, token: str, signing_secret: str,
                 app_token: str | None = None, base_url: str | None = None) -> None:
        self.app = app
        self.runtime = app.runtime
        self.settings = app.config.platforms.slack
        self.app_token = app_token
        kwargs = {"base_url": base_url} if base_url else {}
        self.client = AsyncWebClient(token=token, retry_handlers=retry_handlers(), **kwargs)
        self.people = People(self.client, self.settings)
        self.channels = Channels(self.client)
        prefix = self.settings.prefix_command if self.settings.commands == "prefix" else None
        self.outbound = Outbound(
            self.client, self.people, self.channels, self.settings,
            lambda c: app.config.for_community(c).community.timezone,
            spelling(lambda: [s.name for s in self.runtime.specs()
                              if s.kind is not CommandKind.MESSAGE_ACTION], prefix))
        self.inbound = Inbound(self.people, self.channels, self.settings, self.runtime.specs,
                               self.runtime.clock.now)
        self.outbound.read_back = self._read_missed
        self._ims = Turns()
        # process_before_response: the HTTP answer waits for the listener, so a failure while
        # deciding can still become a 500 (and Slack's retry); listeners hand slow work off.
        self.bolt = AsyncApp(client=self.client, signing_secret=signing_secret,
                             process_before_response=True)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._socket: Any = None
        self._pruner: asyncio.Task[None] | None = None
        self._connector: asyncio.Task[None] | None = None
        self._failed = asyncio.Event()
        self._failure = ""
        self.url: str | None = None
        self._wire()

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        self.runtime.add_sink(PLATFORM, self.outbound)
        if self.app_token:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.bolt, self.app_token)
            # In the background, so a stop signal is heard while Slack can't be reached.
            self._connector = asyncio.create_task(self._connect())
        else:
            self._runner = web.AppRunner(self.bolt.web_app(path="/slack/events"),
                                         access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, self.settings.host, self.settings.port)
            await site.start()
            host, port = self._runner.addresses[0][:2]
            self.url = f"http://{host}:{port}/slack/events"
            log.info("slack: listening for Slack's requests on %s", self.url)
        self._pruner = asyncio.create_task(self._prune_periodically())

    async def _connect(self) -> None:
        """Socket Mode: check both tokens and ask for a connection URL until Slack answers; a
        token Slack refuses ends it (retrying can't help), anything else is tried again."""
        delay, longest = self.backoff
        # Without the client's own retries: this loop is the retrying, and it hears a stop.
        opener = AsyncWebClient(base_url=self.client.base_url)
        while True:
            variable, fix = "SLACK_BOT_TOKEN", BOT_TOKEN_FIX
            try:
                await opener.auth_test(token=self.client.token)
                variable, fix = "SLACK_APP_TOKEN", APP_TOKEN_FIX
                opened = await opener.apps_connections_open(app_token=self.app_token)
                break
            except SlackApiError as exc:
                error = str(exc.response.get("error", ""))
                if error in TOKEN_REFUSED:
                    self._fail(f"Slack refused {variable} ({error}). {fix}")
                    return
                reason = error or repr(exc)
            except Exception as exc:  # unreachable: DNS, refused, timed out
                reason = repr(exc)
            log.warning("slack: can't reach Slack for Socket Mode (%s); trying again in %.0fs",
                        reason, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, longest)
        self._socket.client.wss_uri = opened["url"]
        await self._socket.connect_async()
        log.info("slack: connected in Socket Mode")

    def _fail(self, reason: str) -> None:
        self._failure = self._failure or reason
        self._failed.set()

    async def wait_failed(self) -> str:
        """Returns (with what to fix) if Slack can never be connected to as configured."""
        await self._failed.wait()
        return self._failure

    def connected(self) -> bool:
        """Whether Hearth can hear from Slack now (for /healthz): the Socket Mode connection is
        open, or the HTTP listener is serving."""
        if self._socket is not None:
            client = self._socket.client
            session = client.current_session
            return not client.closed and session is not None and not session.closed
        return self._runner is not None

    async def stop(self) -> None:
        if self._connector is not None:
            self._connector.cancel()
        if self._pruner is not None:
            self._pruner.cancel()
        if self._socket is not None:
            await self._socket.close_async()
        if self._runner is not None:
            await self._runner.cleanup()
        # Let work already acknowledged finish, within reason.
        pending = set(self._tasks)
        if pending:
            _, late = await asyncio.wait(pending, timeout=10)
            for task in late:
                task.cancel()

    async def drain(self) -> None:
        """Wait until every acknowledged request has been fully handled and delivered."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _spawn(self, work: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("slack: handling a request failed: %r", task.exception())

    async def _prune_periodically(self) -> None:
        # runtime.start prunes once; a long-running process keeps the table small too.
        while True:
            await asyncio.sleep(PRUNE_EVERY)
            try:
                await self.runtime.claims.prune(
                    self.runtime.clock.now() - self.runtime.config.hearth.processed_events_kept)
            except Exception as exc:
                log.warning("slack: pruning old event claims failed: %r", exc)

    # -- wiring -------------------------------------------------------------------------

    def _wire(self) -> None:
        for kind in EVENTS:
            # Every subscribed event has a listener, even when config ignores it: bolt answers
            # unhandled events with 404, and Slack would keep retrying them.
            self.bolt.event(kind)(self.on_event)
        # One listener for every slash command, so features added later need no code here.
        self.bolt.command(re.compile(r"^/.+"))(self.on_command)
        self.bolt.message_shortcut(re.compile(r".+"))(self.on_shortcut)
        self.bolt.view(forms.CALLBACK_ID)(self.on_view)

    async def on_event(self, body: dict[str, Any]) -> None:
        started = time.perf_counter()
        task = self._spawn(self._decide(body))
        done, _ = await asyncio.wait({task}, timeout=ACK_BUDGET)
        # Bolt acknowledges as this listener returns.
        self.app.metrics.slack_ack.observe(time.perf_counter() - started)
        if task in done:
            task.result()  # a failure here is a 500: Slack retries and the retry redoes it
        else:
            log.warning("slack: event %s still being handled after %.0fs; acknowledged anyway",
                        body.get("event_id"), ACK_BUDGET)

    async def _decide(self, body: dict[str, Any]) -> None:
        event = await self.inbound.event(body)
        if event is None:
            return
        if isinstance(event, DirectMessaged):
            # One member's messages to the app go in order, each delivered (its posts on
            # record) before the next is decided: the second finds the thread the first opened.
            async with self._ims.turn(event.channel):
                await self.runtime.deliver(await self.runtime.handle(event), self.outbound)
            return
        actions = await self.runtime.handle(event)
        if actions:
            self._spawn(self.runtime.deliver(actions, self.outbound))

    async def _read_missed(self, action: ReadMissed) -> Receipt:
        """A member's messages to the app since the last one Hearth read (sent while it was
        down), oldest first, each decided as if it had just arrived: the core's claims skip
        any it already handled."""
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = await self.client.conversations_history(
                channel=action.channel, oldest=action.after or "0", limit=HISTORY_PAGE,
                **({"cursor": cursor} if cursor else {}))
            found += page.get("messages") or []
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        for message in sorted(found, key=lambda m: float(m.get("ts") or 0)):
            if message.get("user") != action.user_id:
                continue  # Hearth's own answers
            event = await self.inbound.event({"team_id": action.community.id, "event": {
                **message, "type": "message", "channel": action.channel,
                "channel_type": "im"}})
            if event is not None:
                async with self._ims.turn(action.channel):
                    await self.runtime.process(event, self.outbound)
        return Receipt(True)

    async def on_command(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        self._spawn(self._command(body))

    async def on_shortcut(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        self._spawn(self._shortcut(body))

    async def on_view(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        self._spawn(self._submitted(body))

    # -- interactions -------------------------------------------------------------------

    async def _command(self, body: dict[str, Any]) -> None:
        sink = InteractionSink(self.outbound, body.get("user_id", ""), body.get("channel_id"),
                               body.get("response_url"))
        where = community(team_of(body))
        try:
            line = self.inbound.line(body.get("command", ""),
                                     self.inbound.text(body.get("text", "")))
            spec, has_args = self.inbound.spec_for(line)
            if spec is not None and spec.kind is CommandKind.FORM and not has_args:
                # The trigger works for 3 s: the form opens before anyone is looked up.
                await self._form(body, where, spec, {"ch": body.get("channel_id")})
                return
            await self.runtime.process(await self.inbound.command(body), sink)
        except Exception:
            await self._failed(where, body.get("user_id", ""), body.get("command", ""), sink)
            raise

    async def _shortcut(self, body: dict[str, Any]) -> None:
        user_id = (body.get("user") or {}).get("id", "")
        channel = (body.get("channel") or {}).get("id")
        sink = InteractionSink(self.outbound, user_id, channel, body.get("response_url"))
        where = community(team_of(body))
        spec = self.inbound.shortcut_spec(body.get("callback_id", ""))
        if spec is None:
            log.warning("slack: no command for shortcut %r; is the manifest up to date?",
                        body.get("callback_id"))
            return
        try:
            message = body.get("message") or {}
            if forms.fillable(spec):
                await self._form(body, where, spec, {
                    "ch": channel, "ts": message.get("ts", ""),
                    "u": message.get("user") or message.get("bot_id") or "",
                    "t": self.inbound.text(message.get("text", ""))})
                return
            ref = await self.inbound.message_ref(channel or "", message)
            event = await self.inbound.invoked(body, spec, {"message": ref}, channel,
                                               f"shortcut:{body.get('trigger_id')}")
            await self.runtime.process(event, sink)
        except Exception:
            await self._failed(where, user_id, spec.name, sink)
            raise

    async def _submitted(self, body: dict[str, Any]) -> None:
        view = body.get("view") or {}
        meta = forms.unpack(view.get("private_metadata", ""))
        user_id = (body.get("user") or {}).get("id", "")
        where = community(team_of(body))
        sink = InteractionSink(self.outbound, user_id, meta.get("ch"), None)
        spec = self.inbound.spec_named(str(meta.get("c", "")))
        if spec is None:
            log.warning("slack: a form for an unknown command %r was submitted", meta.get("c"))
            return
        try:
            args = forms.submission(spec, (view.get("state") or {}).get("values") or {})
            if spec.kind is CommandKind.MESSAGE_ACTION:
                author = await self.inbound.member(meta["u"]) if meta.get("u") else MemberRef("")
                args["message"] = MessageRef(channel=meta.get("ch") or "",
                                             message_id=meta.get("ts") or "", author=author,
                                             content=meta.get("t") or "")
            event = await self.inbound.invoked(body, spec, args, meta.get("ch"),
                                               f"view:{view.get('id')}")
            await self.runtime.process(event, sink)
        except Exception:
            await self._failed(where, user_id, spec.name, sink)
            raise

    async def _form(self, body: dict[str, Any], where: Community, spec: CommandSpec,
                    meta: dict[str, Any]) -> None:
        """Open the form at once, then check who is asking: someone who may not use the
        command sees the core's refusal in place of the form, before typing anything."""
        opened = await self.client.views_open(trigger_id=body["trigger_id"],
                                              view=forms.modal(spec, meta))
        if spec.level <= Level.MEMBER:
            return
        user_id = body.get("user_id") or (body.get("user") or {}).get("id", "")
        actor = await self.people.actor(user_id, with_level=True)
        if self._may_use(where, actor, spec):
            return
        messages = self.app.config.for_community(where).messages
        refusal = messages.not_allowed.render(None, command=CommandRef(spec.name),
                                              level=spec.level.label)
        await self.client.views_update(view_id=opened["view"]["id"], view=forms.notice(
            spec, self.outbound.mrkdwn(where, refusal)))

    def _may_use(self, where: Community, actor: Actor, spec: CommandSpec) -> bool:
        return self.runtime.level(where, actor) >= spec.level

    async def _failed(self, where: Community, user_id: str, command: str, sink: Sink) -> None:
        """Tell the member, in the core's own words, that it didn't go through."""
        try:
            messages = self.app.config.for_community(where).messages
            text = messages.failed.render(random.Random(), command=CommandRef(command.lstrip("/")))
            await sink.perform(Respond(where, user_id, text))
        except Exception as exc:
            log.error("slack: couldn't even say that it failed: %r", exc)

