"""The runtime: permissions, argument problems, de-duplication, failure isolation, delivery."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.actions import Action, DirectMessage, EditPost, Post, Respond, Timeout
from bot.cog import Cog, Context, Listener
from bot.commands import Command, CommandSpec, Option, OptionType
from bot.events import Actor, CommandInvoked, Event, MemberJoined, MessagePosted
from bot.permissions import Level
from bot.ports import Receipt
from bot.text import Text
from tests.harness import Harness, texts


class Workshop(Cog):
    """A small real cog for exercising the runtime's own behaviour."""

    name = "workshop"

    def commands(self) -> list[Command]:
        return [
            Command(CommandSpec("nudge", "Nudge someone.", (
                Option("member", OptionType.MEMBER, "who"),
                Option("times", OptionType.INTEGER, "how often", min_value=1, max_value=3),
            ), level=Level.MODERATOR), self.nudge),
            Command(CommandSpec("explode", "Always fails."), self.explode),
        ]

    def listeners(self) -> dict[type[Event], Listener]:
        return {MemberJoined: self.explode_on_join}

    async def nudge(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                    ) -> list[Action]:
        who = args["member"]
        return [Respond(event.community, event.actor.user_id,
                        Text.of(f"nudged {who.name} ({who.user_id}) x{args['times']}"))]

    async def explode(self, *_: Any) -> list[Action]:
        raise RuntimeError("boom")

    async def explode_on_join(self, *_: Any) -> list[Action]:
        raise RuntimeError("boom on join")


@pytest.fixture
async def workshop(hearth: Harness) -> Harness:
    hearth.runtime.add_cog(Workshop(hearth.app.runtime.cogs[0].services))
    await hearth.join("bob")
    return hearth


async def test_members_are_refused_moderator_commands(workshop: Harness) -> None:
    assert texts(await workshop.command("carol", "/nudge @bob 2")) == [
        "Sorry, /nudge is for the moderator team. If you think you need it, ask a moderator."]


async def test_moderator_command_resolves_names(workshop: Harness) -> None:
    assert texts(await workshop.command("mo", "/nudge @bob 2", mod=True)) == ["nudged bob (bob) x2"]


async def test_bad_argument_gets_usage_never_a_traceback(workshop: Harness) -> None:
    [reply] = texts(await workshop.command("mo", "/nudge @bob 9", mod=True))
    assert reply == ("**times** (how often) should be at most 3.\n"
                     "Usage: `/nudge <member> <times>`")
    [reply] = texts(await workshop.command("mo", "/nudge @nobody 1", mod=True))
    assert reply.startswith("I couldn't find a member called 'nobody'.")


