"""What an invocation does first: open a form, or run now. Decided here once for every adapter.

An adapter builds the CommandInvoked it would hand the runtime and asks `plan`; a form opens
only for a FORM or MESSAGE_ACTION command invoked without its fields, by a member allowed to use
it (anyone else is refused by the core at once, not after filling in the form).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.commands import CommandKind, CommandSpec, Option, OptionType
from bot.events import CommandInvoked
from bot.parser import longest_match, tokenize
from bot.permissions import Level

_FORM_KINDS = (CommandKind.FORM, CommandKind.MESSAGE_ACTION)


@dataclass(frozen=True, slots=True)
class Plan:
    # None: no command by that name (running the invocation tells the member so).
    spec: CommandSpec | None
    # The fields to ask in a form before running; empty: run now.
    form: tuple[Option, ...] = ()

    @property
    def opens_form(self) -> bool:
        return bool(self.form)


def is_target(opt: Option) -> bool:
    """A message action's target: filled by the adapter from the message, never asked."""
    return opt.type is OptionType.MESSAGE or opt.name == "message"


def spec_named(event: CommandInvoked, specs: Sequence[CommandSpec]
               ) -> tuple[CommandSpec | None, bool]:
    """The spec an invocation names, and whether its line says more than the command's words."""
    if event.line is None:
        return next((s for s in specs if s.name == event.command), None), False
    return spec_in_line(event.line, specs)


def spec_in_line(line: str, specs: Sequence[CommandSpec]) -> tuple[CommandSpec | None, bool]:
    """The spec a typed line names (longest match), and whether anything follows its words."""
    words = [t.text for t in tokenize(line.strip().removeprefix("/"))]
    spec = longest_match(words, specs)
    return spec, spec is not None and len(words) > len(spec.words)


def plan(event: CommandInvoked, specs: Sequence[CommandSpec], level: Level) -> Plan:
    spec, typed = spec_named(event, specs)
    if spec is None or spec.kind not in _FORM_KINDS or typed or level < spec.level:
        return Plan(spec)
    fields = tuple(o for o in spec.options if not is_target(o) and o.name not in event.args)
    return Plan(spec, fields)
