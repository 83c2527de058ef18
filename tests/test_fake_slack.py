"""Self-tests: the Slack fakes drive a real slack_bolt AsyncApp over loopback HTTP."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes import slack_requests as sr
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import SlackSender

SECRET = "test-signing-secret"
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


class Seen:
    """What listeners saw, with a wait that wakes on arrival instead of polling."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._cond = asyncio.Condition()

    async def add(self, item: Any) -> None:
        async with self._cond:
            self.items.append(item)
            self._cond.notify_all()

    async def wait(self, count: int = 1, timeout: float = 5) -> list[Any]:  # noqa: ASYNC109
        async with self._cond, asyncio.timeout(timeout):
            await self._cond.wait_for(lambda: len(self.items) >= count)
        return self.items


@dataclass
class Bolt:
    app: AsyncApp
    fake: FakeSlack
    sender: SlackSender
    url: str


@asynccontextmanager
async def _serve(app: AsyncApp, fake: FakeSlack) -> AsyncIterator[Bolt]:
    runner = web.AppRunner(app.web_app(path="/slack/events"), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    url = f"http://{host}:{port}/slack/events"
    try:
        async with SlackSender(url, SECRET) as sender:
            yield Bolt(app, fake, sender, url)
    finally:
        await runner.cleanup()


def _seed(fake: FakeSlack) -> None:
    fake.add_user("U123", "bob")
    fake.add_user("UADMIN", "ada", is_admin=True, is_owner=True)
    fake.add_channel("C0GENERAL", "general")
    fake.add_channel("C0KUDOS", "kudos")


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as f:
        _seed(f)
        yield f


def _statuses(fake: FakeSlack, method: str) -> list[int]:
    calls = zip(fake.calls, fake.responses, strict=True)
    return [resp.status for call, resp in calls if call.method == method]


def _client(fake: FakeSlack, **kwargs: Any) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=fake.api_url, **kwargs)


@pytest.fixture
async def bolt(fake: FakeSlack) -> AsyncIterator[Bolt]:
    app = AsyncApp(client=_client(fake), signing_secret=SECRET)
    async with _serve(app, fake) as b:
        yield b


@pytest.fixture
async def bolt_pbr(fake: FakeSlack) -> AsyncIterator[Bolt]:
    # process_before_response=True: the HTTP answer waits for the listener to finish.
    app = AsyncApp(client=_client(fake), signing_secret=SECRET, process_before_response=True)
    async with _serve(app, fake) as b:
        yield b


# ---------------------------------------------------------------------- the fake on its own


async def test_fake_web_api_answers_like_slack(fake: FakeSlack) -> None:
    client = _client(fake)
    fake.add_usergroup("S0MODS", "mods", ["UADMIN"])

    auth = await client.auth_test()
    assert (auth["user_id"], auth["bot_id"], auth["team_id"]) == ("UBOT", "BBOT", "T0001")

    user = (await client.users_info(user="UADMIN"))["user"]
    assert user["is_admin"] and user["is_owner"] and not user["is_bot"]
    assert user["profile"]["display_name"] == "ada" and user["real_name"] == "Ada"
    with pytest.raises(SlackApiError) as err:
        await client.users_info(user="UNOPE")
    assert err.value.response["error"] == "user_not_found"

    names = [c["name"] for c in (await client.conversations_list())["channels"]]
    assert names == ["general", "kudos"]
    assert (await client.conversations_info(channel="C0KUDOS"))["channel"]["name"] == "kudos"

    # JSON body (chat.*) and query/form styles (reactions.add, usergroups.*) both parse.
    posted = await client.chat_postMessage(channel="C0KUDOS", text="hello")
    assert posted["channel"] == "C0KUDOS" and posted["message"]["bot_id"] == "BBOT"
    await client.chat_update(channel="C0KUDOS", ts=posted["ts"], text="edited")
    await client.reactions_add(channel="C0KUDOS", timestamp=posted["ts"], name="tada")
    await client.chat_delete(channel="C0KUDOS", ts=posted["ts"])
    await client.api_call("chat.postEphemeral", data={"channel": "C0KUDOS", "user": "U123"})
    assert fake.calls_to("chat.postEphemeral")[0]["user"] == "U123"
    assert fake.calls_to("chat.update")[0]["text"] == "edited"
    assert fake.calls_to("reactions.add")[0]["name"] == "tada"
    assert all(c.args["token"] == "xoxb-test" for c in fake.calls)

    await client.usergroups_users_update(usergroup="S0MODS", users=["UADMIN", "U123"])
    assert (await client.usergroups_users_list(usergroup="S0MODS"))["users"] == ["UADMIN", "U123"]
    groups = (await client.usergroups_list(include_users=True))["usergroups"]
    assert groups[0]["handle"] == "mods" and groups[0]["users"] == ["UADMIN", "U123"]

    view = await client.views_open(trigger_id=fake.trigger(), view={"type": "modal", "blocks": []})
    await client.views_update(view_id=view["view"]["id"], view={"type": "modal", "blocks": []})
    assert (await client.team_info())["team"]["id"] == "T0001"

    with pytest.raises(SlackApiError) as err:
        await client.api_call("emoji.list")
    assert err.value.response["error"] == "unknown_method"
    assert fake.unknown_methods == ["emoji.list"]

    fake.fail("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C0KUDOS", text="x")
    assert err.value.response.status_code == 200
    assert err.value.response["error"] == "channel_not_found"
    await client.chat_postMessage(channel="C0KUDOS", text="x")  # injection used up


