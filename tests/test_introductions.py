"""Introductions: /introduce, posts in the channel, /whois and the reminder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.actions import EditPost, Emit, Post, Respond
from bot.commands import CommandKind
from bot.config import ConfigError
from tests.harness import Harness, config_from, texts

INTRO = '/introduce name:"Bobby" pronouns:"he/him" about:"I make pots and love tea."'


async def test_introduce_posts_welcomes_and_earns_the_first_badge(hearth: Harness) -> None:
    await hearth.join("bob")
    actions = await hearth.command("bob", INTRO)
    posts = [a for a in actions if isinstance(a, Post)]
    assert posts[0].channel == "introductions" and posts[0].key == "introduction:bob"
    assert "**About you:** I make pots and love tea." in posts[0].text.plain()
    assert "Bobby" in posts[1].text.plain()  # the welcome uses the name they asked for
    assert any(isinstance(a, Respond) and "Your introduction is now in" in a.text.plain()
               for a in actions)
    assert not any(isinstance(a, Emit) for a in actions)  # expanded by the runtime
    assert any("Hello There" in t for t in texts(actions))


async def test_introduce_again_edits_the_same_post_and_keeps_other_answers(
        hearth: Harness) -> None:
    await hearth.join("bob")
    await hearth.feed(f"bob> {INTRO}")
    lines = await hearth.feed('bob> /introduce about:"Pots, tea, and now bread too."')
    assert lines[0].startswith("[#introductions] Hearth (edited): Please say hello to @bob!")
    assert "**Name to use:** Bobby" in lines[0]
    assert "bread" in lines[0] and "love tea" not in lines[0]
    assert lines[1] == ("[to bob only] Thanks, Bobby: your introduction in #introductions "
                        "is updated.")
    assert not any("Hello There" in line for line in lines)  # the badge came once


async def test_a_member_who_leaves_keeps_their_introduction(hearth: Harness) -> None:
    await hearth.join("bob")
    await hearth.feed(f"bob> {INTRO}")
    await hearth.leave("bob")
    await hearth.wait(timedelta(days=40))
    await hearth.join("bob")
    lines = await hearth.feed('bob> /introduce about:"Back again, still making pots."')
    assert lines[0].startswith("[#introductions] Hearth (edited):")
    assert "welcome" not in " ".join(lines[1:]).lower()


async def test_missing_required_field_changes_nothing(hearth: Harness) -> None:
    await hearth.join("bob")
    actions = await hearth.command("bob", '/introduce name:"Bobby"')
    assert texts(actions)[0].startswith("Please include **about**")
    whois = texts(await hearth.command("alice", "/whois @bob"))[0]
    assert "hasn't introduced themselves yet" in whois


async def test_first_message_in_the_channel_counts_as_the_introduction(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness().start()
    await h.join("dave")
    assert await h.say("dave", "hi!", channel="introductions") == []  # too short: just chat
    actions = await h.say("dave", "Hi all! I'm Dave; I love raku firing and long walks.",
                          channel="introductions")
    assert [a.channel for a in actions if isinstance(a, Post)] == ["introductions",
                                                                   "announcements"]
    assert "dave" in texts(actions)[0]
    again = await h.say("dave", "Also, I have a very friendly dog named Clay.",
                        channel="introductions")
    assert again == []
    whois = texts(await h.command("erin", "/whois @dave"))[0]
    assert "raku firing" in whois and "Hello There" in whois
    await h.close()

    off = await make_harness("[introductions]\ncount_channel_messages = false").start()
    await off.join("dave")
    assert await off.say("dave", "Hi all! I'm Dave; I love raku firing.",
                         channel="introductions") == []
    await off.close()


async def test_whois_shows_introduction_badges_reputation_and_tenure(hearth: Harness) -> None:
    await hearth.join("bob")
    await hearth.join("alice")
    await hearth.feed(f"bob> {INTRO}")
    await hearth.wait(timedelta(days=3))
    await hearth.command("alice", "/thanks @bob")
    text = texts(await hearth.command("alice", "/whois @bob"))[0]
    assert text.startswith("**Bobby** has been a member for 3 days. Reputation: 1.")
    assert "Badges: Hello There" in text and "**Pronouns:** he/him" in text


REMINDER = "[introductions]\nreminder = true\nreminder_after = \"3d\""


async def test_reminder_survives_a_restart_and_is_sent_once(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness(REMINDER).start()
    await h.join("quiet")
    await h.join("chatty")
    await h.join("gone")
    await h.feed('chatty> /introduce about:"I talk a lot, sorry in advance!"')
    await h.leave("gone")
    await h.restart()
    lines = await h.wait(timedelta(days=3))
    reminders = [line for line in lines if "gentle note" in line]
    assert len(reminders) == 1 and reminders[0].startswith("[DM to quiet] Hi quiet!")
    assert not any("gentle note" in line for line in await h.wait(timedelta(days=10)))
    await h.close()


async def test_reminder_is_off_by_default(hearth: Harness) -> None:
    await hearth.join("quiet")
    assert not any("gentle note" in line for line in await hearth.wait(timedelta(days=30)))


@pytest.mark.parametrize(("toml", "problem"), [
    ("[[introductions.fields]]\nname = \"about\"\nlabel = \"About\"",
     "introductions.fields: Value error, at least one field must be required"),
    ("[[introductions.fields]]\nname = \"about me\"\nlabel = \"About\"\nrequired = true",
     "introductions.fields[0].name: must be a plain name"),
])
def test_bad_form_config_is_reported_with_its_key(toml: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        config_from(toml)
    assert any(p.startswith(problem.replace("Value error, ", "")) for p in info.value.problems), \
        info.value.problems


async def test_form_is_built_from_the_configured_fields(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness("[[introductions.fields]]\nname = \"hello\"\n"
                           "label = \"Say hello\"\nrequired = true\nlong = true").start()
    spec = h.runtime.commands["introduce"].spec
    assert spec.kind is CommandKind.FORM
    assert [(o.name, o.required, o.long, o.label) for o in spec.options] == [
        ("hello", True, True, "Say hello")]
    lines = await h.feed('bob> /introduce hello:"Hi, I am Bob."')
    assert "**Say hello:** Hi, I am Bob." in lines[0]
    await h.close()


async def test_edit_post_carries_the_original_message(hearth: Harness) -> None:
    await hearth.join("bob")
    await hearth.feed(f"bob> {INTRO}")
    actions = await hearth.command("bob", '/introduce about:"New words."')
    edit = next(a for a in actions if isinstance(a, EditPost))
    assert edit.key == "introduction:bob"
