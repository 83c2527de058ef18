"""Sentiment as weather: an offline analyser (VADER, whose lexicon ships in its package) tuned
for chat, and the rule for a channel's sudden dip. Scores are only ever averaged per channel
and day; nothing here knows who wrote what."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache, cached_property

import emoji
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

# Emoji presentation selectors and joiners: "❤️" is U+2764 U+FE0F, and VADER's emoji table
# has the bare U+2764, so the selector hides the heart from it.
_INVISIBLE = re.compile("[\ufe0e\ufe0f\u200d]")
# Slack and Discord write emoji as :name:, which the analyser would read as plain words.
_SHORTCODE = re.compile(r":[a-z0-9_+\-]+:")
# Asking for help is healthy: in a support channel these words describe the problem, not a
# mood, so the chat analyser reads them as neutral.
HELP_WORDS = ("help", "helps", "issue", "issues", "broken", "error", "errors", "bug", "bugs",
              "problem", "problems", "stuck", "fail", "failed", "failing", "fails", "crash",
              "crashed", "crashes", "wrong", "trouble", "question", "confused", "lost",
              "missing", "block", "blocked", "warning", "fix", "fixed")
# Chat words VADER doesn't know (valence on its -4..4 scale).
CHAT_WORDS: Mapping[str, float] = {"ty": 1.8, "thx": 1.8, "tysm": 2.5, "tyvm": 2.5, "gg": 1.5,
                                   "lgtm": 1.5, "congrats": 2.4, "pog": 2.0, "poggers": 2.0,
                                   "ily": 2.5, "ugh": -1.6, "meh": -0.8}


SCORED_MAX = 2_000  # characters of a message the mood reads (Discord's own limit)


@cache
def shared() -> Analyser:
    """One analyser for the process: it holds nothing of any community."""
    return Analyser()


class Analyser:
    """VADER as it ships (`plain`) beside the chat-tuned reading (`score`)."""

    def __init__(self) -> None:
        self._chat = SentimentIntensityAnalyzer()
        for word in HELP_WORDS:
            self._chat.lexicon.pop(word, None)
        self._chat.lexicon.update(CHAT_WORDS)

    @cached_property
    def _plain(self) -> SentimentIntensityAnalyzer:
        return SentimentIntensityAnalyzer()  # only for comparisons: loaded when asked

    def plain(self, text: str) -> float:
        """VADER's compound score (-1..1) for the text as it is."""
        return float(self._plain.polarity_scores(text)["compound"])

    def score(self, text: str) -> float:
        """The chat reading: emoji short names as glyphs, selectors removed, help words
        neutral. Only the first SCORED_MAX characters are read: VADER's cost grows faster
        than the text, and a 40,000-character Slack message would hold the event loop."""
        text = text[:SCORED_MAX]
        if ":" in text:
            text = _SHORTCODE.sub(lambda m: emoji.emojize(m.group(0), language="alias"), text)
        text = _INVISIBLE.sub("", text)
        return float(self._chat.polarity_scores(text)["compound"])


def label(score: float) -> str:
    """VADER's usual cut-offs: positive from 0.05, negative from -0.05."""
    if score >= 0.05:
        return "positive"
    if score <= -0.05:
        return "negative"
    return "neutral"


def sudden_dip(today: tuple[float, int], before: list[tuple[float, int]], drop: float,
               min_scored: int) -> bool:
    """A channel's day reads clearly lower than its recent days: enough messages scored today
    and on the days before, and the average fell by at least `drop`."""
    average, scored = today
    earlier = [(a, n) for a, n in before if n > 0]
    weight = sum(n for _, n in earlier)
    if scored < min_scored or weight < min_scored:
        return False
    baseline = sum(a * n for a, n in earlier) / weight
    return baseline - average >= drop
