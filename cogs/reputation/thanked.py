"""Who a chat message thanks: the mentions a sincere thank-you is addressed to.

Pure and platform-neutral. A message thanks a mention only when the thanks words are said to
them ("thanks @bob", "@bob thank you!", "thank you so much @bob and @ann"), not when they are
negated ("no thanks", "thanks for nothing", "thanks but no"), reported ("I told @bob thanks"),
quoted, or sarcastic ("thanks a lot @bob, now it's all broken"). Unsure means no: a missed thanks
costs a point the member can still give with /thanks, a false one gives a public badge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# A mention: a platform id token (<@U1>, <@!1>, <@U1|name>) or a typed @name.
_MENTION = r"<@!?[A-Za-z0-9]+(?:\|[^>]*)?>|(?<![\w<@])@[^\W][\w.-]{0,31}"
# Quoted or code text is someone else's words: "…", “…”, `…`, and > quote lines.
_QUOTED = re.compile(r"\"[^\"\n]*\"|“[^”\n]*”|`[^`\n]*`|^\s*>.*$", re.MULTILINE)
# Sentences end at . ! ? ; or a line break (an ellipsis too).
_SENTENCE = re.compile(r"(?:[.!?;…]+|\n)(?=\s|$)|\n")
_WORD = re.compile(r"[\w'’]+")

# A negation right before the thanks word ("no thanks", "nah, thank you", "non merci").
_NEGATIONS = frozenset({"no", "nah", "nope", "not", "non", "nein", "não", "nao", "nee", "nie",
                        "never", "without"})
# Reported or relayed thanks: the speaker is talking about a thank-you, not giving one.
_REPORTING = frozenset({
    "told", "tell", "tells", "telling", "said", "says", "saying", "sent", "send", "sends",
    "asked", "ask", "forgot", "forget", "remember", "remind", "reminded", "should", "did",
    "didn't", "didnt", "doesn't", "does", "don't", "dont", "will", "would", "gave", "give",
    "get", "got", "expect", "expected", "wait", "waiting", "hear", "heard", "deserve",
})
# "say" on its own is reporting ("say thanks to @bob for me"), unless the speaker says it now.
_SAYING_NOW = frozenset({"want", "wanted", "wanna", "like", "love", "just", "gotta", "must",
                         "me", "i", "we", "i'd", "we'd", "to"})
# What follows a thanks word and turns it around.
_TURNED = re.compile(
    r"^\W*(?:a\s+(?:lot|bunch|ton)\s+)?(?:for\s+(?:nothing|(?:\w+\s+)?(?:breaking|ruining|wasting"
    r"|deleting|spoiling|spamming|nothing)\b)|but\s+(?:no|nah|i'?ll\s+pass|not)\b|i\s+guess\b"
    r"|(?:for\s+)?n(?:othing|ada)\b)",
    re.IGNORECASE)
# Sarcasm said around the thanks: eye-rolls, "/s", "gee thanks", "yeah, thanks", and thanks next
# to something that went wrong.
_SARCASM = re.compile(
    r"🙄|😒|😑|(?<!\w)/s\b|\b(?:gee|geez|wow|yeah|great|sure|oh)\W+(?:\w+\W+)?(?:thanks|thx|ty)\b"
    r"|\b(?:broke|broken|ruined|wasted|useless|nothing works|deleted everything|"
    r"for nothing|thanks a lot for|thanks for breaking)\b",
    re.IGNORECASE)
# Words that may sit between the thanks and the people thanked ("thank you so much @bob").
_BETWEEN = frozenset({
    "so", "very", "much", "a", "lot", "ton", "bunch", "heaps", "loads", "again", "all", "to",
    "both", "you", "u", "guys", "folks", "y'all", "big", "huge", "many", "kindly", "really",
    "tons", "beaucoup", "schön", "schon", "sehr", "vielen", "muchas", "mille", "tante",
    "mil", "muito", "hartelijk", "dank", "bedankt",
})
# Words after which a mention is someone spoken about, not spoken to.
_OBJECT_OF = frozenset({
    "ask", "asked", "tell", "told", "ping", "pinged", "cc", "with", "from", "by", "about",
    "than", "like", "at", "of", "to", "for", "and", "or", "but", "if", "thank", "said",
    "forward", "send", "sent", "give", "gave", "blame", "blamed", "unlike", "call", "called",
    "remind", "invite", "invited", "ignore", "ignored", "that", "because", "when", "what",
})
_GREETINGS = frozenset({"hey", "hi", "hello", "oh", "ok", "okay", "yo", "dear", "ah", "so",
                        "and", "also", "oi", "hej", "hola", "salut", "hallo", "ciao"})


@dataclass(frozen=True, slots=True)
class Thanked:
    """Who a message thanks: id mentions (<@U1>) and typed names (@bob), in order."""

    user_ids: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.user_ids or self.names)


@lru_cache(maxsize=32)
def _thanks_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+")
                            for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


_MENTION_RE = re.compile(_MENTION)
# A run of mentions joined by commas, "and", "&", "+".
_GROUP = re.compile(rf"(?:{_MENTION})(?:\s*(?:,|&|\+|\band\b|\bund\b|\bet\b|\by\b|\be\b)?\s*"
                    rf"(?:{_MENTION}))*", re.IGNORECASE)


def _words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def _sincere(sentence: str, start: int, end: int, message: str) -> bool:
    """Whether the thanks word at sentence[start:end] is a thank-you being given."""
    before = _words(_MENTION_RE.sub(" ", sentence[:start]))
    if before and before[-1] in _NEGATIONS:
        return False
    if len(before) >= 2 and before[-2] in _NEGATIONS and before[-1] in {"more", "need"}:
        return False
    for i, word in enumerate(before):
        if word in _REPORTING:
            return False
        if word == "say" and (i == 0 or before[i - 1] not in _SAYING_NOW):
            return False
    after = _MENTION_RE.sub(" ", sentence[end:])
    if _TURNED.match(after):
        return False
    return not _SARCASM.search(message)


def _addressed(sentence: str, group: re.Match[str], thanks_spans: list[tuple[int, int]]
               ) -> bool:
    """Whether the mentions in `group` are spoken to by the sentence's thanks."""
    before = sentence[:group.start()]
    words_before = _words(before)
    # Right after the thanks words, with only softeners between: "thank you so much @bob".
    for _start, end in thanks_spans:
        if end <= group.start():
            between = _words(sentence[end:group.start()])
            if all(w in _BETWEEN for w in between) and len(between) <= 4:
                return True
    # Spoken to at the start of the sentence: "@bob thank you!", "hey @bob, thanks".
    if all(w in _GREETINGS for w in words_before):
        return True
    # Named at the end of a clause, after something other than a verb that takes them:
    # "thanks for the tip @bob", "thanks for the help, @bob — it worked".
    after = sentence[group.end():]
    if words_before and words_before[-1] in _OBJECT_OF:
        return False
    return not re.match(r"\s*[\w@<]", after) or bool(re.match(r"\s*[,:—–-]", after))


