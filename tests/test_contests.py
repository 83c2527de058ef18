"""Contests through the real runtime: commands, the clock, restarts and the draw's audit."""

from __future__ import annotations

import asyncio
import hashlib
import re
import tomllib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.actions import Action, DirectMessage, Post, Respond
from bot.cog import Cog, Context, Listener
from bot.events import Event, Recognition
from bot.ports import Receipt, StorageUnavailable
from cogs.contests.cog import CLOSE
from cogs.contests.settings import ContestsSettings
from tests.harness import EXAMPLE, Harness


class RecognitionProbe(Cog):
    """Stands where the reputation cog will: records every Recognition it is handed."""

    name = "probe"

    def __init__(self, services: Any) -> None:
        super().__init__(services)
        self.seen: list[Recognition] = []

    def listeners(self) -> dict[type[Event], Listener]:
        return {Recognition: self.on_recognition}

    async def on_recognition(self, event: Recognition, ctx: Context) -> list[Action]:
        self.seen.append(event)
        return []


def probe(h: Harness) -> RecognitionProbe:
    found = RecognitionProbe(h.app.runtime.cogs[0].services)
    h.runtime.add_cog(found)
    return found


def closed_posts(lines: list[str]) -> list[str]:
    return [line for line in lines if re.search(r"\(#\d+\) has closed", line)]


def private(actions: list[Action]) -> list[str]:
    return [a.text.plain() for a in actions if isinstance(a, Respond)]


def public(actions: list[Action]) -> list[str]:
    return [a.text.plain() for a in actions if isinstance(a, Post)]


async def members(h: Harness, *names: str) -> None:
    for name in names:
        await h.join(name)


async def create(h: Harness, options: str = "3d votes") -> list[Action]:
    return await h.command(
        "maya", f'/contest create "Autumn colours" "Share a photo of autumn." {options}',
        mod=True)


# -- the whole flow, on time ----------------------------------------------------------------


async def test_contest_closes_on_time_across_a_restart_and_is_announced_once(
        hearth: Harness) -> None:
    h = hearth
    await members(h, "alice", "bob", "carol")
    made = await create(h)
    assert any("#1" in t for t in public(made))
    await h.command("alice", "/contest enter #1 https://example.com/leaves.jpg")
    await h.command("bob", "/contest enter #1 My maple at dawn")
    await h.command("carol", "/contest vote #1 2")
    await h.command("alice", "/contest vote #1 2")
    reminder = await h.wait(timedelta(days=2, hours=1))
    assert any("friendly reminder" in line for line in reminder)

    await h.restart()
    lines = await h.wait(timedelta(days=1))
    [announcement] = closed_posts(lines)
    assert "Congratulations to @bob (entry 2, votes: 2)" in announcement

    await h.restart()
    again = await h.wait(timedelta(days=7))
    assert closed_posts(again) == []
    shown = private(await h.command("carol", "/contest show #1"))
    assert "Winners: bob (entry 2, votes: 2)" in shown[0]


class FailsOnce(Cog):
    """A feature whose storage fails the first time a winner is recognised."""

    name = "fails-once"
    failed = False

    def listeners(self) -> dict[type[Event], Listener]:
        return {Recognition: self.on_recognition}

    async def on_recognition(self, event: Recognition, ctx: Context) -> list[Action]:
        if not self.failed:
            self.failed = True
            raise StorageUnavailable("disk I/O error")
        return []


