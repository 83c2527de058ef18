"""Ask the team through the real runtime and console: a member's DM opens a conversation with
an honest reply time, the team's thread, /reply by DM, closing with the one question, the reply
clock across restarts, exactly-once relays, bad input, figures and /mydata."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from adapters.discord.render import render as discord_render
from adapters.slack.render import render as slack_render
from bot.actions import DirectMessage, Post, ReadMissed
from bot.events import Attachment, Community, DirectMessaged
from bot.text import Literal, UserText
from cogs.inbox.cog import InboxCog
from tests.harness import Harness, texts


@pytest.fixture
async def h(make_harness: Callable[..., Harness]) -> AsyncIterator[Harness]:
    # These tests wait days on the team channel; the weekly health digest posted there is
    # community health's, tested in its own files.
    hearth = await make_harness("[insights]\ndigest = false\n").start()
    await hearth.feed(":mod mia", "+alice", "+bob")
    yield hearth
    await hearth.close()


def only(lines: list[str], prefix: str) -> list[str]:
    return [line for line in lines if line.startswith(prefix)]


def dm(h: Harness, name: str, content: str, message_id: str, *,
       attachments: tuple[Attachment, ...] = (), shared: bool = True) -> DirectMessaged:
    """A DM as an adapter hands it over: its event id is built from the platform's message id."""
    channel = f"dm-{name}"
    return DirectMessaged(h.community if shared else Community("console", ""),
                          h.clock.now(), author=h.actor(name), channel=channel,
                          message_id=message_id, content=content, attachments=attachments,
                          shared=(h.community,) if shared else (),
                          event_id=f"dm:{channel}:{message_id}")


def inbox(h: Harness) -> InboxCog:
    return next(c for c in h.runtime.cogs if isinstance(c, InboxCog))


# ---------------------------------------------------------------------- members write


async def test_a_dm_opens_a_numbered_conversation_and_a_thread_for_the_team(h: Harness) -> None:
    out = await h.feed(":dm alice Someone keeps messaging me odd links.")
    assert out[0].startswith("[DM to alice] Thank you for writing, alice. Your message is with "
                             "the team as conversation #1")
    assert "usually replies within 1 day" in out[0]  # the configured fallback: no data yet
    team = only(out, "[#team-inbox]")
    assert len(team) == 1 and "**Conversation #1** with alice (by private message)" in team[0]
    assert "Someone keeps messaging me odd links." in team[0]
    # The opening post starts the conversation's thread, named for it.
    actions = await h.handle(dm(h, "bob", "Hello team", "b1"))
    opening = next(a for a in actions if isinstance(a, Post))
    assert opening.opens_thread == "#2 bob" and opening.key == "inbox:2"


async def test_later_dms_join_the_open_conversation_and_team_talk_stays_internal(
        h: Harness) -> None:
    await h.feed(":dm alice First.")
    out = await h.feed(":dm alice Second.")
    assert out == ["[DM to alice] Added to conversation #1; the team will see it there.",
                   "[#team-inbox thread] Hearth: alice: Second."]
    # Staff talking in the inbox channel: nothing reaches alice.
    assert await h.feed("#team-inbox", "mia> I'll take this one.") == []
    actions = await h.handle(dm(h, "alice", "Third.", "a3"))
    relay = next(a for a in actions if isinstance(a, Post))
    assert relay.thread_of == "inbox:1" and relay.opens_thread is None


async def test_ask_team_and_send_to_the_team_open_conversations_too(h: Harness) -> None:
    out = await h.feed("alice> /ask-team Could someone look at my account?")
    assert out[0].startswith("[to alice only] Thank you for writing, alice.")
    assert "(with /ask-team)" in only(out, "[#team-inbox]")[0]
    await h.feed("#general", "bob> you are all idiots")
    out = await h.feed("alice> /send-to-team bob this is the third time")
    assert out[0] == "[to alice only] Added to conversation #1; the team will see it there."
    relay = only(out, "[#team-inbox thread]")[0]
    assert "bob wrote: you are all idiots" in relay and "this is the third time" in relay


