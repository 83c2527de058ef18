"""A sincerity and clarity check for announcement drafts: advice for the author, never a block.

Pure functions, no I/O. `check(text, rules)` returns the findings, each with the words that gave
it away, so the author can be told exactly why. The checks, in the order they are reported:

- non-apology: "mistakes were made", "we apologise for any inconvenience", "sorry if anyone was
  offended", "sorry you feel that way";
- blame-shifting: passive voice about a fault ("the data was lost") or a listed deflection
  ("beyond our control") in or beside a sentence that apologises;
- vague timing: "soon", "in the near future" in a sentence that gives no actual time;
- shouting: mostly capitals, a run of capital words, or "!!!";
- wall of text: a paragraph or a sentence too long to read on a phone.

Text in quotes is not the author's own words ("we won't say 'mistakes were made'"), and a phrase
right after a listed negation ("instead of", "won't say") is set aside too. The check is
deliberately simple and explainable: it flags, it never rewrites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from bot import wording

NON_APOLOGY = "non_apology"
BLAME = "blame_shifting"
VAGUE = "vague_timing"
SHOUTING = "shouting"
WALL = "wall_of_text"
KINDS = (NON_APOLOGY, BLAME, VAGUE, SHOUTING, WALL)

DEFAULT_NON_APOLOGIES = (
    "mistakes were made", "errors were made", "mistakes have been made",
    "apologi* for any inconvenience", "sorry for any inconvenience",
    "regret any inconvenience", "apologi* for the inconvenience",
    "apologi* for any confusion", "sorry for any confusion",
    "sorry if ... offended", "apologi* if ... offended", "sorry if ... upset",
    "apologi* if ... upset", "sorry if ... hurt", "sorry if ... feel", "sorry if ... felt",
    "sorry you feel", "sorry you felt", "sorry that you feel", "sorry that you felt",
    "apologi* if you feel", "sorry if that's how", "regret that you feel",
    "sorry for any misunderstanding", "sorry you misunderstood",
)
DEFAULT_APOLOGY_WORDS = ("sorry", "apologi*", "regret*")
# Verbs of a fault, for "X was <verb>" with no one named as having done it.
DEFAULT_FAULT_VERBS = (
    "made", "lost", "deleted", "broken", "broke", "missed", "overlooked", "introduced",
    "caused", "mishandled", "misconfigured", "misunderstood", "leaked", "exposed", "dropped",
    "corrupted", "removed", "wiped", "forgotten", "ignored", "delayed", "mislabelled",
    "mislabeled", "sent", "pushed", "deployed", "banned", "muted",
)
DEFAULT_DEFLECTIONS = (
    "beyond our control", "out of our hands", "not our fault", "through no fault of our own",
    "a third party", "our provider", "our host", "some users", "certain members",
    "due to circumstances", "unforeseen circumstances", "it happens", "these things happen",
)
DEFAULT_VAGUE = (
    "soon", "shortly", "in the near future", "in due course", "at some point", "sometime",
    "in the coming days", "in the coming weeks", "asap", "as soon as possible",
    "as soon as we can", "when it's ready", "eventually", "before long", "any time now",
    "in a bit", "in a while", "later on",
)
# Phrases that contain a vague word but promise nothing ("see you soon").
DEFAULT_NOT_VAGUE = (
    "see you soon", "talk soon", "get well soon", "speak soon", "sooner or later",
    "no sooner",
)
# A sentence with any of these gives an actual time (regular expressions, ignoring case).
DEFAULT_PRECISE_TIME = (
    r"\b\d{1,2}[:.h]\d{2}\b", r"\b\d{1,2}\s?(?:am|pm)\b",
    r"\b(?:utc|gmt|cet|cest|bst|est|edt|pst|pdt|cst|cdt|ist|aest|jst)\b",
    r"\b\d{4}-\d{2}-\d{2}\b",
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    r"\b(?:today|tonight|tomorrow|noon|midnight)\b",
    r"\b(?:within|in|under|for)\s+(?:the\s+next\s+)?(?:\d+|an?|one|two|three|four|five|six|"
    r"ten|twelve|twenty|thirty|half an?)\s+(?:minutes?|mins?|hours?|hrs?|days?)\b",
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b",
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)",
)
# A listed phrase right after one of these (within a few words) is not the author's own.
DEFAULT_NEGATIONS = (
    "won't say", "will not say", "not going to say", "won't hide behind", "instead of",
    "rather than", "no more", "not just", "refuse to say", "never say", "don't want to say",
)
# How many words before a phrase a negation may stand.
NEGATION_REACH = 4
# Subjects that make "X were <verb>" about the people affected, not a hidden culprit.
_PEOPLE = frozenset({"you", "we", "i", "everyone", "anyone", "people", "members", "some",
                     "many", "who", "they", "he", "she", "users", "folks"})
_BE = frozenset({"was", "were", "been", "be", "being", "is", "are", "got", "get", "gets"})
_QUOTED = re.compile(
    r"\"[^\"\n]{1,300}\"|“[^”\n]{1,300}”|‘[^’\n]{1,300}’|`[^`\n]{1,300}`"
    r"|(?<![\w'])'[^'\n]{1,300}?'(?![\w])")
_SENTENCE_END = re.compile(r"(?<=[.!?…;:])\s+|\n+|\s+[—–-]\s+(?=[A-Z])")
_PARAGRAPH = re.compile(r"\n")


@dataclass(frozen=True, slots=True)
class SincerityRules:
    """What the check looks for; the announcements settings build one from the admin's TOML."""

    non_apologies: tuple[str, ...] = DEFAULT_NON_APOLOGIES
    apology_words: tuple[str, ...] = DEFAULT_APOLOGY_WORDS
    fault_verbs: tuple[str, ...] = DEFAULT_FAULT_VERBS
    deflections: tuple[str, ...] = DEFAULT_DEFLECTIONS
    vague: tuple[str, ...] = DEFAULT_VAGUE
    not_vague: tuple[str, ...] = DEFAULT_NOT_VAGUE
    precise_time: tuple[str, ...] = DEFAULT_PRECISE_TIME
    negations: tuple[str, ...] = DEFAULT_NEGATIONS
    caps_ratio: float = 0.6
    caps_min_letters: int = 12
    caps_run: int = 3
    punctuation_run: int = 3
    # Longer than this (in words) and a line or paragraph is a wall on a phone screen.
    paragraph_words: int = 120
    sentence_words: int = 45


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    # The words that gave it away, as written.
    found: tuple[str, ...] = field(default=())


