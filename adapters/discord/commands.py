"""The core's CommandSpecs -> native Discord application commands, for any spec.

How: discord.py reads a command's options from its callback's signature. For each spec we make
one generic callback and give it a synthesised `inspect.Signature` (one keyword parameter per
option, annotated with discord.py's own types: `discord.User`, `Range[str, None, n]`,
`Range[int, lo, hi]`), plus the documented decorator attributes for descriptions, renames,
choices and autocomplete. So discord.py itself builds the JSON Discord gets, validates names and
limits at start-up, resolves members from `data.resolved` and routes subcommands, and we keep
no parser of raw interaction payloads. Parameters are named `o0, o1, ...` and renamed to the
option's name, so any option name Discord accepts works, even a Python keyword.

Kinds: SLASH -> a slash command; FORM -> a slash command that opens a modal (Discord allows 5
fields per modal: the first 5 options are fields, any beyond become typed options of the slash
command itself); MESSAGE_ACTION -> a message context-menu command that opens a modal for the
options other than `message` (the first 5; more can't be asked and are logged at start-up).
Names with spaces become groups: `contest enter` -> group `contest`, subcommand `enter`.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import discord
from discord import app_commands

from adapters.discord.forms import MODAL_FIELDS, clip
from bot.commands import CommandKind, CommandSpec, Option, OptionType
from bot.events import MemberRef
from bot.permissions import Level
from bot.plan import is_target
from bot.text import Spelling

log = logging.getLogger(__name__)
MAX_CHOICES = 25
MAX_TEXT = 6000  # Discord's max_length for a string option
TEXTISH = 100  # durations and dates are short
# What Discord hides a command behind by default; the core checks the level again regardless.
LEVEL_PERMISSIONS: dict[Level, discord.Permissions | None] = {
    Level.MEMBER: None,
    Level.MODERATOR: discord.Permissions(moderate_members=True),
    Level.ADMIN: discord.Permissions(manage_guild=True),
}

AppCommand = app_commands.Command[Any, ..., Any] | app_commands.Group | app_commands.ContextMenu


class Flow(Protocol):
    """What a command's callback hands the interaction to (interactions.InteractionFlow)."""

    async def run(self, interaction: discord.Interaction, spec: CommandSpec,
                  args: dict[str, Any]) -> None: ...

    async def open_form(self, interaction: discord.Interaction, spec: CommandSpec,
                        preset: dict[str, Any]) -> None: ...

    async def message_action(self, interaction: discord.Interaction, spec: CommandSpec,
                             message: discord.Message) -> None: ...

    async def suggest(self, interaction: discord.Interaction, spec: CommandSpec, option: Option,
                      current: str) -> list[app_commands.Choice[Any]]: ...


def to_core(value: Any) -> Any:
    """An option value as the core takes it: members as MemberRef, the rest unchanged."""
    if isinstance(value, discord.User | discord.Member):
        return MemberRef(str(value.id), value.display_name, value.bot)
    return value


def context_menu_name(spec: CommandSpec) -> str:
    return clip(spec.label or spec.name.replace("_", " ").capitalize(), 32)


def modal_fields(spec: CommandSpec) -> list[Option]:
    """The options a Discord modal can ask (at most 5): a form's first five, or a message
    action's options besides its target."""
    if spec.kind is CommandKind.MESSAGE_ACTION:
        return [o for o in spec.options if not is_target(o)][:MODAL_FIELDS]
    return list(spec.options[:MODAL_FIELDS])


def discord_words(spec: CommandSpec, plain: set[str]) -> tuple[str, ...]:
    """The words Discord registers a spec under. Discord can't have /appeal and a group
    /appeal with subcommands: where a core command shares its first word with a group, that
    group's commands become /appeal-resolve etc."""
    if len(spec.words) > 1 and spec.words[0] in plain:
        return ("-".join(spec.words),)
    return spec.words


def spelling(specs: Callable[[], Sequence[CommandSpec]]) -> Spelling:
    """How a member types a core command on Discord, for messages that name one."""
    def spell(name: str) -> str | None:
        slash = [s for s in specs() if s.kind is not CommandKind.MESSAGE_ACTION]
        plain = {s.name for s in slash if len(s.words) == 1}
        for spec in slash:
            if spec.name == name:
                return "/" + " ".join(discord_words(spec, plain))
        if any(s.name.startswith(f"{name} ") for s in slash):
            return f"/{name}"  # a group
        return None

    return spell


def build(specs: Sequence[CommandSpec], flow: Flow) -> list[AppCommand]:
    """Top-level commands, groups and context menus for these specs. A spec Discord can't
    take (a bad name, a clash) is logged and skipped; the others still work."""
    out: list[AppCommand] = []
    groups: dict[tuple[str, ...], app_commands.Group] = {}
    group_levels: dict[str, Level] = {}
    slash = [s for s in specs if s.kind is not CommandKind.MESSAGE_ACTION]
    plain = {s.name for s in slash if len(s.words) == 1}
    for spec in specs:
        try:
            if spec.kind is CommandKind.MESSAGE_ACTION:
                out.append(_context_menu(spec, flow))
                continue
            words = discord_words(spec, plain)
            if words != spec.words:
                log.info("/%s is registered on Discord as /%s (/%s is a command too)",
                         spec.name, words[0], spec.words[0])
            if len(words) > 3:
                log.error("/%s has too many words for Discord (at most group, subgroup, "
                          "command)", spec.name)
                continue
            command = _slash(spec, words[-1], flow)
            if len(words) == 1:
                _top_level(command, spec.level)
                out.append(command)
                continue
            parent = _group(groups, words[:-1], out)
            parent.add_command(command)
            top = words[0]
            group_levels[top] = min(group_levels.get(top, spec.level), spec.level)
        except (TypeError, ValueError) as exc:
            log.error("/%s can't be registered on Discord: %s", spec.name, exc)
    for name, level in group_levels.items():
        groups[(name,)].default_permissions = LEVEL_PERMISSIONS[level]
    for (name,), group in ((k, g) for k, g in groups.items() if len(k) == 1):
        subs = ", ".join(c.name for c in group.commands)
        group.description = clip(f"{name}: {subs}", 100)
    return out


