"""The Slack adapter end to end: signed requests into the real bolt app over loopback HTTP, the
real Hearth behind it, every Web API call recorded by FakeSlack."""

from __future__ import annotations

import json
from typing import Any

from adapters.slack import forms
from tests.fakes import slack_requests as sr
from tests.slack_cogs import ProbeCog, probe
from tests.slack_rig import Rig, slack_rig


def statuses(rig: Rig, method: str) -> list[int]:
    pairs = zip(rig.fake.calls, rig.fake.responses, strict=True)
    return [resp.status for call, resp in pairs if call.method == method]


# ---------------------------------------------------------------------- requests and events


async def test_bad_signature_is_refused_with_401(rig: Rig) -> None:
    body = sr.event_callback(sr.team_join("UNEW", "newbie"), "T0001")
    status, _, _ = await rig.sender.send(body, bad_signature=True)
    assert status == 401
    await rig.service.drain()
    assert rig.fake.calls == []
    assert probe(rig).seen == []


async def test_team_join_welcomes_in_the_channel_and_by_dm(rig: Rig) -> None:
    assert await rig.event(sr.team_join("UNEW", "newbie")) == 200
    welcome = await rig.fake.wait_for_call("chat.postMessage",
                                           lambda a: a["channel"] == "C0WELCOME")
    assert "<@UNEW>" in welcome["text"]
    assert "<#C0INTRO>" in welcome["text"]  # {channel:introductions} as a real channel link
    opened = await rig.fake.wait_for_call("conversations.open")
    assert opened["users"] == "UNEW"
    dm = await rig.fake.wait_for_call("chat.postMessage", lambda a: a["channel"].startswith("D"))
    assert dm["text"].startswith("Hi newbie, welcome to our community!")
    assert "<#C0RULES>" in dm["text"] and "<#C0HELP>" in dm["text"]


async def test_member_named_like_a_mass_mention_pings_no_one(rig: Rig) -> None:
    event = sr.team_join("UNEW", "x")
    event["user"]["profile"]["display_name"] = "<!channel> <@UADMIN> & co"
    await rig.event(event)
    dm = await rig.fake.wait_for_call("chat.postMessage", lambda a: a["channel"].startswith("D"))
    assert "&lt;!channel&gt; @UADMIN &amp; co" in dm["text"]  # shown, never a ping
    await rig.service.drain()
    for post in rig.posts():
        assert "<!channel>" not in post["text"] and "<@UADMIN>" not in post["text"]


async def test_the_same_event_three_times_welcomes_once(rig: Rig) -> None:
    body = sr.event_callback(sr.team_join("UNEW", "newbie"), "T0001", event_id="Ev0SAME")
    for retry_num in (None, 1, None):  # first delivery, Slack's retry, a header-less duplicate
        status, _, _ = await rig.sender.send(body, retry_num=retry_num)
        assert status == 200
    await rig.service.drain()
    assert len(rig.posts("C0WELCOME")) == 1
    assert len(rig.fake.calls_to("conversations.open")) == 1
    assert len([p for p in rig.posts() if p["channel"].startswith("D")]) == 1
    # Greetings would skip a repeat join on its own; a reaction has no such memory, so only
    # the event_id claim keeps it to one effect.
    body = sr.event_callback(sr.reaction_added("UADMIN", "star", "C0GENERAL", "1.000200",
                                               item_user="U123"), "T0001", event_id="Ev0TWICE")
    for retry_num in (None, 1, None):
        assert (await rig.sender.send(body, retry_num=retry_num))[0] == 200
    await rig.service.drain()
    assert len(probe(rig).seen) == 1
    assert [p["text"] for p in rig.posts("C0GENERAL")] == ["⭐ for bob from ada"]


async def test_a_burst_of_events_each_delivered_three_times_at_once_acts_once_each(
        rig: Rig) -> None:
    """Finishes written together (one statement for many events) keep every retry out."""
    import asyncio

    bodies = [sr.event_callback(sr.reaction_added("UADMIN", "star", "C0GENERAL", f"1.{n:06d}",
                                                  item_user="U123"), "T0001",
                                event_id=f"Ev0BURST{n:03d}") for n in range(30)]
    sent = await asyncio.gather(*(rig.sender.send(body, retry_num=retry_num)
                                  for body in bodies for retry_num in (None, 1, 2)))
    assert {status for status, _, _ in sent} == {200}
    await rig.service.drain()
    assert len(probe(rig).seen) == 30
    # And later retries, after every finish is written, are refused too.
    for body in bodies[:5]:
        assert (await rig.sender.send(body, retry_num=3))[0] == 200
    await rig.service.drain()
    assert len(probe(rig).seen) == 30
    assert len(rig.posts("C0GENERAL")) == 30


