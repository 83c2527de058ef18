"""The Discord adapter against a loopback Discord: start-up, commands, events, actions."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import discord

from bot.actions import DirectMessage, GrantRole, Post, RemoveRole, Timeout
from bot.events import Community, MemberRef, MessageRef
from bot.text import Text
from tests.discord_world import MODERATE_MEMBERS, TIMEOUT, modal_inputs, running
from tests.fakes.discord_server import EPHEMERAL, option, subcommand, user_option

NO_PINGS = {"parse": []}  # replied_user is false unless sent


def by_name(commands: list[dict]) -> dict[str, dict]:
    return {c["name"]: c for c in commands}


async def test_startup_syncs_every_spec_to_the_guild(database: str) -> None:
    async with running(database) as w:
        put = w.fake.calls_matching(
            "PUT", rf"/applications/{w.fake.app_id}/guilds/{w.guild.id}/commands")
        assert len(put) == 1
        sent = by_name(put[0].json)
        # Every spec: the probe group, forms, a context menu, a mod command, and each cog's.
        expected = {"help", "probe", "probeform", "bigform", "Quote", "modprobe"}
        assert expected <= set(sent)
        for spec in w.app.runtime.specs():  # whatever cogs are merged, each one is there
            names = {spec.words[0], "-".join(spec.words), spec.name.capitalize(), spec.label}
            assert names & set(sent), spec.name
        # /appeal and /appeal resolve can't both exist on Discord: the latter is flattened.
        assert len(sent) == len({s.words[0] for s in w.app.runtime.specs()}) + sum(
            1 for s in w.app.runtime.specs() if "-".join(s.words) in sent and len(s.words) > 1)
        assert sent["Quote"]["type"] == 3

        group = sent["probe"]
        subs = by_name(group["options"])
        assert set(subs) == {"member", "types"} and all(s["type"] == 1 for s in subs.values())
        member = by_name(subs["member"]["options"])
        assert member["who"]["type"] == 6 and member["who"]["required"] is True
        assert member["note"]["type"] == 3 and member["note"]["max_length"] == 50
        assert member["note"].get("required", False) is False
        types = by_name(subs["types"]["options"])
        assert (types["count"]["type"], types["count"]["min_value"],
                types["count"]["max_value"]) == (4, 1, 9)
        assert [c["value"] for c in types["colour"]["choices"]] == ["red", "green"]
        assert types["for"]["type"] == 3 and types["until"]["type"] == 3
        assert types["topic"]["autocomplete"] is True

        # A form's fields live in its modal; past Discord's 5, they are slash options.
        assert sent["probeform"].get("options", []) == []
        assert [o["name"] for o in sent["bigform"]["options"]] == ["f5", "f6"]
        # Moderator commands are hidden from members by default (the core checks again).
        assert int(sent["modprobe"]["default_member_permissions"]) == MODERATE_MEMBERS
        assert sent["help"]["default_member_permissions"] is None
        # Used in servers and installed to servers: contexts, not the deprecated dm_permission.
        assert all(c["contexts"] == [0] and c["integration_types"] == [0]
                   for c in sent.values())
        # Nothing went global when guilds are configured.
        assert not w.fake.calls_matching("PUT", rf"/applications/{w.fake.app_id}/commands")


async def test_global_sync_without_configured_guilds(database: str) -> None:
    async with running(database, sync_to_guild=False) as w:
        put = await w.fake.wait_for_call("PUT", rf"/applications/{w.fake.app_id}/commands")
        assert "help" in by_name(put.json)


async def test_member_join_posts_welcome_and_sends_dm(database: str) -> None:
    async with running(database) as w:
        carol = w.fake.add_user("carol")
        await w.fake.member_join(w.guild, carol)
        post = await w.fake.wait_for_call("POST", rf"/channels/{w.channels['welcome']}/messages")
        assert f"<@{carol}>" in post.json["content"]
        assert post.json["allowed_mentions"] == {**NO_PINGS, "users": [int(carol)]}
        await w.fake.wait_for_call("POST", r"/users/@me/channels")
        dm_channel = w.fake.dm_channels[carol]["id"]
        dm = await w.fake.wait_for_call("POST", rf"/channels/{dm_channel}/messages")
        assert "Carol" in dm.json["content"]
        # The welcome links the introductions channel by id.
        intro = w.channels["introductions"]
        assert f"<#{intro}>" in post.json["content"] + dm.json["content"]


async def test_member_called_everyone_pings_only_themselves(database: str) -> None:
    toml = '[greetings.messages]\nwelcome = "Welcome {member}! {name}, hello @here."\n'
    async with running(database, toml) as w:
        sneaky = w.fake.add_user("@everyone")
        await w.fake.member_join(w.guild, sneaky)
        post = await w.fake.wait_for_call("POST", rf"/channels/{w.channels['welcome']}/messages")
        content = post.json["content"]
        assert post.json["allowed_mentions"] == {**NO_PINGS, "users": [int(sneaky)]}
        assert content.startswith(f"Welcome <@{sneaky}>! ")
        # Neither their chosen name nor the template's literal can ping, even without the
        # allowed_mentions guard.
        assert "@everyone" not in content and "@here" not in content
        assert "@\u200beveryone" in content and "@\u200bhere" in content


async def test_help_answers_with_an_ephemeral_deferral_then_edit(database: str) -> None:
    async with running(database) as w:
        interaction = await w.fake.slash_command(
            w.guild, w.channels["general"], w.alice, "help", guild_command=True)
        callback = await w.fake.wait_for_response(interaction)
        assert callback.json["type"] == 5 and callback.json["data"]["flags"] == EPHEMERAL
        edit = await w.fake.wait_for_call(
            "PATCH", rf"/webhooks/{w.fake.app_id}/{interaction.token}/messages/@original")
        assert "/help" in edit.json["content"] and "Alice" in edit.json["content"]
        assert edit.json["allowed_mentions"]["parse"] == []
        # Members don't see moderator commands in /help; nothing was posted publicly.
        assert "/modprobe" not in edit.json["content"]
        assert not w.fake.calls_matching("POST", r"/channels/\d+/messages")


async def test_member_option_reaches_the_core_as_a_member_ref(database: str) -> None:
    async with running(database) as w:
        interaction = await w.fake.slash_command(
            w.guild, w.channels["general"], w.alice, "probe",
            [subcommand("member", user_option("who", w.bob), option("note", "@everyone *hi*"))],
            guild_command=True)
        edit = await w.fake.wait_for_call(
            "PATCH", rf"/webhooks/{w.fake.app_id}/{interaction.token}/messages/@original")
        event, args = w.probe.invoked[-1]
        assert args["who"] == MemberRef(w.bob, "Bob", False)
        assert event.command == "probe member" and event.event_id == interaction.id
        assert event.actor.user_id == w.alice and event.channel == w.channels["general"]
        assert event.community == Community("discord", w.guild.id)
        assert edit.json["content"] == f"noted <@{w.bob}>: @\u200beveryone \\*hi\\*"
        assert edit.json["allowed_mentions"] == {**NO_PINGS, "users": [int(w.bob)]}


async def test_typed_options_and_autocomplete(database: str) -> None:
    async with running(database) as w:
        suggest = await w.fake.autocomplete(
            w.guild, w.channels["general"], w.alice, "probe",
            [subcommand("types", option("topic", "te", focused=True))], guild_command=True)
        answer = await w.fake.wait_for_response(suggest)
        assert answer.json == {"type": 8, "data": {"choices": [
            {"name": "Topic tea", "value": "tea"}, {"name": "Topic tech", "value": "tech"}]}}

        invoked = await w.fake.slash_command(
            w.guild, w.channels["general"], w.alice, "probe",
            [subcommand("types", option("count", 3), option("colour", "green"),
                        option("for", "2h"), option("until", "3d"))], guild_command=True)
        await w.fake.wait_for_call(
            "PATCH", rf"/webhooks/{w.fake.app_id}/{invoked.token}/messages/@original")
        _, args = w.probe.invoked[-1]
        assert args["count"] == 3 and args["colour"] == "green"
        assert args["for"].total_seconds() == 7200
        assert args["until"] == w.clock.now() + (args["until"] - w.clock.now())
        assert (args["until"] - w.clock.now()).days == 3 and args["topic"] is None


async def test_moderator_command_is_checked_by_the_core_too(database: str) -> None:
    async with running(database) as w:
        # Someone the server let see the command anyway (e.g. a permissions override).
        sneaky = await w.fake.slash_command(
            w.guild, w.channels["general"], w.alice, "modprobe", guild_command=True)
        refused = await w.fake.wait_for_call(
            "PATCH", rf"/webhooks/{w.fake.app_id}/{sneaky.token}/messages/@original")
        assert "moderator" in refused.json["content"]
        assert not any(e.command == "modprobe" for e, _ in w.probe.invoked)

        allowed = await w.fake.slash_command(
            w.guild, w.channels["general"], w.mod, "modprobe", guild_command=True)
        ok = await w.fake.wait_for_call(
            "PATCH", rf"/webhooks/{w.fake.app_id}/{allowed.token}/messages/@original")
        assert ok.json["content"] == "ok"


async def test_form_opens_a_modal_and_the_submit_runs_the_command(database: str) -> None:
    async with running(database) as w:
        opened = await w.fake.slash_command(
            w.guild, w.channels["general"], w.alice, "probeform", guild_command=True)
        modal = (await w.fake.wait_for_response(opened)).json
        assert modal["type"] == 9
        fields = modal_inputs(modal)
        assert [r["label"] for r in modal["data"]["components"]] == ["Title", "Body"]
        assert [(f["custom_id"], f["style"], f["required"]) for f in fields] == [
            ("title", 1, True), ("body", 2, False)]
        assert fields[0]["max_length"] == 40 and modal["data"]["title"] == "Fill in a probe form"

        submit = await w.fake.modal_submit(
            w.guild, w.channels["general"], w.alice, modal["data"]["custom_id"],
            {"title": "Hello @here", "body": ""})
        deferred = await w.fake.wait_for_response(submit)
        assert deferred.json["type"] == 5 and deferred.json["data"]["flags"] == EPHEMERAL
        post = await w.fake.wait_for_call("POST", rf"/channels/{w.channels['general']}/messages")
        assert post.json["content"] == "form: Hello @\u200bhere"
        event, args = w.probe.invoked[-1]
        assert args == {"title": "Hello @here", "body": None}
        assert event.event_id == submit.id
        # No private answer from the core: the "thinking..." placeholder is removed.
        await w.fake.wait_for_call(
            "DELETE", rf"/webhooks/{w.fake.app_id}/{submit.token}/messages/@original")


async def test_big_form_takes_extra_fields_as_slash_options(database: str) -> None:
    async with running(database) as w:
        opened = await w.fake.slash_command(
            w.guild, w.channels["general"], w.alice, "bigform",
            [option("f6", "six")], guild_command=True)
        modal = (await w.fake.wait_for_response(opened)).json
        assert [f["custom_id"] for f in modal_inputs(modal)] == ["f0", "f1", "f2", "f3", "f4"]
        submit = await w.fake.modal_submit(
            w.guild, w.channels["general"], w.alice, modal["data"]["custom_id"],
            {"f0": "zero", "f1": "", "f2": "", "f3": "", "f4": "four"})
        await w.fake.wait_for_response(submit)
        await w.probe.wait(lambda: any(e.event_id == submit.id for e, _ in w.probe.invoked))
        _, args = w.probe.invoked[-1]
        assert (args["f0"], args["f4"], args["f5"], args["f6"]) == ("zero", "four", None, "six")


async def test_message_action_opens_a_modal_and_passes_the_message(database: str) -> None:
    async with running(database) as w:
        mid = await w.fake.message_create(w.channels["general"], w.bob, "wise words")
        menu = await w.fake.message_command(
            w.guild, w.channels["general"], w.alice, "Quote", mid, guild_command=True)
        modal = (await w.fake.wait_for_response(menu)).json
        assert modal["type"] == 9
        submit = await w.fake.modal_submit(
            w.guild, w.channels["general"], w.alice, modal["data"]["custom_id"],
            {"comment": "so true"})
        await w.fake.wait_for_call(
            "PATCH", rf"/webhooks/{w.fake.app_id}/{submit.token}/messages/@original")
        event, args = w.probe.invoked[-1]
        assert event.command == "quote"
        assert args["message"] == MessageRef(w.channels["general"], mid,
                                             MemberRef(w.bob, "Bob", False), "wise words")
        assert args["comment"] == "so true"


async def test_reaction_reaches_the_core_with_the_message_author(database: str) -> None:
    async with running(database) as w:
        mid = await w.fake.message_create(w.channels["general"], w.bob, "a helpful answer")
        await w.fake.reaction_add(w.channels["general"], mid, w.alice, "🙏")
        await w.probe.wait(lambda: bool(w.probe.reactions))
        event = w.probe.reactions[0]
        assert event.reactor.user_id == w.alice and event.emoji == "🙏"
        assert event.message_author == MemberRef(w.bob, "Bob", False)
        assert (event.channel, event.message_id) == (w.channels["general"], mid)


async def test_closed_dms_fall_back_once_logged(database: str, caplog) -> None:
    caplog.set_level(logging.INFO, logger="adapters.discord")
    async with running(database) as w:
        w.fake.close_dms(w.bob)
        community = Community("discord", w.guild.id)
        dm = DirectMessage(community, w.bob, Text.of("psst"),
                           if_undelivered=(Post(community, "general", Text.of("hello Bob")),))
        assert (await w.service.sink.perform(dm)).reason == "dm_closed"
        await w.app.runtime.deliver([dm])
        fallback = await w.fake.wait_for_call(
            "POST", rf"/channels/{w.channels['general']}/messages")
        assert fallback.json["content"] == "hello Bob"
        refused = [c for c in w.fake.calls_matching("POST", r"/channels/\d+/messages")
                   if c.status == 403]
        assert len(refused) == 2 and refused[0].response["code"] == 50007
    closed = [r for r in caplog.records if "don't accept DMs" in r.getMessage()]
    assert len(closed) == 1


async def test_missing_post_permission_is_logged_once_and_nothing_breaks(
        database: str, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="adapters.discord")
    async with running(database) as w:
        welcome = w.channels["welcome"]
        w.fake.fail_route("POST", rf"/channels/{welcome}/messages", 403, 50013,
                          "Missing Permissions", times=2)
        for name in ("dan", "eve"):
            await w.fake.member_join(w.guild, w.fake.add_user(name))
        # Both still get their DM; the welcome channel is refused twice, logged once.
        await w.fake.wait_for_call("POST", r"/users/@me/channels", count=2)
        await w.fake.wait_for_call("POST", rf"/channels/{welcome}/messages", count=2)
        receipt = await w.service.sink.perform(
            Post(Community("discord", w.guild.id), "welcome", Text.of("hi")))
        assert receipt.delivered
    lines = [r.getMessage() for r in caplog.records if "can't post in" in r.getMessage()]
    assert len(lines) == 1 and "Send Messages" in lines[0]


async def test_roles_by_name_and_hierarchy_problems(database: str, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="adapters.discord")
    async with running(database) as w:
        community = Community("discord", w.guild.id)
        sink = w.service.sink
        assert (await sink.perform(GrantRole(community, w.bob, "Helper"))).delivered
        helper = w.roles["Helper"]
        await w.fake.wait_for_call("PUT", rf"/guilds/{w.guild.id}/members/{w.bob}/roles/{helper}")
        assert (await sink.perform(RemoveRole(community, w.bob, helper))).delivered
        await w.fake.wait_for_call(
            "DELETE", rf"/guilds/{w.guild.id}/members/{w.bob}/roles/{helper}")
        # The bot's own (managed) role can't be handed out: refused locally, logged once.
        for _ in range(2):
            receipt = await sink.perform(GrantRole(community, w.bob, "Hearth"))
            assert receipt.reason == "forbidden"
        assert (await sink.perform(GrantRole(community, w.bob, "Nope"))).reason == "not_found"
    assert len([r for r in caplog.records if "drag Hearth's role" in r.getMessage()]) == 1
    assert any("no role 'Nope'" in r.getMessage() for r in caplog.records)


async def test_timeout_patches_the_member(database: str) -> None:
    async with running(database) as w:
        community = Community("discord", w.guild.id)
        before = discord.utils.utcnow()
        receipt = await w.service.sink.perform(
            Timeout(community, w.bob, __import__("datetime").timedelta(hours=1), "spam"))
        assert receipt.delivered
        patch = await w.fake.wait_for_call("PATCH", rf"/guilds/{w.guild.id}/members/{w.bob}")
        until = __import__("datetime").datetime.fromisoformat(
            patch.json["communication_disabled_until"])
        assert 3590 < (until - before).total_seconds() < 3700


async def test_gateway_drop_resumes_and_events_still_flow(database: str) -> None:
    async with running(database) as w:
        resumed = asyncio.ensure_future(w.service.client.wait_for("resumed", timeout=TIMEOUT))
        await w.fake.drop_connection()
        fay = w.fake.add_user("fay")
        await w.fake.member_join(w.guild, fay)  # sent while disconnected: replayed on RESUME
        await resumed
        post = await w.fake.wait_for_call("POST", rf"/channels/{w.channels['welcome']}/messages")
        assert f"<@{fay}>" in post.json["content"]
        assert w.fake.resume_count == 1 and w.fake.identify_count == 1
        interaction = await w.fake.slash_command(
            w.guild, w.channels["general"], w.alice, "help", guild_command=True)
        await w.fake.wait_for_call(
            "PATCH", rf"/webhooks/{w.fake.app_id}/{interaction.token}/messages/@original")


async def test_messages_reach_the_core_but_not_bots_or_our_own(tmp_path: Path) -> None:
    async with running(tmp_path) as w:
        robot = w.guild.add_member("robot", bot=True)
        general = w.channels["general"]
        await w.fake.message_create(general, robot, "beep")
        # Discord echoes Hearth's own post back as MESSAGE_CREATE.
        await w.service.sink.perform(
            Post(Community("discord", w.guild.id), "general", Text.of("Hearth speaking")))
        mid = await w.fake.message_create(general, w.alice, "hello")
        await w.probe.wait(lambda: bool(w.probe.messages))
        [event] = w.probe.messages
        assert (event.author.user_id, event.content, event.message_id) == (w.alice, "hello", mid)
        assert (event.channel, event.channel_name) == (general, "general")
        assert event.author.name == "Alice" and not event.author.platform_moderator


async def test_a_moderator_hearth_has_not_seen_is_known_by_asking_discord(database: str) -> None:
    # The "can't warn a moderator" guard asks about members the runtime hasn't seen since
    # start-up; Discord (not an empty memory) says mia holds the Moderator role.
    from bot.permissions import Level

    async with running(database) as w:
        community = Community("discord", w.guild.id)
        assert await w.app.runtime.member_level(community, w.mod) >= Level.MODERATOR
        assert await w.app.runtime.member_level(community, w.bob) == Level.MEMBER
        assert await w.service.sink.look_up_member(community, "42") is None  # not a member