async def test_reply_reaches_the_member_by_dm_and_anon_signs_it_as_the_team(h: Harness
                                                                            ) -> None:
    await h.feed(":dm alice Help please.")
    out = await h.feed("mia> /reply 1 We're on it, alice.")
    assert out == [
        "[to mia only] Sent to alice in conversation #1.",
        "[DM to alice] **mia** replied in conversation #1:\n  We're on it, alice.",
        "[#team-inbox thread] Hearth: ↪ Sent to alice as mia: We're on it, alice."]
    out = await h.feed("mia> /reply 1 anon Sorted.")
    assert out[1] == "[DM to alice] **The team** replied in conversation #1:\n  Sorted."


async def test_saved_replies_are_templates_used_by_name(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness('[community]\nname = "Knitters"\n[[inbox.snippets]]\n'
                           'name = "thanks"\ntext = "Thank you {name}, from {team}."\n').start()
    try:
        await h.feed(":mod mia", ":dm alice Hi")
        out = await h.feed("mia> /reply 1 saved:thanks We'll write again soon.")
        assert out[1] == ("[DM to alice] **mia** replied in conversation #1:\n  Thank you "
                          "alice, from Knitters.\n  We'll write again soon.")
        out = await h.feed("mia> /reply 1 saved:welcome")
        assert out == ["[to mia only] There's no saved reply called \"welcome\" (saved "
                       "replies: thanks). Nothing was sent."]
    finally:
        await h.close()


async def test_the_usual_reply_time_is_the_median_of_the_last_30_days(h: Harness) -> None:
    for n, (name, hours) in enumerate((("u1", 2), ("u2", 3), ("u3", 5)), start=1):
        await h.feed(f":dm {name} Hello")
        await h.wait(timedelta(hours=hours))
        await h.feed(f"mia> /reply {n} Hi")
    out = await h.feed(":dm alice Hello")
    assert "usually replies within 3 hours" in out[0], out[0]
    await h.wait(timedelta(days=31))  # replies older than 30 days no longer count
    out = await h.feed(":dm bob Hello")
    assert "usually replies within 1 day" in out[0], out[0]


async def test_outside_team_hours_the_member_hears_when_the_team_is_next_around(
        make_harness: Callable[..., Harness]) -> None:
    # The harness starts on Saturday 2026-11-21 at 09:00 UTC.
    h = await make_harness('[inbox.team_hours]\nenabled = true\ndays = ["mon", "tue"]\n'
                           'start = "10:00"\nend = "16:00"\n').start()
    try:
        out = await h.feed(":dm alice Hello")
        assert "The team isn't around right now; they're next around in 2 days" in out[0]
        assert "2026-11-23 10:00" in out[0]
        await h.wait(timedelta(days=2, hours=2))  # Monday 11:00: they're around
        out = await h.feed(":dm bob Hello")
        assert "isn't around" not in out[0]
    finally:
        await h.close()


# ---------------------------------------------------------------------- closing


async def test_closing_asks_did_we_help_once_and_counts_the_answer_once(h: Harness) -> None:
    await h.feed(":dm alice Help please.")
    out = await h.feed("mia> /inbox close 1 All sorted now.")
    assert out[0] == "[to mia only] Closed conversation #1. I've let them know privately."
    assert out[1].startswith("[DM to alice] The team has closed conversation #1. They say: All "
                             "sorted now.")
    assert "Did we help?" in out[1]
    assert only(out, "[#team-inbox thread]") == ["[#team-inbox thread] Hearth: mia closed "
                                                 "conversation #1."]
    out = await h.feed(":dm alice Yes, thanks!")
    assert out == ["[DM to alice] Thank you for telling us. We're glad it helped.",
                   "[#team-inbox thread] Hearth: alice answered \"did we help?\": yes."]
    # Answered once: another "yes" is a new message for the team, never a second count.
    out = await h.feed(":dm alice yes")
    assert "conversation #2" in out[0]
    out = await h.feed("mia> /inbox close 1")
    assert out == ["[to mia only] Conversation #1 is already closed, so nothing changed."]
    out = await h.feed("mia> /reply 1 one more thing")
    assert out == ["[to mia only] Conversation #1 is closed, so nothing was sent. alice can "
                   "start a new one any time."]


async def test_we_will_get_back_to_you_reminds_the_team_not_the_member(h: Harness) -> None:
    await h.feed(":dm alice Can I get my old name back?")
    out = await h.feed("mia> /inbox later 1 2d We'll check with the admins.")
    assert "will get back to you. They say: We'll check with the admins." in out[1]
    assert "Did we help?" not in out[1]
    await h.restart()
    out = await h.wait(timedelta(days=2))
    assert out == ["[#team-inbox thread] Hearth: A reminder: the team said they'd get back to "
                   "alice about conversation #1. `/reply 1 <text>` still reaches them (once)."]
    out = await h.feed(":mod mia", "mia> /reply 1 Done: you're alice again.")
    assert out[1].startswith("[DM to alice] **mia** replied")
    assert (await h.feed("mia> /reply 1 And another"))[0].startswith(
        "[to mia only] Conversation #1 is closed")


async def test_a_member_closes_and_reads_their_own_conversations_only(h: Harness) -> None:
    await h.feed(":dm alice Hi", ":closedms alice", "mia> /reply 1 Hello alice")
    out = await h.feed("alice> /ask-team close")
    assert out[0].startswith("[to alice only] Conversation #1 is closed. Thank you")
    assert out[1] == "[#team-inbox thread] Hearth: alice closed conversation #1."
    assert (await h.feed("alice> /ask-team close"))[0].startswith(
        "[to alice only] You don't have a conversation with the team open")
    out = await h.feed("alice> /ask-team show 1")
    assert "Conversation #1 (closed):" in out[0]
    assert "you: Hi" in out[0] and "mia: Hello alice" in out[0]
    assert (await h.feed("bob> /ask-team show 1")) == [
        "[to bob only] I can't find conversation #1."]
    assert "#1, closed, started" in (await h.feed("alice> /ask-team show"))[0]


async def test_closed_dms_the_team_is_told_and_the_reply_is_kept(h: Harness) -> None:
    await h.feed(":dm alice Hi", ":closedms alice")
    out = await h.feed("mia> /reply 1 Hello alice")
    assert "[DM to alice not delivered: their DMs are closed]" in out
    assert ("[#team-inbox thread] Hearth: alice's private messages are closed, so that reply "
            "didn't reach them. It's kept: they can read it with /ask-team show 1.") in out
    assert "mia: Hello alice" in (await h.feed("alice> /ask-team show 1"))[0]


async def test_history_lists_one_members_conversations_for_moderators(h: Harness) -> None:
    await h.feed(":dm alice One", "mia> /reply 1 Hi", "mia> /inbox close 1", ":dm alice Two")
    out = await h.feed("mia> /inbox history @alice")
    assert "Conversations with alice:" in out[0]
    assert "#2, open" in out[0] and "#1, closed" in out[0] and "1 reply" in out[0]
    assert (await h.feed("mia> /inbox history @bob")) == [
        "[to mia only] bob hasn't written to the team."]


async def test_a_member_of_two_communities_writes_into_the_one_where_a_conversation_is_open(
        h: Harness) -> None:
    other = Community("console", "other")
    both = dm(h, "alice", "Hello", "t1")

    def to(community: Community, *shared: Community, message_id: str) -> DirectMessaged:
        return DirectMessaged(community, both.at, author=both.author, channel=both.channel,
                              message_id=message_id, content="Hello", shared=shared,
                              event_id=f"dm:{both.channel}:{message_id}")
    opened = await h.handle(to(other, other, h.community, message_id="t1"))
    assert {a.community for a in opened} == {other}  # no conversation open: the first one
    later = await h.handle(to(h.community, h.community, other, message_id="t2"))
    assert {a.community for a in later} == {other}  # where alice's conversation is open
    assert "Added to conversation #1" in texts(later)[0]


# ---------------------------------------------------------------------- bad input


async def test_bad_input_is_answered_kindly_and_nothing_is_lost(h: Harness) -> None:
    assert texts(await h.handle(dm(h, "alice", "   ", "e1"))) == [
        "I couldn't find any words in that, so I haven't passed it on. Could you write what "
        "you'd like the team to know?"]
    said = texts(await h.handle(dm(h, "alice", "x" * 4001, "e2")))
    assert said == ["That message is 4,001 characters; please keep each one to 4,000 or fewer "
                    "(you can send it in parts). Nothing was passed on yet."]
    # A stranger is told where Hearth works; nothing is stored for them.
    actions = await h.handle(dm(h, "zed", "hello?", "z1", shared=False))
    assert len(actions) == 1 and isinstance(actions[0], DirectMessage)
    assert "I can't find you in one of them" in texts(actions)[0]
    assert "I can't find conversation #1." in (await h.feed("alice> /ask-team show 1"))[0]
    # Wrong numbers and empty replies are named back.
    assert (await h.feed("mia> /reply 9 hi")) == ["[to mia only] I can't find conversation #9."]
    assert "Which conversation?" in (await h.feed("mia> /reply"))[0]
    await h.feed(":dm alice Hi")
    assert "nothing to send yet" in (await h.feed("mia> /reply 1 anon"))[0]


async def test_attachments_are_relayed_as_links_with_their_names(h: Harness) -> None:
    files = (Attachment("screen shot.png", "https://cdn.example/att/1/screen_shot.png"),
             Attachment("**evil** @everyone.txt", "javascript:alert(1)"))
    actions = await h.handle(dm(h, "alice", "", "f1", attachments=files))
    opening = next(a for a in actions if isinstance(a, Post))
    plain = opening.text.plain()
    assert "📎 screen shot.png: https://cdn.example/att/1/screen_shot.png" in plain
    # The platform's link stays a link; a member-chosen name and anything else are escaped.
    segments = opening.text.segments
    assert Literal("https://cdn.example/att/1/screen_shot.png") in segments
    assert UserText("**evil** @everyone.txt") in segments
    assert UserText("javascript:alert(1)") in segments


async def test_member_text_relayed_into_the_thread_can_never_ping_or_format(h: Harness
                                                                           ) -> None:
    await h.handle(dm(h, "alice", "first", "p1"))
    actions = await h.handle(dm(h, "alice", "**bold** @everyone <@&123> <!channel> `x`", "p2"))
    relay = next(a for a in actions if isinstance(a, Post))
    on_discord = discord_render(relay.text)
    assert "@everyone" not in on_discord.content.replace("@\u200beveryone", "")
    assert "**bold**" not in on_discord.content and "<@&123>" not in on_discord.content
    assert not on_discord.allowed_mentions.everyone and not on_discord.allowed_mentions.roles
    on_slack = slack_render(relay.text, h.clock.now().tzinfo)  # type: ignore[arg-type]
    assert "<!channel>" not in on_slack and "*bold*" not in on_slack.replace("\\*", "")


# ---------------------------------------------------------------------- exactly once, restarts


async def test_a_message_delivered_twice_is_relayed_once_across_a_restart(h: Harness) -> None:
    first = await h.handle(dm(h, "alice", "Hello", "m1"))
    assert len([a for a in first if isinstance(a, Post)]) == 1
    assert await h.handle(dm(h, "alice", "Hello", "m1")) == []  # the platform's retry
    await h.restart()
    assert await h.handle(dm(h, "alice", "Hello", "m1")) == []  # read again at start-up
    # Even once the core's delivery claims are pruned, the message id keeps it to one relay.
    again = dm(h, "alice", "Hello", "m1")
    unclaimed = DirectMessaged(again.community, again.at, author=again.author,
                               channel=again.channel, message_id="m1", content="Hello",
                               shared=again.shared)
    assert await h.handle(unclaimed) == []
    assert "you: Hello" in (await h.feed("alice> /ask-team show 1"))[0]


async def test_a_relay_cut_off_by_a_crash_is_posted_at_start_up_once(h: Harness) -> None:
    await h.feed(":dm alice Hello")
    await h.handle(dm(h, "alice", "Cut off", "c2"))  # stored, but never delivered
    out: list[str] = []
    h.lines.clear()
    await h.restart()
    out = list(h.lines)
    assert out == ["[#team-inbox thread] Hearth: alice: Cut off"]
    h.lines.clear()
    await h.restart()
    assert h.lines == []  # on record now: not again


async def test_start_up_asks_the_platform_for_dms_sent_while_hearth_was_down(h: Harness
                                                                           ) -> None:
    await h.handle(dm(h, "alice", "Hello", "111"))
    await h.handle(dm(h, "alice", "Still there?", "112"))
    await h.handle(dm(h, "bob", "Hi", "201"))
    await h.feed("mia> /inbox close 2")
    asked = [a for a in await inbox(h).start() if isinstance(a, ReadMissed)]
    assert asked == [ReadMissed(h.community, "alice", "dm-alice", "112")]


async def test_the_reply_clock_raises_once_after_escalate_after_across_a_restart(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness('[community]\nadmins = ["ada"]\n[inbox]\nescalate_after = "12h"\n'
                           ).start()
    try:
        await h.feed(":mod mia", ":dm alice Hello?", ":dm bob Hi")
        await h.feed("mia> /reply 2 Hi bob")  # answered: never raised
        assert await h.wait(timedelta(hours=11)) == []
        await h.restart()
        out = await h.wait(timedelta(hours=2))
        assert out == ["[#team-inbox] Hearth: @ada Conversation #1 with alice has waited 12 "
                       "hours without a reply. Could someone answer it? `/reply 1 <text>`"]
        await h.restart()
        assert await h.wait(timedelta(days=3)) == []
    finally:
        await h.close()


# ---------------------------------------------------------------------- figures, data


async def test_figures_for_community_health(h: Harness) -> None:
    start = h.clock.now()
    for name in ("u1", "u2", "u3", "u4"):
        await h.feed(f":dm {name} Hello")
    await h.wait(timedelta(hours=1))
    await h.feed("mia> /reply 1 Hi")
    await h.wait(timedelta(hours=2))
    await h.feed("mia> /reply 2 Hi", "mia> /inbox close 1", "mia> /inbox close 2")
    await h.wait(timedelta(hours=30))
    await h.feed("mia> /reply 3 Sorry for the wait", ":dm u1 yes", ":dm u2 not really")
    services = inbox(h).services
    figures = await services.figures_of(h.community, start, h.clock.now() + timedelta(1))
    assert {k: v for k, v in figures.items() if k.startswith("inbox")} == {
        "inbox_opened": 4, "inbox_closed": 2,
        "inbox_median_first_reply_seconds": 3 * 3600.0,
        "inbox_p90_first_reply_seconds": 33 * 3600.0,
        "inbox_unanswered_after_24h": 2, "inbox_helped_share": 0.5}


async def test_mydata_exports_and_forgets_conversations(h: Harness) -> None:
    await h.feed(":dm alice My secret worry", "mia> /reply 1 We hear you", ":dm bob Other")
    await h.feed("mia> /reply 2 Hello bob")
    export = (await h.app.rights.export(h.community, "alice", h.clock.now()))["features"]
    conv = export["inbox"]["conversations"][0]
    assert [m["from"] for m in conv["messages"]] == ["you", "mia"]
    assert conv["messages"][0]["text"] == "My secret worry"
    await h.app.rights.forget(h.community, "alice", h.clock.now())
    assert "inbox" not in (await h.app.rights.export(h.community, "alice",
                                                     h.clock.now()))["features"]
    await h.app.rights.forget(h.community, "mia", h.clock.now())
    assert "a former member: Hello bob" in (await h.feed("bob> /ask-team show 2"))[0]