async def test_retry_after_a_real_failure_still_does_the_work(database: str) -> None:
    toml = 'join_event = "member_joined_channel"\njoin_channel = "general"'
    async with slack_rig(database, slack_toml=toml) as rig:
        body = sr.event_callback(sr.member_joined_channel("U456", "C0GENERAL"), "T0001",
                                 event_id="Ev0FLAKY")
        # Slack can't say who joined: nothing is decided, and Slack hears it didn't work.
        rig.fake.fail("users.info", error="internal_error")
        status, _, _ = await rig.sender.send(body)
        assert status == 500
        await rig.service.drain()
        assert rig.posts() == []
        # Slack's retry finds the claim released and does the work, once.
        status, _, _ = await rig.sender.send(body, retry_num=1)
        assert status == 200
        await rig.sender.send(body, retry_num=2)
        await rig.service.drain()
        welcomes = rig.posts("C0WELCOME")
        assert len(welcomes) == 1 and "<@U456>" in welcomes[0]["text"]
        # Joining another channel is not joining the community.
        await rig.event(sr.member_joined_channel("U123", "C0HELP"))
        await rig.service.drain()
        assert len(rig.posts("C0WELCOME")) == 1


async def test_rate_limited_post_is_retried_after_retry_after(rig: Rig) -> None:
    rig.fake.rate_limit("chat.postMessage", retry_after=0)
    await rig.event(sr.team_join("UNEW", "newbie"))
    await rig.service.drain()
    pairs = zip(rig.fake.calls, rig.fake.responses, strict=True)
    welcome = [r.status for c, r in pairs
               if c.method == "chat.postMessage" and c.args["channel"] == "C0WELCOME"]
    assert welcome == [429, 200]  # the same welcome, sent again once Slack allowed it


async def test_reaction_reaches_the_core_with_the_message_author(rig: Rig) -> None:
    event = sr.reaction_added("UADMIN", "star", "C0GENERAL", "1700000000.000100",
                              item_user="U123")
    assert await rig.event(event) == 200
    post = await rig.fake.wait_for_call("chat.postMessage")
    assert post["channel"] == "C0GENERAL"
    assert post["text"] == "⭐ for bob from ada"
    (seen,) = probe(rig).seen
    assert (seen.channel, seen.message_id, seen.message_author.user_id) == (
        "C0GENERAL", "1700000000.000100", "U123")
    assert seen.community.key == "slack:T0001" and seen.event_id


async def test_messages_from_members_reach_the_core_but_not_bots_edits_or_self(rig: Rig) -> None:
    said = sr.message("U123", "C0GENERAL", "hello all")
    for event in (sr.message("UBOT", "C0GENERAL", "from Hearth"),
                  sr.bot_message("BOTHER", "C0GENERAL", "beep"),
                  sr.message_changed("U123", "C0GENERAL", "new", "old", said["ts"]),
                  sr.message("U123", "D0DM", "psst", channel_type="im"),
                  said):
        assert await rig.event(event) == 200
    await rig.service.drain()
    (seen,) = probe(rig).seen
    assert (seen.author.user_id, seen.author.name, seen.content) == ("U123", "bob", "hello all")
    assert (seen.channel, seen.channel_name, seen.message_id) == ("C0GENERAL", "general",
                                                                  said["ts"])


# ---------------------------------------------------------------------- slash commands


async def test_help_acks_empty_then_answers_privately_through_response_url(rig: Rig) -> None:
    status, text, _ = await rig.command("/help", "")
    assert (status, text) == (200, "")
    answer = await rig.fake.wait_for_call("response_url")
    assert answer["response_type"] == "ephemeral"
    assert "Hi bob!" in answer["text"] and "`/kudos &lt;member&gt; [reason]`" in answer["text"]
    assert "/caution" not in answer["text"]  # moderators only
    assert rig.posts() == []


async def test_command_with_a_mention_names_the_member(rig: Rig) -> None:
    await rig.command("/kudos", "<@U456|cara> for fixing the <!here> build")
    post = await rig.fake.wait_for_call("chat.postMessage")
    assert post["channel"] == "C0GENERAL"
    assert post["text"] == "Kudos to <@U456> (cara) from bob: for fixing the @here build"
    # Escaped mentions without a name (Slack's newer style) are looked up.
    await rig.command("/kudos", "<@U456> thanks")
    await rig.fake.wait_for_calls("chat.postMessage", 2)
    assert rig.posts()[1]["text"].startswith("Kudos to <@U456> (cara) from bob")


