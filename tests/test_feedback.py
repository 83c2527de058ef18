"""Feedback through the real runtime and console: sending, supporting, statuses and who hears
about them, the review clock across restarts, anonymity, limits, figures."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from cogs.feedback import anonymity
from tests.harness import Harness, snapshot

IDEA = 'kind:idea title:"Weekly voice chat" text:"A relaxed voice hangout every Friday."'
PROBLEM = 'kind:problem title:"Search is slow" text:"Searching old posts takes ages."'
@pytest.fixture
async def h(make_harness: Callable[..., Harness]) -> AsyncIterator[Harness]:
    # Tests here wait days on the team channel; the weekly health digest posted there is
    # community health's, tested in its own files.
    hearth = await make_harness("[insights]\ndigest = false\n").start()
    await hearth.feed(":mod mia", "+alice", "+bob", "+carol", "+dana", "mia> /help")
    yield hearth
    await hearth.close()


def only(lines: list[str], prefix: str) -> list[str]:
    return [line for line in lines if line.startswith(prefix)]


# ---------------------------------------------------------------------- sending


async def test_an_idea_gets_a_number_a_warm_reply_and_is_posted_for_support(h: Harness) -> None:
    out = await h.feed(f"alice> /feedback {IDEA}")
    assert out[0].startswith("[to alice only] Thank you, alice. Your idea is #1")
    assert "usually look at new ones within 3 days" in out[0]  # the configured fallback
    assert "support it in #feedback" in out[0]
    team = only(out, "[#mod-log]")
    assert len(team) == 1 and "**Feedback #1** (idea, new)" in team[0]
    assert "/feedback status 1" in team[0]
    public = only(out, "[#feedback]")
    assert len(public) == 1 and "From alice" in public[0]
    assert "`/feedback support 1`" in public[0]


async def test_problems_praise_and_questions_stay_with_the_team(h: Harness) -> None:
    for n, kind in enumerate(("problem", "praise", "question"), start=1):
        out = await h.feed(f'bob> /feedback kind:{kind} title:"About {kind}" text:"Some words."')
        assert "Only the team sees it." in out[0]
        assert only(out, "[#feedback]") == []
        assert len(only(out, "[#mod-log]")) == 1
        assert f"is #{n}," in out[0]
    out = await h.feed("mia> /feedback publish 1")
    assert len(only(out, "[#feedback]")) == 1
    assert (await h.feed("carol> /feedback support 1"))[0].startswith(
        "[to carol only] Thanks for supporting #1")


async def test_the_usual_review_time_is_the_median_of_the_last_90_days(h: Harness) -> None:
    for n, wait in enumerate((1, 2, 2), start=1):
        await h.feed(f'bob> /feedback kind:problem title:"Thing {n}" text:"It broke."')
        await h.wait(timedelta(days=wait))
        await h.feed(f"mia> /feedback status {n} under-review")
    out = await h.feed(f"alice> /feedback {IDEA}")
    assert "within 2 days" in out[0], out[0]
    # Reviews older than 90 days no longer count: back to the configured fallback.
    await h.wait(timedelta(days=91))
    out = await h.feed('carol> /feedback kind:praise title:"Thanks" text:"Lovely place."')
    assert "within 3 days" in out[0], out[0]


async def test_a_heated_item_is_accepted_flagged_for_the_team_and_answered_calmly(
        h: Harness) -> None:
    out = await h.feed('bob> /feedback kind:problem title:"Search" '
                       'text:"THIS IS SO STUPID, search never works!!!"')
    assert out[0].startswith("[to bob only] Thank you, bob. Your problem is #1")
    assert "heated" not in out[0]
    team = only(out, "[#mod-log]")[0]
    assert "reads as heated" in team and "stupid" in team and "!!!" in team
    calm = await h.feed('bob> /feedback kind:praise title:"Well done" text:"Well done, team!"')
    assert "heated" not in only(calm, "[#mod-log]")[0]  # sarcasm is not a sign by default


# ---------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("line", "said"), [
    ("alice> /feedback kind:idea title:\"Hi\" text:\"  \"", "Please include **text**"),
    ("alice> /feedback kind:wish title:\"Hi\" text:\"x\"", "should be one of"),
    ("alice> /feedback kind:idea title:\"Hi\" text:\"" + "x" * 2001 + "\"",
     "2,001 characters; please keep it to 2,000"),
    ("alice> /feedback kind:idea title:\"" + "t" * 101 + "\" text:\"x\"",
     "101 characters; please keep it to 100"),
    ("alice> /feedback show 42", "I can't find feedback #42"),
    ("alice> /feedback support 42", "I can't find feedback #42"),
    ("bob> /feedback support 1", "already support #1"),
    ("alice> /feedback support 1", "your own idea"),
    ("bob> /feedback status 1 done", "is for the moderator team"),
    ("mia> /feedback status 1 declined", "needs a reason"),
    ("mia> /feedback status 2 planned", "can't find feedback #2"),
    ("mia> /feedback duplicate 1 1", "can't be a duplicate of itself"),
    ("mia> /feedback duplicate 1 9", "can't find feedback #9"),
    ("carol> /feedback unsupport 1", "weren't supporting #1"),
])
# Reads the SQLite file itself (a snapshot of every table, or raw rows).
@pytest.mark.sqlite_only
async def test_bad_input_gets_a_kind_private_answer_and_changes_nothing(
        h: Harness, line: str, said: str) -> None:
    await h.feed(f"alice> /feedback {IDEA}", "bob> /feedback support 1")
    before = snapshot(h.database)
    out = await h.feed(line)
    assert len(out) == 1 and out[0].startswith("[to "), out
    assert said in out[0], out[0]
    assert snapshot(h.database) == before


async def test_the_configured_text_limits_are_told_in_hearths_words(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness("[feedback]\ntitle_max = 20\ntext_max = 60\n").start()
    try:
        out = await h.feed("+alice", 'alice> /feedback kind:idea title:"' + "t" * 21 +
                           '" text:"x"')
        assert "Your title is 21 characters; please keep it to 20 or fewer" in out[-1], out
        out = await h.feed('alice> /feedback kind:idea title:"t" text:"' + "x" * 61 + '"')
        assert "Your text is 61 characters; please keep it to 60" in out[-1], out
        assert "haven't sent any feedback" in (await h.feed("alice> /feedback mine"))[0]
    finally:
        await h.close()


async def test_declined_and_duplicate_items_take_no_support(h: Harness) -> None:
    await h.feed(f"alice> /feedback {IDEA}", f"bob> /feedback {IDEA}", f"carol> /feedback {IDEA}")
    await h.feed("mia> /feedback status 1 declined We tried this last year; nobody came.")
    out = await h.feed("dana> /feedback support 1")
    assert "is declined, so it can't take support" in out[0]
    await h.feed("mia> /feedback duplicate 3 2")
    out = await h.feed("dana> /feedback support 3")
    assert "please support #2 instead" in out[0]
    out = await h.feed("mia> /feedback duplicate 2 3")
    assert "#3 is itself a duplicate of #2" in out[0]


# ---------------------------------------------------------------------- statuses


async def test_each_status_change_tells_the_author_and_every_supporter(h: Harness) -> None:
    await h.feed(f"alice> /feedback {IDEA}", "bob> /feedback support 1",
                 "carol> /feedback support 1", "carol> /feedback unsupport 1",
                 "dana> /feedback support 1")
    for status in ("under-review", "planned", "in-progress", "done"):
        out = await h.feed(f"mia> /feedback status 1 {status}")
        dms = sorted(line.split("]")[0] for line in only(out, "[DM to"))
        assert dms == ["[DM to alice", "[DM to bob", "[DM to dana"], out
        shown = status.replace("-", " ")
        assert all(f"**{shown}**" in line for line in only(out, "[DM to"))
        assert any(line.startswith("[#feedback] Hearth (edited)") and f"({'idea'}, {shown})"
                   in line for line in out), out
    show = await h.feed("bob> /feedback show 1")
    assert show[0].count("•") == 4


async def test_a_decline_tells_everyone_the_reason(h: Harness) -> None:
    await h.feed(f"alice> /feedback {IDEA}", "bob> /feedback support 1")
    out = await h.feed("mia> /feedback status 1 declined We tried it; nobody came.")
    dms = only(out, "[DM to")
    assert len(dms) == 2 and all("The team says: We tried it; nobody came." in d for d in dms)


async def test_a_duplicate_asks_its_supporters_instead_of_moving_their_support(
        h: Harness) -> None:
    await h.feed(f"alice> /feedback {IDEA}", 'bob> /feedback kind:idea title:"Voice nights" '
                 'text:"Voice chat on Fridays?"', "carol> /feedback support 2")
    out = await h.feed("mia> /feedback duplicate 2 1")
    to_carol = only(out, "[DM to carol]")[0]
    assert "Would you like to move your support there?" in to_carol
    assert "/feedback support 1" in to_carol
    to_bob = only(out, "[DM to bob]")[0]
    assert "turned out to match #1" in to_bob
    listing = await h.feed("carol> /feedback list")
    assert "#1 Weekly voice chat (idea, new, 0 supporters)" in listing[0]


async def test_notes_stay_with_the_team(h: Harness) -> None:
    await h.feed(f"alice> /feedback {IDEA}", "bob> /feedback support 1")
    out = await h.feed("mia> /feedback note 1 Ask Sam whether he'd host")
    assert len(out) == 1 and out[0].startswith("[to mia only] Noted on #1")
    assert "Ask Sam" in (await h.feed("mia> /feedback show 1"))[0]
    assert "Ask Sam" not in (await h.feed("alice> /feedback show 1"))[0]


async def test_a_closed_dm_is_told_to_the_moderator(h: Harness) -> None:
    await h.feed(":closedms bob", f"alice> /feedback {IDEA}", "bob> /feedback support 1")
    out = await h.feed("mia> /feedback status 1 planned")
    assert "[to mia only] bob's private messages are closed, so they didn't hear about #1." \
        in out


# ---------------------------------------------------------------------- limits


# Reads the SQLite file itself (a snapshot of every table, or raw rows).
@pytest.mark.sqlite_only
async def test_the_rate_limit_counts_anonymous_items_and_lifts_in_time(h: Harness) -> None:
    await h.feed(f"alice> /feedback {IDEA}", f"alice> /feedback {PROBLEM} anonymous:yes",
                 f"alice> /feedback {PROBLEM}")
    before = snapshot(h.database)
    out = await h.feed(f"alice> /feedback {IDEA}")
    assert "You've sent 3 items in the last 1 day" in out[0], out
    assert snapshot(h.database) == before
    await h.wait(timedelta(days=1))
    assert "Your idea is #4" in (await h.feed(f"alice> /feedback {IDEA}"))[0]


# ---------------------------------------------------------------------- the review clock


async def test_the_review_clock_raises_once_and_lists_weekly_across_restarts(
        h: Harness) -> None:
    await h.feed(f"alice> /feedback {IDEA}", f"bob> /feedback {PROBLEM}")
    await h.feed("mia> /feedback status 2 under-review")  # reviewed: never raised
    assert only(await h.wait(timedelta(days=6)), "[#mod-log]") == []
    await h.restart()
    raised = only(await h.wait(timedelta(days=2)), "[#mod-log]")
    assert len(raised) == 1 and "Feedback #1" in raised[0] and "waiting 7 days" in raised[0]
    await h.restart()
    weekly = only(await h.wait(timedelta(days=7)), "[#mod-log]")
    assert len(weekly) == 1 and "still waiting for a first look (1): #1" in weekly[0], weekly
    await h.restart()
    again = only(await h.wait(timedelta(days=7)), "[#mod-log]")
    assert len(again) == 1 and "(21 days)" in again[0]  # a weekly line, never a second raise
    await h.feed(":mod mia", "mia> /feedback status 1 planned")
    await h.restart()
    assert only(await h.wait(timedelta(days=21)), "[#mod-log]") == []


async def test_an_overdue_raise_missed_while_down_comes_at_start(h: Harness) -> None:
    await h.feed(f"alice> /feedback {IDEA}")
    await h.app.close()
    h.clock.set(h.clock.now() + timedelta(days=10))
    await h.start()  # overdue jobs run as Hearth starts
    raised = only(h.lines, "[#mod-log] Hearth: Feedback #1")
    assert len(raised) == 1 and "waiting 10 days" in raised[0]


async def test_a_raise_cut_off_by_a_crash_is_posted_at_the_next_start_once(h: Harness) -> None:
    await h.feed(f"alice> /feedback {IDEA}")
    await h.wait(timedelta(days=6))
    h.lines.clear()
    # As if Hearth died after marking #1 raised but before the post went out:
    store = h.app.stores["feedback"]
    await h.app.scheduler.cancel(f"feedback.review:{h.community.key}:1")
    assert await store.raise_once(h.community, 1, h.clock.now())
    await h.restart()
    assert len(only(h.lines, "[#mod-log] Hearth: Feedback #1")) == 1
    await h.restart()
    await h.wait(timedelta(days=1))
    assert len(only(h.lines, "[#mod-log] Hearth: Feedback #1")) == 1


async def test_after_weeks_down_the_overdue_line_comes_once_and_keeps_its_day(
        h: Harness) -> None:
    await h.feed(f"alice> /feedback {IDEA}")
    await h.wait(timedelta(days=8))  # raised on day 7; the weekly line is due on day 14
    await h.app.close()
    h.clock.set(h.clock.now() + timedelta(days=30))
    h.lines.clear()
    await h.start()
    assert len(only(h.lines, "[#mod-log] Hearth: Feedback still waiting")) == 1
    h.lines.clear()
    # Day 38 now; the next line keeps the rhythm (14, 21, ...): day 42.
    assert only(await h.wait(timedelta(days=3)), "[#mod-log]") == []
    assert len(only(await h.wait(timedelta(days=1)), "[#mod-log]")) == 1


# ---------------------------------------------------------------------- anonymity


def every_value(database: Path, tables: list[str]) -> set[str]:
    with sqlite3.connect(database) as db:
        return {str(v) for t in tables for row in db.execute(f'SELECT * FROM "{t}"')
                for v in row if v is not None}


# Reads the SQLite file itself (a snapshot of every table, or raw rows).
@pytest.mark.sqlite_only
async def test_no_query_path_from_an_anonymous_item_to_its_author(
        make_harness: Callable[..., Harness], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(anonymity.ENV_KEY, "k" * 32)
    h = await make_harness().start()
    try:
        await h.feed(":mod mia", "+alice", "+bob")
        out = await h.feed(f"alice> /feedback {IDEA} anonymous:yes", "bob> /feedback support 1")
        seen_by_team = "\n".join(out + await h.feed("mia> /feedback show 1",
                                                    "mia> /feedback list",
                                                    "mia> /feedback status 1 planned"))
        assert "alice" not in seen_by_team.replace("[to alice only]", "")
        with sqlite3.connect(h.database) as db:
            tables = [r[0] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'feedback%'")]
            assert db.execute("SELECT COUNT(*) FROM feedback_secret").fetchone() == (0,)
        values = every_value(h.database, tables)
        # Nothing in feedback's tables names alice or can be joined to her member record...
        assert not any("alice" in v for v in values)
        # ...nor is her id's plain (unkeyed) hash there to be matched by trying member ids.
        assert hashlib.sha256(b"alice").hexdigest() not in values
        assert anonymity.author_key(b"k" * 32, h.community, "alice") in values  # keyed only
        # She follows it herself, matched by the keyed hash; nobody else sees it as theirs.
        assert "sent anonymously" in (await h.feed("alice> /feedback mine"))[0]
        assert "haven't sent any feedback" in (await h.feed("bob> /feedback mine"))[0]
    finally:
        await h.close()


async def test_the_anonymous_author_is_not_messaged_and_the_team_is_told_why(
        h: Harness) -> None:
    await h.feed(f"alice> /feedback {IDEA} anonymous:yes", "bob> /feedback support 1")
    out = await h.feed("mia> /feedback status 1 done")
    assert [line.split("]")[0] for line in only(out, "[DM to")] == ["[DM to bob"]
    assert "sent it anonymously, so they'll see the change in /feedback mine" in out[0]


# Reads the SQLite file itself (a snapshot of every table, or raw rows).
@pytest.mark.sqlite_only
async def test_without_the_secret_a_generated_key_is_kept_once(
        make_harness: Callable[..., Harness], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(anonymity.ENV_KEY, raising=False)
    h = await make_harness().start()
    try:
        await h.feed("+alice", f"alice> /feedback {IDEA} anonymous:yes")
        await h.restart()
        assert "Weekly voice chat" in (await h.feed("alice> /feedback mine"))[0]
        with sqlite3.connect(h.database) as db:
            assert db.execute("SELECT COUNT(*) FROM feedback_secret").fetchone() == (1,)
    finally:
        await h.close()


# Reads the SQLite file itself (a snapshot of every table, or raw rows).
@pytest.mark.sqlite_only
async def test_an_anonymous_author_still_cannot_support_their_own_item(h: Harness) -> None:
    await h.feed(f"alice> /feedback {IDEA} anonymous:yes")
    before = snapshot(h.database)
    out = await h.feed("alice> /feedback support 1")
    assert out == ["[to alice only] #1 is your own idea, so your support is already counted. "
                   "Nothing changed."]
    assert snapshot(h.database) == before
    assert "Thanks for supporting #1" in (await h.feed("bob> /feedback support 1"))[0]


async def test_help_feedback_says_what_anonymity_costs(h: Harness) -> None:
    out = await h.feed("bob> /help feedback")
    assert "can't message you when its status changes" in out[0]
    assert "/feedback mine" in out[0]


# ---------------------------------------------------------------------- figures, you said we did


async def test_figures_for_community_health(h: Harness) -> None:
    start = h.clock.now()
    await h.feed(f"alice> /feedback {IDEA}", f"bob> /feedback {PROBLEM}",
                 f"carol> /feedback {PROBLEM}")
    await h.wait(timedelta(days=1))
    await h.feed("mia> /feedback status 1 done", "mia> /feedback status 2 declined Not now.")
    await h.wait(timedelta(days=9))
    await h.feed("mia> /feedback status 3 planned")
    services = h.runtime.cogs[0].services
    figures = await services.figures_of(h.community, start, h.clock.now() + timedelta(1))
    # Other features declare figures too (the inbox's): these are feedback's.
    figures = {k: v for k, v in figures.items() if k.startswith("feedback_")}
    assert figures == {"feedback_received": 3, "feedback_reviewed_in_time": 2,
                       "feedback_median_first_review_seconds": 86400.0, "feedback_done": 1,
                       "feedback_declined": 1}


async def test_you_said_we_did_thanks_who_asked(make_harness: Callable[..., Harness]) -> None:
    h = await make_harness("[feedback.you_said_we_did]\nenabled = true\nevery = \"30d\"\n"
                           ).start()
    try:
        await h.feed(":mod mia", "+alice", "+bob", f"alice> /feedback {IDEA}",
                     f"bob> /feedback {IDEA} anonymous:yes")
        await h.feed("mia> /feedback status 1 done", "mia> /feedback status 2 done")
        await h.restart()
        post = only(await h.wait(timedelta(days=30)), "[#feedback]")
        assert len(post) == 1 and "You said, we did" in post[0]
        assert "thanks to alice" in post[0]
        assert "thanks to a member who asked to stay anonymous" in post[0]
        assert only(await h.wait(timedelta(days=30)), "[#feedback]") == []  # nothing new
    finally:
        await h.close()
