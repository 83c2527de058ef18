"""The real features over Slack, once their branches are merged (skipped until then).

Arguments are filled from each command's own spec, so these tests don't guess option names.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.commands import CommandKind, CommandSpec, Option, OptionType
from tests.slack_rig import Rig, slack_rig


def _spec(rig: Rig, name: str) -> CommandSpec:
    found = next((s for s in rig.app.runtime.specs() if s.name == name), None)
    if found is None:
        pytest.skip(f"no /{name} command in this build")
    return found


def _value(opt: Option, member: str) -> str:
    return {
        OptionType.MEMBER: f"<@{member}>",
        OptionType.INTEGER: str(max(1, opt.min_value or 1)),
        OptionType.CHOICE: opt.choices[0] if opt.choices else "x",
        OptionType.DURATION: "1d",
        OptionType.DATETIME: "3d",
    }.get(opt.type, '"for answering my question so kindly"')


def _line(spec: CommandSpec, member: str) -> str:
    parts = []
    for opt in spec.options:
        if opt.required or opt.type is OptionType.MEMBER:
            parts.append(f"{opt.name}:{_value(opt, member)}")
    return " ".join(parts)


async def _run(rig: Rig, name: str, member: str, user_id: str) -> None:
    spec = _spec(rig, name)
    await rig.command(f"/{spec.words[0]}", " ".join([*spec.words[1:], _line(spec, member)]),
                      user_id=user_id, name=name)
    await rig.service.drain()


async def test_thanks_over_slack(database: str) -> None:
    pytest.importorskip("cogs.reputation")
    async with slack_rig(database) as rig:
        await _run(rig, "thanks", "U456", "U123")
        said = [c["text"] for c in rig.fake.calls_to("chat.postMessage")]
        said += [c["text"] for c in rig.fake.calls_to("response_url")]
        assert any("<@U456>" in t or "cara" in t for t in said), said


async def test_introduce_opens_a_modal_and_posts_the_introduction(database: str) -> None:
    pytest.importorskip("cogs.introductions")
    async with slack_rig(database) as rig:
        spec = _spec(rig, "introduce")
        assert spec.kind is CommandKind.FORM
        await rig.command("/introduce", "")
        view = (await rig.fake.wait_for_call("views.open"))["view"]
        values: dict[str, Any] = {}
        for block in view["blocks"]:
            if block["type"] == "input":
                values[block["block_id"]] = {"value": {"type": "plain_text_input",
                                                       "value": "I make pots and tea"}}
        from tests.fakes import slack_requests as sr
        await rig.sender.send_payload(sr.view_submission(
            view["callback_id"], values, "U123", private_metadata=view["private_metadata"]))
        await rig.service.drain()
        assert any("I make pots and tea" in c["text"] for c in rig.posts("C0INTRO"))


async def test_warn_dms_the_member_and_asks_admins_to_review_the_timeout(tmp_path: Path
                                                                        ) -> None:
    pytest.importorskip("cogs.moderation")
    # No cool-off, so three warnings in a row reach the default ladder's timeout step.
    async with slack_rig(tmp_path, toml='[moderation]\nwarn_cooloff = "1s"\n') as rig:
        for rule in ("spam", "be-kind", "on-topic"):
            await rig.command("/warn", f"<@U123> {rule}", user_id="UADMIN", name="warn")
            await rig.service.drain()
            rig.clock.set(rig.clock.now() + timedelta(minutes=1))
        assert {c["users"] for c in rig.fake.calls_to("conversations.open")} == {"U123"}
        dms = [p["text"] for p in rig.posts() if p["channel"].startswith("D")]
        assert len(dms) == 3 and "a timeout of 1 hour" in dms[2]
        log = [p["text"] for p in rig.posts("C0MODLOG")]
        assert len([t for t in log if t.startswith("*Case #")]) == 3
        # Slack has no timeouts: the admins are asked to review instead.
        assert any("review" in t.lower() and "timeout" in t.lower() for t in log), log
