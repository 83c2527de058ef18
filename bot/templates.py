"""Admin-written message templates, checked at load and rendered to neutral Text.

`Welcome {member}! Say hello in {channel:introductions}.` Fields are plain names: no attribute
or index access, no conversions, so a template can never reach into an object. Every value
substituted is treated as member-written text unless the cog passes a richer segment.
"""

from __future__ import annotations

import random
import string
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.durations import format_duration
from bot.text import (
    ChannelLink,
    CommandRef,
    Literal,
    Mention,
    MessageLink,
    Segment,
    Text,
    Timestamp,
    UserText,
)

_FORMATTER = string.Formatter()


class TemplateError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Template:
    source: str
    # (literal text, field name or None, channel key for {channel:KEY} or None)
    parts: tuple[tuple[str, str | None, str | None], ...]

    @property
    def channels(self) -> frozenset[str]:
        return frozenset(c for _, f, c in self.parts if f == "channel" and c)

    def render(self, channels: Mapping[str, str] | None = None, **values: Any) -> Text:
        segments: list[Segment] = []
        for literal, name, spec in self.parts:
            if literal:
                segments.append(Literal(literal))
            if name is None:
                continue
            if name == "channel":
                key = spec or ""
                segments.append(ChannelLink((channels or {}).get(key, key)))
            else:
                segments.extend(_segments(values.get(name, "")))
        return Text(tuple(segments))


def counted(n: int, one: str, many: str) -> str:
    """A count with its noun ("1 entry", "3 entries"), so templates never say "1 entries"."""
    return f"{n:,} {one if n == 1 else many}"


def _segments(value: Any) -> tuple[Segment, ...]:
    if isinstance(value, Text):
        return value.segments
    if isinstance(value, Literal | UserText | Mention | ChannelLink | MessageLink | Timestamp
                  | CommandRef):
        return (value,)
    if isinstance(value, datetime):
        return (Timestamp(value),)
    if isinstance(value, timedelta):
        return (Literal(format_duration(value)),)
    if isinstance(value, int | float):
        return (Literal(f"{value:,}" if isinstance(value, int) else f"{value:g}"),)
    return (UserText(str(value)),)


def compile_template(source: str, fields: Collection[str]) -> Template:
    """Compile one template; raises TemplateError naming the problem and the valid fields."""
    allowed = set(fields)
    parts: list[tuple[str, str | None, str | None]] = []
    try:
        parsed = list(_FORMATTER.parse(source))
    except ValueError as exc:
        raise TemplateError(f"{exc} (write {{{{ or }}}} for a literal brace)") from None
    for literal, name, spec, conversion in parsed:
        if name is None:
            parts.append((literal, None, None))
            continue
        suffix = (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        shown = "{" + name + suffix + "}"
        if not name.isidentifier():
            raise TemplateError(f"{shown} is not allowed: fields are plain names like {{member}}")
        if conversion:
            raise TemplateError(f"{shown}: conversions like !r are not supported")
        if name == "channel" and "channel" in allowed:
            if not spec:
                raise TemplateError("{channel} needs a channel key, like {channel:introductions}")
            parts.append((literal, name, spec))
            continue
        if name not in allowed:
            raise TemplateError(f"unknown field {shown}; available: {_describe(allowed)}")
        if spec:
            raise TemplateError(f"{shown}: format options are not supported")
        parts.append((literal, name, None))
    return Template(source, tuple(parts))


def _describe(fields: Collection[str]) -> str:
    shown = sorted("{channel:KEY}" if f == "channel" else "{" + f + "}" for f in fields)
    return ", ".join(shown) if shown else "none"


@dataclass(frozen=True, slots=True)
class Variants:
    """One message with one or more wordings; the bot picks one so it doesn't sound canned."""

    templates: tuple[Template, ...]

    def pick(self, rng: random.Random) -> Template:
        if len(self.templates) == 1:
            return self.templates[0]
        return rng.choice(self.templates)

    def render(self, rng: random.Random, channels: Mapping[str, str] | None = None,
               **values: Any) -> Text:
        return self.pick(rng).render(channels, **values)

    @property
    def channels(self) -> frozenset[str]:
        return frozenset().union(*(t.channels for t in self.templates))
