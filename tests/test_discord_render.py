"""Rendering neutral Text for Discord: only Mention segments can ping, and only their member."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from adapters.discord.render import chunks, render
from bot.text import ChannelLink, Literal, Mention, Text, Timestamp, UserText


def test_user_text_is_escaped_and_only_mentions_ping() -> None:
    text = Text((Literal("**Hi** "), Mention("123456789012345678", "x"), Literal(" "),
                 UserText("@everyone <@&123456789012345678> <@223456789012345678> _x_"),
                 Literal(" @Here")))
    out = render(text)
    assert out.content.startswith("**Hi** <@123456789012345678> @\u200beveryone")
    assert "<@&1" not in out.content and "<@2" not in out.content and "\\_x\\_" in out.content
    assert "@\u200bHere" in out.content
    assert out.allowed_mentions.to_dict() == {"parse": [], "users": [123456789012345678]}


def test_channels_times_and_non_discord_mentions() -> None:
    at = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)
    text = Text((ChannelLink("welcome"), Literal(" "), ChannelLink("#nope"), Literal(" "),
                 ChannelLink("42"), Literal(" "), Timestamp(at), Literal(" "),
                 Mention("alice", "alice")))
    out = render(text, {"welcome": 7}.get)
    unix = int(at.timestamp())
    assert out.content == f"<#7> #nope <#42> <t:{unix}:R> (<t:{unix}:f>) @alice"
    assert out.user_ids == ()


def test_long_content_splits_at_lines_within_discord_limit() -> None:
    content = "\n".join(f"line {i} " + "x" * 80 for i in range(60))
    parts = list(chunks(content))
    assert len(parts) > 1 and all(len(p) <= 2000 for p in parts)
    assert "\n".join(parts) == content
    assert list(chunks("")) == ["\u200b"]


MASKED_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")


def test_every_masked_link_on_a_line_is_escaped() -> None:
    # discord.utils.escape_markdown escapes only the first of these (its pattern is greedy).
    entry = "[my photo](https://a.example/1) and [vote here](https://b.example/2) [x](<https://c>)"
    out = render(Text.of("New entry: ", UserText(entry))).content
    assert not MASKED_LINK.search(out), out
    assert "https://a.example/1" in out and "https://b.example/2" in out


def test_member_text_at_a_line_start_cannot_format_the_post() -> None:
    out = render(Text((UserText(">>>"), Literal(" joined us!\n"),
                       UserText("# Big\n-# small\n> quoted\n1. listed")))).content
    lines = out.split("\n")
    assert all(not re.match(r"\s*(>|#|-#|\d+\.)", line) for line in lines), out
    assert lines[0] == "\\>\\>\\> joined us!"


def test_a_message_link_is_discords_message_url_in_its_guild() -> None:
    from bot.text import MessageLink
    text = Text.of("Waiting: ", MessageLink("help", "1300000000000000002"))
    linked = render(text, lambda name: 1200000000000000001 if name == "help" else None,
                    guild_id=1100000000000000000).content
    assert linked == ("Waiting: https://discord.com/channels/1100000000000000000/"
                      "1200000000000000001/1300000000000000002")
    # Without the guild (or an unknown channel) it is the channel, never a broken URL.
    assert render(text).content == "Waiting: #help"