async def test_group_command_and_prefix_command(database: str) -> None:
    async with slack_rig(database, slack_toml='commands = "prefix"', cogs=[ProbeCog]) as rig:
        await rig.command("/raffle", "enter 3 My best photo")
        await rig.command("/hearth", "raffle vote 2", name="prefix")
        await rig.command("/hearth", "", name="empty")
        await rig.service.drain()
        # Commands are worked on after their ack, concurrently, so either may finish first.
        assert sorted(probe(rig).args, key=str) == sorted(
            [("raffle", {"contest": 3, "title": "My best photo"}), ("raffle", {"contest": 2})],
            key=str)
        answers = {a["_name"]: a["text"] for a in rig.fake.calls_to("response_url")}
        assert "Here's what you can use" in answers["empty"]  # a bare /hearth is /help


async def test_unknown_command_and_usage_problems_are_explained(rig: Rig) -> None:
    await rig.command("/nope", "")
    await rig.command("/kudos", "", name="usage")
    await rig.service.drain()
    answers = {a["_name"]: a["text"] for a in rig.fake.calls_to("response_url")}
    assert answers["cmd"].startswith("I don't know a command called /nope")
    assert "Usage: `/kudos &lt;member&gt; [reason]`" in answers["usage"]


async def test_moderators_from_a_user_group_and_workspace_admins(database: str) -> None:
    async with slack_rig(database, slack_toml='moderator_usergroup = "S0MODS"',
                         cogs=[ProbeCog]) as rig:
        rig.fake.add_usergroup("S0MODS", "mods", ["U456"])
        await rig.command("/caution", "<@U123> please keep it kind", user_id="U123",
                          name="member")
        await rig.command("/caution", "<@U123> please keep it kind", user_id="U456",
                          name="mod")
        await rig.command("/caution", "<@U123> please keep it kind", user_id="UADMIN",
                          name="admin")
        await rig.service.drain()
        refused = rig.fake.calls_to("response_url")
        assert [a["_name"] for a in refused] == ["member"]
        assert "for the moderator team" in refused[0]["text"]
        assert [p["text"] for p in rig.posts() if p["channel"].startswith("D")] == [
            "A calm note: please keep it kind"] * 2
        assert len(rig.fake.calls_to("usergroups.users.list")) == 1  # cached


async def test_caution_dm_and_review_notice_when_slack_cannot_time_out(rig: Rig) -> None:
    await rig.command("/caution", "<@U123> please keep it kind", user_id="UADMIN")
    await rig.service.drain()
    assert rig.fake.calls_to("conversations.open")[0]["users"] == "U123"
    dm, review = rig.posts()
    assert dm["channel"].startswith("D") and dm["text"] == "A calm note: please keep it kind"
    assert review["channel"] == "C0MODLOG"
    assert review["text"] == "Please review a caution for bob: Slack has no timeouts."


async def test_closed_dms_run_the_fallback(rig: Rig) -> None:
    rig.fake.fail("conversations.open", error="cannot_dm_bot")
    await rig.command("/caution", "<@UOTHERBOT> hi", user_id="UADMIN")
    await rig.service.drain()
    assert next(p["text"] for p in rig.posts("C0MODLOG")) == "DM closed"


# ---------------------------------------------------------------------- forms and shortcuts


async def test_form_command_opens_a_modal_and_the_submission_runs_it(rig: Rig) -> None:
    status, text, _ = await rig.command("/about", "")
    assert (status, text) == (200, "")
    opened = await rig.fake.wait_for_call("views.open")
    view = opened["view"]
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == [
        "bio", "pronouns", "years", "buddy"]
    values = {
        "bio": {"value": {"type": "plain_text_input", "value": "I throw pots <!everyone>"}},
        "pronouns": {"value": {"type": "static_select",
                               "selected_option": {"value": "they/them"}}},
        "years": {"value": {"type": "number_input", "value": "4"}},
        "buddy": {"value": {"type": "users_select", "selected_user": "U456"}},
    }
    payload = sr.view_submission(view["callback_id"], values, "U123",
                                 private_metadata=view["private_metadata"], view_id="V0ABOUT")
    status, text, _ = await rig.sender.send_payload(payload)
    assert (status, text) == (200, "")
    answer = await rig.fake.wait_for_call("chat.postEphemeral")
    assert (answer["channel"], answer["user"]) == ("C0GENERAL", "U123")
    assert answer["text"] == ("about: bio=I throw pots &lt;!everyone&gt;, buddy=U456(cara), "
                              "pronouns=they/them, years=4")
    # The same submission delivered again changes nothing.
    await rig.sender.send_payload(payload)
    await rig.service.drain()
    assert len(rig.fake.calls_to("chat.postEphemeral")) == 1