# Hearth works per community: its commands are used in servers and installed to servers.
# (`contexts`/`integration_types` replace the deprecated `dm_permission`.)
CONTEXTS = app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False)
INSTALLS = app_commands.AppInstallationType(guild=True, user=False)


def _top_level(command: AppCommand, level: Level) -> None:
    command.allowed_contexts = CONTEXTS
    command.allowed_installs = INSTALLS
    command.default_permissions = LEVEL_PERMISSIONS[level]


def _group(groups: dict[tuple[str, ...], app_commands.Group], path: tuple[str, ...],
           out: list[AppCommand]) -> app_commands.Group:
    found = groups.get(path)
    if found is not None:
        return found
    parent = _group(groups, path[:-1], out) if len(path) > 1 else None
    group = app_commands.Group(name=path[-1], description=clip(path[-1], 100), parent=parent)
    if parent is None:
        group.allowed_contexts, group.allowed_installs = CONTEXTS, INSTALLS
    if parent is None:
        out.append(group)
    else:
        parent.add_command(group)
    groups[path] = group
    return group


def _annotation(opt: Option) -> Any:
    t = opt.type
    if t is OptionType.MEMBER:
        return discord.User  # arrives as a Member when they are in the guild
    if t is OptionType.INTEGER:
        if opt.min_value is None and opt.max_value is None:
            return int
        return app_commands.Range[int, opt.min_value, opt.max_value]
    if t is OptionType.TEXT:
        return app_commands.Range[str, None, max(1, min(opt.max_length, MAX_TEXT))]
    if t is OptionType.CHOICE:
        return str
    return app_commands.Range[str, None, TEXTISH]  # durations and dates: parsed by the core


def _slash(spec: CommandSpec, name: str, flow: Flow) -> app_commands.Command[Any, ..., Any]:
    if spec.kind is CommandKind.FORM:
        typed = spec.options[MODAL_FIELDS:]
        if typed:
            log.info("/%s has %d fields; a Discord modal holds %d, so %s are options of the "
                     "slash command", spec.name, len(spec.options), MODAL_FIELDS,
                     ", ".join(o.name for o in typed))
    else:
        typed = spec.options
    by_param = {f"o{i}": opt for i, opt in enumerate(typed)}

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        args = {by_param[k].name: to_core(v) for k, v in values.items() if v is not None}
        if spec.kind is CommandKind.FORM:
            await flow.open_form(interaction, spec, args)
        else:
            await flow.run(interaction, spec, args)

    params = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                annotation=discord.Interaction)]
    choices: dict[str, list[app_commands.Choice[str]]] = {}
    suggest: dict[str, Any] = {}
    for pname, opt in by_param.items():
        params.append(inspect.Parameter(
            pname, inspect.Parameter.KEYWORD_ONLY, annotation=_annotation(opt),
            default=inspect.Parameter.empty if opt.required else None))
        if opt.autocomplete and opt.type is not OptionType.MEMBER:
            suggest[pname] = _autocomplete(spec, opt, flow)
        elif opt.type is OptionType.CHOICE and 0 < len(opt.choices) <= MAX_CHOICES:
            choices[pname] = [app_commands.Choice(name=clip(c, 100), value=c)
                              for c in opt.choices]
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_description__ = {  # type: ignore[attr-defined]
        p: clip(o.description, 100) for p, o in by_param.items()}
    callback.__discord_app_commands_param_rename__ = {  # type: ignore[attr-defined]
        p: o.name for p, o in by_param.items()}
    callback.__discord_app_commands_param_choices__ = choices  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_autocomplete__ = suggest  # type: ignore[attr-defined]
    return app_commands.Command(name=name, description=clip(spec.description, 100),
                                callback=callback)


def _autocomplete(spec: CommandSpec, opt: Option, flow: Flow) -> Any:
    async def autocomplete(interaction: discord.Interaction, current: str
                           ) -> list[app_commands.Choice[Any]]:
        return await flow.suggest(interaction, spec, opt, str(current))

    return autocomplete


def _context_menu(spec: CommandSpec, flow: Flow) -> app_commands.ContextMenu:
    fields = [o for o in spec.options if not is_target(o)]
    if len(fields) > MODAL_FIELDS:
        log.warning("%s: a Discord modal holds %d fields, so %s can't be asked on Discord",
                    spec.name, MODAL_FIELDS, ", ".join(o.name for o in fields[MODAL_FIELDS:]))

    async def on_message(interaction: discord.Interaction, message: discord.Message) -> None:
        await flow.message_action(interaction, spec, message)

    menu = app_commands.ContextMenu(name=context_menu_name(spec), callback=on_message)
    _top_level(menu, spec.level)
    return menu