async def test_a_close_whose_award_fails_is_undone_whole_and_retried(
        hearth: Harness) -> None:
    h = hearth
    h.runtime.add_cog(FailsOnce(h.app.runtime.cogs[0].services))
    await members(h, "alice", "bob")
    await create(h, "1h draw winners:2")
    await h.command("alice", "/contest enter #1 my leaves")
    await h.command("bob", "/contest enter #1 my maple")
    # The close and its awards are one unit: the first award's failure undoes the close too,
    # rather than leave a contest closed with one winner awarded and nobody told.
    assert closed_posts(await h.wait(timedelta(hours=1))) == []
    rows = "SELECT user_id, SUM(points) FROM rep_ledger WHERE source='contest_win' GROUP BY 1"
    assert await h.app.storage.db.fetchall(rows) == []
    contest = await h.app.stores["contests"].get(h.community, 1)
    assert contest is not None and contest.state == "open"

    # The job's retry a minute later closes it, awards both and announces once.
    [announcement] = closed_posts(await h.wait(timedelta(minutes=2)))
    assert "@alice" in announcement and "@bob" in announcement
    award = ContestsSettings().award
    assert sorted(map(tuple, await h.app.storage.db.fetchall(rows))) == [
        ("alice", award), ("bob", award)]
    start = len(h.lines)
    await h.restart()  # nothing left to finish: no repeat, no second award
    assert closed_posts(h.lines[start:]) == []
    assert sorted(map(tuple, await h.app.storage.db.fetchall(rows))) == [
        ("alice", award), ("bob", award)]


class PlatformDown:
    """The platform refusing every post, as during an outage (the adapter's side of a Sink)."""

    async def perform(self, action: Action) -> Receipt:
        raise ConnectionError("platform unreachable")


async def test_an_announcement_that_never_went_out_is_posted_at_the_next_start(
        hearth: Harness) -> None:
    h = hearth
    await members(h, "alice")
    await create(h, "1h draw")
    await h.command("alice", "/contest enter #1 my leaves")
    h.runtime.add_sink("console", PlatformDown())
    assert closed_posts(await h.wait(timedelta(hours=1))) == []
    contest = await h.app.stores["contests"].get(h.community, 1)
    assert contest is not None and contest.state == "closed"  # closed and awarded, not told

    start = len(h.lines)
    await h.restart()
    [announcement] = closed_posts(h.lines[start:])
    assert "Congratulations to @alice" in announcement
    start = len(h.lines)
    await h.restart()
    await h.wait(timedelta(days=1))
    assert closed_posts(h.lines[start:]) == []
    awarded = await h.app.storage.db.scalar(
        "SELECT SUM(points) FROM rep_ledger WHERE source='contest_win' AND user_id='alice'")
    assert awarded == ContestsSettings().award


async def test_a_contest_handed_to_moderators_is_announced_at_the_next_start_if_lost(
        hearth: Harness) -> None:
    h = hearth
    await members(h, "alice")
    await create(h, "1h pick")
    await h.command("alice", "/contest enter #1 my leaves")
    h.runtime.add_sink("console", PlatformDown())
    await h.wait(timedelta(hours=1))
    start = len(h.lines)
    await h.restart()
    said = h.lines[start:]
    assert sum("is now closed to entries" in line for line in said) == 1
    assert sum("Please choose 1 winner with `/contest pick #1" in line for line in said) == 1
    # Once the moderators pick, the winners' announcement follows as usual, once.
    picked = await h.command("maya", "/contest pick #1 1", mod=True)
    assert len([t for t in public(picked) if "has closed" in t]) == 1
    await h.runtime.deliver(picked)
    start = len(h.lines)
    await h.restart()
    assert h.lines[start:] == []


async def test_a_deadline_missed_while_down_closes_at_start_up(hearth: Harness) -> None:
    h = hearth
    await members(h, "alice", "bob")
    await create(h, "1h draw")
    await h.command("alice", "/contest enter #1 a poem about rain")
    await h.command("bob", "/contest enter #1 a photo of fog")
    await h.app.close()
    h.clock.set(h.clock.now() + timedelta(hours=5))
    before = len(h.lines)
    await h.start()
    [announcement] = closed_posts(h.lines[before:])
    # The draw uses the deadline, not the moment Hearth came back.
    assert "|#1|2026-11-21T10:00:00Z|1,2|" in announcement


