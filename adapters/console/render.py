"""Rendering neutral Text for a terminal: names as @name, channels as #name, readable times."""

from __future__ import annotations

from datetime import datetime, tzinfo

from bot.durations import format_duration
from bot.text import ChannelLink, CommandRef, Literal, Mention, MessageLink, Text, UserText


def render(text: Text, now: datetime, tz: tzinfo) -> str:
    out = []
    for seg in text.segments:
        if isinstance(seg, Literal | UserText):
            out.append(seg.text)
        elif isinstance(seg, Mention):
            out.append(f"@{seg.name}")
        elif isinstance(seg, CommandRef):
            out.append(f"/{seg.name}")  # the console types commands by their core names
        elif isinstance(seg, ChannelLink):
            out.append(seg.channel if seg.channel.startswith("#") else f"#{seg.channel}")
        elif isinstance(seg, MessageLink):
            out.append(f"#{seg.channel.lstrip('#')} (message {seg.message_id})")
        else:
            out.append(when(seg.at, now, tz))
    return "".join(out)


def when(at: datetime, now: datetime, tz: tzinfo) -> str:
    """`in 3 days (2026-11-24 15:30 UTC)`: relative first, like Discord shows it."""
    delta = at - now
    relative = (f"in {format_duration(delta)}" if delta.total_seconds() > 0
                else f"{format_duration(-delta)} ago" if delta.total_seconds() < 0 else "now")
    local = at.astimezone(tz)
    # "in about a year (on 2027-12-01 ...)": a rounded span says which day it means.
    on = "on " if "about" in relative else ""
    return f"{relative} ({on}{local:%Y-%m-%d %H:%M} {local.tzname()})"
