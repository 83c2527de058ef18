"""Loading the admin's TOML into validated settings, with every problem reported at once.

The schema is the core's sections plus one section per cog, assembled by the composition root.
Per-community overrides (`[communities."discord:1234".greetings]`) are merged over the base
settings and validated as a whole, so each community gets a complete, checked settings object.
"""

from __future__ import annotations

import difflib
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, create_model

from bot.events import Community
from bot.logs import redact
from bot.settings import (
    DEFAULT_CHANNELS,
    CommunitySettings,
    CoreMessages,
    HearthSettings,
    Names,
    NotOneOf,
    PlatformSettings,
    RefersTo,
    Section,
)

# Sections that describe the process, not a community, so they can't be overridden per community.
GLOBAL_SECTIONS = ("hearth", "platforms")
PLATFORMS = ("discord", "slack", "console")


class ConfigError(Exception):
    """Every problem found in a config file, one line each with its key path."""

    def __init__(self, problems: list[str]) -> None:
        # Problems quote what was written ("got '...'"); a token pasted there is not repeated.
        problems = [redact(p) for p in problems]
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Config:
    settings: Any
    overrides: Mapping[str, Any] = field(default_factory=dict)
    source: str = "<config>"

    def for_community(self, community: Community) -> Any:
        """The settings a community runs with: the base, or its merged override."""
        if not self.overrides:
            return self.settings  # the usual case, and on every event's path
        return self.overrides.get(community.key, self.settings)

    @property
    def hearth(self) -> HearthSettings:
        found: HearthSettings = self.settings.hearth
        return found

    @property
    def platforms(self) -> PlatformSettings:
        found: PlatformSettings = self.settings.platforms
        return found


# The head of the generated config.example.toml (and the JSON Schema's description).
CONFIG_DOC = """Hearth configuration. Every key is shown with its default value and what it does.
Copy this file to config.toml and change what you like; `hearth check-config` lists every
problem at once. Tokens never go here: set DISCORD_TOKEN, SLACK_BOT_TOKEN, SLACK_APP_TOKEN and
SLACK_SIGNING_SECRET in the environment.

Messages are templates: {member} mentions the member, {name} is their name, {community} the
community's name, {channel:KEY} links a channel from [community.channels]. Each message lists
the fields it accepts; an unknown field is an error when the file is loaded. A message can be
one text or a list of variants, and Hearth picks one at random so it doesn't sound canned.
Nothing in a template or a member's text can ping @everyone, @here, a role or <!channel>.

This file is generated from Hearth's settings models by `hearth config example`;
config.schema.json (`hearth config schema`) describes the same keys for editors that check TOML.
"""

COMMUNITIES_DOC = """Per-community overrides: any section above except [hearth] and [platforms],
for one Discord server ("discord:GUILD_ID"), Slack workspace ("slack:TEAM_ID") or the console
("console:local"). What an override leaves out comes from the sections above."""
COMMUNITIES_EXAMPLE = {"discord:123456789012345678": {"community": {"name": "the Pottery Club"},
                                                      "greetings": {"goodbye": True}}}


def build_schema(sections: Mapping[str, type[Section]]) -> type[BaseModel]:
    """The root model: core sections plus each cog's section under its name."""
    fields: dict[str, Any] = {
        "hearth": (HearthSettings, Field(default_factory=HearthSettings)),
        "community": (CommunitySettings, Field(default_factory=CommunitySettings)),
        "platforms": (PlatformSettings, Field(default_factory=PlatformSettings)),
        "messages": (CoreMessages, Field(default_factory=CoreMessages)),
    }
    for name, model in sections.items():
        fields[name] = (model, Field(default_factory=model))
    fields["communities"] = (dict[str, dict[str, Any]],
                             Field(default_factory=dict, description=COMMUNITIES_DOC,
                                   examples=[COMMUNITIES_EXAMPLE]))
    return create_model("HearthConfig", __base__=Section, __doc__=CONFIG_DOC, **fields)


