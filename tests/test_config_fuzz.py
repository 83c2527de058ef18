"""Config fuzz: seeded random damage to config.example.toml always ends in a valid Config or a
ConfigError whose every line starts with a key path or the file's name; never a crash.
"""

from __future__ import annotations

import copy
import json
import math
import random
import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from bot.bootstrap import config_sections
from bot.config import Config, ConfigError, parse_config

EXAMPLE = (Path(__file__).parent.parent / "config.example.toml").read_text(encoding="utf-8")
SOURCE = "fuzz.toml"
SECTIONS = config_sections()
SEED = 20261121
STRUCTURAL, TEXTUAL = 500, 500

# A problem line: `key.path[0]."odd key": ...`, `(top level): ...` or `fuzz.toml: ...`.
_SEGMENT = r'(?:[A-Za-z0-9_-]+|"[^"\n]*")'
_LINE = re.compile(rf"^(?:{re.escape(SOURCE)}|\(top level\)|{_SEGMENT}(?:\.{_SEGMENT}|\[\d+\])*)"
                   r": \S")

ODD_VALUES: list[Any] = [
    0, -1, 1, 10**9, -(2**63), 2**63 - 1, 0.5, math.inf, math.nan, True, False, "", " ", "x",
    "yes", "3d", "-5m", "0s", "99999999999d", "Mars/Olympus", "{member.__class__}", "{0}",
    "{a[0]}", "{!r}", "{", "}", "{channel:nowhere}", "@everyone", "\u202e", [], [1, "a"], [[]],
    {}, {"a": 1}, {"name": 3}, date(2026, 1, 1), time(12, 0), datetime(2026, 1, 1, 12, 0),
]


def dump(doc: dict[str, Any]) -> str:
    """Minimal TOML writer: every top-level key as `key = value`, tables inline."""
    return "\n".join(f"{_key(k)} = {_value(v)}" for k, v in doc.items()) + "\n"


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") \
            if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"


def _nodes(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _nodes(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _nodes(v, (*path, i))
    return out


def mutate_structure(rng: random.Random, base: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(base)
    for _ in range(rng.randint(1, 4)):
        paths = _nodes(doc)
        if not paths:
            break
        path = rng.choice(paths)
        parent: Any = doc
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        kind = rng.choice(["drop", "rename", "duplicate", "replace", "replace", "range",
                           "table_to_scalar", "override"])
        if kind == "drop":
            del parent[last]
        elif kind == "rename" and isinstance(parent, dict):
            new = rng.choice([last + "s", last[:-1], last.upper(), "typo", "", "a b", "x.y"])
            parent[new] = parent.pop(last)
        elif kind == "duplicate" and isinstance(parent, dict):
            parent[rng.choice(list(parent) or ["x"]) + "_copy"] = copy.deepcopy(parent[last])
        elif kind == "range":
            parent[last] = rng.choice([-1, 0, 10**6, -(10**6), 2**62, 65536, 0.0])
        elif kind == "table_to_scalar":
            parent[last] = rng.choice(["", 3, ["x"], True])
        elif kind == "override":
            key = rng.choice(["discord:1", "slack:T1", "console:local", "mars:1", "discord:", ""])
            section = rng.choice([*SECTIONS, "hearth", "platforms", "community", "nope"])
            doc.setdefault("communities", {})
            if isinstance(doc["communities"], dict):
                doc["communities"][key] = {section: copy.deepcopy(rng.choice(ODD_VALUES))} \
                    if rng.random() < 0.5 else {section: copy.deepcopy(base.get(section, {}))}
        else:
            parent[last] = copy.deepcopy(rng.choice(ODD_VALUES))
    return doc


def mutate_text(rng: random.Random, text: str) -> str:
    lines = text.splitlines()
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(lines))
        kind = rng.choice(["truncate", "drop", "dup", "swap", "char", "value", "header"])
        if kind == "truncate":
            cut = rng.randrange(len("\n".join(lines)) + 1)
            lines = "\n".join(lines)[:cut].splitlines() or [""]
        elif kind == "drop":
            del lines[i]
        elif kind == "dup":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "char":
            line = lines[i]
            at = rng.randrange(len(line) + 1)
            lines[i] = line[:at] + rng.choice(['"', "'", "[", "]", "{", "}", "=", "\\", "\x00",
                                                '"""', "#", ",", "\u202e"]) + line[at:]
        elif kind == "value" and " = " in lines[i]:
            key = lines[i].split(" = ", 1)[0]
            lines[i] = f"{key} = " + rng.choice(
                ['"', "[1, 2", "{a = 1", "nope", "1979-05-27", "0x1F", "1_000", "-0", "[]", "{}",
                 '"""open', "'lit'", "true", "3.", "'{member.__class__}'"])
        elif kind == "header":
            lines.insert(i, rng.choice(["[hearth]", "[[contests]]", "[greetings.messages.x]",
                                        "[]", "[communities.\"discord:1\".hearth]", "greetings = 1",
                                        "[community.channels]", "[moderation.rules]"]))
        if not lines:
            lines = [""]
    return "\n".join(lines)


def outcome(text: str) -> str:
    try:
        result = parse_config(text, SECTIONS, source=SOURCE)
    except ConfigError as exc:
        assert exc.problems, text
        for line in str(exc).splitlines():
            assert _LINE.match(line), f"problem without a key path: {line!r}"
        return "error"
    assert isinstance(result, Config)
    return "valid"


def test_damaged_configs_load_or_explain_every_problem_with_its_key() -> None:
    rng = random.Random(SEED)
    base = tomllib.loads(EXAMPLE)
    assert outcome(dump(base)) == "valid"  # the writer round-trips the example
    tally = {"valid": 0, "error": 0}
    for _ in range(STRUCTURAL):
        tally[outcome(dump(mutate_structure(rng, base)))] += 1
    for _ in range(TEXTUAL):
        tally[outcome(mutate_text(rng, EXAMPLE))] += 1
    print(f"\n[fuzz] configs tried: {STRUCTURAL + TEXTUAL} "
          f"({STRUCTURAL} structural, {TEXTUAL} textual); {tally['valid']} valid, "
          f"{tally['error']} ConfigError")
    # Both outcomes happen: the fuzz neither only breaks syntax nor only makes no-op changes.
    assert tally["valid"] > 50 and tally["error"] > 400
