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
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import forms
from adapters.slack.channels import Channels
from adapters.slack.inbound import PLATFORM, Inbound, community, team_of
from adapters.slack.outbound import InteractionSink, Outbound, retry_handlers
from adapters.slack.people import People
from bot.actions import Respond
from bot.bootstrap import App
from bot.commands import CommandKind, CommandSpec
from bot.events import Actor, Community, MemberRef, MessageRef
from bot.ports import Sink

log = logging.getLogger(__name__)

# Slack wants an answer within 3 s; deciding normally takes milliseconds.
ACK_BUDGET = 2.0
PRUNE_EVERY = 6 * 3600.0
EVENTS = ("team_join", "member_joined_channel", "member_left_channel", "message",
          "reaction_added")
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
        self.outbound = Outbound(self.client, self.people, self.channels, self.settings,
                                 lambda c: app.config.for_community(c).community.timezone)
        self.inbound = Inbound(self.people, self.channels, self.settings, self.runtime.specs,
                               self.runtime.clock.now)
        # process_before_response: the HTTP answer waits for the listener, so a failure while
        # deciding can still become a 500 (and Slack's retry); listeners hand slow work off.
        self.bolt = AsyncApp(client=self.client, signing_secret=signing_secret,
                             process_before_response=True)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._socket: Any = None
        self._pruner: asyncio.Task[None] | None = None
        self.url: str | None = None
        self._wire()

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        self.runtime.add_sink(PLATFORM, self.outbound)
        if self.app_token:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.bolt, self.app_token)
            await self._socket.connect_async()
            log.info("slack: connected in Socket Mode")
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

    def connected(self) -> bool:
        """Whether Hearth can hear from Slack now (for /healthz): the Socket Mode connection is
        open, or the HTTP listener is serving."""
        if self._socket is not None:
            client = self._socket.client
            session = client.current_session
            return not client.closed and session is not None and not session.closed
        return self._runner is not None

    async def stop(self) -> None:
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
        actions = await self.runtime.handle(event)
        if actions:
            self._spawn(self.runtime.deliver(actions, self.outbound))

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
            event = await self.inbound.command(body)
            spec, has_args = self.inbound.spec_for(event.line or "")
            if (spec is not None and spec.kind is CommandKind.FORM and not has_args
                    and self._may_use(where, event.actor, spec)):
                await self._open(body["trigger_id"], spec, {"ch": body.get("channel_id")})
                return
            await self.runtime.process(event, sink)
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
            ref = await self.inbound.message_ref(channel or "", message)
            actor = await self.people.actor(user_id, with_level=True)
            if forms.fillable(spec) and self._may_use(where, actor, spec):
                await self._open(body["trigger_id"], spec, {
                    "ch": channel, "ts": ref.message_id, "u": ref.author.user_id,
                    "t": ref.content})
                return
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

    def _may_use(self, where: Community, actor: Actor, spec: CommandSpec) -> bool:
        """Open a form only for those allowed; others get the core's refusal instead."""
        return self.runtime.level(where, actor) >= spec.level

    async def _open(self, trigger_id: str, spec: CommandSpec, meta: dict[str, Any]) -> None:
        await self.client.views_open(trigger_id=trigger_id, view=forms.modal(spec, meta))

    async def _failed(self, where: Community, user_id: str, command: str, sink: Sink) -> None:
        """Tell the member, in the core's own words, that it didn't go through."""
        try:
            messages = self.app.config.for_community(where).messages
            text = messages.failed.render(random.Random(), command=f"/{command.lstrip('/')}")
            await sink.perform(Respond(where, user_id, text))
        except Exception as exc:
            log.error("slack: couldn't even say that it failed: %r", exc)

