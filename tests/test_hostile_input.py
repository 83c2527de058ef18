"""Oversized and hostile input: refused with a clear message and nothing stored, or cleaned
before it is stored or posted. Never a broken post."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.actions import Action, DirectMessage, Post, Respond
from bot.commands import CommandSpec, OptionType
from tests.harness import Harness, texts

HIDDEN = "\u202e\u202a\u2066\u2069\x00\x07\x1b[31m\x7f\u0085"
BIDI_AND_CONTROL = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069") | {
    chr(c) for c in range(32) if chr(c) not in "\n\t"} | {"\x7f"}


def hidden_in(text: str) -> set[str]:
    return set(text) & BIDI_AND_CONTROL


@pytest.fixture
async def h(make_harness: Callable[..., Harness]) -> AsyncIterator[Harness]:
    harness = await make_harness().start()
    for name in ("alice", "bob", "carol"):
        await harness.join(name)
    yield harness
    await harness.close()


def told(actions: list[Action], user: str) -> str:
    return "\n".join(a.text.plain() for a in actions
                     if isinstance(a, Respond) and a.user_id == user)


async def test_a_100kb_introduction_is_refused_clearly_and_nothing_is_stored(h: Harness) -> None:
    actions = await h.command("bob", f'/introduce about:"{"a" * 100_000}"')
    said = told(actions, "bob")
    assert "is 100,000 characters; please keep it to 1,000 or fewer" in said
    assert "Usage:" in said
    assert not any(isinstance(a, Post) for a in actions)
    assert await h.app.stores["introductions"].get(h.community, "bob") is None


async def test_a_10k_contest_entry_is_refused_clearly_and_nothing_is_stored(h: Harness) -> None:
    await h.command("alice", '/contest create "Autumn" "Share a photo." 3d votes', mod=True)
    actions = await h.command("bob", f"/contest enter #1 {'word ' * 2000}")
    assert "is 9,999 characters; please keep it to 1,000 or fewer" in told(actions, "bob")
    assert await h.app.stores["contests"].entries(h.community, 1) == []


async def test_a_warning_note_full_of_control_and_bidi_characters_is_cleaned(h: Harness) -> None:
    actions = await h.command("alice", f"/warn @bob spam Please{HIDDEN} slow down", mod=True)
    [dm] = [a for a in actions if isinstance(a, DirectMessage) and a.user_id == "bob"]
    assert "Please[31m slow down" in dm.text.plain()
    for text in texts(actions):
        assert not hidden_in(text), repr(text)
    [note] = await h.app.stores["moderation"].notes(h.community, 1)
    assert note.text == "Please[31m slow down"


async def test_a_note_of_only_hidden_characters_is_no_note(h: Harness) -> None:
    actions = await h.command("alice", "/warn @bob spam \u202e\u2066\x00", mod=True)
    assert await h.app.stores["moderation"].notes(h.community, 1) == []
    assert all(not hidden_in(t) for t in texts(actions))


async def test_a_one_line_option_stays_one_line(h: Harness) -> None:
    actions = await h.command(
        "alice", '/contest create "Autumn\n\n@everyone\u202e" "Share\na photo." 3d votes',
        mod=True)
    [record] = await h.app.stores["contests"].with_state(h.community, "open")
    assert record.title == "Autumn  @everyone"  # the title is one line, nothing hidden
    assert "Share\na photo." == record.description  # a paragraph keeps its line breaks
    assert all(not hidden_in(t) for t in texts(actions))


async def test_an_introduction_posted_in_the_channel_is_cleaned_and_trimmed(h: Harness) -> None:
    hello = "Hi! I'm Bob \u202eand I make pots. " + "I love tea and clay. " * 5000
    actions = await h.say("bob", hello, channel="introductions")
    assert any(isinstance(a, Post) for a in actions)  # welcomed, as any introduction
    intro = await h.app.stores["introductions"].get(h.community, "bob")
    assert intro is not None
    stored = intro.value("message")
    assert stored.startswith("Hi! I'm Bob and I make pots.") and stored.endswith("…")
    assert len(stored) <= 1000 and not hidden_in(stored)
    shown = told(await h.command("carol", "/whois @bob"), "carol")
    assert "I make pots" in shown and len(shown) < 1500


async def test_every_text_option_has_a_length_a_post_can_hold(tmp_path: Path) -> None:
    from bot import bootstrap
    from tests.harness import config_from

    app = await bootstrap.build(config_from(""), database=tmp_path / "x.sqlite3")
    try:
        specs: list[CommandSpec] = app.runtime.specs()
    finally:
        await app.close()
    text_options = [(s.name, o) for s in specs for o in s.options if o.type is OptionType.TEXT]
    assert len(text_options) > 15
    for name, opt in text_options:
        # 4000 is the most a form box holds; moderation's notes and appeals sit at that cap and
        # check their configured limit (500 / 1000 by default) with their own message.
        assert 1 <= opt.max_length <= 4000, (name, opt.name, opt.max_length)
        if not opt.long:
            assert opt.max_length <= 500, (name, opt.name, opt.max_length)
