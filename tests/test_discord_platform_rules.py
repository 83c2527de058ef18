"""Hearth on Discord against what Discord itself refuses or sends (issue 13, items 10-15).

Each test drives the real adapter through discord.py against the strict FakeDiscord, which
refuses what Discord documents it refuses; each one failed on the code before the fix."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from bot.actions import EditPost, Post
from bot.events import Community
from bot.text import Text
from tests.discord_world import running
from tests.fakes.discord_server import option, user_option

TIMEOUT_AT_ONCE = """
[[moderation.ladder]]
warnings = 1
label = "a timeout of {duration}"
action = "timeout"
timeout = "28d"
"""


def original(w, token: str) -> str:
    return rf"/webhooks/{w.fake.app_id}/{token}/messages/@original"


async def warn_bob(w) -> object:
    interaction = await w.fake.slash_command(
        w.guild, w.channels["general"], w.mod, "warn",
        [user_option("member", w.bob), option("rule", "spam")], guild_command=True)
    await w.fake.wait_for_call("PATCH", original(w, interaction.token))
    return interaction


# -- 10. timeouts ---------------------------------------------------------------------------

async def test_a_28_day_timeout_stays_below_discords_limit_on_its_clock(tmp_path: Path) -> None:
    async with running(tmp_path, TIMEOUT_AT_ONCE) as w:
        w.fake.skew = -timedelta(seconds=30)  # Discord's clock a little behind ours
        await warn_bob(w)
        patch = await w.fake.wait_for_call("PATCH", rf"/guilds/{w.guild.id}/members/{w.bob}")
        assert patch.status == 200, patch.response
        until = datetime.fromisoformat(patch.json["communication_disabled_until"])
        ahead = until - w.fake.discord_now()
        assert timedelta(days=27, hours=23) < ahead < timedelta(days=28)


async def test_a_refused_timeout_is_told_to_the_moderator_and_the_mod_log(tmp_path: Path) -> None:
    async with running(tmp_path, TIMEOUT_AT_ONCE) as w:
        w.fake.fail_route("PATCH", rf"/guilds/{w.guild.id}/members/{w.bob}", 403, 50013,
                          "Missing Permissions")
        interaction = await warn_bob(w)
        told = await w.fake.wait_for_call(
            "POST", rf"/webhooks/{w.fake.app_id}/{interaction.token}")
        assert "couldn't time Bob out for case #1" in told.json["content"]
        assert told.json["flags"] & (1 << 6)  # only the moderator sees it
        log = w.channels["mod-log"]
        await w.fake.wait_for_call("POST", rf"/channels/{log}/messages", count=2)
        posts = [c.json["content"] for c in w.fake.calls_matching(
            "POST", rf"/channels/{log}/messages")]
        assert any("Case #1" in p and "didn't take effect" in p for p in posts), posts


# -- 13. Membership Screening ---------------------------------------------------------------

async def test_a_pending_member_is_welcomed_when_they_pass_screening(tmp_path: Path) -> None:
    async with running(tmp_path) as w:
        welcome = rf"/channels/{w.channels['welcome']}/messages"
        dan = w.fake.add_user("dan")
        await w.fake.member_join(w.guild, dan, pending=True)
        eve = w.fake.add_user("eve")
        await w.fake.member_join(w.guild, eve)  # no screening here: welcomed at once
        await w.fake.wait_for_call("POST", welcome)
        await w.fake.wait_for_call("POST", r"/users/@me/channels")
        eve_dm = w.fake.dm_channels[eve]["id"]
        await w.fake.wait_for_call("POST", rf"/channels/{eve_dm}/messages")  # eve is done
        screened_at = len(w.fake.calls)
        await w.fake.pass_screening(w.guild, dan)
        await w.fake.wait_for_call("POST", welcome, count=2)
        posts = [(i, c.json["content"]) for i, c in enumerate(w.fake.calls)
                 if c.method == "POST" and re.fullmatch(welcome, c.path)]
        for_dan = [i for i, content in posts if f"<@{dan}>" in content]
        assert len(for_dan) == 1 and for_dan[0] >= screened_at, posts


# -- 12. posts longer than one message --------------------------------------------------------

def lines(n: int, word: str) -> Text:
    return Text.of("\n".join(f"{word} {i:03d} " + "x" * 90 for i in range(n)))


async def test_editing_a_long_post_keeps_every_piece_in_step(tmp_path: Path) -> None:
    async with running(tmp_path) as w:
        community = Community("discord", w.guild.id)
        general = w.channels["general"]

        def shown() -> list[str]:
            return [m["content"] for m in w.fake.messages.values()
                    if m["channel_id"] == general and m["author"]["id"] == w.fake.bot_user_id]

        await w.app.runtime.deliver([Post(community, "general", lines(30, "old"), key="intro")])
        assert len(shown()) == 2  # 3,000 characters: two messages
        await w.app.runtime.deliver([EditPost(community, "general", "intro", lines(50, "new"))])
        now = shown()
        assert len(now) == 3 and all("old" not in part for part in now)
        assert "\n".join(now) == lines(50, "new").plain()
        await w.app.runtime.deliver([EditPost(community, "general", "intro", Text.of("short"))])
        assert shown() == ["short"]
        assert len(w.fake.calls_matching("DELETE", rf"/channels/{general}/messages/\d+")) == 2
