"""Calm moderation warnings, through the real runtime, storage and console sink."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from bot.actions import Action, DirectMessage, Emit, Post, Respond, Timeout
from bot.commands import CommandKind
from bot.config import ConfigError
from bot.events import CommandInvoked, MemberRef, MessageRef
from bot.parser import parse
from bot.settings import Section
from cogs.moderation.settings import ModerationSettings
from tests.harness import EXAMPLE, Harness, config_from, texts

LATER = timedelta(minutes=11)  # past the default 10-minute cool-off between warnings


@pytest.fixture
async def h(make_harness: Callable[..., Harness]) -> AsyncIterator[Harness]:
    harness = await make_harness().start()
    for name in ("bob", "dana"):
        await harness.join(name)
    yield harness
    await harness.close()


def of(actions: list[Action], kind: type, user: str | None = None) -> list[Action]:
    return [a for a in actions if isinstance(a, kind)
            and (user is None or getattr(a, "user_id", None) == user)]


def text_of(action: Action) -> str:
    return action.text.plain()  # type: ignore[attr-defined]


def posts(actions: list[Action]) -> list[Post]:
    return of(actions, Post)  # type: ignore[return-value]


async def warn(h: Harness, line: str, by: str = "alice") -> list[Action]:
    return await h.command(by, line, mod=True)


# -- the warning itself ---------------------------------------------------------------------

async def test_a_warning_is_private_calm_and_complete(h: Harness) -> None:
    actions = await warn(h, "/warn @bob spam")
    [dm] = of(actions, DirectMessage, "bob")
    said = text_of(dm)
    assert "No spam" in said and "No ads, repeated messages" in said  # the rule and its meaning
    assert "friendly reminder" in said and "next step is a formal warning" in said
    assert "expires 2027-02-19T09:00:00+00:00" in said  # 90 days, as a timestamp
    assert "/appeal 1" in said
    assert "!" not in said and "idiot" not in said
    [told] = of(actions, Respond, "alice")
    assert "Case #1" in text_of(told)
    # Only the mod log hears about it; no channel the member is in.
    assert [p.channel for p in posts(actions)] == ["mod-log"]
    log = text_of(posts(actions)[0])
    assert "Case #1" in log and "bob" in log and "alice" in log and "spam" in log
    assert "step 1 of 4" in log


async def test_the_ladder_escalates_to_a_timeout_then_an_admin_review(h: Harness) -> None:
    await warn(h, "/warn @bob spam")
    await h.wait(LATER)
    second = await warn(h, "/warn @bob spam")
    assert "formal warning" in text_of(of(second, DirectMessage)[0])
    assert not of(second, Timeout)
    await h.wait(LATER)
    third = await warn(h, "/warn @bob be-kind")
    [timeout] = of(third, Timeout)
    assert timeout.user_id == "bob" and timeout.duration == timedelta(hours=1)  # type: ignore[attr-defined]
    assert "next step is a review by the admins" in text_of(of(third, DirectMessage)[0])
    # Where a platform can't time out, the admins are asked instead.
    [fallback] = timeout.if_unsupported  # type: ignore[attr-defined]
    assert isinstance(fallback, Post) and fallback.channel == "mod-log"
    assert "Admins, please review" in text_of(fallback)
    # The moderator sees the member's other active warnings.
    assert "#1 (spam), #2 (spam)" in text_of(of(third, Respond, "alice")[0])
    await h.wait(LATER)
    fourth = await warn(h, "/warn @bob spam")
    review = [p for p in posts(fourth) if "admins, please review bob" in text_of(p)]
    assert len(review) == 1 and "4 active warnings" in text_of(review[0])
    # The top of the ladder says what it is, with no "next step" after it.
    told = text_of(of(fourth, DirectMessage)[0])
    assert "This is a review by the admins. It's the top of our ladder" in told
    assert "next step" not in told
    assert not of(fourth, Timeout)
    # Hearth never bans: nothing but messages and (at step 3) a timeout ever went out.
    for actions in (second, third, fourth):
        assert all(isinstance(a, Post | Respond | DirectMessage | Timeout) for a in actions)


async def _timed_out(h: Harness) -> None:
    for _ in range(3):
        await warn(h, "/warn @bob spam")
        await h.wait(LATER)  # the third warning's hour-long timeout is still running after


async def test_a_pardon_lifts_the_timeout_its_case_set(h: Harness) -> None:
    await _timed_out(h)
    assert not of(await warn(h, "/pardon 1 The first was a misunderstanding."), Timeout)
    [lifted] = of(await warn(h, "/pardon 3 We got this one wrong."), Timeout)
    assert lifted.user_id == "bob" and lifted.duration == timedelta(0)  # type: ignore[attr-defined]
    assert lifted.reason == "Case #3 was pardoned"  # type: ignore[attr-defined]


async def test_an_accepted_appeal_lifts_the_timeout_but_a_finished_one_is_left(
        h: Harness) -> None:
    await _timed_out(h)
    await h.command("bob", "/appeal 3 I misread the rule, sorry.")
    accepted = await warn(h, "/appeal resolve 3 accept Thank you for explaining.", by="carol")
    assert [a.duration for a in of(accepted, Timeout)] == [timedelta(0)]  # type: ignore[attr-defined]
    await h.wait(LATER)
    await warn(h, "/warn @bob spam")  # a new timeout
    await h.wait(timedelta(hours=2))  # ...which has run its course
    assert not of(await warn(h, "/pardon 4 Over and done with."), Timeout)


async def test_the_console_shows_the_timeout(h: Harness) -> None:
    out = await h.feed(":mod alice", "alice> /warn @bob spam", ":wait 11m",
                       "alice> /warn @bob spam", ":wait 11m", "alice> /warn @bob spam")
    assert "[timeout] bob 1h" in out


async def test_a_heated_note_is_held_back_and_the_moderator_is_told_why(h: Harness) -> None:
    actions = await warn(h, '/warn @bob spam note:"YOU ALWAYS do this, you idiot!!!"')
    [dm] = of(actions, DirectMessage, "bob")
    assert "idiot" not in text_of(dm) and "ALWAYS" not in text_of(dm)
    assert "No spam" in text_of(dm)  # the calm warning still went out
    [log] = posts(actions)
    assert "YOU ALWAYS do this, you idiot!!!" in text_of(log)
    assert "held back" in text_of(log)
    told = text_of(of(actions, Respond, "alice")[0])
    assert "held your note back" in told
    assert "!!!" in told and "idiot" in told and "you always" in told
    assert "/warning note 1" in told


async def test_a_calm_note_reaches_the_member(h: Harness) -> None:
    actions = await warn(h, "/warn @bob spam Please keep offers in #marketplace, thanks.")
    assert "Please keep offers in #marketplace, thanks." in text_of(of(actions, DirectMessage)[0])
    assert "held" not in text_of(of(actions, Respond)[0])


async def test_a_later_note_is_tone_checked_and_sent_when_calm(h: Harness) -> None:
    await warn(h, "/warn @bob spam note:\"STOP IT NOW!!!\"")
    heated = await warn(h, "/warning note 1 seriously, what is wrong with you???")
    assert not of(heated, DirectMessage)
    assert "held this note back too" in text_of(of(heated, Respond, "alice")[0])
    assert "what is wrong with you" in text_of(posts(heated)[0])
    calm = await warn(h, "/warning note 1 Offers are welcome in #marketplace. Thank you.")
    [dm] = of(calm, DirectMessage, "bob")
    assert "Offers are welcome in #marketplace. Thank you." in text_of(dm)
    assert "case #1" in text_of(dm)
    assert len(posts(calm)) == 1


async def test_closed_dms_are_logged_and_the_moderator_is_told(h: Harness) -> None:
    out = await h.feed(":mod alice", ":closedms bob", "alice> /warn @bob spam")
    joined = "\n".join(out)
    assert "[DM to bob not delivered" in joined
    assert "[#mod-log] Hearth: Case #1: bob's private messages are closed" in joined
    assert "[to alice only] bob's private messages are closed" in joined
    record = await warn(h, "/warnings @bob")
    assert "not delivered" in texts(record)[0]


# -- the message action ---------------------------------------------------------------------

async def message_warn(h: Harness, ref: MessageRef, line: str) -> list[Action]:
    return await h.handle(CommandInvoked(h.community, h.clock.now(), actor=h.actor("alice",
                                         mod=True), args={"message": ref}, line=line))


async def test_warning_from_a_message_quotes_it(h: Harness) -> None:
    ref = MessageRef("general", "m1", MemberRef("bob"), "BUY CHEAP WATCHES at example.com")
    actions = await message_warn(h, ref, "warn-message rule:spam note:\"Offers go in #market.\"")
    dm = text_of(of(actions, DirectMessage, "bob")[0])
    assert '"BUY CHEAP WATCHES at example.com"' in dm and "#general" in dm
    assert "Offers go in #market." in dm
    log = text_of(posts(actions)[0])
    assert '"BUY CHEAP WATCHES at example.com"' in log and "bob" in log


async def test_the_console_message_action_targets_the_latest_message(h: Harness) -> None:
    out = await h.feed(":mod alice", "bob> first post", "bob> second post, BUY NOW",
                       "alice> /warn-message bob spam Offers go in #market, thanks.")
    joined = "\n".join(out)
    assert '"second post, BUY NOW"' in joined and "first post\"" not in joined
    assert "Offers go in #market, thanks." in joined
    assert [line for line in out if line.startswith("[#general]")] == []
    none = await h.feed("alice> /warn-message carol spam")
    assert none == ["[console] carol hasn't posted in #general yet."]


async def test_a_message_target_cannot_be_typed(h: Harness) -> None:
    spec = parse("warn-message spam a note", h.runtime.specs()).spec
    assert spec.kind is CommandKind.MESSAGE_ACTION
    # Typed words fill the rule and note, never the message...
    assert parse("warn-message spam a note", h.runtime.specs()).args == {
        "rule": "spam", "note": "a note"}
    # ...so without a message from the platform, nothing happens.
    actions = await warn(h, "/warn-message spam a note")
    assert not of(actions, DirectMessage)
    assert "Please include **message**" in texts(actions)[0]
    forced = await warn(h, "/warn-message message:hello spam")
    assert not of(forced, DirectMessage)
    assert "message's menu" in texts(forced)[0]


# -- guards -----------------------------------------------------------------------------------

async def test_moderators_cannot_warn_themselves_bots_or_the_team(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness('[community]\nadmins = ["erin"]\n').start()
    try:
        await h.join("bot9", bot=True)
        await h.join("erin")
        await h.command("carol", "/rules", mod=True)  # carol is seen as a moderator
        cases = {
            "/warn @alice spam": "can't warn yourself",
            "/warn @bot9 spam": "is a bot",
            "/warn @carol spam": "on the moderation team",
            "/warn @erin spam": "on the moderation team",
        }
        for line, refusal in cases.items():
            actions = await warn(h, line)
            assert [type(a) for a in actions] == [Respond], line
            assert refusal in texts(actions)[0], line
        assert "no warnings" in texts(await warn(h, "/warnings @carol"))[0]
    finally:
        await h.close()


async def test_console_mod_marks_a_member_the_runtime_has_not_seen_yet(h: Harness) -> None:
    out = await h.feed(":mod alice", ":mod dana", "alice> /warn @dana spam")
    assert out == ["[to alice only] dana is on the moderation team, so Hearth won't warn them. "
                   "Please talk it over with the admins instead."]


async def test_no_pile_ons_within_the_cool_off(h: Harness) -> None:
    await warn(h, "/warn @bob spam")
    await h.wait(timedelta(minutes=5))
    again = await warn(h, "/warn @bob be-kind", by="carol")
    assert [type(a) for a in again] == [Respond]
    assert "warned very recently (case #1)" in texts(again)[0]
    await h.wait(timedelta(minutes=6))
    assert of(await warn(h, "/warn @bob be-kind", by="carol"), DirectMessage)


async def test_bad_input_is_refused_clearly_and_changes_nothing(h: Harness) -> None:
    unknown = await warn(h, "/warn @bob shouting")
    assert "I don't know a rule called 'shouting'" in texts(unknown)[0]
    assert "be-kind, spam, on-topic, privacy" in texts(unknown)[0]
    long_note = await warn(h, "/warn @bob spam " + "please " * 100)
    assert "please keep it to 500 or fewer" in texts(long_note)[0]
    member = await h.command("bob", "/warn @dana spam")
    assert "for the moderator team" in texts(member)[0]
    for line in ("/pardon 7 sorry", "/warning note 7 hello", "/appeal resolve 7 accept ok"):
        assert "can't find case #7" in texts(await warn(h, line))[0]
    # None of that recorded anything: the next warning is case #1.
    assert "Case #1" in texts(await warn(h, "/warn @bob spam"))[0]
    empty = await warn(h, '/warning note 1 "  "')
    assert "Please include **text**" in texts(empty)[0]


# -- expiry, records and pardons ---------------------------------------------------------------

async def test_warnings_expire_but_stay_on_the_record(h: Harness) -> None:
    await warn(h, "/warn @bob spam")
    assert "Case #1" in texts(await h.command("bob", "/mywarnings"))[0]
    await h.wait(timedelta(days=91))
    assert "no active warnings" in texts(await h.command("bob", "/mywarnings"))[0]
    record = texts(await warn(h, "/warnings @bob"))[0]
    assert "0 active, 1 past" in record and "#1 **spam**" in record and "expired" in record
    # The ladder counts active warnings only: this is a first step again.
    assert "friendly reminder" in texts(await warn(h, "/warn @bob spam"))[0]


async def test_mywarnings_lists_expiry_and_how_to_appeal(h: Harness) -> None:
    await warn(h, "/warn @bob spam")
    [mine] = texts(await h.command("bob", "/mywarnings"))
    assert "Case #1" in mine and "No spam" in mine and "2027-02-19" in mine
    assert "/appeal CASE" in mine
    assert "no active warnings" in texts(await h.command("dana", "/mywarnings"))[0]


async def test_pardon_removes_a_case_from_the_count_and_tells_the_member(h: Harness) -> None:
    await warn(h, "/warn @bob spam")
    actions = await warn(h, "/pardon 1 It was a misunderstanding on our side.")
    [dm] = of(actions, DirectMessage, "bob")
    assert "pardoned" in text_of(dm) and "misunderstanding" in text_of(dm)
    assert "pardoned by alice" in text_of(posts(actions)[0])
    assert "no active warnings" in texts(await h.command("bob", "/mywarnings"))[0]
    assert "pardoned by alice" in texts(await warn(h, "/warnings @bob"))[0]
    assert "already pardoned" in texts(await warn(h, "/pardon 1 again"))[0]
    await h.wait(LATER)
    assert "friendly reminder" in texts(await warn(h, "/warn @bob spam"))[0]


async def test_a_heated_pardon_reason_is_refused(h: Harness) -> None:
    await warn(h, "/warn @bob spam")
    actions = await warn(h, "/pardon 1 FINE, WHATEVER YOU SAY!!!")
    assert [type(a) for a in actions] == [Respond]
    assert "nothing changed" in texts(actions)[0]
    assert "Case #1" in texts(await h.command("bob", "/mywarnings"))[0]


async def test_cases_survive_a_restart_and_numbering_continues(h: Harness) -> None:
    await warn(h, "/warn @bob spam")
    await h.restart()
    await h.wait(LATER)
    assert "Case #2" in texts(await warn(h, "/warn @bob spam"))[0]
    assert "2 active" in texts(await warn(h, "/warnings @bob"))[0]


# -- appeals ------------------------------------------------------------------------------------

def test_appeal_and_appeal_resolve_are_told_apart(h: Harness) -> None:
    specs = h.runtime.specs()
    resolve = parse("appeal resolve 3 accept it was a quote", specs)
    assert resolve.spec.name == "appeal resolve"
    assert resolve.args == {"case": "3", "outcome": "accept", "reason": "it was a quote"}
    appeal = parse("appeal 3 resolve this, please: it was a quote", specs)
    assert appeal.spec.name == "appeal"
    assert appeal.args == {"case": "3", "text": "resolve this, please: it was a quote"}


async def test_an_appeal_goes_to_the_mod_log_and_accepting_pardons(h: Harness) -> None:
    await warn(h, "/warn @bob spam")
    sent = await h.command("bob", "/appeal 1 I was quoting the spammer to report them.")
    assert "with the moderators" in text_of(of(sent, Respond, "bob")[0])
    log = text_of(posts(sent)[0])
    assert "Appeal on case #1" in log and "quoting the spammer" in log
    assert "/appeal resolve 1" in log
    assert "appeal open" in texts(await warn(h, "/warnings @bob"))[0]
    again = await h.command("bob", "/appeal 1 please?")
    assert "already have an open appeal" in texts(again)[0] and not posts(again)
    done = await warn(h, "/appeal resolve 1 accept Thanks for explaining; that makes sense.")
    [dm] = of(done, DirectMessage, "bob")
    assert "accepted your appeal" in text_of(dm) and "that makes sense" in text_of(dm)
    assert "no active warnings" in texts(await h.command("bob", "/mywarnings"))[0]
    assert "has no open appeal" in texts(await warn(h, "/appeal resolve 1 decline no"))[0]


async def test_a_declined_appeal_keeps_the_warning(h: Harness) -> None:
    await warn(h, "/warn @bob spam")
    await h.command("bob", "/appeal 1 It was only one link.")
    done = await warn(h, "/appeal resolve 1 decline One link was still an advert.")
    dm = text_of(of(done, DirectMessage, "bob")[0])
    assert "decided to keep the warning" in dm and "One link was still an advert." in dm
    assert "Case #1" in texts(await h.command("bob", "/mywarnings"))[0]


async def test_appeals_only_on_your_own_case_and_not_too_often(h: Harness) -> None:
    await warn(h, "/warn @bob spam")
    await warn(h, "/warn @dana spam")
    for line in ("/appeal 1 not mine", "/appeal 9 no such case"):
        refused = await h.command("dana", line)
        assert "isn't one of your warnings" in texts(refused)[0] and not posts(refused)
    await h.command("dana", "/appeal 2 I'm sorry, I didn't know.")
    await warn(h, "/appeal resolve 2 decline Thanks; it stands for now.")
    soon = await h.command("dana", "/appeal 2 Please look again.")
    assert "You can send another" in texts(soon)[0] and not posts(soon)
    await h.wait(timedelta(days=1))
    assert posts(await h.command("dana", "/appeal 2 Please look again."))


# -- config ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("toml, problem", [
    ('[[moderation.ladder]]\nwarnings = 1\nlabel = "a"\n[[moderation.ladder]]\nwarnings = 3\n'
     'label = "c"\n', "moderation.ladder: the steps must count 1, 2, 3... without gaps; there is "
     "no step for 2 warning(s)"),
    ('[[moderation.ladder]]\nwarnings = 1\nlabel = "a"\n[[moderation.ladder]]\nwarnings = 1\n'
     'label = "b"\n', "moderation.ladder: two steps are for 1 warning(s)"),
    ('[[moderation.ladder]]\nwarnings = 1\nlabel = "a"\naction = "timeout"\n',
     "moderation.ladder[0]: a timeout step needs `timeout`"),
    ('[[moderation.rules]]\nid = "spam"\ntitle = "A"\ntext = "a"\n[[moderation.rules]]\n'
     'id = "spam"\ntitle = "B"\ntext = "b"\n',
     "moderation.rules: rule id 'spam' is used twice (rules[0] and rules[1])"),
    ('[[moderation.rules]]\nid = "No Spam!"\ntitle = "A"\ntext = "a"\n',
     "moderation.rules[0].id: rule ids are short lowercase words"),
    ('[moderation]\nexpire_after = "three months"\n',
     "moderation.expire_after: 'three months' is not a duration"),
    ('[moderation]\nwarn_cooloff = 10\n', "moderation.warn_cooloff: must be a duration"),
])
def test_config_problems_name_their_key(toml: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from(toml)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems


def test_the_example_config_documents_every_moderation_key() -> None:
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))["moderation"]

    def missing(model: type[Section], table: dict, path: str) -> list[str]:
        out = []
        for name, info in model.model_fields.items():
            if name not in table:
                out.append(f"{path}.{name}")
                continue
            sub = info.annotation
            if isinstance(sub, type) and issubclass(sub, Section):
                out += missing(sub, table[name], f"{path}.{name}")
        return out

    assert missing(ModerationSettings, raw, "moderation") == []
    # And the example's values are the defaults.
    example = config_from(EXAMPLE.read_text(encoding="utf-8")).settings.moderation
    assert example == ModerationSettings()


async def test_rules_are_shown_to_anyone(h: Harness) -> None:
    [shown] = texts(await h.command("dana", "/rules"))
    assert "**spam**: No spam." in shown and "**privacy**" in shown


async def test_undelivered_follow_up_is_an_internal_event(h: Harness) -> None:
    # The warning's DM carries its own fallback, so adapters need no moderation knowledge.
    actions = await warn(h, "/warn @bob spam")
    [dm] = of(actions, DirectMessage, "bob")
    [fallback] = dm.if_undelivered  # type: ignore[attr-defined]
    assert isinstance(fallback, Emit)


async def test_a_member_who_left_is_still_found_by_name_for_moderators(h: Harness) -> None:
    await warn(h, "/warn @bob spam")
    await h.leave("bob")
    record = texts(await warn(h, "/warnings @bob"))[0]
    assert "couldn't find" not in record and "spam" in record
    # Members still don't find someone who left.
    assert "couldn't find a member called 'bob'" in texts(
        await h.command("carol", "/thanks @bob"))[0]


async def test_a_moderator_not_seen_since_start_up_is_asked_about_before_a_warning(
        h: Harness) -> None:
    # lee was given the console's moderator role, and Hearth restarted since it last saw
    # them: the guard asks the adapter (MemberLookup) instead of trusting an empty memory.
    await h.join("lee")
    await h.restart()
    h.session.state.moderators.add("lee")
    refused = texts(await warn(h, "/warn @lee spam"))
    assert refused == ["lee is on the moderation team, so Hearth won't warn them. Please talk "
                       "it over with the admins instead."]
    # A member the platform knows as a member is warned as before.
    assert any("Case #1" in t for t in texts(await warn(h, "/warn @bob spam")))
