"""The FAQ matcher on labelled question pairs written for it: paraphrases that should match, and
pairs that must not (same words with another meaning, negation, a different thing asked).

The threshold in `[questions.faq] threshold` is chosen here: the lowest score at which the
matcher still makes almost no wrong suggestion (a wrong suggestion costs the asker's trust; a
missed one costs nothing, someone answers). Run with -s to print the table.
"""

from __future__ import annotations

import pytest

from cogs.questions.faq import best, similarity
from cogs.questions.settings import FaqSettings

# (question, another question, do they ask the same thing?)
PAIRS: list[tuple[str, str, bool]] = [
    # -- paraphrases that should match --------------------------------------------------
    ("How do I reset my password?", "how can i reset my password", True),
    ("How do I reset my password?", "I forgot my password, how do I reset it?", True),
    ("Where can I find the rules?", "where are the server rules?", True),
    ("How do I change my nickname?", "how can I change my nickname on this server", True),
    ("How do I get the artist role?", "how can I get the Artist role?", True),
    ("When is the next movie night?", "when's the next movie night happening?", True),
    ("How do I link my GitHub account?", "linking my github account, how?", True),
    ("Is there a dark mode?", "does the app have a dark mode?", True),
    ("How do I turn off notifications?", "how to turn off notifications for this channel", True),
    ("Can I post my own art here?", "am I allowed to post my own art here?", True),
    ("How do I report a bug?", "where do I report bugs?", True),
    ("How do I install the plugin on Windows?", "installing the plugin on windows", True),
    ("What time zone are events in?", "which time zone are the events in?", True),
    ("How do I join the voice chat?", "how can I join voice chat", True),
    ("How do I export my data?", "how can I export all my data", True),
    ("How do I cancel my subscription?", "I want to cancel my subscription, how?", True),
    ("How do I upgrade to the latest version?", "how to upgrade to latest version", True),
    ("Where do I download the mobile app?", "where can I download the app for mobile", True),
    ("How do I enter the art contest?", "how do I enter the contest for art?", True),
    ("How do I change my email address?", "changing the email address on my account", True),
    ("How do I delete my account?", "how can I delete my account permanently?", True),
    ("Can I use the API for free?", "is the API free to use?", True),
    ("How do I set up two-factor authentication?",
     "how to set up two factor authentication on my account", True),
    ("How do I mute someone?", "how can I mute a member who keeps pinging me", True),
    ("The build fails with a missing dependency error",
     "build fails: missing dependency error, help", True),
    ("How do I invite a friend to the server?", "how can I invite my friend to this server?",
     True),
    ("What's the difference between the free and pro plans?",
     "difference between free plan and pro plan?", True),
    ("How do I connect Spotify?", "spotify connection, how do I connect it?", True),
    # -- same words, another question ---------------------------------------------------
    ("How do I reset my password?", "How do I reset my server settings?", False),
    ("How do I get the artist role?", "How do I remove the artist role?", False),
    ("When is the next movie night?", "What movie are we watching at movie night?", False),
    ("How do I ban a member?", "Why was I banned?", False),
    ("How do I change my nickname?", "How do I change my avatar?", False),
    ("How do I join the voice chat?", "How do I leave the voice chat?", False),
    ("Where do I download the mobile app?", "Where do I download the desktop app?", False),
    ("How do I install the plugin on Windows?", "How do I install the plugin on Mac?", False),
    ("How do I export my data?", "How do I import my data?", False),
    ("How do I upgrade to the latest version?", "How do I downgrade to an older version?",
     False),
    ("How do I enter the art contest?", "Who won the art contest?", False),
    ("Can I use the API for free?", "What are the API rate limits?", False),
    ("How do I delete my account?", "How do I delete a message?", False),
    ("How do I connect Spotify?", "How do I connect Twitch?", False),
    ("Is there a dark mode?", "Is there a mobile app?", False),
    ("How do I report a bug?", "How do I report a member?", False),
    ("How do I create a channel?", "How do I delete a channel?", False),
    ("What time does the stream start?", "What game does the stream play?", False),
    # -- negation ------------------------------------------------------------------------
    ("How do I log in?", "I can't log in", False),
    ("How do I turn on notifications?", "I don't get notifications", False),
    ("Can I post links here?", "Why can't I post links here?", False),
    ("How do I verify my account?", "My account is not verified even though I clicked the link",
     False),
    ("How do I join the voice chat?", "I can't join the voice chat", False),
    ("Does the bot work on Slack?", "The bot doesn't work on Slack", False),
    ("I can't log in", "why can't I log in?", True),
    ("My notifications stopped working", "notifications not working anymore", True),
    # -- something else entirely -----------------------------------------------------------
    ("How do I reset my password?", "When is the next movie night?", False),
    ("Where can I find the rules?", "How do I change my nickname?", False),
    ("How do I cancel my subscription?", "How do I get the artist role?", False),
    ("Is there a dark mode?", "Where do I report bugs?", False),
    ("Help", "How do I reset my password?", False),
    ("?", "Where can I find the rules?", False),
    ("How does reputation work?", "How do badges work?", False),
    ("What are the server rules about self-promotion?",
     "Can I promote my YouTube channel here?", False),
]


def table(threshold: float) -> tuple[int, int, int, int]:
    """True positives, false positives, false negatives, true negatives at a threshold."""
    tp = fp = fn = tn = 0
    for left, right, same in PAIRS:
        said = similarity(left, right) >= threshold
        tp += said and same
        fp += said and not same
        fn += not said and same
        tn += not said and not same
    return tp, fp, fn, tn


def test_the_corpus_is_big_enough_and_balanced() -> None:
    assert len(PAIRS) >= 50
    same = sum(1 for *_, s in PAIRS if s)
    assert 20 <= same <= len(PAIRS) - 20


def test_the_configured_threshold_is_precise_and_still_finds_most_matches() -> None:
    threshold = FaqSettings().threshold
    tp, fp, fn, tn = table(threshold)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"\nthreshold {threshold}: {tp} right, {fp} wrong, {fn} missed, {tn} rightly left "
          f"alone; precision {precision:.2f}, recall {recall:.2f}")
    for t in range(50, 95, 5):
        a, b, c, _ = table(t)
        print(f"  at {t}: precision {a / max(1, a + b):.2f}, recall {a / max(1, a + c):.2f}")
    assert precision >= 0.95
    assert recall >= 0.8


@pytest.mark.parametrize(("left", "right"), [
    ("How do I log in?", "I can't log in"),
    ("How do I get the artist role?", "How do I remove the artist role?"),
    ("How do I ban a member?", "Why was I banned?"),
])
def test_the_tricky_pairs_fall_below_the_threshold(left: str, right: str) -> None:
    assert similarity(left, right) < FaqSettings().threshold


def test_the_closest_entry_above_the_threshold_wins_and_nothing_below_does() -> None:
    pool = [("rules", "Where can I find the rules?"),
            ("password", "How do I reset my password?"),
            ("art", "Can I post my own art here?")]
    found = best("forgot my password, how do I reset it", pool, FaqSettings().threshold)
    assert found is not None and found[0] == "password"
    assert best("When is the next movie night?", pool, FaqSettings().threshold) is None
    assert best("", pool, 0.1) is None
