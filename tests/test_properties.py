"""Properties over arbitrary input: the parser, every message template on every platform, and
the template compiler. Each property counts the examples it ran and fails if it ran too few.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from adapters.console import render as console
from adapters.discord import render as discord_render
from adapters.slack import render as slack_render
from bot import bootstrap
from bot.commands import CommandSpec, UnknownCommand, UsageError, bind
from bot.parser import parse
from bot.templates import TemplateError, Variants, compile_template
from bot.text import Mention, Text, UserText
from tests.harness import config_from

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def props(examples: int) -> settings:
    # Derandomized: the same examples every run, so a failure in CI reproduces locally.
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

NASTY = [
    "@everyone", "@here", "@EveryOne", "＠everyone", "@\u200beveryone", "@every\u200bone",
    "<@123>", "<@!1>", "<@&1>", "<@&123456789012345678>", "<@12345678901234567>", "<#1>",
    "<!channel>", "<!here>", "<!everyone>", "<!subteam^S1>", "<!subteam^S1|@team>",
    "&lt;!channel&gt;", "&lt;@U1&gt;", "<@U123|bob>", "<https://x.test|click>",
    "[link](https://x.test)", "**bold**", "`code`", "```\nblock\n```", "> quote", "\n", "\r\n",
    "\t", "\u202e", "\u2066", "\u200b", "\x00", "\x1b[31m", "<", "@", "&", ">", "<@", "<@&",
    "<!", "everyone", "here", "channel>", "123>", "!", "#", "||spoiler||", "~~x~~", "_x_",
    "\\", "'", '"', "“", "”", ":", "key:", "about:", "#1", "3d", "2026-12-24 18:00", "-1",
    "99999999999999999999", "9" * 400 + "d", "0", "/", "/contest", "enter",
]
# Text from everywhere: arbitrary unicode, the nasty pieces, and pieces glued together.
nasty = st.one_of(
    st.text(max_size=40),
    st.sampled_from(NASTY),
    st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=5)), max_size=6).map("".join),
)
counts: dict[str, int] = {}


def ran(name: str, minimum: int) -> None:
    print(f"\n[property] {name}: {counts[name]} examples")
    assert counts[name] >= minimum, f"{name} only tried {counts[name]} examples"


def tick(name: str) -> None:
    counts[name] = counts.get(name, 0) + 1


# -- the parser, against the runtime's real specs ----------------------------------------------

@cache
def real_specs() -> tuple[CommandSpec, ...]:
    import tempfile

    async def build() -> tuple[CommandSpec, ...]:
        with tempfile.TemporaryDirectory() as tmp:
            app = await bootstrap.build(config_from(""), database=Path(tmp) / "p.sqlite3")
            try:
                return tuple(app.runtime.specs())
            finally:
                await app.close()

    return asyncio.run(build())


def command_lines() -> st.SearchStrategy[str]:
    specs = real_specs()
    words = st.sampled_from([s.name for s in specs])
    option = st.sampled_from(sorted({o.name for s in specs for o in s.options}))
    arg = st.one_of(
        nasty,
        st.tuples(option, nasty).map(lambda kv: f'{kv[0]}:"{kv[1]}"'),
        st.tuples(option, nasty).map(lambda kv: f"{kv[0]}:{kv[1]}"),
        st.sampled_from(["@bob", "<@U1|bob>", "<@123>", "#2", "3", "2h", "votes", "draw"]),
    )
    shaped = st.tuples(st.sampled_from(["/", "", " /"]), words,
                       st.lists(arg, max_size=6)).map(
        lambda t: t[0] + t[1] + " " + " ".join(t[2]))
    return st.one_of(st.text(max_size=80), shaped)


def test_any_line_parses_and_binds_or_gives_a_usage_error() -> None:
    specs = real_specs()
    assert len(specs) > 20  # every cog's commands, not a toy list

    @props(2000)
    @given(command_lines())
    def check(line: str) -> None:
        tick("parse+bind")
        try:
            parsed = parse(line, specs)
            bind(parsed.spec, parsed.args, now=NOW, tz=UTC)
        except UnknownCommand:
            tick("unknown command")
        except UsageError as exc:
            tick("usage error")
            assert str(exc).strip()  # shown to the member: never empty
        else:
            tick("bound")

    check()
    ran("parse+bind", 2000)
    print(f"[property]   bound {counts.get('bound', 0)}, usage error "
          f"{counts.get('usage error', 0)}, unknown command {counts.get('unknown command', 0)}")
    # Enough lines reach bind and succeed that the property says something about it.
    assert counts.get("bound", 0) > 100 and counts.get("usage error", 0) > 100


# -- every message template, rendered on every platform ----------------------------------------

def _variants(node: Any, path: str) -> Iterator[tuple[str, Variants]]:
    if isinstance(node, Variants):
        yield path, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _variants(getattr(node, name), f"{path}.{name}" if path else name)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _variants(value, f"{path}.{key}")
    elif isinstance(node, list | tuple):
        for i, value in enumerate(node):
            yield from _variants(value, f"{path}[{i}]")


CONFIG = config_from("")
TEMPLATES = [(f"{path}#{i}", t) for path, v in _variants(CONFIG.settings, "")
             for i, t in enumerate(v.templates)]
CHANNELS = dict(CONFIG.settings.community.channels)


def _fields(template: Any) -> list[str]:
    return sorted({name for _, name, _ in template.parts if name and name != "channel"})


CHOSEN = st.sampled_from(["111111111111111111", "222222222222222222", "U0CHOSEN1"])
# A field gets a member's string, or (sometimes) a mention the core chose.
value = st.one_of(nasty, nasty, nasty,
                  st.builds(Mention, CHOSEN, nasty),
                  st.builds(lambda a, b: Text((UserText(a), UserText(b))), nasty, nasty))


@st.composite
def rendered_templates(draw: Callable[..., Any]) -> tuple[str, Text]:
    where, template = draw(st.sampled_from(TEMPLATES))
    values = {name: draw(value) for name in _fields(template)}
    return where, template.render(CHANNELS, **values)


_DISCORD_MENTION = re.compile(r"<@!?&?(\d+)>")
_MASS = re.compile(r"@(everyone|here)", re.IGNORECASE)


def check_discord(text: Text) -> None:
    chosen = {int(s.user_id) for s in text.segments
              if isinstance(s, Mention) and s.user_id.isdigit()}
    out = discord_render.render(text, lambda name: 42 if name == "welcome" else None)
    assert not _MASS.search(out.content), out.content
    assert not re.search(r"<@&\d", out.content), out.content
    for m in _DISCORD_MENTION.finditer(out.content):
        assert int(m.group(1)) in chosen, out.content
    am = out.allowed_mentions
    assert am.everyone is False and am.roles is False and am.replied_user is False
    assert {u.id for u in am.users} == chosen


_SLACK_TOKEN = re.compile(r"<([^>]*)>")


def check_slack(text: Text) -> None:
    chosen = {s.user_id for s in text.segments if isinstance(s, Mention) and s.user_id}
    out = slack_render.render(text, UTC, lambda name: "C0WELCOME" if name == "welcome" else None)
    for m in _SLACK_TOKEN.finditer(out):
        token = m.group(1)
        # The only tokens: a chosen member, a channel id, a date, a template's link.
        assert ((token[1:] in chosen and token[0] == "@")
                or re.fullmatch(r"#C[A-Z0-9]+", token)
                or token.startswith("!date^")
                or re.match(r"https?://", token)), out
    for bad in ("<!channel>", "<!here>", "<!everyone>", "<!subteam"):
        assert bad not in out


@props(2000)
@given(rendered_templates())
def _templates_on_every_platform(case: tuple[str, Text]) -> None:
    tick("templates x platforms")
    _, text = case
    check_discord(text)
    check_slack(text)
    plain = console.render(text, NOW, UTC)
    assert "\u202e" not in plain and "\x00" not in plain


def test_no_member_string_in_any_template_can_ping_on_any_platform() -> None:
    assert len(TEMPLATES) > 80  # every cog's messages were found
    _templates_on_every_platform()
    ran("templates x platforms", 2000)


# Arbitrary segment sequences: mentions that only form where two segments meet.
segments = st.lists(st.one_of(
    st.builds(UserText, nasty),
    st.builds(Mention, CHOSEN, nasty),
    st.sampled_from(["", " ", "@", "<", "<@", "<@&", "<@1", "<!", ">", "Hello @", "**"]).map(
        lambda s: Text.of(s).segments[0] if s else UserText("")),
), max_size=8).map(tuple).map(Text)


def test_mentions_formed_across_segments_never_ping() -> None:
    @props(1500)
    @given(segments)
    def check(text: Text) -> None:
        tick("segment sequences")
        # Literal "<@1" alone is an admin's; the check is about member text taking part.
        if any(isinstance(s, UserText) for s in text.segments):
            members_only = Text(tuple(s for s in text.segments
                                      if not isinstance(s, UserText) or s.text))
            check_discord_members(members_only)
        check_slack(text)

    check()
    ran("segment sequences", 1500)


def check_discord_members(text: Text) -> None:
    out = discord_render.render(text)
    assert not _MASS.search(out.content), out.content
    chosen = {int(s.user_id) for s in text.segments
              if isinstance(s, Mention) and s.user_id.isdigit()}
    literal_only = "".join(s.text for s in text.segments if not isinstance(s, UserText | Mention)
                           and hasattr(s, "text"))
    for m in _DISCORD_MENTION.finditer(out.content):
        assert int(m.group(1)) in chosen or m.group(0) in literal_only, out.content
    assert {u.id for u in out.allowed_mentions.users} == chosen


# -- templates: fields are plain names, never attribute or index access ------------------------

FIELD_NAMES = ["member", "name", "points", "channel"]
braces = st.lists(st.one_of(
    st.text(alphabet="{}!:.[]0123456789abmer_ ", max_size=12),
    st.sampled_from(["{member}", "{member.__class__}", "{0}", "{}", "{a[0]}", "{!r}",
                     "{member!r}", "{member:>10}", "{member.name}", "{name[0]}",
                     "{channel:welcome}", "{channel}", "{__class__}", "{{", "}}", "{points:,}",
                     "{member.__init__.__globals__}"]),
), max_size=5).map("".join)


class Spy:
    """A value whose attributes must never be read by a rendered template."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"template reached .{name}")

    def __getitem__(self, key: Any) -> Any:
        raise AssertionError(f"template indexed [{key!r}]")

    def __format__(self, spec: str) -> str:
        raise AssertionError("template formatted a value")

    def __str__(self) -> str:
        return "spy"


def test_templates_refuse_attribute_index_and_conversion_fields() -> None:
    for bad in ["{member.__class__}", "{0}", "{a[0]}", "{!r}", "{member!r}", "{member:>10}"]:
        try:
            compile_template(bad, ["member", "a"])
        except TemplateError:
            continue
        raise AssertionError(f"{bad} compiled")

    @props(1500)
    @given(braces)
    def check(source: str) -> None:
        tick("template compile")
        try:
            template = compile_template(source, FIELD_NAMES)
        except TemplateError:
            return
        for _, name, spec in template.parts:
            assert name is None or (name.isidentifier() and name in FIELD_NAMES)
            assert spec is None or name == "channel"
        out = template.render({"welcome": "welcome"},
                              **{f: Spy() for f in FIELD_NAMES if f != "channel"})
        assert isinstance(out, Text)

    check()
    ran("template compile", 1500)
