"""FAQ matching, offline: how close a new question is to one already answered.

rapidfuzz compares the questions' content words (stop words and punctuation dropped), taking
the better of two views: the shared words against the shorter question (token_set_ratio, kind
to a short question inside a long one) and the whole word bags side by side (token_sort_ratio,
which stops one common word from carrying a match). A question that says "not" or "can't" where
the other doesn't is a different question ("can't log in" vs "how do I log in"): its score is
lowered. The threshold in the config was chosen on the labelled pairs in
tests/test_questions_faq.py, which prints precision and recall.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

# Words that carry no topic: dropped before comparing.
STOP = frozenset("""
a an the i im i'm me my we our you your it its is are was were be been am do does did how
what why when where which who whom can could would should will shall to of in on at for from
with by about as and or but if so there this that these those any some anyone someone please
thanks thank hi hello hey got have has had just still also way ok okay there's what's
here like need want know anybody tell into up out
""".split())
NEGATIONS = frozenset({"not", "no", "never", "cant", "cannot", "dont", "doesnt", "didnt",
                       "wont", "isnt", "arent", "wasnt", "couldnt", "shouldnt", "without",
                       "nothing", "stopped"})
# Score kept when one question is negated and the other isn't.
NEGATION_FACTOR = 0.6
# The least a score keeps when each question has words the other lacks (see `similarity`).
CONTRAST_FLOOR = 0.5
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'"})


@dataclass(frozen=True, slots=True)
class Prepared:
    """A question as the matcher sees it: content words and whether it is negated."""

    words: str
    negated: bool


def prepare(text: str) -> Prepared:
    # "when's" is "when": a trailing 's (is, has) carries no topic.
    found = [w.removesuffix("'s") for w in _WORD.findall(text.lower().translate(_APOSTROPHES))]
    flat = [w.replace("'", "") for w in found]
    negated = any(w in NEGATIONS or (w.endswith("nt") and w[:-2] in {"can", "don", "won"})
                  for w in flat)
    words = [w for w, raw in zip(flat, found, strict=True)
             if raw not in STOP and w not in STOP and w not in NEGATIONS]
    return Prepared(" ".join(_stem(w) for w in words), negated)


def _stem(word: str) -> str:
    """A light plural/tense fold so "roles" meets "role" and "change" meets "changing"."""
    for ending in ("ing", "ed", "es", "s"):
        if len(word) > len(ending) + 2 and word.endswith(ending):
            word = word[: -len(ending)]
            break
    return word[:-1] if len(word) > 4 and word.endswith("e") else word


def similarity(a: Prepared | str, b: Prepared | str) -> float:
    """0 to 100: how likely the two ask the same thing."""
    left = prepare(a) if isinstance(a, str) else a
    right = prepare(b) if isinstance(b, str) else b
    if not left.words or not right.words:
        return 0.0
    score = (fuzz.token_set_ratio(left.words, right.words)
             + fuzz.token_sort_ratio(left.words, right.words)) / 2
    mine, theirs = set(left.words.split()), set(right.words.split())
    if mine - theirs and theirs - mine:
        # Each asks about something the other doesn't ("get" vs "remove" the role, Windows vs
        # Mac): only the share of words in common carries the match.
        score *= CONTRAST_FLOOR + (1 - CONTRAST_FLOOR) * len(mine & theirs) / len(mine | theirs)
    if left.negated != right.negated:
        score *= NEGATION_FACTOR
    return float(score)


def best(question: str, pool: Sequence[tuple[str, str]], threshold: float
         ) -> tuple[str, float] | None:
    """The key of the pool entry (key, question) closest to `question`, if any reaches the
    threshold; ties go to the earlier entry (admins' FAQ entries come first)."""
    asked = prepare(question)
    found: tuple[str, float] | None = None
    for key, text in pool:
        score = similarity(asked, prepare(text))
        if score >= threshold and (found is None or score > found[1]):
            found = (key, score)
    return found