def check(text: str, rules: SincerityRules | None = None) -> list[Finding]:
    """Every finding in `text`, one per kind, in `KINDS` order."""
    rules = rules or SincerityRules()
    own = unquoted(text)
    sentences = [s for s in _SENTENCE_END.split(own) if s.strip()]
    found: list[Finding] = []
    for kind, evidence in (
        (NON_APOLOGY, non_apologies(sentences, rules)),
        (BLAME, blame_shifting(sentences, rules)),
        (VAGUE, vague_timing(sentences, rules)),
        (SHOUTING, shouting(own, rules)),
        (WALL, walls(text, rules)),
    ):
        if evidence:
            found.append(Finding(kind, evidence))
    return found


def unquoted(text: str) -> str:
    """The author's own words: quoted passages and code spans replaced by a space."""
    return _QUOTED.sub(" ", text)


def non_apologies(sentences: list[str], rules: SincerityRules) -> tuple[str, ...]:
    hits: list[str] = []
    for sentence in sentences:
        written = wording.words(sentence)
        hits.extend(f.written for f in _own(written, rules.non_apologies, rules))
    return wording.unique(hits)


def blame_shifting(sentences: list[str], rules: SincerityRules) -> tuple[str, ...]:
    """Passive faults and deflections in a sentence that apologises, or the one either side."""
    split = [wording.words(s) for s in sentences]
    apologising = [bool(wording.find(w, rules.apology_words)) for w in split]
    hits: list[str] = []
    for i, written in enumerate(split):
        if not any(apologising[max(0, i - 1): i + 2]):
            continue
        hits.extend(_passive_faults(written, rules))
        hits.extend(f.written for f in _own(written, rules.deflections, rules))
    return wording.unique(hits)


def _passive_faults(written: list[str], rules: SincerityRules) -> list[str]:
    """"the data was lost", "errors were introduced": a fault with no one owning it."""
    tokens = [wording.plain(w) for w in written]
    patterns = [wording.pattern_of(v) for v in rules.fault_verbs]
    verbs = [p[0] for p in patterns if len(p) == 1]
    hits = []
    for i, token in enumerate(tokens):
        if token not in _BE or i == 0 or tokens[i - 1] in _PEOPLE:
            continue
        # Allow one word between ("was accidentally deleted", "have been lost").
        for j in (i + 1, i + 2):
            if j < len(tokens) and any(wording.matches(tokens[j], v) for v in verbs):
                owned = tokens[j + 1: j + 3]
                if owned[:1] == ["by"] and owned[1:2] and owned[1] in {"us", "me", "our", "my"}:
                    break
                hits.append(" ".join(written[i - 1: j + 1]))
                break
    return hits


def vague_timing(sentences: list[str], rules: SincerityRules) -> tuple[str, ...]:
    """Vague promises of time in sentences that give no actual time."""
    hits: list[str] = []
    for sentence in sentences:
        if any(p.search(sentence) for p in _compiled(rules.precise_time)):
            continue
        written = wording.words(sentence)
        excused = [(f.start, f.end) for f in wording.find(written, rules.not_vague)]
        for f in _own(written, rules.vague, rules):
            if not any(s <= f.start and f.end <= e for s, e in excused):
                hits.append(f.written)
    return wording.unique(hits)


def shouting(text: str, rules: SincerityRules) -> tuple[str, ...]:
    words = wording.shouting(text, ratio=rules.caps_ratio, min_letters=rules.caps_min_letters,
                             run=rules.caps_run)
    return wording.unique((*words, *wording.punctuation_runs(text, rules.punctuation_run)))


def walls(text: str, rules: SincerityRules) -> tuple[str, ...]:
    """"a paragraph of 180 words", "a sentence of 60 words"."""
    hits = []
    longest = max((len(wording.words(p)) for p in _PARAGRAPH.split(text)), default=0)
    if longest > rules.paragraph_words:
        hits.append(f"a paragraph of {longest} words")
    sentence = max((len(wording.words(s)) for s in _SENTENCE_END.split(text)), default=0)
    if sentence > rules.sentence_words:
        hits.append(f"a sentence of {sentence} words")
    return tuple(hits)


def _own(written: list[str], listed: tuple[str, ...], rules: SincerityRules
         ) -> list[wording.Found]:
    """Listed phrases in a sentence, leaving out those right after a negation."""
    negations = wording.find(written, rules.negations)
    return [f for f in wording.find(written, listed)
            if not any(0 <= f.start - n.end <= NEGATION_REACH for n in negations)]


@lru_cache(maxsize=32)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)