def load_config(path: str | Path, sections: Mapping[str, type[Section]]) -> Config:
    """Read and validate a config file; raises ConfigError listing every problem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{p}: no such file (copy config.example.toml to start)"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{p}: can't read it: {exc}"]) from None
    return parse_config(text, sections, source=str(p))


def parse_config(
    text: str, sections: Mapping[str, type[Section]], source: str = "<config>"
) -> Config:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{source}: TOML syntax error: {exc}"]) from None
    schema = build_schema(sections)
    problems: list[str] = []
    base = _validate(schema, raw, (), problems, only_within=None)
    overrides: dict[str, Any] = {}
    communities = raw.get("communities", {})
    if isinstance(communities, dict):
        base_raw = {k: v for k, v in raw.items() if k != "communities"}
        for key, override in communities.items():
            where: tuple[str | int, ...] = ("communities", key)
            if not _community_key_ok(key):
                problems.append(
                    f"{_path(where)}: community keys look like \"discord:GUILD_ID\", "
                    "\"slack:TEAM_ID\" or \"console:local\""
                )
                continue
            if not isinstance(override, dict):
                continue  # the schema already reported the wrong type
            for name in override:
                if name in GLOBAL_SECTIONS:
                    problems.append(f"{_path((*where, name))}: can only be set for all communities")
            clean = {k: v for k, v in override.items() if k not in GLOBAL_SECTIONS}
            merged = _merge(base_raw, clean)
            model = _validate(schema, merged, where, problems, only_within=clean)
            if model is not None:
                overrides[key] = model
    if base is not None:
        problems += _reference_problems(schema, base, overrides)
        problems += platform_problems(base)
    if problems or base is None:
        raise ConfigError(problems)
    return Config(settings=base, overrides=overrides, source=source)


# Slack refuses an app manifest whose display_information.name is longer than this.
SLACK_NAME_MAX = 35


def platform_problems(settings: Any) -> list[str]:
    """Values valid on their own that a platform Hearth runs on would refuse."""
    out = []
    name = settings.hearth.name
    if settings.platforms.slack.enabled and len(name) > SLACK_NAME_MAX:
        out.append(f"hearth.name: Slack allows an app name of at most {SLACK_NAME_MAX} "
                   f"characters, got {len(name)}; shorten it (or set "
                   "platforms.slack.enabled = false)")
    return out


def _community_key_ok(key: str) -> bool:
    platform, _, ident = key.partition(":")
    return platform in PLATFORMS and bool(ident)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _validate(
    schema: type[BaseModel],
    raw: dict[str, Any],
    prefix: tuple[str | int, ...],
    problems: list[str],
    only_within: dict[str, Any] | None,
) -> Any:
    channels = raw.get("community", {}).get("channels") if isinstance(raw.get("community"),
                                                                        dict) else None
    known = {**DEFAULT_CHANNELS, **(channels if isinstance(channels, dict) else {})}
    try:
        model = schema.model_validate(raw, context={"channels": set(known)})
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            if only_within is not None and not _present(only_within, loc):
                continue  # a problem of the base config, reported once there
            problems.append(_describe(schema, prefix, loc, err))
        return None
    return model


def _present(raw: Any, loc: tuple[Any, ...]) -> bool:
    """Whether the override itself has a value at (or above) this location."""
    node = raw
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            # Inside a table the override doesn't touch: the base's problem. Past a leaf the
            # override wrote a value where a table belongs: the override's problem.
            return not isinstance(node, dict | list)
    return True


_TYPE_WORDS = {
    "int_type": "a whole number", "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number", "float_parsing": "a number", "bool_type": "true or false",
    "bool_parsing": "true or false", "string_type": "a text in quotes", "list_type": "a list",
    "dict_type": "a table", "model_type": "a table", "model_attributes_type": "a table",
    "datetime_type": "a date-time", "datetime_parsing": "a date-time like 2026-12-24T18:00:00Z",
    "datetime_from_date_parsing": "a date-time like 2026-12-24T18:00:00Z",
}


def _describe(schema: type[BaseModel], prefix: tuple[Any, ...], loc: tuple[Any, ...],
              err: Any) -> str:
    kind = err["type"]
    path = _path(prefix + loc)
    if kind == "extra_forbidden":
        known = _fields_at(schema, loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
        return f"{path}: unknown key{suggestion}"
    if kind == "missing":
        return f"{path}: is required"
    got = _shown(err.get("input"))
    if kind in _TYPE_WORDS:
        return f"{path}: must be {_TYPE_WORDS[kind]}, got {got}"
    if kind == "literal_error":
        return f"{path}: must be one of {err['ctx']['expected']}, got {got}"
    if kind == "value_error":
        return f"{path}: {err['ctx']['error']}"
    msg = err["msg"]
    return f"{path}: {msg[0].lower()}{msg[1:]}, got {got}"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).replace("_", "").replace("-", "").isalnum():
            out += f".{part}" if out else str(part)
        else:
            out += f'."{part}"' if out else f'"{part}"'
    return out or "(top level)"


def _fields_at(schema: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    node: Any = schema
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(node, type) and issubclass(node, BaseModel)):
            return []
        info = node.model_fields.get(part)
        if info is None:
            return []
        node = _model_in(info.annotation)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return list(node.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    """The model inside list[Model], Model | None and the like."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, typing.Union, types.UnionType, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


# -- references between keys -----------------------------------------------------------------
# Values marked Names(kind) define names; RefersTo(kind) must be one, NotOneOf(kind) must not.


@dataclass(frozen=True)
class _Mark:
    loc: tuple[Any, ...]
    value: str
    marker: Names | RefersTo | NotOneOf


_MARKERS = (Names, RefersTo, NotOneOf)


