"""Neutral message text: segments that each adapter renders natively.

Mentions, channels and times stay tokens until an adapter renders them, and text a member or an
admin wrote is a separate segment kind, so rendering can escape it and nothing in it can ping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Literal:
    """Text from a template: formatting allowed, mass mentions still neutralised."""

    text: str


@dataclass(frozen=True, slots=True)
class UserText:
    """Text a member wrote (or a name they chose): always escaped, never pings."""

    text: str


@dataclass(frozen=True, slots=True)
class Mention:
    """A mention of one member the core chose; the only thing allowed to ping."""

    user_id: str
    name: str


@dataclass(frozen=True, slots=True)
class ChannelLink:
    """A channel by its configured name or platform id."""

    channel: str


@dataclass(frozen=True, slots=True)
class Timestamp:
    """A moment, shown relative ("in 3 days") where the platform can."""

    at: datetime


Segment = Literal | UserText | Mention | ChannelLink | Timestamp


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
            elif isinstance(s, ChannelLink):
                out.append(f"#{s.channel}")
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
