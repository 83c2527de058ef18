"""Self-tests: FakeDiscord drives a real discord.Client over loopback."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest
from discord import app_commands

from tests.fakes.discord_server import (
    EPHEMERAL,
    FakeDiscord,
    FakeGuild,
    option,
    subcommand,
    user_option,
)

TIMEOUT = 5.0


def make_client() -> discord.Client:
    intents = discord.Intents.default()
    intents.members = True
    intents.message_content = True
    return discord.Client(intents=intents, guild_ready_timeout=0.05)


@dataclass
class World:
    fake: FakeDiscord
    guild: FakeGuild
    general: str
    member_role: str
    alice: str
    bob: str


@pytest.fixture
async def world() -> AsyncIterator[World]:
    async with FakeDiscord() as fake:
        guild = fake.add_guild("Hearth HQ")
        general = guild.add_text_channel("general")
        member_role = guild.add_role("Member")
        alice = guild.add_member("alice", roles=[member_role])
        bob = guild.add_member("bob")
        yield World(fake, guild, general, member_role, alice, bob)


def future_for(client: discord.Client, event: str) -> asyncio.Future:
    """A future resolved by the next ``event`` (registered before we trigger it)."""
    return asyncio.ensure_future(client.wait_for(event, timeout=TIMEOUT))


async def test_login_ready_sees_guild_channels_members(world: World) -> None:
    client = make_client()
    async with world.fake.connect(client):
        guild = client.get_guild(int(world.guild.id))
        assert guild is not None and guild.name == "Hearth HQ"
        assert guild.get_channel(int(world.general)).name == "general"
        alice = guild.get_member(int(world.alice))
        assert alice is not None and alice.name == "alice"
        assert [r.name for r in alice.roles] == ["@everyone", "Member"]
        assert guild.me.id == int(world.fake.bot_user_id)
        assert client.user.bot and client.application_id == int(world.fake.app_id)
        assert guild.chunked
    assert world.fake.identify_count == 1
    assert world.fake.calls_matching("GET", "/users/@me")


async def test_member_join_reaches_on_member_join(world: World) -> None:
    client = make_client()
    async with world.fake.connect(client):
        joined = future_for(client, "member_join")
        newcomer = world.fake.add_user("carol")
        await world.fake.member_join(world.guild, newcomer)
        member = await joined
        assert member.id == int(newcomer) and member.guild.id == int(world.guild.id)
        assert member.name == "carol"

        left = future_for(client, "raw_member_remove")
        await world.fake.member_remove(world.guild, newcomer)
        assert (await left).user.id == int(newcomer)


async def test_message_create_and_reaction(world: World) -> None:
    client = make_client()
    async with world.fake.connect(client):
        got_message = future_for(client, "message")
        mid = await world.fake.message_create(
            world.general, world.alice, f"hello <@{world.bob}>", guild=world.guild
        )
        message = await got_message
        assert message.content == f"hello <@{world.bob}>"
        assert message.author.id == int(world.alice)
        assert isinstance(message.author, discord.Member)
        assert [u.id for u in message.mentions] == [int(world.bob)]

        got_reaction = future_for(client, "raw_reaction_add")
        await world.fake.reaction_add(world.general, mid, world.bob, "👍", guild=world.guild)
        payload = await got_reaction
        assert payload.message_id == int(mid) and payload.user_id == int(world.bob)
        assert str(payload.emoji) == "👍" and payload.member.id == int(world.bob)


async def test_slash_command_member_option_and_sync(world: World) -> None:
    client = make_client()
    tree = app_commands.CommandTree(client)
    guild_obj = discord.Object(int(world.guild.id))

    @tree.command(name="thank", description="Thank someone", guild=guild_obj)
    async def thank(interaction: discord.Interaction, who: discord.Member, note: str) -> None:
        await interaction.response.send_message(
            f"thanks {who.display_name}: {note}", ephemeral=True
        )

    group = app_commands.Group(name="karma", description="Karma")

    @group.command(name="show", description="Show karma")
    async def show(interaction: discord.Interaction, who: discord.User) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content=f"{who.name} has 3")

    tree.add_command(group)

    async with world.fake.connect(client):
        synced = await tree.sync(guild=guild_obj)
        assert [c.name for c in synced] == ["thank"]
        put = world.fake.calls_matching(
            "PUT", rf"/applications/{world.fake.app_id}/guilds/{world.guild.id}/commands"
        )
        assert put[0].json[0]["name"] == "thank"
        assert world.fake.synced_commands[world.guild.id][0]["options"][0]["type"] == 6

        interaction = await world.fake.slash_command(
            world.guild,
            world.general,
            world.alice,
            "thank",
            [user_option("who", world.bob), option("note", "great help")],
            guild_command=True,
        )
        call = await world.fake.wait_for_response(interaction)
        assert call.query == {"with_response": "1"} and call.status == 200
        assert call.json["type"] == 4
        assert call.json["data"]["content"] == "thanks Bob: great help"
        assert call.json["data"]["flags"] == EPHEMERAL

        nested = await world.fake.slash_command(
            world.guild,
            world.general,
            world.alice,
            "karma",
            [subcommand("show", user_option("who", world.bob))],
        )
        deferred = await world.fake.wait_for_response(nested)
        assert deferred.json["type"] == 5
        edit = await world.fake.wait_for_call(
            "PATCH", rf"/webhooks/{world.fake.app_id}/{nested.token}/messages/@original"
        )
        assert edit.json["content"] == "bob has 3"


async def test_modal_submit_reaches_modal(world: World) -> None:
    client = make_client()
    tree = app_commands.CommandTree(client)
    submitted: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    class Intro(discord.ui.Modal, title="Introduce yourself"):
        about = discord.ui.TextInput(label="About you", custom_id="about")

        def __init__(self) -> None:
            super().__init__(custom_id="intro-modal")

        async def on_submit(self, interaction: discord.Interaction) -> None:
            submitted.set_result(self.about.value)
            await interaction.response.send_message("welcome!", ephemeral=True)

    @tree.command(name="intro", description="Introduce yourself")
    async def intro(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Intro())

    async with world.fake.connect(client):
        opened = await world.fake.slash_command(world.guild, world.general, world.alice, "intro")
        call = await world.fake.wait_for_response(opened)
        assert call.json["type"] == 9 and call.json["data"]["custom_id"] == "intro-modal"

        submit = await world.fake.modal_submit(
            world.guild, world.general, world.alice, "intro-modal", {"about": "I like tea"}
        )
        assert await asyncio.wait_for(submitted, TIMEOUT) == "I like tea"
        reply = await world.fake.wait_for_response(submit)
        assert reply.json["data"]["content"] == "welcome!"


async def test_message_context_menu(world: World) -> None:
    client = make_client()
    tree = app_commands.CommandTree(client)

    @tree.context_menu(name="Quote")
    async def quote(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(f"> {message.content}")

    async with world.fake.connect(client):
        mid = await world.fake.message_create(world.general, world.bob, "wise words")
        interaction = await world.fake.message_command(
            world.guild, world.general, world.alice, "Quote", mid
        )
        call = await world.fake.wait_for_response(interaction)
        assert call.json["data"]["content"] == "> wise words"


async def test_autocomplete(world: World) -> None:
    client = make_client()
    tree = app_commands.CommandTree(client)

    async def topics(interaction: discord.Interaction, current: str) -> list:
        return [
            app_commands.Choice(name=t, value=t) for t in ("tea", "tech") if t.startswith(current)
        ]

    @tree.command(name="topic", description="Pick a topic")
    @app_commands.autocomplete(name=topics)
    async def topic(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(name)

    async with world.fake.connect(client):
        interaction = await world.fake.autocomplete(
            world.guild, world.general, world.alice, "topic", [option("name", "te", focused=True)]
        )
        call = await world.fake.wait_for_response(interaction)
        assert call.json == {
            "type": 8,
            "data": {
                "choices": [{"name": "tea", "value": "tea"}, {"name": "tech", "value": "tech"}]
            },
        }


async def test_dm_to_closed_user_is_forbidden_50007(world: World) -> None:
    world.fake.close_dms(world.bob)
    client = make_client()
    async with world.fake.connect(client):
        bob = client.get_guild(int(world.guild.id)).get_member(int(world.bob))
        with pytest.raises(discord.Forbidden) as excinfo:
            await bob.send("psst")
        assert excinfo.value.code == 50007
        alice = client.get_guild(int(world.guild.id)).get_member(int(world.alice))
        sent = await alice.send("hello")
        assert sent.content == "hello" and isinstance(sent.channel, discord.DMChannel)
    assert len(world.fake.calls_matching("POST", "/users/@me/channels")) == 2


async def test_roles_timeouts_and_fail_route(world: World) -> None:
    client = make_client()
    async with world.fake.connect(client):
        guild = client.get_guild(int(world.guild.id))
        bob = guild.get_member(int(world.bob))
        role = guild.get_role(int(world.member_role))
        updated = future_for(client, "member_update")
        await bob.add_roles(role)
        before, after = await updated
        assert role not in before.roles and role in after.roles

        until = discord.utils.utcnow() + dt.timedelta(minutes=5)
        await bob.timeout(until)
        patch = world.fake.calls_matching("PATCH", rf"/guilds/{world.guild.id}/members/{world.bob}")
        assert patch[0].json["communication_disabled_until"] == until.isoformat()

        world.fake.fail_route(
            "PUT", r"/guilds/\d+/members/\d+/roles/\d+", 403, 50013, "Missing Permissions"
        )
        with pytest.raises(discord.Forbidden) as excinfo:
            await bob.add_roles(role)
        assert excinfo.value.code == 50013


async def test_drop_connection_resumes_and_events_flow(world: World) -> None:
    client = make_client()
    async with world.fake.connect(client):
        resumed = future_for(client, "resumed")
        await world.fake.drop_connection()
        # Sent while disconnected: must be replayed on RESUME.
        got_message = future_for(client, "message")
        await world.fake.message_create(world.general, world.alice, "still there?")
        await resumed
        assert (await got_message).content == "still there?"
        assert world.fake.resume_count == 1 and world.fake.identify_count == 1

        joined = future_for(client, "member_join")
        dave = world.fake.add_user("dave")
        await world.fake.member_join(world.guild, dave)
        assert (await joined).id == int(dave)


async def test_privileged_intents_refused_4014() -> None:
    async with FakeDiscord(refuse_privileged_intents=True) as fake:
        fake.add_guild("g")
        client = make_client()
        with pytest.raises(discord.PrivilegedIntentsRequired):
            async with fake.connect(client):
                pass


async def test_button_click_reaches_view_and_own_messages_echo(world: World) -> None:
    client = make_client()
    tree = app_commands.CommandTree(client)
    clicked: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    # timeout=None: a timed view leaves a timer task behind after client.close().
    class Welcome(discord.ui.View):
        @discord.ui.button(label="Wave", custom_id="wave")
        async def wave(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
            clicked.set_result(interaction.user.id)
            await interaction.response.edit_message(content="waved", view=None)

    @tree.command(name="welcome", description="Post a welcome")
    async def welcome(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("hi all", view=Welcome(timeout=None))

    async with world.fake.connect(client):
        own = future_for(client, "message")
        opened = await world.fake.slash_command(world.guild, world.general, world.alice, "welcome")
        call = await world.fake.wait_for_response(opened)
        echoed = await own
        assert echoed.author == client.user and echoed.content == "hi all"
        message_id = call.response["resource"]["message"]["id"]

        click = await world.fake.component_click(
            world.guild, world.general, world.bob, message_id, "wave"
        )
        assert await asyncio.wait_for(clicked, TIMEOUT) == int(world.bob)
        update = await world.fake.wait_for_response(click)
        assert update.json["type"] == 7 and update.json["data"]["content"] == "waved"
        assert world.fake.messages[message_id]["content"] == "waved"


async def test_unknown_route_is_404_and_recorded() -> None:
    async with FakeDiscord(strict=False) as fake:
        guild = fake.add_guild("g")
        client = make_client()
        async with fake.connect(client):
            with pytest.raises(discord.NotFound):
                await client.fetch_guild(int(guild.id))
        assert [(c.method, c.path) for c in fake.unknown_calls] == [("GET", f"/guilds/{guild.id}")]

    with pytest.raises(AssertionError, match="unknown routes"):
        async with FakeDiscord() as fake:
            fake.add_guild("g")
            client = make_client()
            async with fake.connect(client):
                with pytest.raises(discord.NotFound):
                    await client.fetch_guild(1234)


async def test_unresumable_drop_reidentifies(world: World) -> None:
    client = make_client()

    # discord.py sleeps 5 s before every non-initial IDENTIFY; skip that in tests.
    async def no_identify_wait(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    client.before_identify_hook = no_identify_wait  # type: ignore[method-assign]
    async with world.fake.connect(client):
        ready_again = future_for(client, "ready")
        await world.fake.drop_connection(resumable=False)
        await ready_again
        assert world.fake.identify_count == 2 and world.fake.resume_count == 0
        got = future_for(client, "message")
        await world.fake.message_create(world.general, world.alice, "back")
        assert (await got).content == "back"


# --- threads, forum posts, DMs and history (refusals: tests/test_fake_discord_rules.py) --

async def test_a_thread_under_a_post_is_cached_and_takes_messages(world: World) -> None:
    client = make_client()
    async with world.fake.connect(client):
        guild = client.get_guild(int(world.guild.id))
        post = await guild.get_channel(int(world.general)).send("Logins fail")
        created = future_for(client, "thread_create")
        thread = await post.create_thread(name="Logins: updates")
        assert thread.id == post.id and (await created).id == post.id
        assert guild.get_thread(post.id) is not None  # THREAD_CREATE reached the cache
        received = future_for(client, "message")
        await world.fake.message_create(str(thread.id), world.alice, "is my data safe?")
        reply = await received
        assert reply.channel.id == thread.id and isinstance(reply.channel, discord.Thread)
        sent = await guild.get_thread(post.id).send("Update: found it")
        assert sent.channel.id == thread.id
    assert world.fake.threads[str(post.id)]["message_count"] == 1


async def test_a_forum_post_through_discord_py(world: World) -> None:
    forum_id = world.guild.add_forum_channel("questions", ["login", "billing"])
    client = make_client()
    async with world.fake.connect(client):
        forum = client.get_guild(int(world.guild.id)).get_channel(int(forum_id))
        assert isinstance(forum, discord.ForumChannel)
        login = discord.utils.get(forum.available_tags, name="login")
        made = await forum.create_thread(name="Can't log in", content="Since 09:00",
                                         applied_tags=[login])
        assert made.thread.id == made.message.id and made.thread.applied_tags == [login]
    [call] = world.fake.calls_matching("POST", rf"/channels/{forum_id}/threads")
    assert call.query == {"use_nested_fields": "1"}
    assert call.json["message"]["content"] == "Since 09:00"


async def test_dms_arrive_without_a_guild_and_history_finds_what_was_missed(
        world: World) -> None:
    missed = world.fake.dm_history(world.alice, "hello?", "anyone there?")
    client = make_client()  # default intents include DMs
    async with world.fake.connect(client):
        received = future_for(client, "message")
        await world.fake.member_dm(world.alice, "one more thing")
        message = await received
        assert message.guild is None and isinstance(message.channel, discord.DMChannel)
        assert message.author.id == int(world.alice)
        dm = await client.fetch_channel(int(world.fake.dm_channels[world.alice]["id"]))
        since = [m.content async for m in dm.history(after=discord.Object(int(missed[0])),
                                                      limit=None)]
        assert since == ["anyone there?", "one more thing"]  # oldest first with after=
