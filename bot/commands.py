"""Commands declared once: name, description, typed options and who may use them.

Adapters build native commands from these specs; arguments from every platform pass through
`bind`, so checking and conversion happen in one place.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from bot.durations import parse_duration
from bot.events import MemberRef, MessageRef
from bot.permissions import Level
from bot.text import Text, clean

if TYPE_CHECKING:
    from bot.actions import Action
    from bot.cog import Context
    from bot.events import Actor, CommandInvoked


class OptionType(enum.Enum):
    MEMBER = "member"
    TEXT = "text"
    INTEGER = "integer"
    CHOICE = "choice"
    DURATION = "duration"
    DATETIME = "datetime"
    # A message action's target (a MessageRef), filled by the adapter, never typed as text.
    MESSAGE = "message"


class CommandKind(enum.Enum):
    SLASH = "slash"
    # Every option is a text field: a modal on Discord and Slack, `field:"value"` in the console.
    FORM = "form"
    # Invoked on a message; the target arrives as the `message` argument (a MessageRef).
    MESSAGE_ACTION = "message_action"


class UsageError(ValueError):
    """A member's input did not fit the command: `key` names the message in [messages] that
    tells them (with `fields`), so every word of it is the admin's to change."""

    def __init__(self, key: str, **fields: Any) -> None:
        super().__init__(key)
        self.key = key
        self.fields = fields
        # How the command is typed, when the command is known (the parser fills it in).
        self.usage: str | None = None

    def render(self, messages: Any) -> Text:
        """The message, from the community's core messages; an option is named the way
        `option_label` says."""
        fields = {k: messages.option_label.render(None, name=v.name,
                                                   description=v.description.rstrip("."))
                  if isinstance(v, Option) else v for k, v in self.fields.items()}
        return getattr(messages, self.key).render(None, **fields)  # type: ignore[no-any-return]

    def __str__(self) -> str:
        from bot.settings import CoreMessages  # the defaults, for logs and tests
        return self.render(CoreMessages()).plain()


class Refused(Exception):
    """What the member is told instead of running a command (an unknown contest or case).

    A resolver raises it, so a handler is only ever called with a thing that exists."""

    def __init__(self, actions: list[Action]) -> None:
        super().__init__("refused")
        self.actions = actions


class UnknownCommand(UsageError):
    """No command by that name; `subcommands` lists the choices when it names a group."""

    def __init__(self, name: str, subcommands: tuple[str, ...] = (), typed: str = "") -> None:
        super().__init__("unknown_command", command=name)
        self.name = name
        self.subcommands = subcommands
        # The word typed after a group's name that isn't one of its subcommands.
        self.typed = typed


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    type: OptionType
    description: str
    required: bool = True
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    max_length: int = 1000
    # Long text: a paragraph field in forms.
    long: bool = False
    # The owning cog can suggest values (e.g. open contest ids) where the platform asks.
    autocomplete: bool = False
    label: str | None = None
    placeholder: str | None = None


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    description: str
    options: tuple[Option, ...] = ()
    level: Level = Level.MEMBER
    kind: CommandKind = CommandKind.SLASH
    # What a person reads in a menu where the platform shows one (a message action's name:
    # "Warn about this message"); the command's name otherwise.
    label: str | None = None
    # A form's main field: text typed without a `field:` goes there (`/introduce Hello!`).
    main: str | None = None

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.name.split())

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)

    def usage(self) -> str:
        parts = [f"/{self.name}"]
        for o in self.options:
            shown = f"{o.name}:\"...\"" if self.kind is CommandKind.FORM else o.name
            parts.append(f"<{shown}>" if o.required else f"[{shown}]")
        return " ".join(parts)

    def help_line(self) -> str:
        return f"`{self.usage()}`: {self.description}"


Handler = Callable[["CommandInvoked", "Context[Any]", dict[str, Any]],
                   Awaitable[list["Action"]]]
Autocomplete = Callable[["Context[Any]", str, str], Awaitable[list[tuple[str, str]]]]
# Whether a member below the spec's level may use it all the same (a role the feature's config
# names, like announcements' announcer roles).
Admits = Callable[["Actor", "Context[Any]"], bool]


@dataclass(frozen=True, slots=True)
class Command:
    """A spec with the cog function that runs it."""

    spec: CommandSpec
    handler: Handler
    autocomplete: Autocomplete | None = field(default=None)
    admits: Admits | None = field(default=None)


_DECLARED = "__hearth_command__"


@dataclass(frozen=True, slots=True)
class Declared:
    """A command declared on a cog method with `@command`."""

    spec: CommandSpec
    method: str
    # The cog method suggesting values for autocomplete options, if any.
    suggest: str | None = None
    # Option name -> cog method resolving it for this command, over the cog's `resolvers()`.
    resolve: tuple[tuple[str, str], ...] = ()