async def test_the_closing_job_firing_twice_announces_once(hearth: Harness) -> None:
    h = hearth
    await members(h, "alice", "bob")
    await create(h, "1d draw")
    await h.command("alice", "/contest enter #1 mine")
    await h.command("bob", "/contest enter #1 mine too")
    seen = probe(h)
    cog = next(c for c in h.runtime.cogs if c.name == "contests")
    job = await h.app.storage.jobs.get(f"{CLOSE}:console:local:1")
    assert job is not None
    h.clock.set(job.due_at)
    results = await asyncio.gather(cog.close_job(job), cog.close_job(job))
    assert sorted(len(r) for r in results)[0] == 0
    announced = [a for r in results for a in r if isinstance(a, Post)]
    assert len(announced) == 1
    await h.runtime.deliver([a for r in results for a in r])
    assert [r.user_id for r in seen.seen] in (["alice"], ["bob"])
    assert seen.seen[0].source == "contest_win" and seen.seen[0].reason == "won contest #1"
    assert seen.seen[0].points == ContestsSettings().award


async def test_a_close_command_racing_the_deadline_announces_once(hearth: Harness) -> None:
    h = hearth
    await members(h, "alice", "bob")
    await create(h, "1h votes")
    await h.command("alice", "/contest enter #1 one")
    await h.command("bob", "/contest enter #1 two")
    start = len(h.lines)
    command, _ = await asyncio.gather(
        h.command("maya", "/contest close #1", mod=True),
        h.app.scheduler.advance(timedelta(hours=1)))
    from_command = [t for t in public(command) if "has closed" in t]
    assert len(from_command) + len(closed_posts(h.lines[start:])) == 1
    late = await h.command("maya", "/contest close #1", mod=True)
    assert "isn't open any more" in private(late)[0]


async def test_counts_in_contest_messages_read_naturally(hearth: Harness) -> None:
    h = hearth
    await members(h, "alice")
    await create(h, "2d draw")
    await h.command("alice", "/contest enter #1 my only entry")
    listing = private(await h.command("bob", "/contest list"))[0]
    assert "random draw, 1 entry so far; closes" in listing
    closed = public(await h.command("maya", "/contest close #1", mod=True))[0]
    assert "took part: 1 entry from 1 member!" in closed


async def test_winners_are_recognised_for_reputation(hearth: Harness) -> None:
    h = hearth
    await members(h, "alice", "bob", "carol")
    seen = probe(h)
    await create(h, "2d draw winners:2")
    for name in ("alice", "bob", "carol"):
        await h.command(name, f"/contest enter #1 entry by {name}")
    closed = await h.command("maya", "/contest close #1", mod=True)
    assert len(seen.seen) == 2
    assert all(r.source == "contest_win" and r.points == 50 for r in seen.seen)
    assert "Each winner receives 50 reputation" in public(closed)[0]


# -- the audit ---------------------------------------------------------------------------------


def rederive(announcement: str, entrants: dict[int, str], winners: int,
             votes: dict[int, int] | None = None) -> list[str]:
    """Re-run the draw from the announcement alone, as README tells anyone to."""
    m = re.search(r"the seed is ([0-9a-f]{64}), the sha256 of `([^`]+)`", announcement)
    assert m, announcement
    seed, seed_input = m.groups()
    assert hashlib.sha256(seed_input.encode()).hexdigest() == seed
    listed = [int(n) for n in seed_input.split("|")[4].split(",")]
    assert listed == sorted(entrants)

    def ticket(n: int) -> str:
        return hashlib.sha256(f"{seed}:{n}".encode()).hexdigest()

    ranked = sorted(listed, key=lambda n: (-(votes or {}).get(n, 0), ticket(n)))
    chosen: list[str] = []
    for n in ranked:
        if entrants[n] not in chosen and len(chosen) < winners:
            chosen.append(entrants[n])
    return chosen


