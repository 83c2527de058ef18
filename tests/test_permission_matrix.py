"""Every moderator and admin command, run by a plain member on each adapter, is refused
privately and changes nothing.

The commands come from the runtime's own specs (`level > MEMBER`), so a command added later is
in the matrix without touching this file. Each one is invoked through the real path of its
adapter: console lines into the console session; the real discord.py client and Hearth's
Discord adapter on the loopback FakeDiscord (slash commands, context menus, modals: Discord
hides moderator commands from members with default_member_permissions, but a member's client
can still send the interaction, so the fake sends it regardless); and the real bolt app on the
loopback FakeSlack (slash commands, message shortcuts).

"Changes nothing" is checked on the whole database: every row of every table before and after,
except `processed_events` (the runtime claims each delivered event id before it looks at the
command, so that a platform retry is not handled twice; a refused interaction is still a
delivered event). The `members` table stays in: the invoking member runs /help first, so the
runtime's "seen" record of them already exists with their current name and the refused command
can't legitimately touch it.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.commands import MODAL_FIELDS, context_menu_name
from adapters.slack import forms
from adapters.slack.inbound import callback_id_for
from adapters.slack.manifest import specs_for
from bot.commands import CommandKind, CommandSpec, Option, OptionType
from bot.permissions import Level
from tests.discord_world import World, running
from tests.fakes import slack_requests as sr
from tests.fakes.discord_server import EPHEMERAL, option, subcommand, user_option
from tests.harness import Harness, config_from, snapshot
from tests.slack_rig import Rig, slack_rig

REFUSAL = re.compile(r"is for the (moderator|admin) team")


# Every spec of the real composition root (default config), and the privileged ones.
ALL_SPECS = asyncio.run(specs_for(config_from("")))
PRIVILEGED = sorted((s for s in ALL_SPECS if s.level > Level.MEMBER), key=lambda s: s.name)
IDS = [s.name.replace(" ", "-") for s in PRIVILEGED]


def test_the_matrix_is_not_empty() -> None:
    # Guards against a refactor that silently makes every command a member command.
    names = {s.name for s in PRIVILEGED}
    assert {"warn", "warn-message", "contest close", "badge grant", "announce",
            "announce update", "announce resolve", "feedback status", "feedback duplicate",
            "feedback note", "feedback publish", "faq exclude", "move-to-help", "reply",
            "reply-to-member", "inbox close", "inbox later", "inbox history"} <= names


# The "changed nothing" check reads the SQLite file itself (snapshot), so the matrix runs on
# SQLite; the refusals happen before any storage is touched, the same on either backend.
pytestmark = pytest.mark.sqlite_only

# ---------------------------------------------------------------------- arguments from the spec


def text_value(opt: Option, member: str) -> str:
    """A value that binds for this option, as a member would type it."""
    if opt.type is OptionType.MEMBER:
        return member
    if opt.type is OptionType.INTEGER:
        return str(max(1, opt.min_value or 0))
    if opt.type is OptionType.CHOICE:
        return opt.choices[0]
    if opt.type is OptionType.DURATION:
        return "1d"
    if opt.type is OptionType.DATETIME:
        return "3d"
    return "x"


def typed_options(spec: CommandSpec) -> list[Option]:
    return [o for o in spec.options if o.type is not OptionType.MESSAGE]


def command_line(spec: CommandSpec, member: str) -> str:
    """`warn @bob x x`: every option (optional ones too), positionally in spec order."""
    return " ".join([spec.name, *(text_value(o, member) for o in typed_options(spec))])


# ---------------------------------------------------------------------- the database


def test_snapshot_sees_a_change(tmp_path: Path) -> None:
    # The snapshot must be able to notice a write, or the matrix proves nothing.
    database = tmp_path / "x.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE t (a)")
        db.execute("CREATE TABLE processed_events (a)")
    before = snapshot(database)
    with sqlite3.connect(database) as db:
        db.execute("INSERT INTO processed_events VALUES (1)")
    assert snapshot(database) == before
    with sqlite3.connect(database) as db:
        db.execute("INSERT INTO t VALUES (1)")
    assert snapshot(database) != before


# ---------------------------------------------------------------------- console


@pytest.fixture
async def console(make_harness: Callable[..., Harness]) -> AsyncIterator[Harness]:
    h = await make_harness().start()
    # bob is a member others can name, with a message to act on; alice has been seen.
    await h.feed("+bob", "+alice", "bob> hello all", "alice> /help")
    yield h
    await h.close()


def console_line(spec: CommandSpec, who: str) -> str:
    if spec.kind is CommandKind.MESSAGE_ACTION:
        # `/warn-message bob rule note`: on bob's latest message in this channel.
        values = [text_value(o, "@bob") for o in typed_options(spec)]
        return f"{who}> /{' '.join([spec.name, 'bob', *values])}"
    return f"{who}> /{command_line(spec, '@bob')}"


@pytest.mark.parametrize("spec", PRIVILEGED, ids=IDS)
async def test_console_member_is_refused(console: Harness, spec: CommandSpec) -> None:
    before = snapshot(console.database)
    out = await console.feed(console_line(spec, "alice"))
    # Only a private answer to alice (no post, DM, role or timeout), and it is the refusal.
    assert len(out) == 1 and out[0].startswith("[to alice only] "), out
    assert REFUSAL.search(out[0]), out
    assert snapshot(console.database) == before


@pytest.mark.parametrize("spec", PRIVILEGED, ids=IDS)
async def test_console_moderator_gets_past_the_check(console: Harness, spec: CommandSpec
                                                     ) -> None:
    # The control: the same line from a moderator (an admin for admin commands) is neither
    # refused nor a usage error, so the arguments above are valid and the member's refusal is
    # about their level alone.
    await console.feed(f"{':admin' if spec.level is Level.ADMIN else ':mod'} mia", "mia> /help")
    out = await console.feed(console_line(spec, "mia"))
    assert out, spec.name
    assert not any(REFUSAL.search(line) or "Usage:" in line for line in out), out


# ---------------------------------------------------------------------- Discord


def discord_words(spec: CommandSpec) -> tuple[str, ...]:
    """The names Discord knows the command by (as the adapter registers them)."""
    plain = {s.name for s in ALL_SPECS if len(s.words) == 1
             and s.kind is not CommandKind.MESSAGE_ACTION}
    words = spec.words
    if len(words) > 1 and words[0] in plain:
        return ("-".join(words),)
    return words


def discord_option(opt: Option, member_id: str) -> dict:
    if opt.type is OptionType.MEMBER:
        return user_option(opt.name, member_id)
    if opt.type is OptionType.INTEGER:
        return option(opt.name, max(1, opt.min_value or 0))
    return option(opt.name, text_value(opt, ""))


def private_only(w: World, start: int) -> list[Any]:
    """The REST calls since `start`, asserting none of them is visible to anyone else."""
    calls = w.fake.calls[start:]
    for call in calls:
        assert call.path.startswith(("/interactions/", "/webhooks/")) or call.method == "GET", (
            call.method, call.path, call.json)
        if call.path.startswith("/interactions/"):
            # A deferral or a message reply must be ephemeral; a modal (9) shows only to them.
            body = call.json
            if body["type"] != 9:
                assert body["data"]["flags"] & EPHEMERAL, body
        elif call.method == "POST":  # a follow-up message
            assert call.json.get("flags", 0) & EPHEMERAL, call.json
    return calls


async def discord_reply(w: World, interaction: Any) -> str:
    """What the member was shown: the edit of the deferred (ephemeral) reply."""
    edit = await w.fake.wait_for_call(
        "PATCH", rf"/webhooks/{w.fake.app_id}/{interaction.token}/messages/@original")
    return str(edit.json["content"])


@pytest.mark.parametrize("spec", PRIVILEGED, ids=IDS)
async def test_discord_member_is_refused(tmp_path: Path, spec: CommandSpec) -> None:
    async with running(tmp_path) as w:
        hello = await w.fake.message_create(w.channels["general"], w.bob, "hello all")
        # Every feature has heard the message (the probe is last) before the snapshot: what
        # it wrote (community health's counters and jobs) isn't the refusal's doing.
        await w.probe.wait(lambda: len(w.probe.messages) >= 1)
        seen = await w.fake.slash_command(w.guild, w.channels["general"], w.alice, "help",
                                          guild_command=True)
        await discord_reply(w, seen)
        database = tmp_path / "hearth.sqlite3"
        before, start = snapshot(database), len(w.fake.calls)

        if spec.kind is CommandKind.MESSAGE_ACTION:
            sent = await w.fake.message_command(w.guild, w.channels["general"], w.alice,
                                                context_menu_name(spec), hello,
                                                guild_command=True)
        else:
            typed = typed_options(spec)
            if spec.kind is CommandKind.FORM:
                typed = typed[MODAL_FIELDS:]
            options = [discord_option(o, w.bob) for o in typed]
            words = discord_words(spec)
            if len(words) == 2:
                options = [subcommand(words[1], *options)]
            sent = await w.fake.slash_command(w.guild, w.channels["general"], w.alice,
                                              words[0], options or None, guild_command=True)
        # No form for a command they can't use (message actions and forms ask for fields in
        # a modal first): the refusal comes at once, in an ephemeral deferred reply.
        first = (await w.fake.wait_for_response(sent)).json
        assert first["type"] == 5 and first["data"]["flags"] & EPHEMERAL, first
        text = await discord_reply(w, sent)
        assert REFUSAL.search(text), text
        private_only(w, start)
        assert snapshot(database) == before


# ---------------------------------------------------------------------- Slack

SLACK_READS = re.compile(r"^(users|conversations|team|auth|bots)\.(info|list|members|test)$")


def slack_private_only(rig: Rig, start: int) -> list[tuple[str, dict]]:
    calls = [(c.method, c.args) for c in rig.fake.calls[start:]]
    for method, args in calls:
        if method == "response_url":
            assert args.get("response_type", "ephemeral") == "ephemeral", args
        else:
            # A modal is seen only by whoever opened it (Slack opens forms before the check).
            private = ("chat.postEphemeral", "views.open", "views.update")
            assert method in private or SLACK_READS.match(method), (method, args)
    return calls


async def slack_member_seen(rig: Rig, database: Path
                           ) -> tuple[dict[str, list[tuple[Any, ...]]], int]:
    """U123 has used Hearth once (so Slack knows them); the database and call count after."""
    await rig.command("/help", "", user_id="U123", name="seen")
    await rig.fake.wait_for_call("response_url", lambda a: a["_name"] == "seen")
    await rig.service.drain()
    return snapshot(database), len(rig.fake.calls)


@pytest.mark.parametrize("spec", PRIVILEGED, ids=IDS)
async def test_slack_member_is_refused(tmp_path: Path, spec: CommandSpec) -> None:
    async with slack_rig(tmp_path) as rig:
        database = tmp_path / "hearth.sqlite3"
        before, start = await slack_member_seen(rig, database)

        if spec.kind is CommandKind.MESSAGE_ACTION:
            target = sr.message("U456", "C0GENERAL", "hello all")
            await rig.sender.send_payload(sr.message_action(
                callback_id_for(spec), "U123", "C0GENERAL", target,
                rig.fake.response_url("refused"), trigger_id=rig.fake.trigger()))
            if any(o.type is not OptionType.MESSAGE for o in spec.options):
                # The form opens at once (Slack's 3 s); the refusal replaces it before
                # anything is typed.
                update = await rig.fake.wait_for_call("views.update")
                said = update["view"]["blocks"][0]["text"]["text"]
            else:  # nothing to ask: it runs at once, and the refusal comes privately
                answer = await rig.fake.wait_for_call("response_url",
                                                      lambda a: a["_name"] == "refused")
                said = answer["text"]
        else:
            first, _, rest = command_line(spec, "<@U456>").partition(" ")
            await rig.command(f"/{first}", rest, user_id="U123", name="refused")
            answer = await rig.fake.wait_for_call("response_url",
                                                  lambda a: a["_name"] == "refused")
            said = answer["text"]
        await rig.service.drain()
        assert REFUSAL.search(said), said
        slack_private_only(rig, start)
        assert snapshot(database) == before


def slack_field(opt: Option) -> dict[str, Any]:
    """A modal field's state, as Slack sends it for this option type."""
    if opt.type is OptionType.MEMBER:
        return {"type": "users_select", "selected_user": "U456"}
    if opt.type is OptionType.CHOICE:
        return {"type": "static_select", "selected_option": {"value": opt.choices[0]}}
    return {"type": "plain_text_input", "value": text_value(opt, "")}


