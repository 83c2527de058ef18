"""Neutral Text -> Discord markdown, plus the exact AllowedMentions that message may use.

Only Mention segments may ping, and only the members they name: every message goes out with
`AllowedMentions(everyone=False, roles=False, users=[those members], replied_user=False)`.
Member-written text is escaped (mentions and markdown); template text keeps its formatting but
`@everyone` / `@here` are neutralised there too, so even a careless template can't shout.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import discord

from bot.text import (
    ChannelLink,
    CommandRef,
    Literal,
    Mention,
    MessageLink,
    Spelling,
    Text,
    Timestamp,
    UserText,
    spell_commands,
)

# Discord refuses message content above this many characters.
MAX_CONTENT = 2000
_ZWSP = "\u200b"
# Case-insensitive: clients differ, and a zero-width space costs nothing.
_MASS = re.compile(r"@(everyone|here)", re.IGNORECASE)
_ID = re.compile(r"^\d{1,20}$")

ChannelResolver = Callable[[str], int | None]


@dataclass(frozen=True, slots=True)
class Rendered:
    content: str
    allowed_mentions: discord.AllowedMentions
    user_ids: tuple[int, ...]


def allowed(user_ids: tuple[int, ...] = ()) -> discord.AllowedMentions:
    """Ping exactly these users: never everyone/here, never a role, never a replied-to author."""
    return discord.AllowedMentions(
        everyone=False, roles=False, replied_user=False,
        users=[discord.Object(uid) for uid in user_ids])


def neutralise(text: str) -> str:
    """Break `@everyone` / `@here` so they show but can't ping (template text)."""
    return _MASS.sub(lambda m: f"@{_ZWSP}{m.group(1)}", text)


# Every character Discord's markdown gives a meaning to anywhere in a line. Escaping each one
# (not only the first masked link on a line, as discord.utils.escape_markdown does) keeps
# member text literal wherever a template places it: `>>>` can't open a block quote, two
# `[x](url)` can't both become links.
_MARKDOWN = re.compile(r"([\\*_~`|>\[\]<])")
# Markup that only counts at the start of a line: headings, subtext, lists.
_LINE_START = re.compile(r"^([ \t]*)(#|-|\+|\d+(?=\.))", re.MULTILINE)
_URL = re.compile(r"https?://[^\s<>]+")


def escape_markdown(text: str) -> str:
    """Member text shown literally; bare links stay clickable (markdown never acts in them)."""
    out: list[str] = []
    last = 0
    for url in _URL.finditer(text):
        out.append(_escape_plain(text[last:url.start()]))
        out.append(url.group(0))
        last = url.end()
    out.append(_escape_plain(text[last:]))
    return "".join(out)


def _escape_plain(text: str) -> str:
    text = _MARKDOWN.sub(r"\\\1", text)
    return _LINE_START.sub(_escape_line_start, text)


def _escape_line_start(m: re.Match[str]) -> str:
    mark = m.group(2)
    # A list number keeps its digits; the dot after it is what Discord reads as a list.
    return f"{m.group(1)}{mark}\\" if mark[0].isdigit() else f"{m.group(1)}\\{mark}"


def escape_user_text(text: str) -> str:
    """Text a member wrote: no pings of any kind, no markdown tricks."""
    return escape_markdown(neutralise(discord.utils.escape_mentions(text)))


def render(text: Text, channel_id: ChannelResolver | None = None,
           spell: Spelling = lambda _: None, guild_id: int | None = None) -> Rendered:
    """Render for one guild; `channel_id` turns configured channel names into ids, `spell`
    core command names into Discord's (`appeal resolve` -> `/appeal-resolve`), `guild_id`
    makes message links."""
    out: list[str] = []
    # Where member-written text landed, so a mention formed across segments (a template's
    # "<@" before a member's "&123>", or "@" before "everyone") is broken as well.
    written: list[tuple[int, int]] = []
    size = 0
    users: list[int] = []

    def add(piece: str, *, member: bool = False) -> None:
        nonlocal size
        out.append(piece)
        if member and piece:
            written.append((size, size + len(piece)))
        size += len(piece)

    for seg in text.segments:
        if isinstance(seg, Literal):
            add(neutralise(spell_commands(seg.text, spell)))
        elif isinstance(seg, CommandRef):
            add(spell(seg.name) or f"/{seg.name}")
        elif isinstance(seg, UserText):
            add(escape_user_text(seg.text), member=True)
        elif isinstance(seg, Mention):
            if _ID.match(seg.user_id):
                uid = int(seg.user_id)
                add(f"<@{uid}>")
                if uid not in users:
                    users.append(uid)
            else:  # not a Discord id (e.g. a name typed in the console): show, never ping
                add("@" + escape_user_text(seg.name), member=True)
        elif isinstance(seg, ChannelLink):
            add(_channel(seg.channel, channel_id), member=True)
        elif isinstance(seg, MessageLink):
            add(_message_link(seg, channel_id, guild_id), member=True)
        elif isinstance(seg, Timestamp):
            unix = int(seg.at.timestamp())
            add(f"<t:{unix}:R> (<t:{unix}:f>)")
    ids = tuple(users)
    return Rendered(_break_formed("".join(out), written), allowed(ids), ids)


def _message_link(seg: MessageLink, channel_id: ChannelResolver | None,
                  guild_id: int | None) -> str:
    """Discord's message URL (a forum post's thread has the post's id); the channel when the
    guild or channel isn't known."""
    name = seg.channel.lstrip("#")
    found = name if name.isdigit() else (channel_id(name) if channel_id else None)
    if guild_id is None or found is None or not seg.message_id.isdigit():
        return _channel(seg.channel, channel_id)
    return f"https://discord.com/channels/{guild_id}/{found}/{seg.message_id}"


# A user or role mention of any length (escape_mentions only breaks 17-20 digit ids).
_FORMED = re.compile(r"<@[!&]?\d+>?|@(?:everyone|here)", re.IGNORECASE)


def _break_formed(content: str, written: list[tuple[int, int]]) -> str:
    """Insert a zero-width space into every mention that member text took part in."""
    if not written:
        return content
    cuts = [m.start() + 1 for m in _FORMED.finditer(content)
            if any(a < m.end() and m.start() < b for a, b in written)]
    for cut in reversed(cuts):
        content = content[:cut] + _ZWSP + content[cut:]
    return content


def _channel(ref: str, channel_id: ChannelResolver | None) -> str:
    name = ref.strip().removeprefix("#")
    if _ID.match(name):
        return f"<#{name}>"
    found = channel_id(name) if channel_id else None
    if found is not None:
        return f"<#{found}>"
    return "#" + escape_user_text(name)


def chunks(content: str, limit: int = MAX_CONTENT) -> Iterator[str]:
    """Split long content into messages Discord accepts, at line breaks where possible."""
    if not content:
        yield "\u200b"  # Discord rejects empty content; an empty template still says something
        return
    while len(content) > limit:
        cut = content.rfind("\n", 0, limit)
        if cut <= 0:
            cut = content.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        yield content[:cut]
        content = content[cut:].lstrip("\n")
    if content:
        yield content
