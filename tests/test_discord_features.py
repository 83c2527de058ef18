"""Features built in parallel (reputation, introductions, moderation), seen through Discord.

Each test skips until its cog is merged; none needs adapter code of its own."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from tests.discord_world import modal_inputs, running
from tests.fakes.discord_server import EPHEMERAL, option, subcommand, user_option


def webhook(w, token: str) -> str:
    return rf"/webhooks/{w.fake.app_id}/{token}/messages/@original"


async def test_thanks_with_a_member_option(database: str) -> None:
    pytest.importorskip("cogs.reputation")
    async with running(database) as w:
        general = w.channels["general"]
        interaction = await w.fake.slash_command(
            w.guild, general, w.alice, "thanks",
            [user_option("member", w.bob), option("reason", "fixed my bug")], guild_command=True)
        callback = await w.fake.wait_for_response(interaction)
        assert callback.json["type"] == 5 and callback.json["data"]["flags"] == EPHEMERAL
        post = await w.fake.wait_for_call("POST", rf"/channels/{general}/messages")
        assert f"<@{w.bob}>" in post.json["content"] and "fixed my bug" in post.json["content"]
        assert post.json["allowed_mentions"] == {"parse": [], "users": [int(w.bob)]}


async def test_thank_you_reaction_awards_reputation(database: str) -> None:
    pytest.importorskip("cogs.reputation")
    async with running(database) as w:
        general = w.channels["general"]
        mid = await w.fake.message_create(general, w.bob, "try restarting it")
        await w.probe.wait(lambda: bool(w.probe.messages))  # bob is now known to Hearth
        await w.fake.reaction_add(general, mid, w.alice, "🙏")
        await w.probe.wait(lambda: bool(w.probe.reactions))  # probe listens after reputation
        reputation = w.app.stores["reputation"]
        # The probe hears the reaction inside the event's unit of work; the point is there for
        # everyone once that commits, a moment later (on PostgreSQL, another connection reads):
        # a commit in another task, with nothing to await, so the test looks again until then.
        community = w.probe.reactions[0].community
        async with asyncio.timeout(5):
            while (await reputation.totals(community, w.bob)).points < 1:  # noqa: ASYNC110
                await asyncio.sleep(0.01)


async def test_badge_grant_gives_the_role(database: str) -> None:
    pytest.importorskip("cogs.reputation")
    async with running(database) as w:
        interaction = await w.fake.slash_command(
            w.guild, w.channels["general"], w.mod, "badge",
            [subcommand("grant", user_option("member", w.bob), option("badge", "Helper"))],
            guild_command=True)
        await w.fake.wait_for_response(interaction)
        helper = w.roles["Helper"]
        await w.fake.wait_for_call("PUT", rf"/guilds/{w.guild.id}/members/{w.bob}/roles/{helper}")


async def test_introduce_opens_a_modal_and_posts_the_introduction(database: str) -> None:
    pytest.importorskip("cogs.introductions")
    async with running(database) as w:
        opened = await w.fake.slash_command(
            w.guild, w.channels["general"], w.alice, "introduce", guild_command=True)
        modal = (await w.fake.wait_for_response(opened)).json
        assert modal["type"] == 9
        inputs = modal_inputs(modal)
        values = {i["custom_id"]: "Alice @everyone" if i["custom_id"] == "name" else "tea"
                  for i in inputs}
        submit = await w.fake.modal_submit(
            w.guild, w.channels["general"], w.alice, modal["data"]["custom_id"], values)
        intro = w.channels["introductions"]
        post = await w.fake.wait_for_call("POST", rf"/channels/{intro}/messages")
        assert "tea" in post.json["content"] and "@everyone" not in post.json["content"]
        assert post.json["allowed_mentions"]["parse"] == []
        thanks = await w.fake.wait_for_call("PATCH", webhook(w, submit.token))
        assert f"<#{intro}>" in thanks.json["content"]


async def test_warnings_dm_the_member_and_the_ladder_times_out(database: str) -> None:
    pytest.importorskip("cogs.moderation")
    async with running(database) as w:
        for n in range(1, 4):
            interaction = await w.fake.slash_command(
                w.guild, w.channels["general"], w.mod, "warn",
                [user_option("member", w.bob), option("rule", "spam")], guild_command=True)
            await w.fake.wait_for_call("PATCH", webhook(w, interaction.token))
            await w.fake.wait_for_call("POST", r"/users/@me/channels")  # once: then cached
            dm_channel = w.fake.dm_channels[w.bob]["id"]
            dm = await w.fake.wait_for_call("POST", rf"/channels/{dm_channel}/messages", count=n)
            assert "spam" in dm.json["content"].lower()
            w.clock.set(w.clock.now() + timedelta(hours=1))  # past the cool-off
        patch = await w.fake.wait_for_call("PATCH", rf"/guilds/{w.guild.id}/members/{w.bob}")
        assert patch.json["communication_disabled_until"]


async def test_a_pardon_lifts_a_running_timeout_on_discord(tmp_path: Path) -> None:
    pytest.importorskip("cogs.moderation")
    async with running(tmp_path) as w:
        for _ in range(3):
            warned = await w.fake.slash_command(
                w.guild, w.channels["general"], w.mod, "warn",
                [user_option("member", w.bob), option("rule", "spam")], guild_command=True)
            await w.fake.wait_for_call("PATCH", webhook(w, warned.token))
            w.clock.set(w.clock.now() + timedelta(minutes=11))  # past the cool-off only
        member = rf"/guilds/{w.guild.id}/members/{w.bob}"
        assert (await w.fake.wait_for_call("PATCH", member)).json["communication_disabled_until"]
        pardon = await w.fake.slash_command(
            w.guild, w.channels["general"], w.mod, "pardon",
            [option("case", 3), option("reason", "We got this one wrong.")], guild_command=True)
        await w.fake.wait_for_call("PATCH", webhook(w, pardon.token))
        lifted = await w.fake.wait_for_call("PATCH", member, count=2)
        assert lifted.json["communication_disabled_until"] is None


async def test_a_post_whose_answer_was_lost_goes_out_once_after_a_restart(
        database: str) -> None:
    """Discord took the post but its answer never came (as if Hearth died right then): the post
    stays in the outbox, goes again at the next start with the same nonce, and Discord's
    enforce_nonce returns the message it already made, so the channel has it once."""
    from tests.discord_world import discord, started

    pytest.importorskip("cogs.reputation")
    async with discord() as world:
        async with started(world, database) as w:
            general = w.channels["general"]
            w.fake.lose_answers("POST", rf"/channels/{general}/messages")
            interaction = await w.fake.slash_command(
                w.guild, general, w.alice, "thanks",
                [user_option("member", w.bob), option("reason", "the lost map")],
                guild_command=True)
            await w.fake.wait_for_response(interaction)
            first = await w.fake.wait_for_call("POST", rf"/channels/{general}/messages")
            assert first.json["nonce"].startswith("hearth") and first.json["enforce_nonce"]
            # The interaction is closed after the post (its public reply stands for it).
            await w.fake.wait_for_call("DELETE", rf"/webhooks/{w.fake.app_id}/.+")
        async with started(world, database) as again:
            resent = await again.fake.wait_for_call("POST", rf"/channels/{general}/messages",
                                                    count=2)
            assert resent.json["nonce"] == first.json["nonce"]
            assert resent.response["id"] == first.response["id"]
            thanked = [m for m in again.fake.messages.values()
                       if m["channel_id"] == general and "the lost map" in m["content"]]
            assert len(thanked) == 1
            assert await again.app.storage.db.scalar("SELECT COUNT(*) FROM outbox") == 0
