"""One name per command: the core names a command once; each platform spells it its own way."""

from __future__ import annotations

from adapters.discord.commands import spelling as discord_spelling
from adapters.discord.render import render as discord_render
from adapters.slack.render import spelling as slack_spelling
from bot.commands import CommandSpec
from bot.text import CommandRef, Text, UserText

SPECS = [CommandSpec("appeal", "Appeal."), CommandSpec("appeal resolve", "Resolve."),
         CommandSpec("contest enter", "Enter."), CommandSpec("help", "Help.")]
SAID = Text.of("Appeal with `/appeal 3`; moderators: `/appeal resolve 3 accept`, ",
               CommandRef("appeal resolve"), ". Enter with /contest enter 2 and see /help. ",
               UserText("/appeal resolve typed by a member stays as typed"))


def test_discord_spells_a_command_that_shares_a_groups_name_with_a_hyphen() -> None:
    out = discord_render(SAID, spell=discord_spelling(lambda: SPECS)).content
    assert "`/appeal 3`" in out and "`/appeal-resolve 3 accept`, /appeal-resolve." in out
    assert "/contest enter 2" in out and "/help" in out
    assert "/appeal resolve typed by a member" in out


def test_slack_spells_commands_through_the_prefix_command_when_there_is_one() -> None:
    from datetime import UTC

    from adapters.slack.render import render

    out = render(SAID, UTC, spell=slack_spelling(lambda: [s.name for s in SPECS], "hearth"))
    assert "`/hearth appeal 3`" in out and "`/hearth appeal resolve 3 accept`" in out
    assert "/hearth contest enter 2" in out and "/hearth help" in out
    assert "/appeal resolve typed by a member" in out  # member text is never rewritten
    same = render(SAID, UTC, spell=slack_spelling(lambda: [s.name for s in SPECS], None))
    assert "`/appeal resolve 3 accept`, /appeal resolve." in same


def test_text_that_only_looks_like_a_command_is_left_alone() -> None:
    from datetime import UTC

    from adapters.slack.render import render

    text = Text.of("and/or 24/7 https://x.org/help /nothing /help me")
    out = render(text, UTC, spell=slack_spelling(lambda: ["help"], "hearth"))
    assert out == "and/or 24/7 https://x.org/help /nothing /hearth help me"
