"""Ask the team on Slack, through the real bolt app against the loopback Web API: a member's
message to the app (an IM) opens a conversation, the team's thread grows under the opening post,
/reply and the "Reply to member" shortcut answer by DM, a redelivered message is relayed once,
and a message sent while Hearth was down is read back from the IM's history at start-up."""

from __future__ import annotations

from typing import Any

from adapters.slack import forms
from bot.clock import ManualClock
from tests.fakes import slack_requests as sr
from tests.fakes.slack_api import FakeSlack
from tests.harness import START
from tests.slack_rig import TEAM, Rig, seed, slack_rig

# The team inbox is the (staff-only) mod-log channel here.
TOML = '[community.channels]\nteam_inbox = "mod-log"\n'
INBOX = "C0MODLOG"


def texts(rig: Rig, channel: str) -> list[str]:
    return [p["text"] for p in rig.posts(channel)]


async def member_dm(rig: Rig, text: str, *, event_id: str | None = None,
                    files: list[dict[str, Any]] | None = None,
                    retry: int | None = None) -> dict[str, Any]:
    """bob writes to the app; Slack keeps the message (history) and sends the event."""
    event = rig.fake.member_wrote(sr.message("U123", rig.fake.im_of("U123"), text,
                                             channel_type="im", files=files))
    await rig.sender.send_event(event, event_id=event_id, retry_num=retry)
    await rig.service.drain()
    return event


def calls(fake: FakeSlack, start: int) -> list[str]:
    """The Web API calls since `start`, as `method channel [thread]`."""
    out = []
    for call in fake.calls[start:]:
        where = call.args.get("channel") or call.args.get("users") or ""
        thread = f" thread={call.args['thread_ts']}" if call.args.get("thread_ts") else ""
        out.append(f"{call.method} {where}{thread}".strip())
    return out


async def test_a_dm_in_a_thread_out_and_reply_back_by_dm(database: str) -> None:
    async with slack_rig(database, toml=TOML) as rig:
        im = rig.fake.im_of("U123")
        start = len(rig.fake.calls)
        await member_dm(rig, "Hi team, someone is bothering me & my friends <!channel>")
        sequence = calls(rig.fake, start)
        print("Slack, a DM in:", sequence)
        assert f"chat.postMessage {im}" in sequence  # "your message is with the team"
        opening = rig.posts(INBOX)[0]
        assert "Conversation #1" in opening["text"] and "thread_ts" not in opening
        assert "&amp; my friends" in opening["text"]  # decoded once, escaped again
        assert "<!channel>" not in opening["text"]
        thread = next(ts for (ch, ts), m in rig.fake.messages.items()
                      if ch == INBOX and "Conversation #1" in m["text"])
        dm = [p["text"] for p in rig.posts(im)]
        assert "conversation #1" in dm[0] and "usually replies within 1 day" in dm[0]

        # A second message goes into the opening post's thread.
        await member_dm(rig, "Here's a screenshot", files=[sr.file("proof.png")])
        relay = rig.posts(INBOX)[-1]
        assert relay["thread_ts"] == thread
        assert "proof.png" in relay["text"] and "hearth-test.slack.com/files/" in relay["text"]

        # The team answers with /reply: bob hears it by DM, the thread shows what went out.
        start = len(rig.fake.calls)
        await rig.command("/reply", "1 We're on it, bob.", user_id="UADMIN", name="reply")
        await rig.service.drain()
        sequence = calls(rig.fake, start)
        print("Slack, /reply back:", sequence)
        assert f"chat.postMessage {im}" in sequence
        assert f"chat.postMessage {INBOX} thread={thread}" in sequence
        assert "We're on it, bob." in rig.posts(im)[-1]["text"]
        said = [c["text"] for c in rig.fake.calls_to("response_url")]
        assert any("Sent to bob in conversation #1" in t for t in said), said

        # A member can't /reply: refused privately, nothing sent.
        before = len(rig.posts(im))
        await rig.command("/reply", "1 hi", user_id="U456", name="member")
        await rig.service.drain()
        assert len(rig.posts(im)) == before
        assert any("for the moderator team" in c["text"]
                   for c in rig.fake.calls_to("response_url"))


async def test_reply_to_member_shortcut_opens_a_short_form_on_the_opening_post(
        database: str) -> None:
    async with slack_rig(database, toml=TOML) as rig:
        im = rig.fake.im_of("U123")
        await member_dm(rig, "Can I get my old name back?")
        ts, opening = next((ts, m) for (ch, ts), m in rig.fake.messages.items()
                           if ch == INBOX and "Conversation #1" in m["text"])
        await rig.sender.send_payload(sr.message_action(
            "reply-to-member", "UADMIN", INBOX, {**opening, "ts": ts},
            rig.fake.response_url("shortcut"), trigger_id=rig.fake.trigger()))
        view = (await rig.fake.wait_for_call("views.open"))["view"]
        blocks = [b for b in view["blocks"] if b["type"] == "input"]
        assert [b["block_id"] for b in blocks] == ["text"]
        await rig.sender.send_payload(sr.view_submission(
            view["callback_id"], {"text": {forms.ACTION_ID: {
                "type": "plain_text_input", "value": "anon Yes: it's done."}}},
            "UADMIN", private_metadata=view["private_metadata"]))
        await rig.service.drain()
        last = rig.posts(im)[-1]["text"]
        assert "The team" in last and "Yes: it's done." in last


async def test_a_redelivered_dm_is_relayed_once(database: str) -> None:
    async with slack_rig(database, toml=TOML) as rig:
        await member_dm(rig, "Hello")
        event = await member_dm(rig, "Second", event_id="Ev0SECOND")
        assert len(rig.posts(INBOX)) == 2
        # Slack's retry (same event id) and a duplicate with a new event id: one relay.
        await rig.sender.send_event(event, event_id="Ev0SECOND", retry_num=1)
        await rig.sender.send_event(event, event_id="Ev0ANOTHER")
        await rig.service.drain()
        assert len(rig.posts(INBOX)) == 2


async def test_a_dm_sent_while_hearth_was_down_is_read_at_start_up(database: str) -> None:
    async with FakeSlack(team_id=TEAM) as fake:
        seed(fake)
        clock = ManualClock(START)
        async with slack_rig(database, toml=TOML, fake=fake, clock=clock) as rig:
            await member_dm(rig, "Hello")
        # Hearth is down: bob writes twice; Slack keeps the messages, no event reaches Hearth.
        im = fake.im_of("U123")
        for text in ("Are you there?", "It's getting worse."):
            fake.member_wrote(sr.message("U123", im, text, channel_type="im"))
        async with slack_rig(database, toml=TOML, fake=fake, clock=clock) as rig:
            await rig.service.drain()
            history = fake.calls_to("conversations.history")
            assert history and history[0]["channel"] == im
            relays = [t for t in texts(rig, INBOX) if t.startswith("bob:")]
            assert relays == ["bob: Are you there?", "bob: It's getting worse."]
        # And again: nothing is relayed twice.
        async with slack_rig(database, toml=TOML, fake=fake, clock=clock) as rig:
            await rig.service.drain()
            assert [t for t in texts(rig, INBOX) if t.startswith("bob:")] == relays