async def test_a_random_draw_can_be_re_derived_from_the_announcement(hearth: Harness) -> None:
    h = hearth
    names = ["alice", "bob", "carol", "dave", "erin"]
    await members(h, *names)
    made = await create(h, "1d draw winners:2 entries:2")
    seal = re.search(r"Fairness seal: ([0-9a-f]{16})", public(made)[0])
    assert seal
    entrants = {}
    for name in names:
        await h.command(name, f"/contest enter #1 first from {name}")
    await h.command("alice", "/contest enter #1 second from alice")
    for n, name in enumerate([*names, "alice"], start=1):
        entrants[n] = name
    [announcement] = closed_posts(await h.wait(timedelta(days=1)))
    expected = rederive(announcement, entrants, winners=2)
    shown = re.findall(r"@(\w+) \(entry (\d+)\)", announcement)
    assert [name for name, _ in shown] == expected
    secret = re.search(r"The secret ([0-9a-f]+) was sealed", announcement)
    assert secret
    assert hashlib.sha256(secret.group(1).encode()).hexdigest()[:16] == seal.group(1)
    assert announcement.count(secret.group(1)) == 2  # in the seed input and stated openly


async def test_a_tie_in_votes_is_settled_by_the_stated_draw(hearth: Harness) -> None:
    h = hearth
    await members(h, "alice", "bob", "carol", "dave")
    await create(h, "1d votes")
    await h.command("alice", "/contest enter #1 one")
    await h.command("bob", "/contest enter #1 two")
    await h.command("carol", "/contest vote #1 1")
    await h.command("dave", "/contest vote #1 2")
    [announcement] = closed_posts(await h.wait(timedelta(days=1)))
    assert "A tie goes to the entry with the lowest draw ticket" in announcement
    expected = rederive(announcement, {1: "alice", 2: "bob"}, 1, votes={1: 1, 2: 1})
    assert f"Congratulations to @{expected[0]}" in announcement


async def test_a_redraw_skips_everyone_who_already_won(hearth: Harness) -> None:
    h = hearth
    await members(h, "alice", "bob", "carol")
    await create(h, "1d draw winners:2")
    for name in ("alice", "bob", "carol"):
        await h.command(name, f"/contest enter #1 from {name}")
    [announcement] = closed_posts(await h.wait(timedelta(days=1)))
    first = re.findall(r"@(\w+) \(entry", announcement)
    [remaining] = {"alice", "bob", "carol"} - set(first)
    seen = probe(h)
    redrawn = await h.command("maya", f"/contest reroll #1 @{first[0]}", mod=True)
    assert f"the place now goes to @{remaining}" in public(redrawn)[0]
    assert [r.user_id for r in seen.seen] == [remaining]
    # Everyone has won once now: a second redraw has nobody left and changes nothing.
    nobody = await h.command("maya", f"/contest reroll #1 @{first[1]}", mod=True)
    assert "nobody to redraw" in private(nobody)[0]
    again = await h.command("maya", f"/contest reroll #1 @{first[0]}", mod=True)
    assert "isn't among the current winners" in private(again)[0]
    shown = private(await h.command("alice", "/contest show #1"))[0]
    assert first[0] not in shown.split("Winners:")[1].split("\n")[0]


# -- moderators pick ---------------------------------------------------------------------------


async def test_moderators_pick_winners_after_the_deadline(hearth: Harness) -> None:
    h = hearth
    await members(h, "alice", "bob", "carol")
    await create(h, "1d pick winners:2")
    for name in ("alice", "bob", "carol"):
        await h.command(name, f"/contest enter #1 from {name}")
    early = await h.command("maya", "/contest pick #1 1", mod=True)
    assert "isn't waiting for anyone to pick" in private(early)[0]
    lines = await h.wait(timedelta(days=1))
    assert any("moderators are choosing" in line for line in lines)
    assert any(line.startswith("[#mod-log]") and "/contest pick #1" in line for line in lines)
    seen = probe(h)
    first = await h.command("maya", "/contest pick #1 3", mod=True)
    assert "1 winner still to choose" in private(first)[0] and public(first) == []
    same = await h.command("maya", "/contest pick #1 3", mod=True)
    assert "already a winner" in private(same)[0]
    second = await h.command("maya", "/contest pick #1 1", mod=True)
    announcement, *badges = public(second)
    # The win counts toward the contest-wins badge: each winner is congratulated for it too.
    assert len(badges) == 2 and all("**Champion** badge" in b for b in badges)
    assert "Congratulations to @carol (entry 3) and @alice (entry 1)" in announcement
    assert "Fairness check" not in announcement
    assert sorted(r.user_id for r in seen.seen) == ["alice", "carol"]
    more = await h.command("maya", "/contest pick #1 2", mod=True)
    assert "isn't waiting" in private(more)[0]
    freed = await h.command("maya", "/contest reroll #1 @alice", mod=True)
    assert "Please choose who takes the place" in private(freed)[0]
    late = await h.command("maya", "/contest pick #1 2", mod=True)
    assert "our moderators chose @bob (entry 2)" in public(late)[0]


