"""Finding words in a draft: listed phrases, shouting, runs of punctuation.

Shared by the checks that advise people on their wording (moderation's tone check, the
announcements' sincerity check). Pure functions, no I/O.

A listed phrase matches whole words, ignoring case and the punctuation between words. Two
extras keep word lists short: a word ending in `*` matches any ending ("apologi*" catches
"apologise", "apologize" and "apologies"), and `...` stands for up to three words of any kind
("sorry if ... offended" catches "sorry if anyone was offended").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
# How many words `...` in a phrase may stand for.
GAP_WORDS = 3
_GAP = "..."


@dataclass(frozen=True, slots=True)
class Found:
    """Where a listed phrase matched: word positions [start, end) and the words as written."""

    phrase: str
    start: int
    end: int
    written: str


def words(text: str) -> list[str]:
    """The words of a text as written (apostrophes inside words kept: "won't")."""
    return WORD.findall(text.replace("’", "'"))


def plain(word: str) -> str:
    return unicodedata.normalize("NFKC", word.lower())


def pattern_of(phrase: str) -> list[str]:
    """A listed phrase as word patterns: plain words, `word*` prefixes and `...` gaps."""
    out: list[str] = []
    for part in phrase.replace("’", "'").split():
        if part == _GAP or part == "…":
            out.append(_GAP)
            continue
        found = [plain(w) for w in WORD.findall(part)]
        if found and part.rstrip(".,;:!?\"')").endswith("*"):
            found[-1] += "*"
        out.extend(found)
    while out and out[0] == _GAP:
        out.pop(0)
    while out and out[-1] == _GAP:
        out.pop()
    return out


def find(written: list[str], listed: Iterable[str]) -> list[Found]:
    """Every place a listed phrase matches in `written` (a text's words), in text order."""
    tokens = [plain(w) for w in written]
    hits: list[Found] = []
    for phrase in listed:
        pattern = pattern_of(phrase)
        if not pattern:
            continue
        for start in range(len(tokens)):
            end = _match_at(tokens, start, pattern)
            if end is not None:
                hits.append(Found(phrase, start, end, " ".join(written[start:end])))
    return sorted(hits, key=lambda f: (f.start, f.end))


def _match_at(tokens: list[str], i: int, pattern: list[str]) -> int | None:
    """The end of a match of `pattern` starting at token i, or None."""
    if not pattern:
        return i
    head, rest = pattern[0], pattern[1:]
    if head == _GAP:
        for skip in range(GAP_WORDS + 1):
            end = _match_at(tokens, i + skip, rest)
            if end is not None:
                return end
        return None
    if i < len(tokens) and matches(tokens[i], head):
        return _match_at(tokens, i + 1, rest)
    return None


def matches(token: str, pattern: str) -> bool:
    if pattern.endswith("*"):
        return token.startswith(pattern[:-1])
    return token == pattern


def contains(tokens: list[str], pattern: list[str]) -> bool:
    """Whether `pattern` (already folded words, `*` allowed) occurs in `tokens` in a row."""
    n = len(pattern)
    return any(all(matches(tokens[i + j], pattern[j]) for j in range(n))
               for i in range(len(tokens) - n + 1))


def phrases(text: str, listed: Iterable[str]) -> tuple[str, ...]:
    """The listed phrases found in `text` as whole words, each once, in list order."""
    written = words(text)
    lowered = text.lower()
    hits = []
    for phrase in listed:
        if not pattern_of(phrase):
            # A phrase of symbols only ("/s"): match it standing alone.
            token = phrase.strip().lower()
            if token and re.search(rf"(?<!\S){re.escape(token)}(?!\S)", lowered):
                hits.append(phrase)
            continue
        if find(written, [phrase]):
            hits.append(phrase)
    return unique(hits)


def shouting(text: str, *, ratio: float, min_letters: int, run: int) -> tuple[str, ...]:
    """The shouted words, when a text is mostly capitals (at least `ratio` of its letters, in a
    text of at least `min_letters` letters) or has `run` capital words in a row."""
    letters = [c for c in text if c.isalpha() and (c.isupper() or c.islower())]
    if len(letters) >= min_letters:
        upper = sum(1 for c in letters if c.isupper())
        if upper / len(letters) >= ratio:
            return tuple(w for w in WORD.findall(text) if is_caps(w)) or ("(capitals)",)
    current: list[str] = []
    best: list[str] = []
    for word in WORD.findall(text):
        if is_caps(word):
            current.append(word)
            if len(current) > len(best):
                best = list(current)
        elif any(c.isalpha() for c in word):
            current = []
    return tuple(best) if run and len(best) >= run else ()


def is_caps(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def punctuation_runs(text: str, length: int) -> tuple[str, ...]:
    """Runs of ! and ? at least `length` long, as written ("!!!", "?!?")."""
    if length < 2:
        return ()
    pattern = re.compile(rf"[!?！？‼⁉]{{{length},}}")
    return unique(m.group(0) for m in pattern.finditer(text))


def unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
