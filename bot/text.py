"""Neutral message text: segments that each adapter renders natively.

Mentions, channels and times stay tokens until an adapter renders them, and text a member or an
admin wrote is a separate segment kind, so rendering can escape it and nothing in it can ping.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

# Control characters other than tab and newline, and the bidi embeddings, overrides and isolates
# (U+202A-U+202E, U+2066-U+2069): invisible, and able to scramble the rest of a post.
_HIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")


def clean(text: str, *, single_line: bool = False) -> str:
    """Member-written text made safe to store and show: line breaks normalised to \\n, hidden
    control and bidi characters removed; `single_line` also folds line breaks and tabs to spaces.
    """
    text = _HIDDEN.sub("", _BREAKS.sub("\n", text))
    if single_line:
        text = text.replace("\n", " ").replace("\t", " ")
    return text


@dataclass(frozen=True, slots=True)
class Literal:
    """Text from a template: formatting allowed, mass mentions still neutralised."""

    text: str


@dataclass(frozen=True, slots=True)
class UserText:
    """Text a member wrote (or a name they chose): always escaped, never pings."""

    text: str

    def __post_init__(self) -> None:
        # Cleaned on the way in, so a name or an old stored answer can't flip a post's layout.
        object.__setattr__(self, "text", clean(self.text))


@dataclass(frozen=True, slots=True)
class Mention:
    """A mention of one member the core chose; the only thing allowed to ping."""

    user_id: str
    name: str

    def __post_init__(self) -> None:
        # A display name is member-chosen too: one line, nothing hidden.
        object.__setattr__(self, "name", clean(self.name, single_line=True))


@dataclass(frozen=True, slots=True)
class ChannelLink:
    """A channel by its configured name or platform id."""

    channel: str


@dataclass(frozen=True, slots=True)
class MessageLink:
    """A link to one message (a question waiting for an answer), by its channel (configured
    name or platform id) and the platform's message id; where the platform has no link for a
    message, its channel."""

    channel: str
    message_id: str


@dataclass(frozen=True, slots=True)
class Timestamp:
    """A moment, shown relative ("in 3 days") where the platform can."""

    at: datetime


@dataclass(frozen=True, slots=True)
class CommandRef:
    """A command by its core name (`appeal resolve`): each platform spells it its own way
    (`/appeal-resolve` on Discord, `/hearth appeal resolve` with Slack's prefix command)."""

    name: str


Segment = Literal | UserText | Mention | ChannelLink | MessageLink | Timestamp | CommandRef

# `/appeal resolve 12` in template or help text: a slash at the start of a word, then up to
# three lowercase words (the longest that is a command wins; the rest stays as written).
_COMMAND_IN_TEXT = re.compile(r"(?<![\w/:.<])/([a-z][a-z0-9_-]*(?: [a-z][a-z0-9_-]*){0,2})")
Spelling = Callable[[str], str | None]


def spell_commands(text: str, spell: Spelling) -> str:
    """Every `/command` in `text` as the platform spells it; `spell` maps a core command name
    to the platform's form, or None for a name that is no command (left as written)."""
    def replace(m: re.Match[str]) -> str:
        words = m.group(1).split(" ")
        for n in range(len(words), 0, -1):
            spelt = spell(" ".join(words[:n]))
            if spelt is not None:
                return " ".join([spelt, *words[n:]])
        return m.group(0)

    return _COMMAND_IN_TEXT.sub(replace, text)


@dataclass(frozen=True, slots=True)
class Text:
    """A message: an ordered tuple of segments."""

    segments: tuple[Segment, ...] = ()

    @classmethod
    def of(cls, *parts: Segment | str) -> Text:
        """Build text; plain `str` parts are treated as template literals."""
        return cls(tuple(Literal(p) if isinstance(p, str) else p for p in parts))

    def __add__(self, other: Text) -> Text:
        return Text(self.segments + other.segments)

    def mentioned_user_ids(self) -> frozenset[str]:
        return frozenset(s.user_id for s in self.segments if isinstance(s, Mention))

    def plain(self) -> str:
        """Unformatted text, for logs and tests."""
        out = []
        for s in self.segments:
            if isinstance(s, Literal | UserText):
                out.append(s.text)
            elif isinstance(s, Mention):
                out.append(f"@{s.name}")
            elif isinstance(s, ChannelLink | MessageLink):
                out.append(f"#{s.channel.lstrip('#')}")
            elif isinstance(s, CommandRef):
                out.append(f"/{s.name}")
            else:
                out.append(s.at.isoformat())
        return "".join(out)

    @staticmethod
    def join(parts: list[Text], sep: str = "\n") -> Text:
        segments: list[Segment] = []
        for i, part in enumerate(parts):
            if i:
                segments.append(Literal(sep))
            segments.extend(part.segments)
        return Text(tuple(segments))


def split(content: str, limit: int, atoms: re.Pattern[str] | None = None) -> list[str]:
    """`content` in pieces of at most `limit` characters, cut at line breaks where possible,
    else at a space, and never inside a match of `atoms` (a platform's mentions and escape
    sequences, like Slack's `<@U1>` and `&amp;`)."""
    pieces: list[str] = []
    while len(content) > limit:
        cut = content.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = content.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        for m in atoms.finditer(content, max(0, cut - 200), cut + 200) if atoms else ():
            if m.start() < cut < m.end():
                cut = m.start()  # keep the token whole: it goes to the next piece
                break
        if cut <= 0:
            cut = limit  # a single token longer than a message: nothing better to do
        pieces.append(content[:cut])
        content = content[cut:]
        if content[:1] in ("\n", " "):
            content = content[1:]  # the break itself belongs to neither piece
    if content or not pieces:
        pieces.append(content)
    return pieces
