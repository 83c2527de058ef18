"""Neutral Text -> Slack mrkdwn.

Everything that is not a token the core chose (a Mention, a channel, a time) is escaped, so no
template or member text can form `<!channel>`, `<!here>`, `<!everyone>`, `<@U..>` or a link.
mrkdwn has no escape for its formatting characters, so in member text they are swapped for
look-alikes that Slack doesn't read as markup (`*bold*` -> `∗bold∗`, a leading `>` -> `＞`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import tzinfo

from adapters.slack.markup import member_names
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
    split,
)

# Slack truncates message text past this many characters.
MAX_TEXT = 40_000
# A file's comment travels in the request's URL (slack_sdk sends files.completeUploadExternal's
# arguments as query parameters; servers refuse request lines past about 8 KB, and an
# emoji-rich comment triples in URL encoding), so it stays short and the rest follows it.
FILE_COMMENT_MAX = 1_500
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
# What a piece must never be cut inside: an entity, or anything in angle brackets.
_ATOMS = re.compile(r"&[a-z]+;|<[^<>\n]*>")
# mrkdwn's formatting characters; `_` only where it could open or close italics.
_FORMATTING = {"*": "\u2217", "~": "\u223c", "`": "\u02cb", "_": "\u02cd"}
_FORMATS = re.compile(r"[*~`]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_QUOTE = re.compile(r"^&gt;", re.MULTILINE)


def escape(text: str) -> str:
    """Slack's three control characters; after this, `<` can't open a mention or a command."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def member_text(text: str, user_name: Callable[[str], str | None] = lambda _: None) -> str:
    """What a member wrote: shown as written, never a ping, a link or formatting."""
    text = member_names(text, user_name)
    out = _FORMATS.sub(lambda m: _FORMATTING[m.group(0)], escape(text))
    return _QUOTE.sub("\uff1e", out)


def literal(text: str, spell: Spelling = lambda _: None) -> str:
    """Template text: escaped, then the markdown admins write turned into mrkdwn, and the
    commands it names spelt the way this workspace types them."""
    # Templates write **bold**, often around a field (`**{title}**`), so a pair can span
    # segments: each doubled star becomes Slack's single one on its own.
    out = spell_commands(escape(text), spell).replace("**", "*")
    # The URL was escaped with the rest; a link's parts can't contain `<`, `>` or `|` now.
    return _LINK.sub(lambda m: f"<{m.group(2).replace('|', '%7C')}|{m.group(1)}>", out)


def is_channel_id(value: str) -> bool:
    return bool(_CHANNEL_ID.match(value))


def render(text: Text, tz: tzinfo, channel_id: Callable[[str], str | None] = lambda _: None,
           *, user_name: Callable[[str], str | None] = lambda _: None,
           spell: Spelling = lambda _: None) -> str:
    """mrkdwn for `text`; `channel_id` maps a configured channel name to its id when known,
    `user_name` names members in member text, `spell` is how a command is typed here."""
    out: list[str] = []
    for seg in text.segments:
        if isinstance(seg, Literal):
            out.append(literal(seg.text, spell))
        elif isinstance(seg, UserText):
            out.append(member_text(seg.text, user_name))
        elif isinstance(seg, CommandRef):
            out.append(escape(spell(seg.name) or f"/{seg.name}"))
        elif isinstance(seg, Mention):
            out.append(f"<@{seg.user_id}>" if seg.user_id else escape(f"@{seg.name}"))
        elif isinstance(seg, ChannelLink | MessageLink):
            # A message's permalink needs chat.getPermalink (not wired yet): its channel.
            name = seg.channel.lstrip("#")
            found = name if is_channel_id(name) else channel_id(name)
            out.append(f"<#{found}>" if found else escape(f"#{name}"))
        elif isinstance(seg, Timestamp):
            out.append(timestamp(seg, tz))
    return "".join(out)


def timestamp(seg: Timestamp, tz: tzinfo) -> str:
    """Slack shows this in each reader's own timezone; the fallback is the community's."""
    local = seg.at.astimezone(tz)
    fallback = escape(f"{local:%Y-%m-%d %H:%M} {local.tzname()}").replace("|", "/")
    return f"<!date^{int(seg.at.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def pieces(mrkdwn: str) -> list[str]:
    """Messages Slack shows whole: at most MAX_TEXT characters, cut at line breaks, never
    inside an entity or a `<...>` token."""
    return split(mrkdwn, MAX_TEXT, _ATOMS)


def file_pieces(mrkdwn: str) -> tuple[str, list[str]]:
    """A file's comment (its first lines, up to FILE_COMMENT_MAX characters) and the messages
    that continue it."""
    comment, *rest = split(mrkdwn, FILE_COMMENT_MAX, _ATOMS)
    return comment, pieces("\n".join(rest)) if rest else []


def spelling(names: Callable[[], Iterable[str]], prefix: str | None) -> Spelling:
    """How members type a command here: `/contest enter`, or `/hearth contest enter` when every
    command goes through one prefix command. Names that are no command (nor a group of them)
    give None."""
    def spell(name: str) -> str | None:
        known = set(names())
        if name not in known and not any(n.startswith(f"{name} ") for n in known):
            return None
        return f"/{prefix} {name}" if prefix else f"/{name}"

    return spell
