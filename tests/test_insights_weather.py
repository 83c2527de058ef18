"""Sentiment as weather: the chat-tuned analyser against plain VADER on chat lines written
for this test, and a channel's sudden dip raised to the team once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.actions import Post
from bot.events import MessagePosted
from cogs.insights.weather import SCORED_MAX, Analyser, label
from tests.harness import Harness

# (line, label) as a community manager would read the mood of each.
CORPUS = [
    ("thanks so much, that fixed it!", "positive"),
    ("ty! works now", "positive"),
    ("this community is the best ❤️", "positive"),
    ("congrats on the release 🎉", "positive"),
    ("gg everyone, great game tonight", "positive"),
    ("lgtm, ship it", "positive"),
    ("love the new glaze colours :heart_eyes:", "positive"),
    ("welcome aboard! glad you're here", "positive"),
    ("tysm for the quick answer", "positive"),
    ("haha that's brilliant 😂", "positive"),
    ("the workshop yesterday was amazing", "positive"),
    ("nice one, thanks for sharing", "positive"),
    ("happy friday all ☀️", "positive"),
    ("you're a lifesaver", "positive"),
    ("awesome, I'll try that tonight", "positive"),
    ("that's really kind of you", "positive"),
    ("this is so cool :tada:", "positive"),
    ("great tip, saved me hours", "positive"),
    ("I'm so excited for the meetup!", "positive"),
    ("beautiful work on the mural 👍", "positive"),
    ("❤️", "positive"),
    ("thx, appreciated", "positive"),
    ("ugh, this is so frustrating", "negative"),
    ("I hate how slow the site is today", "negative"),
    ("honestly this update is terrible", "negative"),
    ("stop spamming the channel, it's annoying", "negative"),
    ("that was a rude thing to say", "negative"),
    ("I'm really disappointed with how this was handled", "negative"),
    ("worst release ever", "negative"),
    ("this is a waste of time", "negative"),
    ("nobody ever answers here, feels pointless", "negative"),
    ("I'm sad the event got cancelled 😢", "negative"),
    ("so tired of the drama in here", "negative"),
    ("that's awful news", "negative"),
    ("meh, not impressed", "negative"),
    ("I'm angry about the price change", "negative"),
    ("this feels unfair to new members", "negative"),
    ("leaving, this place got toxic", "negative"),
    ("ugh I'm so bored", "negative"),
    ("that joke was offensive", "negative"),
    ("can someone help me with the install?", "neutral"),
    ("I have an issue with the login page", "neutral"),
    ("my build is broken after the update, any ideas?", "neutral"),
    ("getting an error when I run make test", "neutral"),
    ("found a bug in the export, where should I report it?", "neutral"),
    ("help, the kiln schedule won't load", "neutral"),
    ("I'm stuck on step 3 of the guide", "neutral"),
    ("the upload failed, is there a size limit?", "neutral"),
    ("quick question about the rules", "neutral"),
    ("problem with my account settings", "neutral"),
    ("the app crashes when I open settings", "neutral"),
    ("what time does the meetup start?", "neutral"),
    ("I'll be there at 7", "neutral"),
    ("the meeting moved to Thursday", "neutral"),
    ("posting the notes in the docs channel", "neutral"),
    ("anyone using the new API yet?", "neutral"),
    ("link is in the pinned message", "neutral"),
    ("ok", "neutral"),
    ("brb", "neutral"),
    ("the fix is in the latest version", "neutral"),
    ("how do I change my display name?", "neutral"),
    ("is the wrong channel for this? sorry", "neutral"),
    ("missing the config file, where does it go?", "neutral"),
    ("I'm confused by the second exercise", "neutral"),
]


def accuracy(score: Callable[[str], float]) -> float:
    return sum(label(score(line)) == want for line, want in CORPUS) / len(CORPUS)


def precision_recall(score: Callable[[str], float], kind: str) -> tuple[float, float]:
    """Of the lines read as `kind`, how many are; of the lines that are, how many were read."""
    read = [want for line, want in CORPUS if label(score(line)) == kind]
    wanted = [line for line, want in CORPUS if want == kind]
    hits = read.count(kind)
    return (hits / len(read) if read else 0.0), hits / len(wanted)


def test_the_chat_tuned_analyser_reads_chat_at_least_as_well_as_plain_vader() -> None:
    assert len(CORPUS) >= 60
    assert {want for _, want in CORPUS} == {"positive", "negative", "neutral"}
    analyser = Analyser()
    plain, chat = accuracy(analyser.plain), accuracy(analyser.score)
    print(f"\nsentiment accuracy on {len(CORPUS)} chat lines: plain VADER {plain:.0%}, "
          f"chat-tuned {chat:.0%}")
    print("| class | plain precision | plain recall | tuned precision | tuned recall |")
    for kind in ("positive", "negative", "neutral"):
        p0, r0 = precision_recall(analyser.plain, kind)
        p1, r1 = precision_recall(analyser.score, kind)
        print(f"| {kind} | {p0:.2f} | {r0:.2f} | {p1:.2f} | {r1:.2f} |")
    assert chat >= plain
    # A dip is raised on negative readings: the tuning must not buy accuracy by crying wolf.
    assert precision_recall(analyser.score, "negative")[0] >= \
        precision_recall(analyser.plain, "negative")[0]


def test_corrections_do_what_they_say() -> None:
    analyser = Analyser()
    # A heart with its emoji-presentation selector is still a heart.
    assert analyser.plain("❤️") == 0 and analyser.score("❤️") > 0
    # Asking for help is not a bad mood.
    assert analyser.plain("help, my build is broken") < 0
    assert label(analyser.score("help, my build is broken")) == "neutral"
    # Slack's and Discord's :short_names: read as the emoji they are.
    assert analyser.score("thanks :tada:") > analyser.score("thanks")


async def test_a_sudden_dip_in_a_channel_is_raised_to_the_team_once(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness("[insights]\nsentiment_every = \"1s\"\ndip_min_scored = 5\n").start()

    async def chat(lines: list[str], channel: str = "general") -> list[str]:
        out = []
        for i, line in enumerate(lines):
            await h.wait(timedelta(seconds=2))
            out.extend(p.text.plain() for p in await h.handle(MessagePosted(
                h.community, h.clock.now(), author=h.actor(f"m{i % 6}"), channel=channel,
                message_id=f"{channel}-{h.clock.now().timestamp()}", content=line,
                channel_name=channel)) if isinstance(p, Post))
        return out

    happy = [line for line, want in CORPUS if want == "positive"][:10]
    gloomy = [line for line, want in CORPUS if want == "negative"][:10]
    for _ in range(3):  # three good days
        await chat(happy)
        await h.wait(timedelta(days=1))
    await chat(gloomy)
    await chat(gloomy)
    await h.wait(timedelta(seconds=10))
    raised = [line for line in h.lines if "mood in #general reads lower today" in line]
    assert len(raised) == 1 and raised[0].startswith("[#mod-log]")
    # No member is named, and the heads-up isn't repeated the same day.
    assert not any(f"m{i}" in raised[0] for i in range(6))
    await chat(gloomy)
    await h.wait(timedelta(seconds=10))
    assert len([line for line in h.lines if "mood in #general reads lower" in line]) == 1
    await h.close()


def test_a_long_message_is_read_by_its_first_characters() -> None:
    analyser = Analyser()
    # A wall of text (a 40,000-character Slack message) is read as its first SCORED_MAX
    # characters: the mood of the start, and the event loop isn't held reading the rest.
    glad = "thanks so much, this is wonderful! " * 50
    wall = glad + "this is awful and I hate it. " * 3000
    assert len(glad) <= SCORED_MAX < len(wall)
    assert analyser.score(wall) == analyser.score(wall[:SCORED_MAX]) > 0
