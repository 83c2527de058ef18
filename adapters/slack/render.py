"""Neutral Text -> Slack mrkdwn.

Everything that is not a token the core chose (a Mention, a channel, a time) is escaped, so no
template or member text can form `<!channel>`, `<!here>`, `<!everyone>`, `<@U..>` or a link.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import tzinfo

from bot.text import ChannelLink, Literal, Mention, Text, Timestamp, UserText

_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


def escape(text: str) -> str:
    """Slack's three control characters; after this, `<` can't open a mention or a command."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def literal(text: str) -> str:
    """Template text: escaped, then the markdown admins write turned into mrkdwn."""
    # Templates write **bold**, often around a field (`**{title}**`), so a pair can span
    # segments: each doubled star becomes Slack's single one on its own.
    out = escape(text).replace("**", "*")
    # The URL was escaped with the rest; a link's parts can't contain `<`, `>` or `|` now.
    return _LINK.sub(lambda m: f"<{m.group(2).replace('|', '%7C')}|{m.group(1)}>", out)


def is_channel_id(value: str) -> bool:
    return bool(_CHANNEL_ID.match(value))


def render(text: Text, tz: tzinfo, channel_id: Callable[[str], str | None] = lambda _: None
           ) -> str:
    """mrkdwn for `text`; `channel_id` maps a configured channel name to its id when known."""
    out: list[str] = []
    for seg in text.segments:
        if isinstance(seg, Literal):
            out.append(literal(seg.text))
        elif isinstance(seg, UserText):
            out.append(escape(seg.text))
        elif isinstance(seg, Mention):
            out.append(f"<@{seg.user_id}>" if seg.user_id else escape(f"@{seg.name}"))
        elif isinstance(seg, ChannelLink):
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
