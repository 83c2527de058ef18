"""One spelling for a reaction emoji, whichever platform it came from.

Discord sends the glyph (`🙏`, `🙏🏽`, with or without U+FE0F); Slack sends a name (`pray`,
`pray::skin-tone-4`). `canonical` turns either into the bare glyph, so one config value
(`thank_reactions = ["🙏"]`, or `"pray"`) matches both. Names go through the `emoji` package's
alias table (GitHub/Slack short names, kept up to date with Unicode) instead of a table of our own.
Custom emoji (a Slack `:partyparrot:`, a Discord server emoji by name) have no glyph and keep
their name.
"""

from __future__ import annotations

import re

import emoji as emoji_data

# Skin-tone modifiers (U+1F3FB-U+1F3FF) and the text/emoji variation selectors.
_VARIANTS = re.compile("[\U0001f3fb-\U0001f3ff\ufe0e\ufe0f]")
_SLACK_SKIN_TONE = re.compile(r"::skin-tone-\d$")


def canonical(value: str) -> str:
    """The bare glyph for a glyph or a short name (`pray`, `:pray:`); unknown names as written."""
    value = value.strip()
    name = _SLACK_SKIN_TONE.sub("", value.strip(":")) if value.isascii() else ""
    if name:
        glyph = emoji_data.emojize(f":{name}:", language="alias")
        if glyph == f":{name}:":
            return name  # a custom emoji: only its name identifies it
        value = glyph
    return _VARIANTS.sub("", value)

