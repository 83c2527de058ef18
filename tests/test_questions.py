"""Questions through the real runtime and console: asking, answering, thanks as evidence,
/solved and its credit, follow-ups once each across restarts, FAQ suggestions, moving a question,
bad input, members' data, and the figures for community health."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from bot.actions import SendFile
from bot.events import Event, MemberRef, MessagePosted, ReactionAdded
from tests.harness import Harness, snapshot

Q = "How do I change my nickname on this server?"
ANSWER = 'Right-click your name in the member list and pick "Edit Server Profile".'


@pytest.fixture
async def h(make_harness: Callable[..., Harness]) -> AsyncIterator[Harness]:
    # These tests wait days on the team channel; the weekly health digest posted there is
    # community health's, tested in its own files.
    hearth = await make_harness("[insights]\ndigest = false\n").start()
    await hearth.feed(":mod mia", "+alice", "+bob", "+carol", "#help")
    yield hearth
    await hearth.close()


def only(lines: list[str], prefix: str) -> list[str]:
    return [line for line in lines if line.startswith(prefix)]


async def asked_and_answered(h: Harness) -> None:
    await h.feed(f"alice> {Q}", f"bob> :reply alice {ANSWER}")


# ---------------------------------------------------------------------- asking and solving


async def test_a_message_in_help_is_a_question_with_its_own_thread(h: Harness) -> None:
    out = await h.feed(f"alice> {Q}")
    assert out == [f'[#help thread] opened "Q1: {Q}"']
    assert await h.feed("#general", "alice> How is everyone today?") == []


async def test_thanks_in_the_thread_asks_the_asker_once_and_yes_credits_the_helper(
        h: Harness) -> None:
    await asked_and_answered(h)
    out = await h.feed("alice> :reply alice thanks @bob, that worked!")
    [dm] = only(out, "[DM to alice]")
    assert "Did bob's answer solve it? If yes, run `/solved 1`" in dm
    # Thanked again: no second ask (reputation's own pair cooldown note is all she hears).
    again = await h.feed("alice> :reply alice thank you @bob!")
    assert not any("solve it" in line for line in again), again
    out = await h.feed("alice> /solved")
    assert out[0] == ("[to alice only] Marked #1 as solved. Thank you, alice; bob gets the "
                      "credit and 5 reputation points.")
    assert "[#help thread] Hearth: ✅ Solved, with thanks to @bob." in out
    assert f'[#help thread] renamed "✅ Q1: {Q}" [Solved]' in out
    profile = await h.feed("bob> /profile")
    assert "reputation 7" in profile[0]  # 1 for the thanks, 1 activity, 5 for the solution


async def test_solved_without_a_member_credits_the_first_answer(h: Harness) -> None:
    await asked_and_answered(h)
    await h.feed("carol> :reply alice Or use /nick.")
    out = await h.feed("alice> /solved 1")
    assert "bob gets the credit" in out[0]


async def test_solved_with_a_member_credits_them_and_a_moderator_can_mark_too(
        h: Harness) -> None:
    await asked_and_answered(h)
    await h.feed("carol> :reply alice Or use /nick.")
    assert "carol gets the credit" in (await h.feed("mia> /solved 1 @carol"))[0]


async def test_a_solutions_badge_is_earned_from_the_measure(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness('[[reputation.badges]]\nname = "Problem Solver"\nemoji = "🧩"\n'
                           'criterion = "solutions"\nthreshold = 1\n'
                           'description = "solved a question"\n').start()
    try:
        await h.feed("+alice", "+bob", "#help")
        await asked_and_answered(h)
        out = await h.feed("alice> /solved")
        assert any("Problem Solver" in line and "bob" in line for line in out), out
    finally:
        await h.close()


@pytest.mark.parametrize("thanks", ["a reply", "a reaction"])
async def test_a_thanks_right_behind_the_answer_finds_it(h: Harness, thanks: str) -> None:
    """Platforms hand each event to its own task: the answer and a thanks for it arriving
    back to back are taken in that order (one conversation), so the thanks finds the answer
    it points at and bob is the helper asked about and credited."""
    await h.feed(f"alice> {Q}")
    asked = h.session.state.latest[("help", "alice")]
    now = h.clock.now()
    answer = MessagePosted(h.community, now, author=h.actor("bob"), channel="help",
                           message_id="answer", content=ANSWER, channel_name="help",
                           reply_to=asked)
    thanked: Event = MessagePosted(
        h.community, now, author=h.actor("alice"), channel="help", message_id="thanks",
        content="thanks @bob, that worked!", channel_name="help", reply_to="answer") \
        if thanks == "a reply" else ReactionAdded(
        h.community, now, reactor=h.actor("alice"), channel="help", message_id="answer",
        message_author=MemberRef("bob", "bob", False), emoji="🙏")
    start = len(h.lines)
    await asyncio.gather(h.runtime.process(answer, h.session),
                         h.runtime.process(thanked, h.session))
    [dm] = only(h.lines[start:], "[DM to alice]")
    assert "Did bob's answer solve it? If yes, run `/solved 1`" in dm
    out = await h.feed("alice> /solved")
    assert "bob gets the credit" in out[0]


# ---------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("line", "said"), [
    ("carol> /solved 1", "#1 is alice's question, so it's theirs to mark"),
    ("carol> /solved 9", "I can't find question #9. Nothing changed."),
    ("carol> /solved", "I don't see an open question of yours"),
    ("carol> /faq helped 1", "#1 is alice's question"),
    ("alice> /faq helped 1", "I didn't suggest anything for #1"),
    ("bob> /faq exclude 1", "is for the moderator team"),
    ("alice> /ask", "Please include"),
])
# Reads the SQLite file itself (a snapshot of every table).
@pytest.mark.sqlite_only
async def test_bad_input_gets_a_kind_private_answer_and_changes_nothing(
        h: Harness, line: str, said: str) -> None:
    await asked_and_answered(h)
    before = snapshot(h.database)
    out = await h.feed(line)
    assert len(out) == 1 and out[0].startswith("[to "), out
    assert said in out[0], out[0]
    assert snapshot(h.database) == before


async def test_marking_twice_or_your_own_answer_counts_nothing_twice(h: Harness) -> None:
    await asked_and_answered(h)
    await h.feed("alice> /solved 1")
    out = await h.feed("alice> /solved 1", "mia> /solved 1 @carol")
    assert out == ["[to alice only] #1 was already marked solved (bob), so nothing changed.",
                   "[to mia only] #1 was already marked solved (bob), so nothing changed."]
    await h.feed("alice> Is there a dark mode?", "alice> :reply alice Found it: Settings.")
    out = await h.feed("alice> /solved 2 @alice")
    assert "Credit for answers goes to the people who helped you" in out[0]
    assert "reputation 6" in (await h.feed("bob> /profile"))[0]  # 1 activity, one 5 only


async def test_the_askers_own_replies_are_not_answers(h: Harness) -> None:
    await h.feed(f"alice> {Q}", "alice> :reply alice Anyone?")
    out = await h.wait(timedelta(hours=5))
    assert len(only(out, "[#mod-log]")) == 1  # still unanswered: the team is told


# ---------------------------------------------------------------------- follow-up


async def test_an_unanswered_question_is_raised_once_even_across_restarts(h: Harness) -> None:
    await h.feed(f"alice> {Q}")
    message = h.session.state.latest[("help", "alice")]
    assert only(await h.wait(timedelta(hours=3)), "[#mod-log]") == []
    await h.restart()
    out = await h.wait(timedelta(hours=2))
    [nudge] = only(out, "[#mod-log]")
    assert nudge == (f'[#mod-log] Hearth: Question #1 from alice has been waiting 4 hours '
                     f'without an answer: "{Q}" (#help (message {message})). Could someone '
                     f'take a look?')
    await h.restart()
    assert only(await h.wait(timedelta(days=3)), "[#mod-log]") == []


async def test_an_answered_question_is_not_raised(h: Harness) -> None:
    await asked_and_answered(h)
    assert only(await h.wait(timedelta(hours=5)), "[#mod-log]") == []


async def test_answered_but_not_marked_gets_one_gentle_ask_across_a_restart(
        h: Harness) -> None:
    await asked_and_answered(h)
    await h.wait(timedelta(days=1))
    await h.restart()
    out = await h.wait(timedelta(days=1, hours=1))
    [ask] = only(out, "[DM to alice]")
    assert "got 1 answer. Did one of them solve it?" in ask and "I won't ask again" in ask
    await h.restart()
    assert only(await h.wait(timedelta(days=5)), "[DM to alice]") == []


async def test_a_solved_question_gets_no_follow_up(h: Harness) -> None:
    await asked_and_answered(h)
    await h.feed("alice> /solved")
    assert only(await h.wait(timedelta(days=3)), "[DM to alice]") == []


# ---------------------------------------------------------------------- FAQ suggestions

FAQ = ('[[questions.faq.entries]]\nquestion = "How do I reset my password?"\n'
       'answer = "Use the Forgot password link on the sign-in page."\n'
       'links = ["https://example.org/reset"]\n')


async def test_a_close_match_gets_one_private_suggestion_and_confirming_solves_it(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness(FAQ).start()
    try:
        await h.feed("+alice", "#help")
        out = await h.feed("alice> I forgot my password, how do I reset it?")
        [dm] = only(out, "[DM to alice]")
        assert "this might help with your question #1" in dm
        assert "Forgot password link" in dm and "https://example.org/reset" in dm
        assert only(out, "[#help]") == []  # private: nothing in the channel
        out = await h.feed("alice> /faq helped")
        assert out[0] == "[to alice only] Thank you, alice: glad it helped. #1 is marked solved."
        services = h.runtime.cogs[0].services
        figures = await services.figures_of(h.community, h.clock.now() - timedelta(1),
                                            h.clock.now() + timedelta(1))
        assert figures["questions_faq_helped"] == 1
        # Unrelated or negated questions get nothing.
        out = await h.feed("alice> When is the next movie night?",
                           "alice> I can't reset my password, the link is broken")
        assert only(out, "[DM to alice]") == []
    finally:
        await h.close()


async def test_suggestions_can_be_turned_off(make_harness: Callable[..., Harness]) -> None:
    h = await make_harness(FAQ + "[questions.faq]\nsuggest = false\n").start()
    try:
        await h.feed("+alice", "#help")
        assert only(await h.feed("alice> how can I reset my password"), "[DM to") == []
    finally:
        await h.close()


async def test_a_moderator_keeps_a_solved_question_out_of_suggestions(h: Harness) -> None:
    await asked_and_answered(h)
    await h.feed("alice> /solved")
    assert (await h.feed("mia> /faq exclude 1"))[0] == (
        "[to mia only] #1 won't be suggested to other askers any more.")
    assert only(await h.feed("carol> how can I change my nickname"), "[DM to") == []


# ---------------------------------------------------------------------- /ask and moving


async def test_ask_posts_in_help_in_the_askers_name_and_answers_reach_it(h: Harness) -> None:
    out = await h.feed("#general", "bob> /ask When is the next movie night?")
    assert out == [
        "[to bob only] Thanks, bob: your question #1 is in #help. I'll let you know privately "
        "if nobody has answered in a while, and you can mark it solved with /solved 1.",
        "[#help] Hearth: **bob asked:** When is the next movie night?"]
    await h.feed("#help", "carol> :reply Hearth Friday at 20:00 UTC!")
    assert "carol gets the credit" in (await h.feed("bob> /solved"))[0]


async def test_a_moderator_moves_a_question_to_help_and_the_asker_is_told(h: Harness) -> None:
    await h.feed("#general", "bob> Does anyone know how to export my data?")
    out = await h.feed("mia> /move-to-help bob")
    assert out[0] == ("[to mia only] Moved bob's question to #help as #1; they've been told "
                      "where it went.")
    assert "[#help] Hearth: **bob asked:** Does anyone know how to export my data?" in out
    assert any(line.startswith("[DM to bob] Hi bob, mia moved your question to #help")
               for line in out)
    refused = await h.feed("carol> /move-to-help bob")
    assert "is for the moderator team" in refused[0]


async def test_a_trusted_role_may_move_questions(make_harness: Callable[..., Harness]) -> None:
    from bot.events import Actor, CommandInvoked, MemberRef, MessageRef
    h = await make_harness('[questions]\nmove_roles = ["Helper"]\n').start()
    try:
        helper = Actor("sam", "sam", roles=frozenset({"Helper"}))
        ref = MessageRef("general", "m1", MemberRef("bob", "bob", False), "Where are the rules?")
        actions = await h.handle(CommandInvoked(h.community, h.clock.now(), actor=helper,
                                                line="move-to-help", args={"message": ref}))
        assert "Moved bob's question" in actions[0].text.plain()
    finally:
        await h.close()


# ---------------------------------------------------------------------- data and figures


async def test_mydata_exports_and_forgets_questions(h: Harness) -> None:
    await asked_and_answered(h)
    await h.feed("alice> /solved")
    [sent] = [a for a in await h.command("bob", "/mydata export") if isinstance(a, SendFile)]
    mine = json.loads(sent.data)["features"]["questions"]
    assert len(mine["answers_given"]) == 1 and mine["solutions"][0]["question"] == 1
    await h.command("bob", "/mydata forget")
    await h.command("bob", "/mydata forget confirm:yes")
    services = h.runtime.cogs[0].services
    assert (await services.measure(h.community, ["bob"], ["solutions"], h.clock.now())
            )["bob"]["solutions"] == 0
    out = await h.feed("alice> /solved 1")
    assert 'already marked solved (a former member)' in out[0]


async def test_figures_for_one_synthetic_week(h: Harness) -> None:
    start = h.clock.now()
    await h.feed(":mod maya")
    # 1: answered by bob in 30 minutes, solved crediting him (a member: deflected).
    await h.feed("alice> How do I change my nickname?")
    await h.wait(timedelta(minutes=30))
    await h.feed("bob> :reply alice Right-click your name.", "alice> /solved")
    # 2: answered by maya (staff) after 2 hours, solved crediting her.
    await h.feed("carol> Where are the rules?")
    await h.wait(timedelta(hours=2))
    await h.feed("maya> :reply carol In #rules.", "carol> /solved")
    # 3: never answered. 4: answered after 30 hours, not solved.
    await h.feed("bob> Is there a dark mode?", "dana> Can I post my art here?")
    await h.wait(timedelta(hours=30))
    await h.feed("bob> :reply dana Yes, in #art.")
    await h.wait(timedelta(days=3))
    services = h.runtime.cogs[0].services
    until = start + timedelta(days=7)
    figures = await services.figures_of(h.community, start, until)
    mine = {k: v for k, v in figures.items() if k.startswith("questions_")}
    print("\n" + "\n".join(f"{k} = {v}" for k, v in mine.items()))
    assert mine == {
        "questions_asked": 4, "questions_answered": 3, "questions_solved": 2,
        "questions_median_first_answer_seconds": 7200.0,
        "questions_unanswered_24h_share": 0.5, "questions_unanswered": 1,
        "questions_deflected": 1, "questions_deflection": 0.5, "questions_faq_helped": 0}
    [source] = [f for f in services.figures if "questions_asked" in f.names]
    assert set(source.definitions) == set(mine)
    assert source.leaders is not None
    assert await source.leaders(h.community, start, until, 5) == [("bob", 1), ("maya", 1)]


# ---------------------------------------------------------------------- deleted messages


async def test_a_deleted_answer_stops_counting_and_the_next_reply_is_the_first(
        h: Harness) -> None:
    from bot.events import MessageDeleted, MessagePosted
    await h.feed(f"alice> {Q}")
    question = h.session.state.latest[("help", "alice")]
    for n, who in enumerate(("bob", "carol"), start=1):
        await h.handle(MessagePosted(h.community, h.clock.now(), author=h.actor(who),
                                     channel="help", message_id=f"a{n}", content="Try /nick.",
                                     channel_name="help", reply_to=question))
        await h.wait(timedelta(minutes=10))
    await h.handle(MessageDeleted(h.community, h.clock.now(), channel="help", message_id="a1"))
    await h.handle(MessageDeleted(h.community, h.clock.now(), channel="help", message_id="a1"))
    assert "carol gets the credit" in (await h.feed("alice> /solved"))[0]


async def test_a_deleted_question_is_withdrawn_and_counted_nowhere(h: Harness) -> None:
    start = h.clock.now()
    await h.feed(f"alice> {Q}", ":delete alice")
    assert only(await h.wait(timedelta(days=3)), "[") == []  # no nudge, no ask
    out = await h.feed("alice> /solved 1")
    assert out == ["[to alice only] #1 was deleted, so it can't be marked any more. Nothing "
                   "changed."]
    figures = await h.runtime.cogs[0].services.figures_of(h.community, start, h.clock.now())
    assert figures["questions_asked"] == 0