def _reference_problems(schema: type[BaseModel], base: BaseModel,
                        overrides: Mapping[str, BaseModel]) -> list[str]:
    """Every reference checked in the base and in each community's merged settings; an
    override's problem is reported only where it differs from the base's."""
    where = _where_named(schema)
    marks = {(): _marks(base)} | {("communities", key): _marks(model)
                                  for key, model in overrides.items()}
    # The global sections are shared, so what they refer to may live in any community.
    everywhere = _named([m for found in marks.values() for m in found])
    found_in_base: set[str] = set()
    problems: list[str] = []
    for prefix, found in marks.items():
        own = _named(found)
        for mark in found:
            named = everywhere if mark.loc[0] in GLOBAL_SECTIONS else own
            problem = _check(mark, named, where)
            if problem is None:
                continue
            if not prefix:
                found_in_base.add(f"{_path(mark.loc)}: {problem}")
            elif f"{_path(mark.loc)}: {problem}" in found_in_base or mark.loc[0] in GLOBAL_SECTIONS:
                continue
            problems.append(f"{_path(prefix + mark.loc)}: {problem}")
    return problems


def _check(mark: _Mark, named: dict[str, dict[str, _Mark]], where: dict[str, str]) -> str | None:
    marker, value = mark.marker, mark.value
    if isinstance(marker, RefersTo):
        if (value == "" and marker.empty_ok) or value in named.get(marker.kind, {}):
            return None
        known = sorted(named.get(marker.kind, {}))
        hint = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
        shown = (f'; did you mean "{hint[0]}"?' if hint else
                 f" (known: {', '.join(known)})" if known else " (there are none)")
        source = where.get(marker.kind, marker.kind)
        if not value:
            return f"needs a {marker.noun} from {source}{shown}"
        return f'no {marker.noun} "{value}" in {source}{shown}'
    if isinstance(marker, NotOneOf) and value:
        # Platforms match role names loosely (Discord falls back to any case), so this does too.
        for name, definer in named.get(marker.kind, {}).items():
            if name.casefold() == value.casefold() and isinstance(definer.marker, Names):
                listed = definer.loc[:next((i for i, part in enumerate(definer.loc)
                                            if isinstance(part, int)), len(definer.loc))]
                return f'"{value}" is a {definer.marker.noun} ({_path(listed)}); {marker.reason}'
    return None


def _named(marks: list[_Mark]) -> dict[str, dict[str, _Mark]]:
    """Each kind's names, with where each was (first) defined."""
    out: dict[str, dict[str, _Mark]] = {}
    for mark in marks:
        if isinstance(mark.marker, Names) and mark.value:
            out.setdefault(mark.marker.kind, {}).setdefault(mark.value, mark)
    return out


def _marks(model: BaseModel) -> list[_Mark]:
    out: list[_Mark] = []
    for name, info in type(model).model_fields.items():
        found: list[_Mark] = []
        _collect(info.annotation, info.metadata, getattr(model, name), (name,), found)
        if name not in model.model_fields_set:
            # A default that names something the admin has since removed (name_field = "name"
            # once the form has no "name") falls back quietly, as documented; only what the
            # admin wrote must resolve. Names and NotOneOf still count: a default badge role can
            # still be one the admin made a staff role.
            found = [m for m in found if not isinstance(m.marker, RefersTo)]
        out += found
    return out


def _collect(annotation: Any, metadata: list[Any], value: Any, loc: tuple[Any, ...],
             out: list[_Mark]) -> None:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        _collect(args[0], [*metadata, *args[1:]], value, loc, out)
    elif isinstance(value, str):
        out.extend(_Mark(loc, value, m) for m in metadata if isinstance(m, _MARKERS))
    elif isinstance(value, BaseModel):
        out.extend(_Mark((*loc, *m.loc), m.value, m.marker) for m in _marks(value))
    elif origin in (list, tuple) and isinstance(value, list | tuple) and args:
        for i, item in enumerate(value):
            _collect(args[0], [], item, (*loc, i), out)
    elif origin is dict and isinstance(value, dict) and len(args) == 2:
        for key, item in value.items():
            _collect(args[0], [], key, (*loc, key), out)
            _collect(args[1], [], item, (*loc, key), out)
    elif origin in (typing.Union, types.UnionType):
        for arg in args:
            _collect(arg, metadata, value, loc, out)


def _where_named(schema: type[BaseModel]) -> dict[str, str]:
    """Where each kind of name is defined, as an admin finds it in the file:
    `[community.channels]`, `community.moderator_roles`, `[[reputation.badges]] role`."""
    out: dict[str, str] = {}

    def walk(annotation: Any, metadata: list[Any], label: str) -> None:
        for marker in metadata:
            if isinstance(marker, Names):
                out.setdefault(marker.kind, label)
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for name, info in annotation.model_fields.items():
                walk(info.annotation, info.metadata, f"{label}.{name}" if label else name)
        elif origin is typing.Annotated:
            walk(args[0], [*metadata, *args[1:]], label)
        elif origin in (list, tuple) and args:
            item = _model_in(args[0])
            if item is None:
                walk(args[0], [], label)
                return
            for name, info in item.model_fields.items():  # shown as `[[path]] key`
                walk(info.annotation, info.metadata, f"[[{label}]] {name}")
        elif origin is dict and len(args) == 2:
            walk(args[0], [], f"[{label}]")  # the table's keys
            walk(args[1], [], label)

    walk(schema, [], "")
    return out