# -- pre-moderation ----------------------------------------------------------------------------


async def test_entries_under_review_wait_for_a_moderator(hearth: Harness) -> None:
    h = hearth
    await members(h, "alice", "bob", "carol")
    await create(h, "2d votes review:yes")
    sent = await h.command("alice", "/contest enter #1 https://example.com/a.jpg")
    assert "waiting for a moderator" in private(sent)[0]
    assert [a.channel for a in sent if isinstance(a, Post)] == ["mod-log"]
    hidden = private(await h.command("carol", "/contest show #1"))[0]
    assert "example.com" not in hidden
    vote = await h.command("carol", "/contest vote #1 1")
    assert "There's no entry 1" in private(vote)[0]
    nope = await h.command("carol", "/contest approve #1 1")
    assert "for the moderator team" in private(nope)[0]

    approved = await h.command("maya", "/contest approve #1 1", mod=True)
    dms = [a for a in approved if isinstance(a, DirectMessage)]
    assert dms[0].user_id == "alice" and "approved" in dms[0].text.plain()
    assert any("New entry 1" in t for t in public(approved))
    twice = await h.command("maya", "/contest approve #1 1", mod=True)
    assert "isn't waiting for review" in private(twice)[0]

    await h.command("bob", "/contest enter #1 something off-topic")
    await h.feed(":closedms bob", ":mod maya")
    lines = await h.feed("maya> /contest decline #1 2 It isn't a photo of autumn, sadly.")
    assert any("I couldn't send bob a DM" in line for line in lines)
    await h.feed("bob> /contest enter #1 https://example.com/b.jpg")
    declined = await h.command("maya", "/contest decline #1 3 Please use your own photo.",
                               mod=True)
    [dm] = [a for a in declined if isinstance(a, DirectMessage)]
    assert dm.user_id == "bob" and "Please use your own photo." in dm.text.plain()
    assert "Declined entry 3 by bob" in private(declined)[0]


# -- bad input changes nothing -----------------------------------------------------------------


async def test_bad_input_gets_a_clear_private_answer_and_changes_nothing(hearth: Harness) -> None:
    h = hearth
    await members(h, "alice", "bob", "carol")
    unknown = await h.command("alice", "/contest enter #9 hello")
    assert private(unknown) == ["I couldn't find contest #9. `/contest list` shows the open ones."]
    await create(h, "2d votes")
    await h.command("alice", "/contest enter #1 first")
    second = await h.command("alice", "/contest enter #1 second")
    assert "allows (1)" in private(second)[0] and public(second) == []
    own = await h.command("alice", "/contest vote #1 1")
    assert "your own entry" in private(own)[0]
    first = await h.command("bob", "/contest vote #1 1")
    assert "Your vote for entry 1" in private(first)[0]
    again = await h.command("bob", "/contest vote #1 1")
    assert "already voting for entry 1" in private(again)[0]
    missing = await h.command("bob", "/contest vote #1 7")
    assert "There's no entry 7" in private(missing)[0]
    past = await create(h, "2020-01-01 draw")
    assert "already passed" in private(past)[0]
    garbled = await create(h, "soonish draw")
    assert "couldn't read 'soonish'" in private(garbled)[0]
    sneaky = await h.command("carol", '/contest create "Mine" "x" 1d draw')
    assert "for the moderator team" in private(sneaky)[0]
    for line in ("/contest close #1", "/contest cancel #1 no", "/contest reroll #1 @alice",
                 "/contest pick #1 1", "/contest decline #1 1 no"):
        assert "for the moderator team" in private(await h.command("carol", line))[0]
    listing = private(await h.command("carol", "/contest list"))[0]
    assert listing.count("#") == 1 and "1 entry so far" in listing  # no contest #2 was made
    await h.wait(timedelta(days=2))
    closed = await h.command("carol", "/contest enter #1 too late")
    assert "isn't open any more" in private(closed)[0]
    late_vote = await h.command("carol", "/contest vote #1 1")
    assert "isn't open any more" in private(late_vote)[0]


