"""Announcements through the real runtime, SQLite and console sink, on an advanced clock:
advice before posting, scheduling and repeats across restarts and DST, incidents with one
reminder, the outbox after a failed delivery, and who may announce."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.actions import Action, Post, Respond
from bot.clock import ManualClock
from bot.config import ConfigError
from bot.events import Actor, CommandInvoked, ReactionAdded
from bot.ports import Receipt
from tests.harness import Harness, config_from, texts

MakeHarness = Callable[..., Harness]


async def mod(h: Harness, line: str) -> list[str]:
    await h.feed(":mod maya")
    return await h.feed(f"maya> {line}")


def posts(lines: list[str], channel: str = "#announcements") -> list[str]:
    return [line for line in lines if line.startswith(f"[{channel}") and "Hearth" in line]


# -- the check is advice, never a block ------------------------------------------------------


async def test_the_author_sees_the_preview_and_advice_and_may_post_anyway(
        make_harness: MakeHarness) -> None:
    h = await make_harness().start()
    out = await mod(h, '/announce announcements "We apologize for any inconvenience. '
                       'The new forum will open soon."')
    # Nothing reaches the channel yet; only maya sees the preview and the reasons.
    assert len(out) == 1 and out[0].startswith("[to maya only] ")
    assert "exactly as it will appear in #announcements" in out[0]
    assert "We apologize for any inconvenience." in out[0]
    assert 'non-apology: "apologize for any inconvenience"' in out[0]
    assert '"soon" leaves members guessing' in out[0]
    assert "/announce post 1" in out[0] and "/announce cancel 1" in out[0]
    out = await h.feed("maya> /announce post 1")
    assert posts(out) == ["[#announcements] Hearth: We apologize for any inconvenience. "
                          "The new forum will open soon."]
    assert out[-1] == "[to maya only] Done: announcement #1 is posted in #announcements."
    # Posted once: posting again is refused kindly.
    again = await h.feed("maya> /announce post 1")
    assert again == ["[to maya only] Announcement #1 has nothing waiting to be posted."]
    await h.close()


async def test_a_clear_draft_says_so_and_an_edit_is_checked_again(make_harness: MakeHarness
                                                                 ) -> None:
    h = await make_harness().start()
    out = await mod(h, '/announce announcements "Movie night: Friday at 20:00 UTC in #cinema."')
    assert "It reads clearly to me." in out[0]
    out = await h.feed("maya> /announce edit 1 MOVIE NIGHT IS ON FRIDAY!!!")
    assert "now reads" in out[0] and "parts read as shouting" in out[0]
    out = await h.feed("maya> /announce cancel 1")
    assert out == ["[to maya only] Announcement #1 is cancelled; nothing more of it will go "
                   "out."]
    assert await h.feed("maya> /announce post 1") == [
        "[to maya only] I can't find announcement #1. `/announce list` shows the current ones."]
    await h.close()


async def test_member_text_cannot_ping_everyone(make_harness: MakeHarness) -> None:
    h = await make_harness().start()
    await mod(h, '/announce announcements "@everyone the server moves on Monday at 10:00."')
    actions = await h.command("maya", "announce post 1", mod=True)
    [post] = [a for a in actions if isinstance(a, Post)]
    # The author's words are member text: escaped by every adapter, so nothing pings.
    assert [type(s).__name__ for s in post.text.segments] == ["UserText"]
    await h.close()


# -- scheduled and repeating, across restarts and DST ----------------------------------------


async def test_a_scheduled_announcement_posts_once_across_a_restart(make_harness: MakeHarness
                                                                   ) -> None:
    h = await make_harness().start()
    await mod(h, '/announce announcements "Voting closes at 18:00 UTC today." '
                 'when:"2026-11-21 12:00"')
    out = await h.feed("maya> /announce post 1")
    assert out[0].startswith("[to maya only] Done: announcement #1 will go out in "
                             "#announcements in 3 hours (2026-11-21 12:00 UTC).")
    listed = await h.feed("maya> /announce list")
    assert "#1 in #announcements: scheduled, in 3 hours" in listed[0]
    await h.restart()
    out = await h.wait(timedelta(hours=4))
    assert posts(out) == ["[#announcements] Hearth: Voting closes at 18:00 UTC today."]
    await h.restart()
    assert posts(await h.wait(timedelta(days=2))) == []
    await h.close()


async def test_a_cancelled_schedule_never_posts(make_harness: MakeHarness) -> None:
    h = await make_harness().start()
    await mod(h, '/announce announcements "Quiz tonight at 20:00 UTC." when:3h')
    await h.feed("maya> /announce post 1", "maya> /announce cancel 1")
    assert posts(await h.wait(timedelta(days=1))) == []
    await h.close()


BERLIN = """
[community]
timezone = "Europe/Berlin"
"""


async def test_a_weekly_repeat_keeps_its_local_hour_across_dst_and_restarts(
        make_harness: MakeHarness) -> None:
    h = make_harness(BERLIN)
    h.clock = ManualClock(datetime(2027, 3, 19, 12, 0, tzinfo=UTC))  # a Friday, CET
    await h.start()
    out = await mod(h, '/announce announcements "Weekly tidy-up thread: what did you finish '
                       'this week?" when:"every Monday 10:00"')
    # Friday 13:00 CET to Monday 10:00 is 2 days 21 hours: "3 days", as a person says it.
    assert "every Monday at 10:00 (next: in 3 days" in out[0]
    out = await h.feed("maya> /announce post 1")
    assert "2027-03-22 10:00 CET" in out[0]
    seen: list[datetime] = []
    for _ in range(3):  # three weeks, with a restart each week; the clocks change on the 28th
        await h.restart()
        for line in posts(await h.wait(timedelta(days=7))):
            assert "Weekly tidy-up thread" in line
            seen.append(h.clock.now())
    # The console clock stops at the end of each wait; the store says when each went out.
    keys = await occurrences(h)
    assert keys == ["2027-03-22T10:00", "2027-03-29T10:00", "2027-04-05T10:00"]
    assert len(seen) == 3
    listed = await mod(h, "/announce list")
    assert "repeating, every Monday at 10:00 (next: in" in listed[0]
    assert "2027-04-12 10:00 CEST" in listed[0]
    await h.close()


async def occurrences(h: Harness) -> list[str]:
    rows = await h.app.storage.db.fetchall(
        "SELECT occurrence FROM announcement_posts ORDER BY created_at")
    return [r["occurrence"] for r in rows]


async def test_a_repeat_missed_during_downtime_posts_once_late_not_once_per_week(
        make_harness: MakeHarness) -> None:
    h = await make_harness().start()
    await mod(h, '/announce announcements "Daily check-in: how is everyone?" '
                 'when:"every day 12:00"')
    await h.feed("maya> /announce post 1")
    await h.close()
    # Hearth is down for three days; its clock moves on without running anything.
    h.clock.set(h.clock.now() + timedelta(days=3, hours=1))
    h2 = Harness(h.database, h.config, h.seed)
    h2.clock = h.clock
    await h2.start()
    assert len(posts(h2.lines)) == 1  # the overdue occurrence, once, at start-up
    assert len(posts(await h2.wait(timedelta(days=1)))) == 1  # then one a day again
    await h2.close()


# -- incidents ---------------------------------------------------------------------------------


async def start_incident(h: Harness) -> None:
    await mod(h, '/announce announcements "Logins fail since 09:00 UTC. We are sorry and we '
                 'are on it." incident:yes next:1h')
    out = await h.feed("maya> /announce post 1")
    assert posts(out)[0].startswith("[#announcements] Hearth: Logins fail since 09:00 UTC.")
    assert "Next update in 1 hour (2026-11-21 10:00 UTC)" in out[0] + out[1]


async def test_a_missed_update_reminds_the_team_once_across_a_restart(
        make_harness: MakeHarness) -> None:
    h = await make_harness().start()
    await start_incident(h)
    await h.restart()
    await h.feed(":mod maya")
    out = await h.wait(timedelta(minutes=59))
    assert posts(out, "#mod-log") == []
    out = await h.wait(timedelta(minutes=2))
    assert posts(out, "#mod-log") == [
        "[#mod-log] Hearth: @maya, you said you'd update #announcements at 10:00 UTC about "
        "incident #1, and there's no update yet. Members are waiting: `/announce update 1 1h "
        "...`, even if it's only \"still working on it\"."]
    await h.restart()
    assert posts(await h.wait(timedelta(hours=6)), "#mod-log") == []
    # A new promise can be reminded of again, once.
    await h.feed(":mod maya", "maya> /announce update 1 30m Still on it; the cause is a "
                 "certificate.")
    out = await h.wait(timedelta(hours=2))
    assert len(posts(out, "#mod-log")) == 1
    await h.close()


async def test_an_update_in_time_means_no_reminder(make_harness: MakeHarness) -> None:
    h = await make_harness().start()
    await start_incident(h)
    await h.wait(timedelta(minutes=50))
    out = await h.feed("maya> /announce update 1 11:00 We found the cause. Next update by "
                       "11:00 UTC.")
    assert posts(out) == ["[#announcements thread] Hearth: **Update:** We found the cause. Next "
                          "update by 11:00 UTC.\n  Next update in 1 hour 10 minutes "
                          "(2026-11-21 11:00 UTC)."]
    assert posts(await h.wait(timedelta(minutes=30)), "#mod-log") == []
    await h.close()


async def test_a_flagged_update_is_held_for_the_author_who_decides(make_harness: MakeHarness
                                                                  ) -> None:
    h = await make_harness().start()
    await start_incident(h)
    out = await h.feed("maya> /announce update 1 1h Mistakes were made. Back soon.")
    assert posts(out) == []
    assert "held this update" in out[0] and "non-apology" in out[0]
    out = await h.feed("maya> /announce edit 1 We made a mistake in the config. Back by 11:00 "
                       "UTC.")
    assert posts(out) == ["[#announcements thread] Hearth: **Update:** We made a mistake in the "
                          "config. Back by 11:00 UTC.\n  Next update in 1 hour "
                          "(2026-11-21 10:00 UTC)."]
    out = await h.feed("maya> /announce update 1 2h Sorry, errors were introduced.",
                       "maya> /announce post 1")
    assert posts(out)[0].startswith("[#announcements thread] Hearth: **Update:** Sorry, errors")
    await h.close()


async def test_resolution_thanks_who_reacted_or_replied_and_help_stops_mentioning_it(
        make_harness: MakeHarness) -> None:
    h = await make_harness().start()
    await h.feed("+alice", "+bob", "+cleo")
    await start_incident(h)
    await h.feed("#announcements", "alice> :react Hearth 👀", "bob> :reply Hearth thanks!",
                 "alice> :reply Hearth any news?", "cleo> unrelated chat")
    helped = await h.feed("cleo> /help")
    assert "There's an ongoing incident (#1)" in helped[0]
    # A newcomer's onboarding DM mentions it too.
    [dm] = [line for line in await h.feed("+dina") if line.startswith("[DM to dina]")]
    assert "There's an ongoing incident (#1)" in dm
    out = await h.feed("maya> /announce resolve 1 Logins work again; we renewed the "
                       "certificate and added an alert.")
    assert posts(out) == ["[#announcements] Hearth: **Resolved:** Logins work again; we renewed "
                          "the certificate and added an alert.\n  Thank you for your patience, "
                          "and special thanks to alice and bob for staying with us."]
    assert "thanking 2 members by name" in out[-1]
    assert "ongoing incident" not in (await h.feed("cleo> /help"))[0]
    assert not any("ongoing incident" in line for line in await h.feed("+eli"))
    # Resolved: no reminder is left behind, and it can't be updated.
    assert posts(await h.wait(timedelta(hours=3)), "#mod-log") == []
    assert await h.feed("maya> /announce update 1 1h more") == [
        "[to maya only] Announcement #1 isn't an open incident, so it has no update thread."]
    await h.close()


async def test_a_reaction_on_another_message_is_not_standing_by(make_harness: MakeHarness
                                                               ) -> None:
    h = await make_harness().start()
    await start_incident(h)
    actions = await h.handle(ReactionAdded(h.community, h.clock.now(), reactor=h.actor("zed"),
                                           channel="announcements", message_id="nope",
                                           message_author=None, emoji="👀"))
    assert actions == []
    out = await h.feed("maya> /announce resolve 1 All good again.")
    assert "thanking 0 members" in out[-1]
    await h.close()


# -- the outbox ----------------------------------------------------------------------------------


class DownPlatform:
    """A platform that refuses every post (an outage on its side)."""

    def __init__(self) -> None:
        self.tried: list[Action] = []

    async def perform(self, action: Action) -> Receipt:
        self.tried.append(action)
        raise ConnectionError("platform unreachable")


async def test_a_scheduled_post_the_platform_refused_goes_out_at_the_next_start(
        make_harness: MakeHarness) -> None:
    h = await make_harness().start()
    await mod(h, '/announce announcements "Maintenance starts at 14:00 UTC." when:1h')
    await h.feed("maya> /announce post 1")
    down = DownPlatform()
    h.runtime.add_sink("console", down)
    await h.wait(timedelta(hours=2))
    assert [type(a).__name__ for a in down.tried] == ["Post"]
    await h.restart()  # the console is back
    assert posts(h.lines) == ["[#announcements] Hearth: Maintenance starts at 14:00 UTC."]
    before = len(h.lines)
    await h.restart()
    assert posts(h.lines[before:]) == []  # delivered once; the receipt closed it
    await h.close()


# -- who may announce ----------------------------------------------------------------------------


ANNOUNCER = """
[announcements]
announcer_roles = ["Announcer"]
"""


async def test_a_configured_announcer_role_may_announce_and_a_member_may_not(
        make_harness: MakeHarness) -> None:
    h = await make_harness(ANNOUNCER).start()
    line = 'announce announcements "Book club moved to Thursday 19:00 UTC."'
    ann = Actor("ana", "ana", roles=frozenset({"Announcer"}))
    actions = await h.handle(CommandInvoked(h.community, h.clock.now(), actor=ann, line=line))
    assert [type(a) for a in actions] == [Respond]
    assert "exactly as it will appear" in texts(actions)[0]
    member = Actor("max", "max")
    refused = await h.handle(CommandInvoked(h.community, h.clock.now(), actor=member,
                                            line=line))
    assert "is for the moderator team" in texts(refused)[0]
    await h.close()


async def test_help_lists_the_announce_commands_to_an_announcer_and_not_to_a_member(
        make_harness: MakeHarness) -> None:
    h = await make_harness(ANNOUNCER).start()

    async def help_for(actor: Actor) -> str:
        shown = await h.handle(CommandInvoked(h.community, h.clock.now(), actor=actor,
                                              command="help", args={}))
        return texts(shown)[0]

    ana = await help_for(Actor("ana", "ana", roles=frozenset({"Announcer"})))
    for name in ("/announce ", "/announce update", "/announce resolve", "/announce list"):
        assert name in ana, name
    assert "/warn " not in ana  # the role admits announcing, not moderating
    member = await help_for(Actor("max", "max"))
    assert "/announce" not in member and "/help" in member
    await h.close()


async def test_bad_input_is_explained_and_saves_nothing(make_harness: MakeHarness) -> None:
    h = await make_harness().start()
    out = await mod(h, '/announce announcements "Hello" when:"every blursday 10:00"')
    assert out == ["[to maya only] I couldn't work out when to post it: 'blursday' isn't a "
                   "day; try Monday, weekday, weekend or day. Nothing was saved."]
    out = await h.feed('maya> /announce announcements "Down" incident:yes '
                       'when:"every Monday 10:00"')
    assert "needs a single time" in out[0]
    out = await h.feed('maya> /announce mod_log "Hello"')
    assert "should be one of: announcements" in out[0]
    assert await h.feed("maya> /announce list") == [
        "[to maya only] Nothing is planned and no incident is open. `/announce` starts a new "
        "announcement."]
    await h.feed('maya> /announce announcements "Short and sweet at 10:00 UTC."')
    out = await h.feed("maya> /announce edit 1 " + "word " * 370)
    assert out == ["[to maya only] That text is 1,849 characters; please keep it to 1,800 or "
                   "fewer. Nothing changed."]
    assert "Short and sweet" in (await h.feed("maya> /announce list"))[0]
    await h.close()


NARROWED = """
[community.channels]
news = "news"

[announcements]
channels = ["announcements", "news"]

[communities."console:local".announcements]
channels = ["news"]
"""


async def test_a_community_that_narrows_its_channels_is_told_which_it_has(
        make_harness: MakeHarness) -> None:
    h = await make_harness(NARROWED).start()
    out = await mod(h, '/announce announcements "Hello at 10:00 UTC."')
    assert out == ["[to maya only] I can't announce in 'announcements'. The announcement "
                   "channels are: news."]
    out = await h.feed('maya> /announce news "Hello at 10:00 UTC."')
    assert "exactly as it will appear in #news" in out[0]
    await h.close()


def test_a_channel_key_that_names_no_channel_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as found:
        config_from('[announcements]\nchannels = ["anouncements"]\nteam_channel = "modlog"\n')
    problems = "\n".join(found.value.problems)
    assert 'announcements.channels[0]: no channel key "anouncements"' in problems
    assert 'announcements.team_channel: no channel key "modlog"' in problems