@pytest.mark.parametrize("spec", PRIVILEGED, ids=IDS)
async def test_slack_member_submitting_a_form_is_refused(tmp_path: Path, spec: CommandSpec
                                                         ) -> None:
    # Hearth opens a command's form only for those allowed, but a form opened while a member
    # was still a moderator can be submitted after they lost the role: the core checks again.
    async with slack_rig(tmp_path) as rig:
        database = tmp_path / "hearth.sqlite3"
        before, start = await slack_member_seen(rig, database)

        meta: dict[str, Any] = {"c": spec.name, "ch": "C0GENERAL"}
        if spec.kind is CommandKind.MESSAGE_ACTION:
            meta.update(ts="1700000000.000100", u="U456", t="hello all")
        values = {o.name: {forms.ACTION_ID: slack_field(o)} for o in forms.fillable(spec)}
        status, _, _ = await rig.sender.send_payload(sr.view_submission(
            forms.CALLBACK_ID, values, "U123", private_metadata=forms.pack(meta)))
        assert status == 200
        answer = await rig.fake.wait_for_call("chat.postEphemeral")
        await rig.service.drain()
        assert (answer["user"], answer["channel"]) == ("U123", "C0GENERAL")
        assert REFUSAL.search(answer["text"]), answer
        slack_private_only(rig, start)
        assert snapshot(database) == before
