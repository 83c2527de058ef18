"""A tone check for text: signs of heat. Moderation holds back a heated note to a member; feedback
flags a heated member item for the team (and still accepts it).

Pure functions, no I/O. `check(text, rules)` returns the signals found, each with the words that
gave it away, so the moderator can be told exactly why a note was held back. A note with no
signals is calm. The check is deliberately simple and explainable: it flags, it never rewrites.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot import wording

# Signal kinds, in the order they are reported.
SHOUTING = "shouting"
PUNCTUATION = "punctuation"
INSULT = "insult"
BLAME = "blame"
SARCASM = "sarcasm"
THREAT = "threat"
ANGRY_EMOJI = "angry_emoji"
KINDS = (SHOUTING, PUNCTUATION, INSULT, BLAME, SARCASM, THREAT, ANGRY_EMOJI)

DEFAULT_WORDS = (
    "idiot", "idiots", "idiotic", "stupid", "moron*", "dumb*", "pathetic", "loser*", "clown*",
    "jerk*", "clueless", "ridiculous", "shut up", "grow up", "get a life",
    "damn*", "crap*", "wtf", "stfu", "ffs", "fuck*", "shit*", "bullshit", "ass", "asshole*",
    "bitch*", "bastard*", "piss*",
)
DEFAULT_BLAME = (
    "you always", "you never", "you keep doing", "every time you", "each time you", "you people",
    "you clearly", "what is wrong with you", "what's wrong with you", "how many times",
    "as usual", "typical of you",
)
DEFAULT_SARCASM = (
    "/s", "nice try", "good job", "well done", "congrats", "congratulations", "genius",
    "oh great", "oh wow", "thanks a lot", "bravo", "slow clap", "obviously", "yeah right",
    "sure you did",
)
DEFAULT_THREATS = (
    "or else", "last chance", "you'll regret", "you will regret", "ban you", "banned",
    "kick you", "get out", "get lost", "don't bother coming back", "we don't want you",
)
DEFAULT_ANGRY_EMOJI = ("😡", "🤬", "😠", "🙄", "🖕", "💢", "😤", "🤦")

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s"})
_EDGES = ".,;:!?\"'()[]{}<>-‘’“”…"


@dataclass(frozen=True, slots=True)
class ToneRules:
    """What counts as heat; the moderation settings build one from the admin's TOML."""

    # Mostly capitals: at least this share of the letters, in a note with at least
    # `caps_min_letters` letters (so "OK" or "FAQ" alone are fine).
    caps_ratio: float = 0.6
    caps_min_letters: int = 8
    # This many all-capital words in a row (each of 2+ letters) is shouting too: "STOP DOING THIS".
    caps_run: int = 3
    # A run of this many ! or ? (in any mix): "!!!", "???", "?!?".
    punctuation_run: int = 3
    # Insults and profanity; a trailing * matches any ending ("moron*" catches "morons").
    words: tuple[str, ...] = DEFAULT_WORDS
    blame: tuple[str, ...] = DEFAULT_BLAME
    sarcasm: tuple[str, ...] = DEFAULT_SARCASM
    threats: tuple[str, ...] = DEFAULT_THREATS
    angry_emoji: tuple[str, ...] = DEFAULT_ANGRY_EMOJI


@dataclass(frozen=True, slots=True)
class Signal:
    kind: str
    # The words that gave it away, as written (for insults: the listed word it matched).
    found: tuple[str, ...] = field(default=())


def check(text: str, rules: ToneRules | None = None) -> list[Signal]:
    """Every sign of heat in `text`, one Signal per kind, in `KINDS` order."""
    rules = rules or ToneRules()
    found: list[Signal] = []
    detectors: tuple[tuple[str, Callable[[], tuple[str, ...]]], ...] = (
        (SHOUTING, lambda: shouting(text, rules)),
        (PUNCTUATION, lambda: wording.punctuation_runs(text, rules.punctuation_run)),
        (INSULT, lambda: listed_words(text, rules.words)),
        (BLAME, lambda: wording.phrases(text, rules.blame)),
        (SARCASM, lambda: wording.phrases(text, rules.sarcasm)),
        (THREAT, lambda: wording.phrases(text, rules.threats)),
        (ANGRY_EMOJI, lambda: tuple(e for e in rules.angry_emoji if e and e in text)),
    )
    for kind, detect in detectors:
        evidence = detect()
        if evidence:
            found.append(Signal(kind, evidence))
    return found


def is_calm(text: str, rules: ToneRules | None = None) -> bool:
    return not check(text, rules)


def shouting(text: str, rules: ToneRules) -> tuple[str, ...]:
    """The shouted words, when the note is mostly capitals or has a run of capital words."""
    return wording.shouting(text, ratio=rules.caps_ratio, min_letters=rules.caps_min_letters,
                            run=rules.caps_run)


def listed_words(text: str, words: Iterable[str]) -> tuple[str, ...]:
    """The listed words (or phrases) the text uses, matched whole, ignoring case, accents and
    simple disguises (l33t digits, stretched letters like "stuuupid")."""
    tokens = [_fold(t) for t in _spaced_words(text)]
    squeezed = [_squeeze(t) for t in tokens]
    hits = []
    for entry in words:
        pattern = [_fold(w) for w in entry.split()]
        if not pattern or not all(pattern):
            continue
        if wording.contains(tokens, pattern) or wording.contains(squeezed, pattern):
            hits.append(entry)
    return wording.unique(hits)


def _spaced_words(text: str) -> list[str]:
    # Digits and symbols inside a word are kept so "1d10t" can be un-disguised.
    stripped = (w.strip(_EDGES) for w in text.split())
    return [w for w in stripped if w]


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower().translate(_LEET))
    return "".join(c for c in decomposed if c.isalnum() or c == "*")


def _squeeze(word: str) -> str:
    """Collapse stretched letters: "stuuupiiid" -> "stupid" (doubles stay: "jerk" is safe)."""
    return re.sub(r"(.)\1{2,}", r"\1", word)