async def test_form_command_with_inline_options_skips_the_modal(rig: Rig) -> None:
    await rig.command("/about", 'bio:"hello there" years:2')
    await rig.service.drain()
    assert rig.fake.calls_to("views.open") == []
    assert rig.fake.calls_to("response_url")[0]["text"] == "about: bio=hello there, years=2"


async def test_message_shortcut_with_options_opens_a_modal_then_runs(rig: Rig) -> None:
    target = sr.message("U456", "C0GENERAL", "buy cheap stuff")
    payload = sr.message_action("flag_message", "U123", "C0GENERAL", target,
                                rig.fake.response_url("flag"), trigger_id=rig.fake.trigger())
    assert (await rig.sender.send_payload(payload))[0] == 200
    opened = await rig.fake.wait_for_call("views.open")
    assert opened["trigger_id"] == payload["trigger_id"]
    view = opened["view"]
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == ["reason"]
    values = {"reason": {"value": {"type": "plain_text_input", "value": "spam"}}}
    await rig.sender.send_payload(sr.view_submission(
        view["callback_id"], values, "U123", private_metadata=view["private_metadata"]))
    await rig.service.drain()
    name, args = probe(rig).args[-1]
    assert name == "flag message" and args["reason"] == "spam"
    ref = args["message"]
    assert (ref.channel, ref.message_id, ref.author.user_id, ref.author.name, ref.content) == (
        "C0GENERAL", target["ts"], "U456", "cara", "buy cheap stuff")


async def test_message_shortcut_without_options_runs_at_once(rig: Rig) -> None:
    target = sr.message("U456", "C0GENERAL", "a great tip")
    await rig.sender.send_payload(sr.message_action(
        "save", "U123", "C0GENERAL", target, rig.fake.response_url("save")))
    answer = await rig.fake.wait_for_call("response_url")
    assert answer["_name"] == "save"
    assert answer["text"] == f"save: message=C0GENERAL/{target['ts']} by U456: a great tip"
    assert rig.fake.calls_to("views.open") == []


def test_modal_for_every_option_type_and_back() -> None:
    from tests.slack_cogs import ABOUT, FLAG

    view = forms.modal(ABOUT, {"ch": "C1"})
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert inputs["bio"]["element"]["type"] == "plain_text_input"
    assert inputs["bio"]["element"]["multiline"] is True
    assert inputs["bio"]["element"]["max_length"] == 500 and not inputs["bio"]["optional"]
    assert [o["value"] for o in inputs["pronouns"]["element"]["options"]] == [
        "she/her", "he/him", "they/them"]
    assert inputs["years"]["element"] == {"type": "number_input", "is_decimal_allowed": False,
                                          "min_value": "0", "action_id": "value"}
    assert inputs["buddy"]["element"]["type"] == "users_select" and inputs["buddy"]["optional"]
    assert json.loads(view["private_metadata"]) == {"c": "about", "ch": "C1"}
    assert len(view["title"]["text"]) <= 24
    # Unfilled optional fields come back as nothing, for bind to treat as absent.
    values: dict[str, Any] = {"bio": {"value": {"value": "hi"}}, "years": {"value": {}}}
    assert forms.submission(ABOUT, values) == {"bio": "hi"}
    # A long message still fits Slack's private_metadata limit.
    packed = forms.pack({"c": FLAG.name, "t": "x" * 5000})
    assert len(packed) <= forms.METADATA_MAX and json.loads(packed)["t"].endswith("…")


async def test_a_moderator_hearth_has_not_seen_is_known_by_asking_slack(database: str) -> None:
    # The "can't warn a moderator" guard asks about members the runtime hasn't seen since
    # start-up: Slack's moderator user group and admin flag answer, not an empty memory.
    from bot.events import Community
    from bot.permissions import Level

    async with slack_rig(database, slack_toml='moderator_usergroup = "S0MODS"') as rig:
        rig.fake.add_usergroup("S0MODS", "mods", ["U456"])
        team = Community("slack", "T0001")
        assert await rig.app.runtime.member_level(team, "U456") == Level.MODERATOR
        assert await rig.app.runtime.member_level(team, "UADMIN") == Level.ADMIN
        assert await rig.app.runtime.member_level(team, "U123") == Level.MEMBER