async def test_votes_only_in_voting_contests_and_a_withdrawn_entry_takes_its_votes(
        hearth: Harness) -> None:
    h = hearth
    await members(h, "alice", "bob", "carol")
    await create(h, "2d draw")
    await h.command("alice", "/contest enter #1 a draw entry")
    no_vote = await h.command("bob", "/contest vote #1 1")
    assert "doesn't have a vote" in private(no_vote)[0]
    await create(h, "2d votes entries:2")
    await h.command("alice", "/contest enter #2 one")
    await h.command("alice", "/contest enter #2 two")
    await h.command("bob", "/contest enter #2 three")
    which = await h.command("alice", "/contest withdraw #2")
    assert "more than one entry" in private(which)[0]
    await h.command("carol", "/contest vote #2 1")
    gone = await h.command("alice", "/contest withdraw #2 1")
    assert "entry 1 is withdrawn" in private(gone)[0]
    nothing = await h.command("bob", "/contest withdraw #2 1")
    assert "no entry" in private(nothing)[0]
    # carol's vote went with the entry, so it counts as a fresh vote now.
    fresh = await h.command("carol", "/contest vote #2 3")
    assert "Your vote for entry 3" in private(fresh)[0]
    closed = await h.command("maya", "/contest close #2", mod=True)
    assert "@bob (entry 3, votes: 1)" in public(closed)[0]


async def test_cancelling_tells_members_why_and_nothing_closes_later(hearth: Harness) -> None:
    h = hearth
    await members(h, "alice")
    await create(h, "2d draw")
    await h.command("alice", "/contest enter #1 hello")
    cancelled = await h.command("maya", "/contest cancel #1 The prize fell through, sorry.",
                                mod=True)
    assert "has been cancelled: The prize fell through, sorry." in public(cancelled)[0]
    assert closed_posts(await h.wait(timedelta(days=3))) == []
    shown = private(await h.command("alice", "/contest show #1"))[0]
    assert "Cancelled: The prize fell through" in shown


async def test_anonymous_entries_hide_their_authors_until_close(hearth: Harness) -> None:
    h = hearth
    await members(h, "alice", "bob")
    await create(h, "1d votes anonymous:yes")
    entered = await h.command("alice", "/contest enter #1 a secret poem")
    assert all("alice" not in t for t in public(entered))
    before = private(await h.command("bob", "/contest show #1"))[0]
    assert "Entry 1: a secret poem" in before and "alice" not in before
    await h.wait(timedelta(days=1))
    after = private(await h.command("bob", "/contest show #1"))[0]
    assert "Entry 1 by alice: a secret poem" in after
    await create(h, "1d votes anonymous:no")
    named = await h.command("bob", "/contest enter #2 my picture")
    assert any("from bob" in t for t in public(named))


# -- requirements --------------------------------------------------------------------------


async def test_days_of_membership_are_required_and_explained(hearth: Harness) -> None:
    h = hearth
    await h.join("alice")
    await h.wait(timedelta(days=2))
    await h.join("newcomer")
    await create(h, "10d draw min_days:2")
    ok = await h.command("alice", "/contest enter #1 been here a while")
    assert "Your entry 1 is in" in private(ok)[0]
    early = await h.command("newcomer", "/contest enter #1 hello")
    [refusal] = private(early)
    assert "at least 2 days" in refusal and "2026-11-25T09:00:00+00:00" in refusal
    assert public(early) == []
    await h.wait(timedelta(days=2))
    later = await h.command("newcomer", "/contest enter #1 hello")
    assert "Your entry 2 is in" in private(later)[0]


