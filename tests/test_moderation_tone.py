"""The tone check on moderators' notes: each sign of heat, and calm notes left alone."""

from __future__ import annotations

import pytest

from bot import tone
from bot.tone import ToneRules, check, is_calm


def kinds(text: str, rules: ToneRules | None = None) -> list[str]:
    return [s.kind for s in check(text, rules)]


@pytest.mark.parametrize("text", [
    "Please keep offers to the marketplace channel. Thanks for understanding.",
    "Hi! Could you keep links to #resources? The FAQ explains why.",
    "We'd like the discussion to stay friendly, even when people disagree.",
    "Is everything OK? Happy to talk it through if you'd like.",
    "Thanks for your patience while we sort this out.",
    "",
])
def test_calm_notes_pass(text: str) -> None:
    assert check(text) == []
    assert is_calm(text)


def test_mostly_capitals_is_shouting() -> None:
    [signal] = check("STOP POSTING THIS HERE")
    assert signal.kind == tone.SHOUTING
    assert "STOP" in signal.found


def test_a_run_of_capital_words_is_shouting_even_in_a_longer_note() -> None:
    assert kinds("I told you before, please STOP DOING THIS in the general channel.") == [
        tone.SHOUTING]


def test_short_acronyms_are_not_shouting() -> None:
    assert kinds("Read the FAQ, and see the URL in the pinned post.") == []
    assert kinds("OK") == []


def test_caps_thresholds_are_configurable() -> None:
    strict = ToneRules(caps_run=2)
    assert kinds("please STOP THAT", strict) == [tone.SHOUTING]
    assert kinds("please STOP THAT") == []


@pytest.mark.parametrize("text, found", [
    ("Why would you do that!!!", "!!!"),
    ("Seriously???", "???"),
    ("What was that?!?", "?!?"),
])
def test_runs_of_punctuation(text: str, found: str) -> None:
    [signal] = check(text)
    assert signal.kind == tone.PUNCTUATION
    assert signal.found == (found,)


def test_a_single_exclamation_or_question_is_fine() -> None:
    assert kinds("Thanks! Could you keep it on topic?") == []


@pytest.mark.parametrize("text", [
    "you're an idiot",
    "Don't be STUPID about it",
    "stuuuupid post",
    "what an 1d10t",
    "stop being such a moron",
    "morons everywhere",
    "wtf is this",
    "just shut up about it",
])
def test_insults_and_profanity(text: str) -> None:
    assert tone.INSULT in kinds(text)


def test_insults_match_whole_words_only() -> None:
    # "class" contains "ass", "scrap" contains "crap": neither is rude.
    assert kinds("Please post class notes in the right channel, not scrap paper photos.") == []


def test_word_list_is_configurable() -> None:
    rules = ToneRules(words=("numpty",))
    assert kinds("what a numpty", rules) == [tone.INSULT]
    assert kinds("you idiot", rules) == []


@pytest.mark.parametrize("text, phrase", [
    ("You always post in the wrong place.", "you always"),
    ("you never read the rules", "you never"),
    ("How many times do we have to say this", "how many times"),
    ("You keep doing this.", "you keep doing"),
])
def test_blame(text: str, phrase: str) -> None:
    [signal] = check(text)
    assert signal.kind == tone.BLAME
    assert signal.found == (phrase,)


def test_sarcasm() -> None:
    assert kinds("Nice try, but no.") == [tone.SARCASM]
    assert kinds("Great idea posting that /s") == [tone.SARCASM]


def test_threats_beyond_the_ladder() -> None:
    assert kinds("Do it again and we'll ban you.") == [tone.THREAT]
    assert kinds("This is your last chance.") == [tone.THREAT]


def test_angry_emoji() -> None:
    assert kinds("Please stop 😡") == [tone.ANGRY_EMOJI]


def test_several_signals_are_all_reported_in_order() -> None:
    found = check("YOU ALWAYS DO THIS, you idiot!!!")
    assert [s.kind for s in found] == [tone.SHOUTING, tone.PUNCTUATION, tone.INSULT, tone.BLAME]
