"""One parser for commands that arrive as raw text (Slack, console).

`/contest enter 3 "my photo" note:"taken at dawn" @bob` -> the spec for `contest enter` and raw
arguments for `bind`. Quoted strings, `key:value` options, mentions (`@name`, Slack's
`<@U123|name>`, Discord's `<@123>`); the last text option takes the rest of the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.commands import CommandKind, CommandSpec, OptionType, UnknownCommand, UsageError
from bot.events import MemberRef

_PLATFORM_MENTION = re.compile(r"^<@!?([A-Za-z0-9]+)(?:\|([^>]*))?>$")
_QUOTES = {'"': '"', "“": "”", "”": "”"}
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?=\S)")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    key: str | None = None
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Parsed:
    spec: CommandSpec
    args: dict[str, Any]


def tokenize(line: str) -> list[Token]:
    """Split on whitespace, keeping quoted strings and `key:"quoted value"` whole."""
    tokens: list[Token] = []
    i, n = 0, len(line)
    while i < n:
        if line[i].isspace():
            i += 1
            continue
        key = None
        m = _KEY.match(line, i)
        if m:
            key, i = m.group(1), m.end()
        if line[i] in _QUOTES:
            close = _QUOTES[line[i]]
            end = line.find(close, i + 1)
            if end == -1:
                end = n  # an unclosed quote runs to the end, kinder than an error
            tokens.append(Token(line[i + 1 : end], key, True))
            i = end + 1
            continue
        j = i
        while j < n and not line[j].isspace():
            j += 1
        tokens.append(Token(line[i:j], key, False))
        i = j
    return tokens


def parse(line: str, specs: Sequence[CommandSpec]) -> Parsed:
    """Parse one command line; raises UsageError with a message fit to show the member.

    `@name` mentions come back as MemberRef with an empty user_id, for the runtime to look up.
    """
    body = line.strip()
    if body.startswith("/"):
        body = body[1:]
    tokens = tokenize(body)
    if not tokens:
        raise UnknownCommand("")
    spec = _match(tokens, specs)
    try:
        return Parsed(spec, _assign(spec, tokens[len(spec.words) :]))
    except UsageError as exc:
        exc.usage = spec.usage()
        raise


def _match(tokens: list[Token], specs: Sequence[CommandSpec]) -> CommandSpec:
    words = [t.text for t in tokens if not t.quoted and t.key is None]
    best = longest_match(words, specs)
    if best is not None:
        return best
    first = words[0].lower() if words else tokens[0].text
    subs = tuple(sorted(s.words[1] for s in specs if s.words[0] == first and len(s.words) > 1))
    raise UnknownCommand(first, subs, words[1].lower() if subs and len(words) > 1 else "")


def longest_match(words: Sequence[str], specs: Iterable[CommandSpec]) -> CommandSpec | None:
    """The spec whose name is the longest prefix of `words` (`contest enter` over `contest`);
    the one place a typed line is matched to a command."""
    lowered = [w.lower() for w in words]
    best: CommandSpec | None = None
    for spec in specs:
        n = len(spec.words)
        if lowered[:n] == list(spec.words) and (best is None or n > len(best.words)):
            best = spec
    return best


def _assign(spec: CommandSpec, tokens: list[Token]) -> dict[str, Any]:
    names = {o.name.lower(): o.name for o in spec.options}
    if spec.kind is CommandKind.FORM and spec.main is not None:
        # A form of free answers (/introduce): only `field:` text, the rest to its main field.
        return _form(spec, names, tokens)
    args: dict[str, Any] = {}
    positional: list[Token] = []
    for tok in _dates_joined(spec, tokens):
        if tok.key is not None and tok.key.lower() in names:
            args[names[tok.key.lower()]] = tok
        elif tok.key is not None:
            # Not one of ours (a URL, "note:"): keep it as plain text.
            positional.append(Token(f"{tok.key}:{tok.text}", None, tok.quoted))
        else:
            positional.append(tok)
    # A message action's target comes from the adapter, never from the words typed.
    free = [o for o in spec.options if o.name not in args and o.type is not OptionType.MESSAGE]
    while positional and free:
        opt = free.pop(0)
        if opt.type is OptionType.TEXT and not free:
            args[opt.name] = Token(" ".join(t.text for t in positional), None, True)
            positional = []
        else:
            args[opt.name] = positional.pop(0)
    if positional:
        extra = " ".join(t.text for t in positional)
        raise UsageError("leftover", extra=extra)
    out: dict[str, Any] = {}
    for name, tok in args.items():
        option = spec.option(name)
        assert option is not None
        out[name] = _member(tok) if option.type is OptionType.MEMBER else tok.text
    return out


def _dates_joined(spec: CommandSpec, tokens: list[Token]) -> list[Token]:
    """`2026-12-24 18:00` typed without quotes is one moment, when the command takes one."""
    if not any(o.type is OptionType.DATETIME for o in spec.options):
        return tokens
    out: list[Token] = []
    for tok in tokens:
        if out and _TIME.match(tok.text) and tok.key is None and not tok.quoted \
                and _DATE.match(out[-1].text):
            out[-1] = Token(f"{out[-1].text} {tok.text}", out[-1].key, out[-1].quoted)
        else:
            out.append(tok)
    return out


def _form(spec: CommandSpec, names: dict[str, str], tokens: list[Token]) -> dict[str, Any]:
    """A form typed as text: `field:"answer"` for each field given; text without a field goes
    to the main one, and a field the form doesn't have is named back with the ones it has."""
    args: dict[str, Any] = {}
    free: list[str] = []
    unknown: list[str] = []
    for tok in tokens:
        if tok.key is not None and tok.key.lower() in names:
            args[names[tok.key.lower()]] = tok.text
        elif tok.key is not None and tok.quoted:
            unknown.append(tok.key)
        else:
            free.append(tok.text if tok.key is None else f"{tok.key}:{tok.text}")
    known = ", ".join(o.name for o in spec.options)
    if unknown:
        raise UsageError("no_such_field", command=spec.name, fields=", ".join(unknown),
                         known=known)
    if free:
        if spec.main is None or spec.main in args:
            raise UsageError("free_text", command=spec.name, known=known)
        args[spec.main] = " ".join(free)
    return args


def _member(tok: Token) -> MemberRef:
    text = tok.text.strip()
    m = _PLATFORM_MENTION.match(text)
    if m:
        return MemberRef(user_id=m.group(1), name=m.group(2) or None)
    name = text.removeprefix("@").strip()
    if not name:
        raise UsageError("name_a_member")
    return MemberRef(user_id="", name=name)