def command(spec: CommandSpec, *, suggest: str | None = None,
            resolve: dict[str, str] | None = None
            ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a cog method as the handler of `spec`, right above it.

    The method is called as `handler(event, ctx, **options)`, each option a keyword argument
    of its converted type (None when left out), or, if it takes `args`, with the dict.
    Options the cog resolves (a contest number to the contest) arrive resolved; `resolve`
    names a different resolver for one command (an appeal looks only at the member's cases).
    """
    def mark(fn: Callable[..., Any]) -> Callable[..., Any]:
        setattr(fn, _DECLARED, Declared(spec, fn.__name__, suggest,
                                        tuple((resolve or {}).items())))
        return fn
    return mark


def declared(cls: type) -> list[Declared]:
    """The commands a class declares with `@command`, in the order they are written."""
    seen: dict[str, Declared] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            found = getattr(value, _DECLARED, None)
            if isinstance(found, Declared):
                seen[name] = found
    return list(seen.values())


def bind(
    spec: CommandSpec, raw: dict[str, Any], *, now: datetime, tz: tzinfo
) -> dict[str, Any]:
    """Check and convert raw arguments against the spec; raises UsageError."""
    unknown = set(raw) - {o.name for o in spec.options}
    if unknown:
        raise UsageError("no_such_option", command=spec.name, options=", ".join(sorted(unknown)),
                         known=", ".join(o.name for o in spec.options))
    out: dict[str, Any] = {}
    for opt in spec.options:
        value = raw.get(opt.name)
        if isinstance(value, str) and opt.type is OptionType.TEXT:
            # Hidden control and bidi characters never reach storage or a post; a one-line
            # option stays one line, so a title can't break the layout of what shows it.
            value = clean(value, single_line=not opt.long)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            # A typed form may leave fields out to keep their answers; its handler checks
            # what a first answer needs (the platforms' forms require them already).
            if opt.required and spec.kind is not CommandKind.FORM:
                raise UsageError("missing_option", option=opt)
            out[opt.name] = None
            continue
        out[opt.name] = _convert(opt, value, now=now, tz=tz)
    return out



def _convert(opt: Option, value: Any, *, now: datetime, tz: tzinfo) -> Any:
    t = opt.type
    if t is OptionType.MEMBER:
        if isinstance(value, MemberRef):
            return value
        raise UsageError("not_a_member", option=opt)
    if opt.name == "message" and isinstance(value, MessageRef):
        return value
    if t is OptionType.MESSAGE:
        raise UsageError("message_target", option=opt)
    if t is OptionType.INTEGER:
        try:
            number = int(str(value).lstrip("#"))
        except ValueError:
            raise UsageError("not_a_number", option=opt, value=str(value)) from None
        if opt.min_value is not None and number < opt.min_value:
            raise UsageError("at_least", option=opt, limit=opt.min_value)
        if opt.max_value is not None and number > opt.max_value:
            raise UsageError("at_most", option=opt, limit=opt.max_value)
        return number
    if t is OptionType.DURATION:
        if isinstance(value, timedelta):
            return value
        try:
            return parse_duration(str(value))
        except ValueError as exc:
            key = ("empty_duration" if "zero" in str(exc) else
                   "long_duration" if "years" in str(exc) else "not_a_duration")
            raise UsageError(key, option=opt, value=str(value)) from None
    if t is OptionType.DATETIME:
        return _parse_moment(opt, value, now=now, tz=tz)
    text = str(value)
    if t is OptionType.CHOICE:
        lowered = {c.lower(): c for c in opt.choices}
        if text.lower() not in lowered:
            raise UsageError("not_a_choice", option=opt, choices=", ".join(opt.choices))
        return lowered[text.lower()]
    if len(text) > opt.max_length:
        raise UsageError("too_long", option=opt, length=len(text), limit=opt.max_length)
    return text


_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d")


def _parse_moment(opt: Option, value: Any, *, now: datetime, tz: tzinfo) -> datetime:
    """A moment as a date-time in the community's timezone, or a duration from now."""
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=tz)
    else:
        text = str(value).strip()
        for fmt in _FORMATS:
            try:
                moment = datetime.strptime(text, fmt).replace(tzinfo=tz)
                break
            except ValueError:
                continue
        if moment is None:
            try:
                moment = now + parse_duration(text)
            except ValueError:
                raise UsageError("not_a_time", option=opt, value=text) from None
    if moment <= now:
        raise UsageError("time_passed", option=opt)
    return moment

