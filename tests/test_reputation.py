"""Reputation and badges, through the real runtime, cogs and SQLite."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.actions import DirectMessage, Post, Respond
from bot.config import ConfigError
from bot.events import MessagePosted, Recognition
from bot.text import Mention
from tests.harness import Harness, config_from, texts


async def points(h: Harness, name: str) -> int:
    return (await h.app.stores["reputation"].totals(h.community, name)).points


async def ledger(h: Harness) -> list[tuple[str, str | None, int, str]]:
    rows = await h.app.storage.db.fetchall(
        "SELECT user_id, giver_id, points, source FROM rep_ledger ORDER BY id")
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def members(h: Harness, *names: str) -> None:
    for name in names:
        await h.join(name)


async def test_thanks_gives_a_point_and_says_so_publicly(hearth: Harness) -> None:
    await members(hearth, "alice", "bob")
    lines = await hearth.feed("alice> /thanks @bob for fixing my kiln settings")
    assert lines == ["[#general] Hearth: alice thanked @bob for “fixing my kiln settings” 💛"]
    assert await points(hearth, "bob") == 1
    assert await ledger(hearth) == [("bob", "alice", 1, "thanks")]


@pytest.mark.parametrize(("line", "expected"), [
    ("/thanks @alice", "I can't record one for yourself"),
    ("/thanks @robo", "Bots don't collect reputation"),
    ("/thanks @nobody", "I couldn't find a member called 'nobody'"),
])
async def test_refused_thanks_are_explained_privately_and_write_nothing(
        hearth: Harness, line: str, expected: str) -> None:
    await members(hearth, "alice")
    await hearth.join("robo", bot=True)
    actions = await hearth.command("alice", line)
    assert len(actions) == 1 and isinstance(actions[0], Respond)
    assert expected in texts(actions)[0]
    assert await ledger(hearth) == []


async def test_pair_cooldown_then_allowed_again(hearth: Harness) -> None:
    await members(hearth, "alice", "bob")
    await hearth.command("alice", "/thanks @bob")
    refused = await hearth.feed("alice> /thanks @bob")
    assert refused == ["[to alice only] You thanked @bob only a little while ago, alice, so "
                       "I'll let this one rest. You can thank them again in 1 hour "
                       "(2026-11-21 10:00 UTC)."]
    await hearth.wait(timedelta(hours=1))
    assert "I've added a point" in texts(await hearth.command("alice", "/thanks @bob"))[0]
    assert await points(hearth, "bob") == 2


async def test_daily_limit_per_giver(make_harness: Callable[..., Harness]) -> None:
    h = await make_harness("[reputation]\ndaily_limit = 2").start()
    await members(h, "alice", "bob", "carol", "dan")
    await h.command("alice", "/thanks @bob")
    await h.command("alice", "/thanks @carol")
    refused = texts(await h.command("alice", "/thanks @dan"))[0]
    assert "You've shared 2 thanks in the last day, alice" in refused
    assert await points(h, "dan") == 0
    await h.wait(timedelta(days=1))
    await h.command("alice", "/thanks @dan")
    assert await points(h, "dan") == 1
    await h.close()


async def test_collusion_guard_caps_one_givers_share(make_harness: Callable[..., Harness]
                                                     ) -> None:
    h = await make_harness("[reputation]\npair_cooldown = \"off\"\nshare_applies_from = 3\n"
                           "max_share_per_giver = 0.5").start()
    await members(h, "alice", "bob", "carol")
    await h.command("alice", "/thanks @bob")
    await h.command("alice", "/thanks @bob")
    refused = texts(await h.command("alice", "/thanks @bob"))[0]
    assert "Much of @bob's reputation already comes from your thanks, alice" in refused
    await h.command("carol", "/thanks @bob")
    assert await points(h, "bob") == 3
    await h.close()


async def test_thanks_by_reaction_and_by_message(hearth: Harness) -> None:
    await members(hearth, "alice", "bob", "carol")
    await hearth.feed("bob> here is how you centre clay on the wheel")
    await hearth.feed("alice> :react bob 🙏")
    await hearth.feed("carol> thanks so much @bob!")
    await hearth.feed("alice> ty <@carol>, that was kind")
    await hearth.feed("alice> I saw @bob at the market")  # no thank-you word: no point
    assert [(u, g, s) for u, g, _, s in await ledger(hearth)] == [
        ("bob", "alice", "thanks_reaction"), ("bob", "carol", "thanks_message"),
        ("carol", "alice", "thanks_message")]
    # A refused passive thanks is explained by DM, never in the channel.
    lines = await hearth.feed("carol> thanks again @bob")
    assert len(lines) == 1 and lines[0].startswith("[DM to carol] You thanked @bob only")


async def test_activity_points_cooldown_min_length_and_flush(hearth: Harness) -> None:
    await members(hearth, "alice")
    await hearth.say("alice", "hi")  # too short
    await hearth.say("alice", "good morning everyone, coffee time")
    await hearth.say("alice", "and a second message within the minute")
    assert await points(hearth, "alice") == 0  # held in memory until the flush
    await hearth.wait(timedelta(seconds=5))
    assert await points(hearth, "alice") == 1
    await hearth.wait(timedelta(seconds=55))
    await hearth.say("alice", "a minute later, another thought")
    await hearth.close()  # stopping flushes what is held
    await hearth.start()
    assert await points(hearth, "alice") == 2
    reputation = hearth.app.stores["reputation"]
    assert (await reputation.totals(hearth.community, "alice")).messages == 2


async def test_a_busy_flush_is_written_in_pages_and_loses_nothing(hearth: Harness) -> None:
    # 120 members spoke within one flush interval: written 50 at a time, each page its own
    # transaction, so a command waits for one page at most, never the whole flush.
    names = [f"member{i}" for i in range(120)]
    for name in names:
        await hearth.say(name, "good morning everyone, coffee time")
    registry = hearth.app.metrics.registry
    assert registry.get_sample_value("hearth_activity_batch_members_count") == 0
    await hearth.wait(timedelta(seconds=5))
    assert [await points(hearth, name) for name in names] == [1] * 120
    assert registry.get_sample_value("hearth_activity_batch_members_count") == 3
    assert registry.get_sample_value("hearth_activity_batch_members_sum") == 120
    assert registry.get_sample_value("hearth_activity_batch_members_bucket",
                                     {"le": "50.0"}) == 3
    # And at shutdown too: everything held is written, a page at a time.
    await hearth.wait(timedelta(minutes=1))  # past the members' cooldown
    for name in names:
        await hearth.say(name, "and a second thought, a minute later")
    await hearth.close()
    await hearth.start()
    assert [await points(hearth, name) for name in names] == [2] * 120


async def test_unbatched_activity_is_written_at_once(make_harness: Callable[..., Harness]
                                                     ) -> None:
    h = await make_harness("[reputation]\nbatch_activity = false").start()
    await h.say("alice", "a long enough message to count")
    assert await points(h, "alice") == 1
    await h.close()


async def test_bots_earn_no_activity(hearth: Harness) -> None:
    await hearth.join("robo", bot=True)
    await hearth.handle(MessagePosted(
        hearth.community, hearth.clock.now(), author=hearth.actor("robo", bot=True),
        channel="general", message_id="x", content="beep boop, a long bot message"))
    await hearth.wait(timedelta(seconds=10))
    assert await points(hearth, "robo") == 0


async def test_profile_shows_points_rank_badges_and_next(hearth: Harness) -> None:
    await members(hearth, "alice", "bob", "carol")
    await hearth.feed('bob> /introduce about:"I make pots and love tea."')
    await hearth.command("alice", "/thanks @bob")
    await hearth.command("carol", "/thanks @bob")
    await hearth.command("bob", "/thanks @carol")
    await hearth.wait(timedelta(days=2))
    text = texts(await hearth.command("bob", "/profile"))[0]
    assert text.splitlines() == [
        "**bob**: reputation 2, ranked #1 of 2. A member for 2 days.",
        "Badges: 👋 Hello There",
        "Next badge: 🤝 **Helping Hand** (be thanked by 3 different members): 2 of 3 so far.",
    ]
    other = texts(await hearth.command("bob", "/profile @alice"))[0]
    assert other.startswith("**alice**: reputation 0, not ranked yet.")


async def test_leaderboard_periods_use_names_not_mentions(hearth: Harness) -> None:
    await members(hearth, "alice", "bob", "carol")
    await hearth.command("alice", "/thanks @bob")
    await hearth.wait(timedelta(days=10))
    await hearth.command("alice", "/thanks @carol")
    await hearth.command("bob", "/thanks @carol")
    actions = await hearth.command("alice", "/leaderboard")
    assert texts(actions)[0].splitlines() == [
        "**Top members of all time**", "1. carol: 2", "2. bob: 1"]
    assert not any(isinstance(s, Mention) for s in actions[0].text.segments)  # type: ignore
    week = texts(await hearth.command("alice", "/leaderboard 7d"))[0]
    assert week.splitlines() == ["**Top members in the last 7 days**", "1. carol: 2"]
    bad = texts(await hearth.command("alice", "/leaderboard 1y"))[0]
    assert bad.startswith("**period** (all, 30d or 7d) should be one of: all, 30d, 7d.")


async def test_recognition_from_another_cog_is_recorded_and_earns_badges(
        hearth: Harness) -> None:
    await members(hearth, "alice")
    actions = await hearth.handle(Recognition(
        hearth.community, hearth.clock.now(), user_id="alice", name="alice",
        source="contest_win", points=5, reason="won the autumn photo contest"))
    assert await ledger(hearth) == [("alice", None, 5, "contest_win")]
    assert any("**Champion** badge" in t for t in texts(actions))
    standing = await hearth.app.runtime.cogs[0].services.standing(hearth.community, "alice")
    assert standing.points == 5 and "Champion" in standing.badges


async def test_standing_with_no_source_is_empty(hearth: Harness) -> None:
    services = hearth.app.runtime.cogs[0].services
    services.standing_sources.clear()
    standing = await services.standing(hearth.community, "alice")
    assert standing.points == 0 and standing.badges == frozenset()


BADGE_TOML = """
[reputation]
badge_channel = ""
[[reputation.badges]]
name = "Chatty"
emoji = "💬"
description = "two conversations"
criterion = "messages"
threshold = 2
[[reputation.badges]]
name = "Helper"
emoji = "🌟"
description = "thanked by 2 members"
criterion = "thanks_from_members"
threshold = 2
role = "Helper"
"""


async def test_profile_counts_what_a_member_just_said_before_it_is_written(
        make_harness: Callable[..., Harness]) -> None:
    """Activity is written in batches; a /profile in between counts it already, the same in
    the points, the rank and the progress to a badge, and the same again once written."""
    h = await make_harness(BADGE_TOML).start()
    await members(h, "alice", "bob", "carol")
    await h.command("alice", "/thanks @bob")
    await h.command("carol", "/thanks @bob")
    await h.wait(timedelta(days=3))
    await h.say("alice", "good morning everyone, coffee time")  # held in memory for now
    assert await points(h, "alice") == 0
    expected = [
        "**alice**: reputation 1, ranked #2 of 2. A member for 3 days.",
        "Badges: none yet",
        "Next badge: 💬 **Chatty** (take part in 2 conversations): 1 of 2 so far.",
    ]
    assert texts(await h.command("alice", "/profile"))[0].splitlines() == expected
    await h.wait(timedelta(seconds=5))
    assert await points(h, "alice") == 1
    assert texts(await h.command("bob", "/profile @alice"))[0].splitlines() == expected
    assert texts(await h.command("alice", "/profile @bob"))[0].splitlines()[:2] == [
        "**bob**: reputation 2, ranked #1 of 2. A member for 3 days.", "Badges: 🌟 Helper"]
    await h.close()


async def test_badges_award_once_by_dm_with_role(make_harness: Callable[..., Harness]) -> None:
    h = await make_harness(BADGE_TOML).start()
    await members(h, "alice", "bob", "carol")
    await h.feed("alice> my first message today", ":wait 1m", "alice> and my second one here")
    lines = await h.wait(timedelta(seconds=5))
    assert lines == ["[DM to alice] Congratulations alice! You've earned the 💬 **Chatty** "
                     "badge in our community: two conversations. Thank you!"]
    await h.feed(":wait 1m", "alice> and a third, no second badge")
    assert await h.wait(timedelta(seconds=5)) == []
    await h.feed("bob> /thanks @alice")
    lines = await h.feed("carol> /thanks @alice")
    assert lines[1:] == ["[DM to alice] Congratulations alice! You've earned the 🌟 **Helper** "
                         "badge in our community: thanked by 2 members. Thank you!",
                         "[role] alice +Helper"]
    await h.close()


async def test_moderators_grant_and_revoke_and_revoked_stays_revoked(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness(BADGE_TOML).start()
    await members(h, "alice", "bob", "carol", "mod")
    denied = texts(await h.command("bob", "/badge grant @alice Helper"))[0]
    assert denied.startswith("Sorry, /badge grant is for the moderator team.")
    unknown = texts(await h.command("mod", "/badge grant @alice Nope", mod=True))[0]
    assert unknown == "I don't know a badge called 'Nope'. The badges are: Chatty, Helper."
    lines = await h.feed(":mod mod", "mod> /badge grant @alice helper for the workshop")
    assert lines == [
        "[to mod only] Done: alice now holds the Helper badge.",
        "[DM to alice] Congratulations alice! The moderators of our community have awarded you "
        "the 🌟 **Helper** badge: for the workshop. Thank you!",
        "[role] alice +Helper"]
    again = await h.feed("mod> /badge grant @alice Helper")
    assert again == ["[to mod only] alice already holds the Helper badge, so nothing changed."]
    lines = await h.feed("mod> /badge revoke @alice Helper")
    assert lines[1] == "[role] alice -Helper"
    await h.command("bob", "/thanks @alice")
    assert not any("Helper" in t for t in texts(await h.command("carol", "/thanks @alice")))
    await h.restart()
    standing = await h.app.runtime.cogs[0].services.standing(h.community, "alice")
    assert "Helper" not in standing.badges
    assert await h.app.stores["badges"].holders(h.community) == {}
    # Granted without a reason: the badge's description ("thanked by 2 members") isn't given
    # as the reason, since nobody checked it of bob.
    lines = await h.feed(":mod mod", "mod> /badge grant @bob Helper")
    assert lines[1] == ("[DM to bob] Congratulations bob! The moderators of our community "
                        "have awarded you the 🌟 **Helper** badge. Thank you!")
    await h.close()


async def test_new_badge_is_backfilled_at_start_with_one_summary(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness("[reputation]\nbadges = []").start()
    await members(h, "alice", "bob", "carol", "dan")
    for giver, receiver in [("alice", "bob"), ("carol", "bob"), ("alice", "dan"),
                            ("carol", "dan"), ("bob", "alice")]:
        await h.command(giver, f"/thanks @{receiver}")
    h.config = config_from(BADGE_TOML.replace('badge_channel = ""', ""))
    start = len(h.lines)
    await h.restart()
    assert h.lines[start:] == [
        "[#announcements] Hearth: 🎉 Our badges have been updated, and 2 of you have earned "
        "new ones: 🌟 Helper (2). Congratulations, and thank you for all you do for our "
        "community!",
        "[role] bob +Helper", "[role] dan +Helper"]
    start = len(h.lines)
    await h.restart()
    assert h.lines[start:] == []  # once
    await h.close()


async def test_membership_days_badge_comes_with_the_daily_check(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness('[[reputation.badges]]\nname = "Settled"\nemoji = "🏡"\n'
                           'description = "a week with us"\ncriterion = "membership_days"\n'
                           "threshold = 7").start()
    await members(h, "alice")
    assert not any("Settled" in line for line in await h.wait(timedelta(days=6)))
    lines = await h.wait(timedelta(days=2))
    badge_lines = [line for line in lines if "Settled" in line]
    assert len(badge_lines) == 1 and "@alice" in badge_lines[0]
    assert badge_lines[0].startswith("[#announcements] Hearth: 🏡")
    await h.close()


async def test_badges_lists_every_badge_with_holders(make_harness: Callable[..., Harness]
                                                     ) -> None:
    h = await make_harness(BADGE_TOML).start()
    await h.feed(":mod mod", "mod> /badge grant @mod Chatty")
    text = texts(await h.command("bob", "/badges"))[0]
    assert text.splitlines() == [
        "**Badges**",
        "💬 **Chatty**: take part in 2 conversations. Members holding it: 1.",
        "🌟 **Helper**: be thanked by 2 different members. Members holding it: 0."]
    await h.close()


async def test_badge_thresholds_of_one_read_naturally(make_harness: Callable[..., Harness]
                                                      ) -> None:
    badges = "".join(
        f'[[reputation.badges]]\nname = "B{i}"\nemoji = "*"\ndescription = "d"\n'
        f'criterion = "{criterion}"\nthreshold = 1\n'
        for i, criterion in enumerate(("thanks_given", "messages", "contest_wins",
                                       "membership_days")))
    h = await make_harness(badges).start()
    lines = texts(await h.command("bob", "/badges"))[0].splitlines()[1:]
    assert [line.split(": ")[1].split(".")[0] for line in lines] == [
        "thank others 1 time", "take part in 1 conversation", "win 1 contest",
        "be a member for 1 day"]
    await h.close()


@pytest.mark.parametrize(("badge", "problem"), [
    ('criterion = "reputation"\nthreshold = -3',
     "reputation.badges[0].threshold: must be a positive whole number, got -3"),
    ('criterion = "karma"\nthreshold = 3',
     "reputation.badges[0].criterion: unknown criterion 'karma'; use one of: reputation,"),
])
def test_bad_badge_config_names_the_key(badge: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        config_from(f'[[reputation.badges]]\nname = "X"\n{badge}')
    assert any(p.startswith(problem) for p in info.value.problems), info.value.problems


def test_duplicate_badge_names_are_a_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        config_from('[[reputation.badges]]\nname = "X"\ncriterion = "messages"\n'
                    '[[reputation.badges]]\nname = "x"\ncriterion = "reputation"')
    assert info.value.problems == [
        "reputation.badges: badge names must be different; 'x' is used twice"]


async def test_badge_news_goes_by_dm_when_no_channel_is_set(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness(BADGE_TOML).start()
    actions = await h.command("mod", "/badge grant @mod Chatty", mod=True)
    assert any(isinstance(a, DirectMessage) for a in actions)
    assert not any(isinstance(a, Post) for a in actions)
    await h.close()


async def test_window_leaderboards_catch_up_within_the_refresh_interval(
        hearth: Harness) -> None:
    await members(hearth, "alice", "bob", "carol")
    await hearth.command("alice", "/thanks @bob")
    first = texts(await hearth.command("alice", "/leaderboard 7d"))[0]
    assert first.splitlines()[1:] == ["1. bob: 1"]
    await hearth.command("alice", "/thanks @carol")
    await hearth.command("bob", "/thanks @carol")
    await hearth.wait(timedelta(minutes=5))  # the refresh job runs
    later = texts(await hearth.command("alice", "/leaderboard 7d"))[0]
    assert later.splitlines()[1:] == ["1. carol: 2", "2. bob: 1"]
    await hearth.wait(timedelta(days=8))  # everything ages out of the week
    empty = texts(await hearth.command("alice", "/leaderboard 7d"))[0]
    assert empty.startswith("No one has earned reputation in the last 7 days yet.")
    assert "carol: 2" in texts(await hearth.command("alice", "/leaderboard 30d"))[0]


async def test_a_bot_using_thanks_changes_nothing(hearth: Harness) -> None:
    await members(hearth, "bob")
    assert await hearth.command("robo", "/thanks @bob", bot=True) == []
    assert await ledger(hearth) == []


async def test_messages_that_only_mention_thanks_give_nothing(hearth: Harness) -> None:
    await members(hearth, "alice", "bob")
    for line in ("no thanks @bob", "@bob thanks for nothing, that broke everything",
                 "I told @bob thanks already"):
        assert await hearth.feed(f"alice> {line}") == []
    assert await ledger(hearth) == []
    await hearth.feed("alice> @bob thank you!")
    assert await ledger(hearth) == [("bob", "alice", 1, "thanks_message")]


async def test_one_message_thanking_two_on_cooldown_sends_one_private_note(
        hearth: Harness) -> None:
    await members(hearth, "maya", "alice", "bob")
    await hearth.feed("maya> cheers @alice and @bob")
    assert [r[:2] for r in await ledger(hearth)] == [("alice", "maya"), ("bob", "maya")]
    actions = await hearth.say("maya", "cheers @alice and @bob")
    notes = [a for a in actions if isinstance(a, DirectMessage)]
    assert len(notes) == 1
    assert "@alice" in texts(notes)[0] and "@bob" in texts(notes)[0]
    assert len(await ledger(hearth)) == 2


async def test_leaderboard_ties_sort_by_name_as_people_count(hearth: Harness) -> None:
    await members(hearth, "giver", "m10", "m2", "m1", "zed")
    for name in ("m10", "m2", "m1"):
        await hearth.command("giver", f"/thanks @{name}")
    await hearth.command("giver", "/thanks @zed")
    await hearth.wait(timedelta(hours=2))
    await hearth.command("m1", "/thanks @zed")
    board = texts(await hearth.command("giver", "/leaderboard"))[0]
    assert board.index("zed") < board.index("m1") < board.index("m2") < board.index("m10")
