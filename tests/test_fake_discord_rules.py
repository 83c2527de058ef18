"""Self-tests: FakeDiscord refuses what Discord documents it refuses, as Discord answers it.

Requests go straight over HTTP (aiohttp), as any client's would; the fake is the thing tested.
Sources for each rule are listed at the top of tests/fakes/discord_server.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from tests.fakes.discord_server import FakeDiscord, FakeGuild, FakeInteraction

NO_PINGS = {"parse": []}


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeDiscord, FakeGuild, str, str]]:
    async with FakeDiscord() as fake:
        guild = fake.add_guild("Hearth HQ")
        general = guild.add_text_channel("general")
        alice = guild.add_member("alice")
        yield fake, guild, general, alice


async def call(fake: FakeDiscord, method: str, path: str, body: Any = None
               ) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session:
        async with session.request(method, fake.api_base + path, json=body) as resp:
            text = await resp.text()
            return resp.status, (await resp.json() if text else None)


async def interaction(fake: FakeDiscord, guild: FakeGuild, channel: str, user: str
                      ) -> FakeInteraction:
    return await fake.slash_command(guild, channel, user, "help")


def callback(i: FakeInteraction) -> str:
    return f"/interactions/{i.id}/{i.token}/callback"


async def test_message_content_over_2000_or_empty_is_refused(fake) -> None:
    fake, _, general, _ = fake
    path = f"/channels/{general}/messages"
    status, body = await call(fake, "POST", path, {"content": "x" * 2001,
                                                   "allowed_mentions": NO_PINGS})
    assert (status, body["code"]) == (400, 50035) and "content" in body["errors"]
    status, body = await call(fake, "POST", path, {"content": "", "allowed_mentions": NO_PINGS})
    assert (status, body["code"]) == (400, 50006)
    status, _ = await call(fake, "POST", path, {"content": "x" * 2000,
                                                "allowed_mentions": NO_PINGS})
    assert status == 200


async def test_mass_and_role_pings_are_refused(fake) -> None:
    fake, _, general, _ = fake
    path = f"/channels/{general}/messages"
    for mentions in ({"parse": ["everyone"]}, {"parse": ["roles"]}, {"roles": ["1"]}):
        status, _ = await call(fake, "POST", path, {"content": "hi", "allowed_mentions": mentions})
        assert status == 400, mentions
    status, _ = await call(fake, "POST", path, {"content": "hi @everyone"})
    assert status == 400  # no allowed_mentions: Discord would parse it


async def test_an_interaction_is_answered_once_and_within_3_seconds(fake) -> None:
    fake, guild, general, alice = fake
    first = await interaction(fake, guild, general, alice)
    defer = {"type": 5, "data": {"flags": 64}}
    assert (await call(fake, "POST", callback(first), defer))[0] == 204
    status, body = await call(fake, "POST", callback(first), defer)
    assert (status, body["code"]) == (400, 40060)
    late = await interaction(fake, guild, general, alice)
    fake.advance(3.01)
    status, body = await call(fake, "POST", callback(late), defer)
    assert (status, body["code"]) == (404, 10062)


def modal(**overrides: Any) -> dict:
    text = {"type": 4, "custom_id": "note", "style": 1, "max_length": 4000}
    data = {"title": "A form", "custom_id": "hearth|form|",
            "components": [{"type": 18, "label": "Note", "component": text}]}
    data.update(overrides)
    return {"type": 9, "data": data}


@pytest.mark.parametrize("overrides", [
    {"title": "x" * 46},
    {"custom_id": "x" * 101},
    {"components": [{"type": 18, "label": f"L{i}", "component": {
        "type": 4, "custom_id": f"c{i}", "style": 1}} for i in range(6)]},
    {"components": [{"type": 18, "label": "x" * 46, "component": {
        "type": 4, "custom_id": "c", "style": 1}}]},
    {"components": [{"type": 18, "label": "Note", "component": {
        "type": 4, "custom_id": "c", "style": 1, "max_length": 4001}}]},
], ids=["title", "custom_id", "rows", "label", "max_length"])
async def test_modal_limits(fake, overrides: dict) -> None:
    fake, guild, general, alice = fake
    status, body = await call(fake, "POST", callback(await interaction(fake, guild, general,
                                                                       alice)),
                              modal(**overrides))
    assert (status, body["code"]) == (400, 50035)
    ok = await interaction(fake, guild, general, alice)
    assert (await call(fake, "POST", callback(ok), modal()))[0] == 204


@pytest.mark.parametrize("command", [
    {"name": "Thanks", "description": "Say thanks", "type": 1},
    {"name": "x" * 33, "description": "Too long", "type": 1},
    {"name": "thanks", "description": "", "type": 1},
    {"name": "thanks", "description": "d" * 101, "type": 1},
    {"name": "thanks", "description": "Many", "type": 1,
     "options": [{"name": f"o{i}", "description": "o", "type": 3} for i in range(26)]},
    {"name": "thanks", "description": "Many", "type": 1, "options": [
        {"name": "o", "description": "o", "type": 3,
         "choices": [{"name": f"c{i}", "value": f"c{i}"} for i in range(26)]}]},
    {"name": "thanks", "description": "Huge", "type": 1, "options": [
        {"name": f"o{i}", "description": "d" * 100, "type": 3,
         "choices": [{"name": "n" * 100, "value": "v" * 100} for _ in range(25)]}
        for i in range(2)]},
    {"name": "x" * 33, "type": 3},
], ids=["uppercase", "name-33", "no-description", "description-101", "options-26",
        "choices-26", "chars-8000", "menu-name-33"])
async def test_command_registration_limits(fake, command: dict) -> None:
    fake, *_ = fake
    status, body = await call(fake, "PUT", f"/applications/{fake.app_id}/commands", [command])
    assert (status, body["code"]) == (400, 50035)
    fine = {"name": "thanks", "description": "Say thanks", "type": 1}
    assert (await call(fake, "PUT", f"/applications/{fake.app_id}/commands", [fine]))[0] == 200


async def test_a_timeout_of_28_days_or_more_on_discords_clock_is_refused(fake) -> None:
    fake, guild, _, alice = fake
    path = f"/guilds/{guild.id}/members/{alice}"
    fake.skew = -dt.timedelta(seconds=5)  # Discord's clock is behind ours
    until = discord.utils.utcnow() + dt.timedelta(days=28)
    status, body = await call(fake, "PATCH", path, {"communication_disabled_until":
                                                    until.isoformat()})
    assert (status, body["code"]) == (400, 50035)
    until = discord.utils.utcnow() + dt.timedelta(days=27, hours=23)
    assert (await call(fake, "PATCH", path, {"communication_disabled_until":
                                             until.isoformat()}))[0] == 200


async def test_overwrites_shape_app_permissions_and_refuse_posts(fake) -> None:
    fake, guild, general, alice = fake
    guild.deny(general, guild.id, 1 << 11)  # @everyone may not send here
    sent = await interaction(fake, guild, general, alice)
    assert int(sent.payload["app_permissions"]) & (1 << 11) == 0
    status, body = await call(fake, "POST", f"/channels/{general}/messages",
                              {"content": "hi", "allowed_mentions": NO_PINGS})
    assert (status, body["code"]) == (403, 50013)
    guild.deny(general, guild.bot_role_id, 1 << 10)
    status, body = await call(fake, "POST", f"/channels/{general}/messages",
                              {"content": "hi", "allowed_mentions": NO_PINGS})
    assert (status, body["code"]) == (403, 50001)


async def test_guild_create_carries_only_the_bot_and_members_come_by_chunk(fake) -> None:
    fake, guild, _, alice = fake
    payload = guild.guild_create_payload()
    assert [m["user"]["id"] for m in payload["members"]] == [fake.bot_user_id]
    intents = discord.Intents.default()
    intents.members = True
    client = discord.Client(intents=intents, guild_ready_timeout=0.05)
    async with fake.connect(client):
        assert client.get_guild(int(guild.id)).get_member(int(alice)) is not None
    assert any(p.get("op") == 8 for p in fake.gateway_received)


# --- threads, forum posts and history (rules listed in tests/fakes/discord_threads.py) ----

HI = {"content": "hi", "allowed_mentions": NO_PINGS}


async def answer(fake: FakeDiscord, method: str, path: str, body: Any = None
                 ) -> tuple[int, int | None]:
    """The status and Discord error code (None on success) a request gets."""
    status, reply = await call(fake, method, path, body)
    return status, reply.get("code") if isinstance(reply, dict) else None


async def post(fake: FakeDiscord, channel: str, text: str = "hi") -> str:
    status, body = await call(fake, "POST", f"/channels/{channel}/messages",
                              {"content": text, "allowed_mentions": NO_PINGS})
    assert status == 200, body
    return body["id"]


async def test_a_thread_from_a_message_takes_its_id_once(fake) -> None:
    fake, _, general, _ = fake
    mid = await post(fake, general)
    path = f"/channels/{general}/messages/{mid}/threads"
    for bad in ({"name": ""}, {"name": "x" * 101}, {"name": "ok", "auto_archive_duration": 30}):
        assert await answer(fake, "POST", path, bad) == (400, 50035), bad
    status, thread = await call(fake, "POST", path, {"name": "x" * 100,
                                                     "auto_archive_duration": 4320})
    assert status == 201 and thread["id"] == mid and thread["type"] == 11
    assert thread["parent_id"] == general
    assert thread["thread_metadata"]["auto_archive_duration"] == 4320
    status, body = await call(fake, "POST", path, {"name": "again"})
    assert (status, body["code"]) == (400, 160004)
    assert body["message"] == "A thread has already been created for this message"
    assert await answer(fake, "POST", f"/channels/{general}/messages/1/threads",
                        {"name": "nope"}) == (404, 10008)


async def test_starting_threads_needs_the_permissions_discord_names(fake) -> None:
    fake, guild, general, _ = fake
    mid = await post(fake, general)
    guild.deny(general, guild.id, 1 << 35)  # Create Public Threads
    assert await answer(fake, "POST", f"/channels/{general}/messages/{mid}/threads",
                        {"name": "updates"}) == (403, 50013)
    assert await answer(fake, "POST", f"/channels/{general}/threads",
                        {"name": "updates", "type": 11}) == (403, 50013)
    status, private = await call(fake, "POST", f"/channels/{general}/threads",
                                 {"name": "team only", "type": 12})
    assert status == 201 and private["type"] == 12
    guild.deny(general, guild.id, 1 << 36)  # Create Private Threads
    assert await answer(fake, "POST", f"/channels/{general}/threads",
                        {"name": "team only", "type": 12}) == (403, 50013)
    assert await answer(fake, "POST", f"/channels/{general}/threads",
                        {"name": "odd", "type": 0}) == (400, 50035)
    guild.deny(general, guild.id, 1 << 10)  # the bot can't see the channel at all
    assert await answer(fake, "POST", f"/channels/{general}/messages/{mid}/threads",
                        {"name": "updates"}) == (403, 50001)


async def test_archived_and_locked_threads_refuse_posts_as_documented(fake) -> None:
    fake, _, general, _ = fake
    mid = await post(fake, general)
    await call(fake, "POST", f"/channels/{general}/messages/{mid}/threads", {"name": "t"})
    status, body = await call(fake, "PATCH", f"/channels/{mid}", {"archived": True})
    assert status == 200 and body["thread_metadata"]["archived"] is True
    await post(fake, mid, "sending unarchives it")
    assert fake.threads[mid]["thread_metadata"]["archived"] is False
    # Without Manage Threads the bot can neither lock nor post into a locked thread.
    assert await answer(fake, "PATCH", f"/channels/{mid}", {"locked": True}) == (403, 50013)
    fake.threads[mid]["thread_metadata"].update(locked=True, archived=True)  # a moderator did
    assert await answer(fake, "POST", f"/channels/{mid}/messages", HI) == (400, 50083)
    fake.threads[mid]["thread_metadata"]["archived"] = False
    assert await answer(fake, "POST", f"/channels/{mid}/messages", HI) == (403, 50013)
    assert await answer(fake, "PATCH", f"/channels/{mid}", {"name": "x" * 101}) == (400, 50035)


async def test_sending_in_a_thread_needs_send_messages_in_threads(fake) -> None:
    fake, guild, general, _ = fake
    mid = await post(fake, general)
    await call(fake, "POST", f"/channels/{general}/messages/{mid}/threads", {"name": "t"})
    guild.deny(general, guild.id, 1 << 38)
    assert await answer(fake, "POST", f"/channels/{mid}/messages", HI) == (403, 50013)


async def test_forum_posts_need_a_message_and_known_tags(fake) -> None:
    fake, guild, _, _ = fake
    forum = guild.add_forum_channel("questions", ["billing", "login"], require_tag=True)
    login = guild.tag_id(forum, "login")
    path = f"/channels/{forum}/threads?use_nested_fields=1"
    first = {"content": "How do I reset?", "allowed_mentions": NO_PINGS}
    no_message = {"name": "Reset", "applied_tags": [login]}
    assert await answer(fake, "POST", path, no_message) == (400, 50035)
    unknown_tag = {"name": "Reset", "message": first, "applied_tags": ["123"]}
    assert await answer(fake, "POST", path, unknown_tag) == (400, 50035)
    # The forum requires a tag.
    assert await answer(fake, "POST", path, {"name": "Reset", "message": first}) == (400, 40067)
    status, body = await call(fake, "POST", path, {"name": "Reset", "message": first,
                                                   "applied_tags": [login]})
    assert status == 201 and body["type"] == 11 and body["applied_tags"] == [login]
    assert body["message"]["id"] == body["id"] and body["message"]["channel_id"] == body["id"]
    # A forum takes posts, not messages.
    assert await answer(fake, "POST", f"/channels/{forum}/messages", HI) == (400, 50024)


async def test_history_pages_newest_first_within_1_to_100(fake) -> None:
    fake, _, _, alice = fake
    ids = fake.dm_history(alice, "one", "two", "three")
    dm = fake.dm_channels[alice]["id"]
    status, body = await call(fake, "GET", f"/channels/{dm}/messages?after={ids[0]}&limit=100")
    assert status == 200 and [m["content"] for m in body] == ["three", "two"]
    status, body = await call(fake, "GET", f"/channels/{dm}/messages?limit=2")
    assert [m["content"] for m in body] == ["three", "two"]
    for limit in (0, 101):
        assert await answer(fake, "GET", f"/channels/{dm}/messages?limit={limit}") == (400, 50035)