def _split(text: str) -> list[str]:
    sentences, last = [], 0
    for m in _SENTENCE.finditer(text):
        sentences.append(text[last:m.end()])
        last = m.end()
    sentences.append(text[last:])
    return [s for s in sentences if s.strip()]


def thanked(content: str, words: tuple[str, ...]) -> Thanked:
    """The mentions `content` sincerely thanks, given the configured thanks words."""
    pattern = _thanks_pattern(words)
    if not pattern.search(content):
        return Thanked()
    text = _QUOTED.sub(_blank, content)
    found: list[str] = []
    opening: list[str] = []  # mentions the message opens by speaking to
    unaddressed_thanks = False
    for index, sentence in enumerate(_split(text)):
        spans = [(m.start(), m.end()) for m in pattern.finditer(sentence)]
        sincere = [s for s in spans if _sincere(sentence, s[0], s[1], text)]
        groups = list(_GROUP.finditer(sentence))
        if index == 0 and groups and not _words(sentence[:groups[0].start()]):
            opening = _MENTION_RE.findall(groups[0].group(0))
        if not sincere:
            continue
        spoken_to = [g for g in groups if _addressed(sentence, g, sincere)]
        for group in spoken_to:
            found.extend(_MENTION_RE.findall(group.group(0)))
        if not spoken_to and not groups:
            unaddressed_thanks = True
    if unaddressed_thanks:
        found.extend(opening)  # "@bob that fixed it. thanks!"
    ids: list[str] = []
    names: list[str] = []
    for mention in found:
        if mention.startswith("<"):
            uid = re.sub(r"[<@!>]|\|.*", "", mention)
            if uid not in ids:
                ids.append(uid)
        else:
            name = mention[1:].rstrip(".-_")
            if name not in names:
                names.append(name)
    return Thanked(tuple(ids), tuple(names))
