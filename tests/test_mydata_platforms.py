"""/mydata on Discord: the export arrives as a private file (through the real discord.py against
the loopback fake), and a deleted Discord account is forgotten. Slack's export, a file in the
member's DM, is in tests/test_slack_files.py."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bot.events import Community
from tests.discord_world import running
from tests.fakes.discord_server import EPHEMERAL, subcommand


async def test_discord_export_is_an_ephemeral_file(tmp_path: Path) -> None:
    async with running(tmp_path) as w:
        interaction = await w.fake.slash_command(
            w.guild, w.channels["general"], w.alice, "mydata", [subcommand("export")],
            guild_command=True)
        await w.fake.wait_for_response(interaction)
        sent = await w.fake.wait_for_call("POST", rf"/webhooks/{w.fake.app_id}/"
                                                  rf"{interaction.token}$")
        assert sent.json["flags"] & EPHEMERAL
        [name] = sent.files
        assert name.startswith("hearth-data-discord-") and name.endswith(".json")
        assert "everything Hearth keeps about you" in sent.json["content"]
        data = await w.app.rights.export(Community("discord", w.guild.id), w.alice,
                                         w.clock.now())
        assert json.loads(json.dumps(data))["features"]["core"]["member"]


async def test_discord_deleted_account_is_forgotten(tmp_path: Path) -> None:
    async with running(tmp_path) as w:
        community = Community("discord", w.guild.id)
        await w.fake.message_create(w.channels["general"], w.bob, "hello, lovely people")
        await w.probe.wait(lambda: bool(w.probe.messages))
        assert (await w.app.rights.export(community, w.bob, w.clock.now()))["features"]
        # What Discord does to a deleted account: renamed, then removed from every server.
        w.fake.users[w.bob]["username"] = "deleted_user_0123456789ab"
        await w.fake.member_remove(w.guild, w.bob)
        await w.probe.wait(lambda: bool(w.probe.deleted))
        assert w.probe.deleted[0].user_id == w.bob
        # The probe hears the removal inside the event's unit of work; the forgetting is there
        # for other connections once that commits, a moment later: look again until then.
        async with asyncio.timeout(5):
            while await w.app.storage.members.get(community, w.bob) is not None:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        assert not (await w.app.rights.export(community, w.bob, w.clock.now()))["features"]


async def test_discord_member_who_just_leaves_is_not_forgotten(tmp_path: Path) -> None:
    async with running(tmp_path) as w:
        community = Community("discord", w.guild.id)
        await w.fake.message_create(w.channels["general"], w.bob, "hello, lovely people")
        await w.probe.wait(lambda: bool(w.probe.messages))
        await w.fake.member_remove(w.guild, w.bob)
        await w.fake.message_create(w.channels["general"], w.alice, "bye bob")
        await w.probe.wait(lambda: len(w.probe.messages) == 2)  # the leave was handled first
        assert not w.probe.deleted
        assert await w.app.storage.members.get(community, w.bob) is not None

