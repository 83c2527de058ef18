"""The text command parser, as Slack and the console use it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.commands import CommandSpec, Option, OptionType, UnknownCommand, UsageError, bind
from bot.events import MemberRef
from bot.parser import parse, tokenize

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
THANKS = CommandSpec("thanks", "Thank someone.", (
    Option("member", OptionType.MEMBER, "who to thank"),
    Option("reason", OptionType.TEXT, "what for", required=False, max_length=50),
))
ENTER = CommandSpec("contest enter", "Enter a contest.", (
    Option("contest", OptionType.INTEGER, "contest number", min_value=1),
    Option("entry", OptionType.TEXT, "your entry"),
))
CREATE = CommandSpec("contest create", "Create a contest.", (
    Option("title", OptionType.TEXT, "title"),
    Option("closes", OptionType.DATETIME, "when it closes"),
    Option("mode", OptionType.CHOICE, "how winners are chosen", choices=("votes", "draw")),
    Option("cooloff", OptionType.DURATION, "a pause", required=False),
))
SPECS = [THANKS, ENTER, CREATE]


def test_mention_forms_and_greedy_reason() -> None:
    for text, ref in [
        ("@bob", MemberRef("", "bob")),
        ("<@U123|bob>", MemberRef("U123", "bob")),
        ("<@!42>", MemberRef("42", None)),
    ]:
        parsed = parse(f"/thanks {text} for the   great answer", SPECS)
        assert parsed.spec is THANKS
        assert parsed.args == {"member": ref, "reason": "for the great answer"}


def test_quoted_key_value_and_group_command() -> None:
    parsed = parse('contest enter entry:"my photo of the sea" #3', SPECS)
    assert parsed.spec is ENTER
    assert parsed.args == {"contest": "#3", "entry": "my photo of the sea"}
    assert bind(ENTER, parsed.args, now=NOW, tz=UTC) == {"contest": 3,
                                                          "entry": "my photo of the sea"}


def test_unknown_key_is_kept_as_text() -> None:
    parsed = parse("/thanks @bob see https://example.org/a:b note:x", SPECS)
    assert parsed.args["reason"] == "see https://example.org/a:b note:x"


def test_curly_quotes_and_unclosed_quote() -> None:
    assert [t.text for t in tokenize("“hello there” \"unclosed")] == ["hello there", "unclosed"]


def test_unknown_command_and_group_without_subcommand() -> None:
    with pytest.raises(UnknownCommand) as exc:
        parse("/thank @bob", SPECS)
    assert exc.value.name == "thank" and exc.value.subcommands == ()
    with pytest.raises(UnknownCommand) as exc:
        parse("/contest", SPECS)
    assert exc.value.subcommands == ("create", "enter")


def test_too_many_words_for_the_options() -> None:
    spec = CommandSpec("rank", "Rank.", (Option("n", OptionType.INTEGER, "number"),))
    with pytest.raises(UsageError, match="wasn't sure what to do with 'extra words'"):
        parse("/rank 3 extra words", [spec])


@pytest.mark.parametrize("raw, problem", [
    ({"contest": "three", "entry": "x"}, "whole number"),
    ({"contest": "0", "entry": "x"}, "at least 1"),
    ({"contest": "2"}, "Please include \\*\\*entry\\*\\*"),
])
def test_bind_explains_bad_arguments(raw: dict[str, str], problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        bind(ENTER, raw, now=NOW, tz=UTC)


def test_durations_datetimes_and_choices() -> None:
    args = bind(CREATE, {"title": "Photos", "closes": "1w2d", "mode": "DRAW",
                         "cooloff": "90m"}, now=NOW, tz=UTC)
    assert args["closes"] == NOW + timedelta(days=9)
    assert args["mode"] == "draw"
    assert args["cooloff"] == timedelta(minutes=90)
    args = bind(CREATE, {"title": "t", "closes": "2026-12-24 18:00", "mode": "votes"},
                now=NOW, tz=UTC)
    assert args["closes"] == datetime(2026, 12, 24, 18, 0, tzinfo=UTC)
    for closes, problem in [("2020-01-01", "already passed"), ("soonish", "couldn't read"),
                            ("0d", "couldn't read")]:
        with pytest.raises(UsageError, match=problem):
            bind(CREATE, {"title": "t", "closes": closes, "mode": "votes"}, now=NOW, tz=UTC)
    with pytest.raises(UsageError, match="one of: votes, draw"):
        bind(CREATE, {"title": "t", "closes": "3d", "mode": "lottery"}, now=NOW, tz=UTC)


def test_text_over_max_length_is_refused() -> None:
    with pytest.raises(UsageError, match="is 51 characters; please keep it to 50 or fewer"):
        bind(THANKS, {"member": MemberRef("b", "b"), "reason": "x" * 51}, now=NOW, tz=UTC)


def test_a_date_and_time_typed_without_quotes_is_one_moment() -> None:
    # Slack and the console both parse typed text here: the README's own form.
    parsed = parse('/contest create "Lucky draw" 2026-12-24 18:00 draw', SPECS)
    args = bind(parsed.spec, parsed.args, now=NOW, tz=UTC)
    assert args["closes"] == datetime(2026, 12, 24, 18, 0, tzinfo=UTC)
    assert args["mode"] == "draw"


def test_a_mistyped_subcommand_keeps_what_was_typed() -> None:
    with pytest.raises(UnknownCommand) as exc:
        parse("/contest creat x", SPECS)
    assert exc.value.typed == "creat" and exc.value.subcommands == ("create", "enter")