async def test_failing_command_is_apologised_for_and_logged_once(
        workshop: Harness, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        [reply] = texts(await workshop.command("bob", "/explode"))
    assert reply.startswith("Sorry, something went wrong on my side and /explode didn't go")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [
        "/explode failed for bob: RuntimeError('boom')"]


async def test_a_failing_listener_does_not_silence_the_others(workshop: Harness) -> None:
    actions = await workshop.join("dora")
    assert [type(a) for a in actions] == [Post, DirectMessage]


async def test_duplicate_deliveries_are_handled_once(hearth: Harness) -> None:
    event = MemberJoined(hearth.community, hearth.clock.now(), member=hearth.actor("erin"),
                         event_id="Ev1")
    assert len(await hearth.handle(event)) == 2
    assert await hearth.handle(event) == []


async def test_a_retry_after_a_failure_is_done(make_harness: Callable[..., Harness]) -> None:
    h = await make_harness().start()
    event = MemberJoined(h.community, h.clock.now(), member=h.actor("erin"), event_id="Ev2")
    await h.app.storage.db.close()  # the database goes away mid-flight
    with pytest.raises(Exception):  # noqa: B017 - any storage error will do
        await h.handle(event)
    h.app = None  # type: ignore[assignment]
    await h.start()
    assert len(await h.handle(event)) == 2
    await h.close()


async def test_a_claim_left_by_a_dead_run_is_taken_over_once_stale(hearth: Harness) -> None:
    h = hearth
    event = MemberJoined(h.community, h.clock.now(), member=h.actor("erin"), event_id="Ev3")
    # A run claimed this delivery and died before finishing it.
    assert await h.app.storage.claims.claim("console", "Ev3", h.clock.now())
    assert await h.handle(event) == []  # maybe still being worked on: leave it
    await h.wait(timedelta(minutes=3))
    assert len(await h.handle(event)) == 2  # stale: the retry does the work
    await h.wait(timedelta(minutes=3))
    assert await h.handle(event) == []  # done is done, however late the retry


async def test_closed_dms_run_the_fallback(hearth: Harness) -> None:
    await hearth.feed(":closedms alice")
    fallback = Post(hearth.community, "mod-log", Text.of("couldn't DM alice"))
    await hearth.runtime.deliver([DirectMessage(hearth.community, "alice", Text.of("hi"),
                                                if_undelivered=(fallback,))])
    assert hearth.lines == ["[DM to alice not delivered: their DMs are closed]",
                            "[#mod-log] Hearth: couldn't DM alice"]


async def test_edit_post_finds_the_message_it_posted(hearth: Harness) -> None:
    c = hearth.community
    await hearth.runtime.deliver([Post(c, "introductions", Text.of("v1"), key="intro:alice")])
    await hearth.restart()
    await hearth.runtime.deliver([EditPost(c, "introductions", "intro:alice", Text.of("v2"))])
    assert hearth.lines == ["[#introductions] Hearth: v1",
                            "[#introductions] Hearth (edited): v2"]


class ConsoleWithoutTimeouts:
    """The console as a platform with no timeouts (like Slack)."""

    def __init__(self, h: Harness) -> None:
        self.h = h

    async def perform(self, action: Action) -> Receipt:
        if isinstance(action, Timeout):
            return Receipt(False, reason="unsupported")
        return await self.h.session.perform(action)


async def test_timeout_where_unsupported_runs_the_fallback(hearth: Harness) -> None:
    ask = Post(hearth.community, "mod-log", Text.of("please review"))
    await hearth.runtime.deliver([Timeout(hearth.community, "bob", timedelta(hours=1), "x",
                                          if_unsupported=(ask,))], ConsoleWithoutTimeouts(hearth))
    assert hearth.lines == ["[#mod-log] Hearth: please review"]


async def test_usage_problems_are_templates_an_admin_can_change(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness(
        '[messages]\nmissing_option = "Almost! {option} is missing."\n'
        'option_label = "<{name}>"\nleftover = "Not sure about {extra}."').start()
    await h.join("alice")
    said = texts(await h.command("alice", "/thanks"))[0]
    assert said.startswith("Almost! <member> is missing.") and "Usage: `/thanks" in said
    said = texts(await h.command("alice", "/leaderboard all extra"))[0]
    assert said.startswith("Not sure about extra.")
    await h.close()


async def test_the_member_cache_at_its_limit_lets_go_of_the_longest_unseen_only(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness("[hearth]\nmember_cache = 3\n").start()
    try:
        await cache_at_its_limit(h)
    finally:
        await h.close()


async def cache_at_its_limit(h: Harness) -> None:
    writes = h.app.runtime.metrics.registry

    def written() -> float:
        return writes.get_sample_value("hearth_storage_write_seconds_count") or 0.0

    async def post(name: str, roles: frozenset[str] = frozenset(), shown: str = "") -> None:
        await h.handle(MessagePosted(h.community, h.clock.now(), author=Actor(
                                     name, shown or name, roles=roles), channel="general",
                                     message_id=f"{name}-{written()}", content="hello there",
                                     channel_name="general"))

    await post("mia", frozenset({"Moderator"}))  # a moderator by role, as the platform said
    await post("ann")
    await post("bob")
    before = written()
    await post("mia", frozenset({"Moderator"}))  # seen again: now the most recent
    await post("ann")
    assert written() == before  # already in the member list: nothing written
    await post("cat")  # the cache is full: bob, seen longest ago, is let go
    assert written() == before + 1  # cat's first sight, written once
    await post("cat")
    assert written() == before + 1
    # mia's roles are still known (the console can't be asked again), not wiped with the rest.
    assert await h.runtime.member_level(h.community, "mia") >= Level.MODERATOR
    # bob comes back: the cache takes him in again (someone else let go), but the directory
    # has him under that name, so nothing is written.
    await post("bob")
    assert written() == before + 1
    await post("mia", frozenset({"Moderator"}), shown="Mia Wong")  # renamed while out of
    assert written() == before + 2  # the cache: written once
    stored = await h.app.storage.members.get(h.community, "mia")
    assert stored is not None and stored.name == "Mia Wong"
    assert await h.app.storage.members.get(h.community, "bob") is not None