async def test_rate_limit_is_retried_with_retry_handler(fake: FakeSlack) -> None:
    # Retry-After 0 keeps the test fast; the handler still sleeps int(header) + random().
    fake.rate_limit("chat.postMessage", retry_after=0)
    client = _client(fake, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
    resp = await client.chat_postMessage(channel="C0GENERAL", text="hi")
    assert resp["ok"]
    assert _statuses(fake, "chat.postMessage") == [429, 200]

    # Without a handler the 429 surfaces as SlackApiError carrying Retry-After.
    fake.rate_limit("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as err:
        await _client(fake).chat_postMessage(channel="C0GENERAL", text="hi")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "7"


# ---------------------------------------------------------------------- through a real AsyncApp


async def test_bad_or_stale_signature_gets_401(bolt: Bolt) -> None:
    body = sr.event_callback(sr.message("U123", "C0GENERAL", "hi"), "T0001")
    status, _, _ = await bolt.sender.send(body, bad_signature=True)
    assert status == 401
    status, _, _ = await bolt.sender.send(body, timestamp=int(time.time()) - 600)
    assert status == 401
    assert bolt.fake.calls == []  # rejected before authorization (auth.test)


async def test_url_verification_echoes_challenge(bolt: Bolt) -> None:
    status, text, _ = await bolt.sender.send(sr.url_verification("abc123"))
    assert status == 200 and json.loads(text) == {"challenge": "abc123"}


async def test_slash_command_acks_responds_and_posts(bolt: Bolt) -> None:
    @bolt.app.command("/kudos")
    async def kudos(ack: Any, respond: Any, command: dict, client: AsyncWebClient) -> None:
        await ack()
        target = MENTION.search(command["text"])
        assert target is not None
        await respond(f"Sending kudos to <@{target.group(1)}>")
        await client.chat_postMessage(
            channel=command["channel_id"], text=f"<@{command['user_id']}> thanked <@{target[1]}>"
        )

    body = sr.slash_command(
        "/kudos",
        "<@U123|bob> for the docs",
        user_id="UADMIN",
        channel_id="C0KUDOS",
        team_id="T0001",
        response_url=bolt.fake.response_url("kudos"),
        trigger_id="123.456.abc",
    )
    status, text, _ = await bolt.sender.send(body)
    assert (status, text) == (200, "")  # empty ack

    responded = await bolt.fake.wait_for_call("response_url")
    assert responded["_name"] == "kudos" and responded["text"] == "Sending kudos to <@U123>"
    posted = await bolt.fake.wait_for_call("chat.postMessage")
    assert posted["channel"] == "C0KUDOS"
    assert posted["text"] == "<@UADMIN> thanked <@U123>"
    assert posted["token"] == "xoxb-test"


async def test_slash_command_ack_text_is_the_http_body(bolt: Bolt) -> None:
    @bolt.app.command("/hearth")
    async def hearth(ack: Any, command: dict) -> None:
        if command["text"] == "public":
            await ack("Everyone sees this", response_type="in_channel")
        else:
            await ack("Only you can see this")

    send = bolt.sender.send
    base = ("U123", "C0GENERAL", "T0001", "http://unused/")
    # A bare ack("text") is sent as text/plain; any extra field turns it into JSON.
    status, text, headers = await send(sr.slash_command("/hearth", "", *base))
    assert (status, text) == (200, "Only you can see this")
    assert headers["Content-Type"].startswith("text/plain")
    status, text, headers = await send(sr.slash_command("/hearth", "public", *base))
    assert json.loads(text) == {"text": "Everyone sees this", "response_type": "in_channel"}
    assert headers["Content-Type"].startswith("application/json")


async def test_process_before_response_finishes_listener_before_http_reply(
    bolt_pbr: Bolt,
) -> None:
    @bolt_pbr.app.command("/hearth")
    async def hearth(ack: Any, client: AsyncWebClient, command: dict) -> None:
        await ack()
        await client.chat_postMessage(channel=command["channel_id"], text="done")

    body = sr.slash_command("/hearth", "", "U123", "C0GENERAL", "T0001", "http://unused/")
    status, _, _ = await bolt_pbr.sender.send(body)
    assert status == 200
    # No wait needed: the call was made before the HTTP response was written.
    assert [a["text"] for a in bolt_pbr.fake.calls_to("chat.postMessage")] == ["done"]


async def test_team_join_dms_the_new_member(bolt: Bolt) -> None:
    @bolt.app.event("team_join")
    async def greet(event: dict, client: AsyncWebClient) -> None:
        user = event["user"]
        dm = await client.conversations_open(users=user["id"])
        await client.chat_postMessage(
            channel=dm["channel"]["id"], text=f"Welcome, {user['profile']['display_name']}!"
        )

    status, _, _ = await bolt.sender.send_event(sr.team_join("UNEW", "newbie"))
    assert status == 200
    opened = await bolt.fake.wait_for_call("conversations.open")
    assert opened["users"] == "UNEW"
    posted = await bolt.fake.wait_for_call("chat.postMessage")
    assert posted["channel"].startswith("D") and posted["text"] == "Welcome, newbie!"


async def test_reaction_added_reaches_listener(bolt: Bolt) -> None:
    seen = Seen()

    @bolt.app.event("reaction_added")
    async def on_reaction(event: dict, client: AsyncWebClient) -> None:
        await seen.add(event)
        item = event["item"]
        await client.reactions_add(channel=item["channel"], timestamp=item["ts"], name="heart")

    event = sr.reaction_added("U123", "tada", "C0KUDOS", "1700000000.000100", item_user="UADMIN")
    status, _, _ = await bolt.sender.send_event(event)
    assert status == 200
    (got,) = await seen.wait()
    assert got["item"] == {"type": "message", "channel": "C0KUDOS", "ts": "1700000000.000100"}
    assert got["item_user"] == "UADMIN" and got["reaction"] == "tada"
    added = await bolt.fake.wait_for_call("reactions.add")
    assert (added["channel"], added["timestamp"]) == ("C0KUDOS", "1700000000.000100")


async def test_message_shapes_and_self_events_ignored(bolt: Bolt) -> None:
    seen = Seen()

    @bolt.app.event("message")
    async def on_message(event: dict) -> None:
        await seen.add(event)

    own = sr.message("UBOT", "C0GENERAL", "from me")
    own_bot = sr.bot_message("BBOT", "C0GENERAL", "also me")
    for event in (own, own_bot):  # bolt drops these: user_id/bot_id match auth.test
        assert (await bolt.sender.send_event(event))[0] == 200

    user_msg = sr.message("U123", "C0GENERAL", "hello <@UBOT>")
    other_bot = sr.bot_message("BOTHER", "C0GENERAL", "beep")
    edited = sr.message_changed("U123", "C0GENERAL", "new", "old", user_msg["ts"])
    for event in (user_msg, other_bot, edited):
        assert (await bolt.sender.send_event(event))[0] == 200

    got = await seen.wait(3)
    assert sorted(e.get("subtype", "") for e in got) == ["", "bot_message", "message_changed"]
    assert "from me" not in [e.get("text") for e in got]
    assert len(bolt.fake.calls_to("auth.test")) == 1  # cached by single-team authorization


async def test_member_joined_channel_reaches_listener(bolt: Bolt) -> None:
    seen = Seen()

    @bolt.app.event("member_joined_channel")
    async def joined(event: dict) -> None:
        await seen.add(event)

    await bolt.sender.send_event(sr.member_joined_channel("U123", "C0KUDOS", inviter="UADMIN"))
    (got,) = await seen.wait()
    assert (got["user"], got["channel"], got["inviter"]) == ("U123", "C0KUDOS", "UADMIN")


async def test_view_submission_reaches_view_listener(bolt: Bolt) -> None:
    seen = Seen()

    @bolt.app.view("kudos_modal")
    async def submit(ack: Any, view: dict, body: dict) -> None:
        reason = view["state"]["values"]["reason_block"]["reason"]["value"]
        if not reason:
            await ack(response_action="errors", errors={"reason_block": "Say why"})
            return
        await ack()
        await seen.add((body["user"]["id"], view["private_metadata"], reason))

    values = {"reason_block": {"reason": {"type": "plain_text_input", "value": "great docs"}}}
    payload = sr.view_submission("kudos_modal", values, "UADMIN", private_metadata="U123")
    status, text, _ = await bolt.sender.send_payload(payload)
    assert (status, text) == (200, "")
    assert await seen.wait() == [("UADMIN", "U123", "great docs")]

    values["reason_block"]["reason"]["value"] = ""
    payload = sr.view_submission("kudos_modal", values, "UADMIN")
    status, text, _ = await bolt.sender.send_payload(payload)
    # View ack arguments travel back in the HTTP body (modal validation errors).
    assert json.loads(text) == {"response_action": "errors", "errors": {"reason_block": "Say why"}}


async def test_message_shortcut_opens_modal(bolt: Bolt) -> None:
    @bolt.app.shortcut("kudos_message")
    async def shortcut(ack: Any, shortcut: dict, client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(
            trigger_id=shortcut["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "kudos_modal",
                "private_metadata": shortcut["message"]["user"],
                "title": {"type": "plain_text", "text": "Kudos"},
                "blocks": [],
            },
        )

    target = sr.message("U123", "C0KUDOS", "I fixed the build")
    payload = sr.message_action(
        "kudos_message", "UADMIN", "C0KUDOS", target, bolt.fake.response_url("shortcut"),
        trigger_id=bolt.fake.trigger(),
    )
    status, _, _ = await bolt.sender.send_payload(payload)
    assert status == 200
    opened = await bolt.fake.wait_for_call("views.open")
    assert opened["trigger_id"] == payload["trigger_id"]
    assert opened["view"]["callback_id"] == "kudos_modal"
    assert opened["view"]["private_metadata"] == "U123"


async def test_block_action_responds_via_response_url(bolt: Bolt) -> None:
    @bolt.app.action("rsvp_yes")
    async def rsvp(ack: Any, respond: Any, body: dict) -> None:
        await ack()
        await respond(text=f"<@{body['user']['id']}> is in", replace_original=False)

    payload = sr.block_actions(
        "rsvp_yes", "yes", "U123", "C0GENERAL", "1700000000.000200", bolt.fake.response_url("rsvp")
    )
    assert (await bolt.sender.send_payload(payload))[0] == 200
    got = await bolt.fake.wait_for_call("response_url", lambda a: a["_name"] == "rsvp")
    assert got["text"] == "<@U123> is in" and got["replace_original"] is False


async def test_rate_limited_call_inside_listener_is_retried(fake: FakeSlack) -> None:
    client = _client(fake, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
    app = AsyncApp(client=client, signing_secret=SECRET)

    @app.event("team_join")
    async def greet(event: dict, client: AsyncWebClient) -> None:
        await client.chat_postMessage(channel=event["user"]["id"], text="Welcome!")

    async with _serve(app, fake) as b:
        fake.rate_limit("chat.postMessage", retry_after=0)
        await b.sender.send_event(sr.team_join("UNEW", "newbie"))
        posts = await fake.wait_for_calls("chat.postMessage", 2)
        assert len(posts) == 2
        assert _statuses(fake, "chat.postMessage") == [429, 200]


async def test_redelivered_event_reaches_listener_every_time(bolt: Bolt) -> None:
    seen = Seen()

    @bolt.app.event("reaction_added")
    async def on_reaction(body: dict, request: Any) -> None:
        await seen.add((body["event_id"], request.headers.get("x-slack-retry-num", [None])[0]))

    body = sr.event_callback(
        sr.reaction_added("U123", "tada", "C0KUDOS", "1700000000.000300", "UADMIN"),
        "T0001",
        event_id="Ev0DUPLICATE",
    )
    for retry_num in (None, 1, None):  # first delivery, a retry, a header-less duplicate
        status, _, _ = await bolt.sender.send(body, retry_num=retry_num)
        assert status == 200

    got = await seen.wait(3)
    assert len(got) == 3  # bolt has no de-duplication; Hearth must do it on event_id
    assert {event_id for event_id, _ in got} == {"Ev0DUPLICATE"}
    assert sorted(str(n) for _, n in got) == ["1", "None", "None"]


# ---------------------------------------------------------------------- what Slack refuses


async def test_fake_refuses_channels_the_bot_is_not_in_and_dms_between_others(fake: FakeSlack
                                                                              ) -> None:
    client = _client(fake)
    fake.add_channel("C0QUIET", "quiet", is_member=False)
    for channel, error in (("C0QUIET", "not_in_channel"), ("D0THEIRS", "channel_not_found")):
        for method in (client.chat_postMessage, client.chat_postEphemeral):
            with pytest.raises(SlackApiError) as err:
                await method(channel=channel, user="U123", text="hi")
            assert err.value.response["error"] == error
    # Its own DM (opened, or by user id) is fine.
    dm = (await client.conversations_open(users="U123"))["channel"]["id"]
    assert (await client.chat_postMessage(channel=dm, text="hi"))["ok"]


async def test_fake_truncates_text_past_40000_characters(fake: FakeSlack) -> None:
    client = _client(fake)
    posted = await client.chat_postMessage(channel="C0KUDOS", text="x" * 40_010)
    assert len(posted["message"]["text"]) == 40_000
    edited = await client.chat_update(channel="C0KUDOS", ts=posted["ts"], text="y" * 50_000)
    assert len(edited["text"]) == 40_000


async def test_fake_pages_lists_with_cursors(fake: FakeSlack) -> None:
    client = _client(fake)
    for i in range(5):
        fake.add_channel(f"C0MORE{i}", f"more-{i}")
    names, cursor, pages = [], None, 0
    while True:
        resp = await client.conversations_list(limit=3, cursor=cursor)
        assert len(resp["channels"]) <= 3
        names += [c["name"] for c in resp["channels"]]
        pages += 1
        cursor = resp["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and len(names) == len(set(names)) == len(fake.channels)
    users = await client.users_list(limit=2)
    assert len(users["members"]) == 2 and users["response_metadata"]["next_cursor"]


async def test_fake_response_url_takes_five_messages(fake: FakeSlack) -> None:
    from slack_sdk.webhook.async_client import AsyncWebhookClient

    hook = AsyncWebhookClient(fake.response_url("five"))
    codes = [(await hook.send(text=f"{i}")).status_code for i in range(6)]
    assert codes == [200] * 5 + [404]


# ---------------------------------------------------------------------- files, in three steps


async def test_fake_takes_a_file_in_three_steps_and_keeps_its_bytes(fake: FakeSlack) -> None:
    client = _client(fake)
    data = bytes(range(256)) * 3
    done = await client.files_upload_v2(channel="C0GENERAL", file=data, filename="a.bin",
                                        title="A", initial_comment="here it is")
    [shared] = fake.files
    assert done["file"] == {"id": shared.id, "title": "A"}
    assert (shared.name, shared.data, shared.channel, shared.initial_comment) == (
        "a.bin", data, "C0GENERAL", "here it is")
    [asked] = fake.calls_to("files.getUploadURLExternal")
    assert (asked["filename"], asked["length"]) == ("a.bin", str(len(data)))
    assert _statuses(fake, "upload") == [200]


@pytest.mark.parametrize("args", [{"filename": "a.png"}, {"filename": "a.png", "length": "0"},
                                  {"filename": "a.png", "length": "-3"},
                                  {"filename": "a.png", "length": "12kB"}, {"length": "12"}])
async def test_fake_wants_a_filename_and_a_positive_length(fake: FakeSlack, args: dict[str, str]
                                                           ) -> None:
    with pytest.raises(SlackApiError) as err:
        await _client(fake).api_call("files.getUploadURLExternal", params=args)
    assert err.value.response["error"] == "invalid_arguments"


async def test_fake_upload_url_takes_exactly_length_bytes_once(fake: FakeSlack) -> None:
    client = _client(fake)
    issued = await client.files_getUploadURLExternal(filename="a.txt", length=5)
    url, file_id = issued["upload_url"], issued["file_id"]
    async with aiohttp.ClientSession() as session:
        for body, status in ((b"four", 400), (b"sixsix", 400), (b"five!", 200), (b"five!", 404)):
            async with session.post(url, data=body) as resp:
                assert resp.status == status, body
        async with session.post(url.replace(file_id, "F0NEVER"), data=b"x") as resp:
            assert resp.status == 404
    assert fake.uploads[file_id].data == b"five!"


async def test_fake_completes_only_uploaded_files_once_where_the_bot_may_post(
        fake: FakeSlack) -> None:
    client = _client(fake)
    fake.add_channel("C0QUIET", "quiet", is_member=False)
    issued = await client.files_getUploadURLExternal(filename="a.txt", length=2)
    file_id = issued["file_id"]

    async def complete(**kwargs: Any) -> str:
        try:
            await client.files_completeUploadExternal(**kwargs)
        except SlackApiError as exc:
            return str(exc.response["error"])
        return "ok"

    files = [{"id": file_id, "title": "a"}]
    assert await complete(files=files, channel_id="C0GENERAL") == "file_not_found"  # no bytes
    assert await complete(files=[{"title": "a"}]) == "invalid_arguments"
    assert await complete(files=[{"id": "F0NEVER"}], channel_id="C0GENERAL") == "file_not_found"
    async with aiohttp.ClientSession() as session, \
            session.post(issued["upload_url"], data=b"hi") as resp:
        assert resp.status == 200
    assert await complete(files=files, channel_id="C0QUIET") == "not_in_channel"
    assert await complete(files=files, channel_id="D0THEIRS") == "channel_not_found"
    assert not fake.files
    assert await complete(files=files, channel_id="C0GENERAL", thread_ts="1.000100") == "ok"
    assert await complete(files=files, channel_id="C0GENERAL") == "file_not_found"  # once
    assert [(f.channel, f.thread_ts, f.data) for f in fake.files] == [
        ("C0GENERAL", "1.000100", b"hi")]


async def test_fake_wants_files_write_for_files(fake: FakeSlack) -> None:
    fake.scopes.discard("files:write")
    with pytest.raises(SlackApiError) as err:
        await _client(fake).files_upload_v2(channel="C0GENERAL", content="x", filename="x.txt")
    assert err.value.response["error"] == "missing_scope"
    assert err.value.response["needed"] == "files:write"
    assert "chat:write" in err.value.response["provided"].split(",")
    assert not fake.calls_to("upload")


async def test_a_server_error_on_upload_is_retried_by_the_client(fake: FakeSlack) -> None:
    client = _client(fake, retry_handlers=[AsyncServerErrorRetryHandler(max_retry_count=1)])
    fake.fail("upload", "try later", status=503)
    await client.files_upload_v2(channel="C0GENERAL", content="hello", filename="h.txt")
    assert _statuses(fake, "upload") == [503, 200]
    assert fake.files[0].data == b"hello"
