"""Community health: counters through the real runtime on an advanced clock, the newcomer
funnel and retention on a synthetic community with known answers, /insights with its chart,
and the weekly digest's schedule across a restart."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.actions import Post, PostFile, Respond, SendFile
from bot.cog import Figures
from bot.events import Community, MessagePosted
from cogs.insights.chart import SIZE
from cogs.insights.cog import InsightsCog
from tests.harness import Harness, texts

PNG = b"\x89PNG\r\n\x1a\n"


def insights(h: Harness) -> InsightsCog:
    return next(c for c in h.runtime.cogs if isinstance(c, InsightsCog))


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG, "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def daily(h: Harness, day: str) -> dict[str, int]:
    return (await insights(h).store.daily(h.community, day, day)).get(day, {})


async def test_counters_per_day_through_the_runtime(hearth: Harness) -> None:
    for name in ("ann", "ben", "cat", "dev", "eve", "fay"):
        await hearth.join(name)
    await hearth.join("robot", bot=True)
    for name in ("ann", "ben", "cat", "dev", "eve", "ann"):
        await hearth.say(name, "good morning, how is everyone?")
    await hearth.say("ben", "my build is broken, could someone help?", channel="help")
    await hearth.handle(MessagePosted(hearth.community, hearth.clock.now(),
                                      author=hearth.actor("robot", bot=True), channel="general",
                                      message_id="beep", content="beep", channel_name="general"))
    await hearth.command("ann", "thanks ben for the tip")
    # Nothing is written until the flush comes round...
    assert await daily(hearth, "2026-11-21") == {}
    await hearth.wait(timedelta(seconds=10))
    day1 = await daily(hearth, "2026-11-21")
    assert day1["joins"] == 6  # the bot isn't counted
    assert day1["messages"] == 7
    assert day1["active"] == 5
    assert day1["thanks"] == 1
    await hearth.leave("fay")
    await hearth.wait(timedelta(days=1))
    await hearth.say("ann", "back again")
    await hearth.say("ann", "and again")
    await hearth.wait(timedelta(seconds=10))
    day2 = await daily(hearth, "2026-11-22")
    assert day2 == {"messages": 2, "active": 1}
    assert (await daily(hearth, "2026-11-21"))["leaves"] == 1
    channels = await insights(hearth).store.per_channel(hearth.community, "2026-11-21",
                                                        "2026-11-22")
    assert channels["general"]["channel_messages"] == 8
    assert channels["help"] == {"channel_messages": 1, "channel_posters": 1}


async def test_engagement_counts_only_members_still_here(hearth: Harness) -> None:
    for name in ("ann", "ben"):
        await hearth.join(name)
        await hearth.say(name, "hello everyone")
    await hearth.leave("ben")
    cog = insights(hearth)
    await cog.flush()
    report = await cog.report(hearth.community, cog.services.context(hearth.community), 7)
    got = {f.key: f.value for f in report.figures}
    assert (got["members"], got["active"], got["engagement"]) == (1, 2, 1.0)


async def test_a_clean_stop_writes_what_is_held(make_harness: Callable[..., Harness]) -> None:
    h = await make_harness().start()
    await h.join("ann")
    await h.say("ann", "hello there")
    await h.restart()
    assert (await daily(h, "2026-11-21")) == {"joins": 1, "messages": 1, "active": 1}
    await h.close()


async def newcomers_cohort(h: Harness) -> None:
    """Ten newcomers with known answers: 6 introduce themselves (in #introductions), 8 post,
    7 get a reply or thanks, 4 post again in their second week."""
    await h.join("vera")
    await h.wait(timedelta(days=15))  # vera is a regular by the time the newcomers come
    newcomers = [f"n{i}" for i in range(10)]
    for name in newcomers:
        await h.join(name)
    for name in newcomers[:6]:
        await h.say(name, f"Hi all, I'm {name}, I make pottery and love glazes.",
                    channel="introductions")
    await h.wait(timedelta(minutes=20))
    await h.say("vera", "Welcome, all of you!", channel="introductions")  # replies to n0-n5
    await h.say("n6", "is the kiln free tonight?")
    await h.say("n7", "found the studio keys", channel="studio")
    await h.wait(timedelta(hours=2))
    await h.say("vera", "morning all")  # too late to count as a reply to n6 or n7
    await h.command("vera", "thanks n7 for finding the keys")  # n7: thanked
    await h.wait(timedelta(days=8))
    for name in ("n0", "n1", "n2", "n6"):
        await h.say(name, "back for week two")
    await h.wait(timedelta(days=7))


async def test_funnel_and_retention_on_a_known_community(hearth: Harness) -> None:
    await newcomers_cohort(hearth)
    cog = insights(hearth)
    report = await cog.report(hearth.community, cog.services.context(hearth.community), 30)
    got = {f.key: f.value for f in report.figures}
    assert got["funnel_joined"] == 10
    assert got["funnel_introduced"] == 6
    assert got["funnel_first_message"] == 8
    assert got["funnel_replied"] == 7
    assert got["funnel_week2"] == 4
    # Retention is of the newcomers two weeks earlier (a finished second week): vera too.
    assert got["retention"] == 4 / 11


async def test_insights_for_moderators_with_its_chart(hearth: Harness) -> None:
    await newcomers_cohort(hearth)
    actions = await hearth.command("mo", "insights 30d", mod=True)
    summary, chart = actions
    assert isinstance(summary, Respond) and isinstance(chart, SendFile)
    body = summary.text.plain()
    assert "last 30 days" in body
    assert "- introduced themselves: 6" in body
    assert "- got a reply or thanks: 7" in body
    # Four members are too few to show in anything posted.
    assert "- active in week 2: fewer than 5" in body
    assert "- week-1 retention: 36%" in body
    # Other features' figures appear by the names and definitions they declare.
    assert "- inbox opened: 0\n" in body
    assert "- feedback received: 0\n" in body
    assert "- questions asked: 0\n" in body
    assert "- time to first answer: nothing to measure yet\n" in body
    # Every figure carries its definition.
    assert "How each figure is counted:" in body
    assert "- week-1 retention: Newcomers who joined in the span two weeks earlier" in body
    assert png_size(chart.data) == SIZE
    assert chart.user_id == "mo"
    # Delivered through the console, the chart is written where the operator can open it.
    lines = await hearth.feed(":mod mo", "mo> /insights 7d")
    shown = next(line for line in lines if line.startswith("[file to mo only]"))
    path = shown.split()[4]
    written = await asyncio.to_thread(Path(path).read_bytes)
    assert png_size(written) == SIZE
    print("chart written to", path)


async def test_members_cannot_ask_for_insights(hearth: Harness) -> None:
    actions = await hearth.command("ann", "insights")
    assert not any(isinstance(a, SendFile) for a in actions)
    assert "moderator" in " ".join(texts(actions)).lower()


def digest_posts(actions: list[Any]) -> list[str]:
    return [a.text.plain() for a in actions
            if isinstance(a, Post | PostFile) and a.channel == "mod-log"]


async def test_the_digest_carries_its_chart(hearth: Harness) -> None:
    await newcomers_cohort(hearth)  # ends Monday 21 December, after that day's digest
    await hearth.say("vera", "a quiet week ahead, I think")
    lines = await hearth.wait(timedelta(days=7))
    [digest] = [line for line in lines if "Here's our community's week" in line]
    assert digest.startswith("[#mod-log] Hearth: Hello, team.")
    # One post: the text, and the chart attached to it.
    attached = digest.splitlines()[-1]
    assert attached.startswith("  [attached] ")
    path = Path(attached.split()[1])
    assert path.name == "digest-2026-12-27.png"
    assert png_size(await asyncio.to_thread(path.read_bytes)) == SIZE
    print("digest chart written to", path)


async def test_any_declared_figure_is_shown_with_its_definition(hearth: Harness) -> None:
    """Figures another feature declares appear by name, value and definition, whatever they
    are called: feedback's (declared on main) and ones no code here knows."""
    await hearth.feed("+ann", "ann> /feedback kind:idea title:\"Dark mode\" "
                              "text:\"A darker theme for late-night chats, please.\"")
    asked: list[tuple[Community, datetime, datetime]] = []

    async def widgets(community: Community, since: datetime, until: datetime
                      ) -> dict[str, float | None]:
        asked.append((community, since, until))
        return {"widgets_made": 12, "widgets_wait_seconds": 5400, "widgets_happy_share": 0.25,
                "widgets_ratio": 1.5, "widgets_unknown": None}

    async def makers(community: Community, since: datetime, until: datetime, limit: int
                     ) -> list[tuple[str, int]]:
        return [("wren", 3), ("ann", 1)][:limit]

    insights(hearth).services.figures.append(Figures(
        ("widgets_made", "widgets_wait_seconds", "widgets_happy_share", "widgets_ratio",
         "widgets_unknown"), widgets, {"widgets_made": "Widgets made in the span."}, makers))
    [summary, _] = await hearth.command("mo", "insights 7d", mod=True)
    body = summary.text.plain()
    assert "- feedback received: 1\n" in body
    assert "- feedback received: Feedback items members sent in the span (anonymous ones " \
           "included). (From feedback.)" in body
    assert "- widgets made: 12\n" in body
    assert "- widgets wait: 1.5 hours\n" in body
    assert "- widgets happy share: 25%\n" in body
    assert "- widgets ratio: 1.50\n" in body
    assert "- widgets unknown: nothing to measure yet\n" in body
    assert "- widgets made: Widgets made in the span. (From widgets.)" in body
    assert "- widgets ratio: As the feature declares it. (From widgets.)" in body
    # Asked for the week that ends today, in the community's days.
    assert asked == [(hearth.community, datetime(2026, 11, 15, tzinfo=UTC),
                      datetime(2026, 11, 22, tzinfo=UTC))]
    # The weekly digest shows them too.
    lines = await hearth.wait(timedelta(days=3))
    digest = "\n".join(lines)
    assert "Here's our community's week" in digest
    assert "  - feedback received: 1\n" in digest and "  - widgets made: 12\n" in digest
    # Who a feature ranks as helping most is thanked by name, beside who was thanked most.
    assert "A word of thanks to wren and ann, who helped others most this week." in digest


async def test_a_member_sees_and_can_have_forgotten_what_insights_keeps(
        hearth: Harness) -> None:
    await newcomers_cohort(hearth)
    await hearth.command("n1", "thanks n0 for the glaze tips")
    await hearth.say("n0", "happy to help")  # held in memory, not written yet
    export = await hearth.app.rights.export(hearth.community, "n0", hearth.clock.now())
    mine = export["features"]["insights"]
    assert mine["days_you_posted"] and mine["as_a_newcomer"]["joined"]
    preview = await hearth.app.rights.preview(hearth.community, "n0", hearth.clock.now())
    assert "your first steps as a newcomer" in preview.plans["insights"].deleted
    await hearth.app.rights.forget(hearth.community, "n0", hearth.clock.now())
    await hearth.wait(timedelta(seconds=10))  # a flush: what was held about n0 is gone too
    export = await hearth.app.rights.export(hearth.community, "n0", hearth.clock.now())
    assert "insights" not in export["features"]
    # The community's totals, which name nobody, stay.
    assert (await daily(hearth, hearth.clock.now().date().isoformat()))["thanks"] == 1


async def test_the_weekly_digest_keeps_its_day_across_a_restart(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness('[insights]\ndigest_day = "monday"\ndigest_time = "09:30"\n').start()
    key = "insights.digest:" + h.community.key
    await newcomers_cohort(h)  # from Saturday 21 November to Monday 21 December, 11:20
    digests = [line for line in h.lines if "Here's our community's week" in line]
    # Five Mondays passed; the weeks with nothing at all to tell (no message, join or leave)
    # send no digest.
    assert len(digests) == 3 and all(d.startswith("[#mod-log]") for d in digests)
    job = await h.app.scheduler.pending(key)
    assert job is not None and job.due_at.isoformat() == "2026-12-28T09:30:00+00:00"
    await h.restart()
    assert await h.app.scheduler.pending(key) == job  # kept, not moved or doubled
    await h.say("vera", "a quiet week ahead, I think")
    lines = await h.wait(timedelta(days=7))
    assert len([line for line in lines if "Here's our community's week" in line]) == 1
    job = await h.app.scheduler.pending(key)
    assert job is not None and job.due_at.isoformat() == "2027-01-04T09:30:00+00:00"
    await h.close()
