"""Slack's inbound markup -> neutral text, once, at the edge.

Slack escapes `&`, `<` and `>` in what members write and wraps the things it recognised in angle
brackets: `<@U123>` / `<@U123|name>` (members), `<#C123|name>` (channels), `<https://x|label>`
(links), `<!here>` and `<!subteam^S1|@team>` (special mentions). Messages, message shortcuts
and slash-command text arrive this way; modal values (`view.state.values`) arrive raw and must not
go through here. Member mentions stay `<@U123>`: that is the core's member token (its parser and
thanks-in-a-message read it); everything else becomes the plain text a person would read.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_WRAPPED = re.compile(r"<([^<>]*)>")
_MEMBER_TOKEN = re.compile(r"<@([UW][A-Z0-9]+)>")


def decode(text: str, channel_name: Callable[[str], str | None] = lambda _: None) -> str:
    """Neutral text for `text` as Slack sent it; `channel_name` names a bare `<#C123>`."""
    return unescape(_WRAPPED.sub(lambda m: _unwrap(m.group(1), channel_name), text or ""))


def unescape(text: str) -> str:
    # `&amp;` last, so a member's literal "&lt;" (sent as "&amp;lt;") stays "&lt;".
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _unwrap(inner: str, channel_name: Callable[[str], str | None]) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        # The label is whatever name Slack had then; the id is what identifies the member.
        return f"<{target}>"
    if target.startswith("#"):
        name = label or channel_name(target[1:]) or target[1:]
        return f"#{name.lstrip('#')}"
    if target.startswith("!"):
        # <!here>, <!channel>, <!everyone>, <!subteam^S1|@team>, <!date^...|fallback>
        word = target[1:].split("^", 1)[0]
        return label or f"@{word}"
    # A link: the URL itself, which is what the member pasted (mailto: shows the address).
    return label if target.startswith("mailto:") and label else target


def member_ids(text: str) -> set[str]:
    return set(_MEMBER_TOKEN.findall(text))


def member_names(text: str, name: Callable[[str], str | None]) -> str:
    """Member tokens as `@name` for text that is shown, not parsed (unknown ids stay tokens)."""
    return _MEMBER_TOKEN.sub(lambda m: f"@{name(m.group(1)) or m.group(1)}", text)
