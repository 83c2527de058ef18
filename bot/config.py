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
    PlatformSettings,
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


def build_schema(sections: Mapping[str, type[Section]]) -> type[BaseModel]:
    """The root model: core sections plus each cog's section under its name."""
    fields: dict[str, Any] = {
        "hearth": (HearthSettings, Field(default_factory=HearthSettings)),
        "community": (CommunitySettings, Field(default_factory=CommunitySettings)),
        "platforms": (PlatformSettings, Field(default_factory=PlatformSettings)),
        "messages": (CoreMessages, Field(default_factory=CoreMessages)),
        "communities": (dict[str, dict[str, Any]], Field(default_factory=dict)),
    }
    for name, model in sections.items():
        fields[name] = (model, Field(default_factory=model))
    return create_model("HearthConfig", __base__=Section, **fields)


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
    if problems or base is None:
        raise ConfigError(problems)
    return Config(settings=base, overrides=overrides, source=source)


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