async def test_requirements_are_listed_when_a_contest_opens(hearth: Harness) -> None:
    made = await create(hearth, "1d draw min_days:3 min_reputation:10 badge:Helper")
    assert ("To enter you'll need 3 days in the community, 10 reputation and the Helper badge."
            in public(made)[0])


async def test_reputation_and_badges_come_from_the_standing_sources(hearth: Harness) -> None:
    h = hearth
    await members(h, "alice")
    await create(h, "1d draw min_reputation:5")
    refused = await h.command("alice", "/contest enter #1 hi")
    assert "need at least 5 reputation, and you have 0" in private(refused)[0]

    from bot.cog import Standing

    async def source(community: Any, user_id: str) -> Standing:
        return Standing(points=7 if user_id == "alice" else 0, badges=frozenset({"helper"}))

    h.runtime.cogs[0].services.standing_sources.append(source)
    assert "Your entry 1 is in" in private(await h.command("alice", "/contest enter #1 hi"))[0]
    await create(h, "1d draw badge:Storyteller")
    badge = await h.command("alice", "/contest enter #2 hi")
    assert "with the Storyteller badge" in private(badge)[0]


async def test_minimum_reputation_with_real_thanks(hearth: Harness) -> None:
    pytest.importorskip("cogs.reputation")
    h = hearth
    await members(h, "alice", "bob", "carol")
    await create(h, "3d draw min_reputation:1")
    refused = await h.command("alice", "/contest enter #1 hi")
    assert "reputation" in private(refused)[0]
    await h.command("bob", "/thanks @alice for explaining the kiln schedule so patiently")
    entered = await h.command("alice", "/contest enter #1 hi")
    assert "Your entry 1 is in" in private(entered)[0]


async def test_votes_can_require_days_of_membership(make_harness: Callable[..., Harness]
                                                    ) -> None:
    h = await make_harness("[contests]\nmin_days_to_vote = 1\n").start()
    try:
        await members(h, "alice", "bob")
        await h.wait(timedelta(days=1))
        await members(h, "fresh")
        await create(h, "3d votes")
        await h.command("alice", "/contest enter #1 hi")
        refused = await h.command("fresh", "/contest vote #1 1")
        assert "here at least 1 day;" in private(refused)[0]
        assert "Your vote" in private(await h.command("bob", "/contest vote #1 1"))[0]
    finally:
        await h.close()


# -- autocomplete, list, config ------------------------------------------------------------


async def test_autocomplete_offers_open_contests(hearth: Harness) -> None:
    h = hearth
    await create(h, "3d votes")
    await h.command("maya", '/contest create "Winter stories" "A short story." 5d draw',
                    mod=True)
    actor = h.actor("alice")
    both = await h.runtime.autocomplete(h.community, actor, "contest enter", "contest", "")
    assert both == [("#1 Autumn colours (closes in 3 days)", "1"),
                    ("#2 Winter stories (closes in 5 days)", "2")]
    winter = await h.runtime.autocomplete(h.community, actor, "contest vote", "contest", "wint")
    assert winter == [("#2 Winter stories (closes in 5 days)", "2")]
    await h.command("maya", "/contest close #1", mod=True)
    after = await h.runtime.autocomplete(h.community, actor, "contest enter", "contest", "")
    assert [v for _, v in after] == ["2"]
    listing = private(await h.command("alice", "/contest list"))[0]
    assert ("#2 **Winter stories**: random draw, 0 entries so far; closes "
            "2026-11-26T09:00:00+00:00") in listing
    assert "Autumn" not in listing


def test_the_example_config_documents_every_contest_key() -> None:
    example = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))["contests"]
    keys = set(ContestsSettings.model_fields) - {"messages"}
    assert set(example) - {"messages"} == keys
    assert set(example["messages"]) == set(ContestsSettings.model_fields["messages"]
                                           .annotation.model_fields)  # type: ignore[union-attr]
    ContestsSettings.model_validate(example)  # and its values are the real defaults
    assert ContestsSettings.model_validate(example) == ContestsSettings()
