"""Greetings: welcome once, by name, privately onboarded; a crowd gets one calm summary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.actions import DirectMessage, Post
from bot.text import Mention
from tests.harness import Harness, texts


async def test_join_gets_a_welcome_post_and_an_onboarding_dm(hearth: Harness) -> None:
    actions = await hearth.join("alice")
    post, dm = actions
    assert isinstance(post, Post) and post.channel == "welcome"
    assert Mention("alice", "alice") in post.text.segments
    assert isinstance(dm, DirectMessage) and dm.user_id == "alice"
    body = dm.text.plain()
    for step in ("Hi alice", "#rules", "/introduce", "#help", "/help"):
        assert step in body


async def test_variants_are_used(make_harness: Callable[..., Harness]) -> None:
    h = await make_harness(seed=3).start()
    welcomes = {texts(await h.join(f"m{i}"))[0].split(" ")[0] for i in range(9)}
    await h.close()
    assert len(welcomes) > 1


async def test_rejoin_within_window_is_not_welcomed_again(hearth: Harness) -> None:
    await hearth.join("alice")
    await hearth.leave("alice")
    await hearth.wait(timedelta(days=3))
    assert await hearth.join("alice") == []
    # A second join event for someone who never left (a platform resend) greets nobody.
    assert await hearth.join("alice") == []


async def test_rejoin_after_window_is_welcomed(hearth: Harness) -> None:
    await hearth.join("alice")
    await hearth.leave("alice")
    await hearth.wait(timedelta(days=31))
    assert len(await hearth.join("alice")) == 2


async def test_bots_are_not_greeted(hearth: Harness) -> None:
    assert await hearth.join("helperbot", bot=True) == []


async def test_goodbye_when_enabled(make_harness: Callable[..., Harness]) -> None:
    h = await make_harness('[greetings]\ngoodbye = true\n[community]\nname = "the Garden"').start()
    await h.join("alice")
    assert texts(await h.leave("alice")) == [
        "alice has moved on from the Garden. Thank you for the time you spent with us."]
    await h.close()


async def test_raid_gets_one_summary_and_paced_dms(make_harness: Callable[..., Harness]) -> None:
    h = await make_harness('[greetings.raid]\nburst = 3\nwindow = "60s"\ndm_pace = "2s"\n'
                           'names_shown = 4').start()
    individual = [await h.join(f"user{i}") for i in range(3)]
    assert all(len(a) == 2 for a in individual)
    during = [await h.join(f"raider{i}") for i in range(6)]
    assert during == [[]] * 6  # no welcome posts and no immediate DMs during the raid
    out = await h.wait(timedelta(seconds=5))
    # DMs are paced one per 2 s: by 5 s the first three have gone.
    assert [line.split("]")[0] for line in out if line.startswith("[DM")] == [
        "[DM to raider0", "[DM to raider1", "[DM to raider2"]
    out = await h.wait(timedelta(minutes=2))
    summary = [line for line in out if line.startswith("[#welcome]")]
    assert summary == ["[#welcome] Hearth: A big wave of newcomers just arrived! Welcome, all 6 "
                       "of you: raider0, raider1, raider2, raider3 and 2 more. We're glad you're "
                       "here; say hello in #introductions when you're ready."]
    assert sum(line.startswith("[DM") for line in out) == 3
    await h.close()


async def test_raid_dms_survive_a_restart_and_skip_leavers(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness('[greetings.raid]\nburst = 1\ndm_pace = "10s"').start()
    for name in ("a", "b", "c", "d"):
        await h.join(name)
    await h.leave("d")
    before = len(h.lines)
    await h.restart()  # b's DM was due already: it goes out as Hearth starts again
    await h.wait(timedelta(minutes=5))
    out = h.lines[before:]
    assert sorted(line.split("]")[0] for line in out if line.startswith("[DM")) == [
        "[DM to b", "[DM to c"]
    assert any("all 2 of you: b, c" in line for line in out)
    await h.close()


async def test_a_raid_that_leaves_one_newcomer_welcomes_them_by_name(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness('[greetings.raid]\nburst = 1\ndm_pace = "10s"').start()
    for name in ("a", "b", "c"):
        await h.join(name)
    await h.leave("c")
    out = await h.wait(timedelta(minutes=5))
    summary = [line for line in out if "newcomer" in line]
    assert summary and "welcome, b!" in summary[0] and "of you" not in summary[0]
    await h.close()
