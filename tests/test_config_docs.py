"""The example config and the JSON Schema are generated from the settings models, and the
checked-in copies are what the models say today."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from datetime import date, datetime, time
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel, Field

from bot import bootstrap
from bot.config import GLOBAL_SECTIONS, build_schema, parse_config
from bot.config_docs import example_toml, json_schema, schema_json
from bot.settings import Duration, Section, TemplateFields, default, message
from tests.harness import EXAMPLE, ROOT

SCHEMA_FILE = ROOT / "config.schema.json"
REGENERATE = "run `make config` (or `hearth config example --out config.example.toml`)"


def schema() -> type[BaseModel]:
    return build_schema(bootstrap.config_sections())


def test_checked_in_example_is_what_the_models_generate() -> None:
    generated = example_toml(schema(), "./config.schema.json")
    assert EXAMPLE.read_text(encoding="utf-8") == generated, \
        f"config.example.toml is out of date with the settings models: {REGENERATE}"


def test_checked_in_schema_is_what_the_models_generate() -> None:
    generated = schema_json(schema(), GLOBAL_SECTIONS)
    assert SCHEMA_FILE.read_text(encoding="utf-8") == generated, \
        "config.schema.json is out of date with the settings models: run `make config`"


def _jsonable(node: Any) -> Any:
    """TOML as JSON sees it: dates and times become the strings the schema describes."""
    if isinstance(node, dict):
        return {k: _jsonable(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_jsonable(v) for v in node]
    if isinstance(node, datetime | date | time):
        return node.isoformat()
    return node


def _validator() -> jsonschema.Draft7Validator:
    document = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(document)
    return jsonschema.Draft7Validator(document)


def test_shipped_example_loads_and_validates_against_the_schema() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    bootstrap.load(EXAMPLE)  # raises ConfigError with every problem if not
    errors = [e.message for e in _validator().iter_errors(_jsonable(tomllib.loads(text)))]
    assert errors == []


@pytest.mark.parametrize(("toml", "expected"), [
    ('[greetings]\nchanel = "x"\n', "'chanel' was unexpected"),
    ('[greetings]\nsend_dm = "yes"\n', "'yes' is not of type 'boolean'"),
    ('[greetings]\ngreet_again_after = "soon"\n', "'soon' does not match"),
    ('[hearth]\nlog_level = "LOUD"\n', "'LOUD' is not one of"),
    ('[communities."discord:1".hearth]\nname = "x"\n', "'hearth' was unexpected"),
    ('[communities."telegram:1".greetings]\ngoodbye = true\n', "'telegram:1' does not match"),
    ('[[reputation.badges]]\nname = "Mod"\ncriterion = "karma"\n', "'karma' is not one of"),
])
def test_schema_catches_what_an_editor_should_underline(toml: str, expected: str) -> None:
    errors = [e.message for e in _validator().iter_errors(_jsonable(tomllib.loads(toml)))]
    assert any(expected in e for e in errors), errors


def _fields(model: type[BaseModel], prefix: str = "") -> list[tuple[str, Any]]:
    out = []
    for name, info in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        out.append((path, info))
        annotation = info.annotation
        inner = annotation.__args__[0] if getattr(annotation, "__origin__", None) is list \
            else annotation
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            out += _fields(inner, path)
    return out


def test_every_setting_is_explained() -> None:
    # A message explains itself through its fields; every other key needs a description,
    # or the example would show it bare.
    bare = [path for path, info in _fields(schema())
            if not info.description and not any(isinstance(m, TemplateFields)
                                                for m in info.metadata)
            and not (isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel))]
    assert bare == []


def test_every_section_and_table_is_explained() -> None:
    undocumented = sorted({info.annotation.__name__ for _, info in _fields(schema())
                           if isinstance(info.annotation, type)
                           and issubclass(info.annotation, BaseModel)
                           and not info.annotation.__doc__})
    assert undocumented == []


class PollSettings(Section):
    """Polls: a question and a few answers, counted when the poll closes."""

    channel: str = "announcements"
    """Where polls are posted."""
    lasts: Duration = default("2d")
    """How long a poll stays open."""
    choices: list[str] = Field(default_factory=lambda: ["yes", "no"], examples=[["a", "b", "c"]])
    """The answers offered when /poll leaves them out."""
    closed: message("question", "winner") = default("The poll \"{question}\" chose {winner}.")


def test_a_new_features_settings_are_documented_without_writing_the_example() -> None:
    sections = {**bootstrap.config_sections(), "polls": PollSettings}
    generated = example_toml(build_schema(sections))
    tail = generated[generated.index("[polls]"):].split("\n\n# Per-community")[0]
    assert tail.splitlines() == [
        "[polls]",
        "# Polls: a question and a few answers, counted when the poll closes.",
        "",
        "# Where polls are posted.",
        'channel = "announcements"',
        "# How long a poll stays open.",
        'lasts = "2d"',
        "# The answers offered when /poll leaves them out.",
        '# e.g. choices = ["a", "b", "c"]',
        'choices = ["yes", "no"]',
        "# Fields: {question} {winner}",
        'closed = "The poll \\"{question}\\" chose {winner}."',
    ]
    # What was generated loads back as exactly the defaults, and the schema knows the section.
    loaded = parse_config(generated, sections).settings
    assert loaded.model_dump() == parse_config("", sections).settings.model_dump()
    poll = json_schema(build_schema(sections), GLOBAL_SECTIONS)["$defs"]["PollSettings"]
    assert poll["properties"]["lasts"]["default"] == "2d"
    assert poll["properties"]["closed"]["description"].endswith("Fields: {question} {winner}")


def test_config_commands_print_the_generated_files(tmp_path: Any) -> None:
    def hearth(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True,
                              text=True, cwd=tmp_path, check=False, timeout=60)

    example = hearth("config", "example")
    assert (example.returncode, example.stdout) == (0, EXAMPLE.read_text(encoding="utf-8"))
    written = hearth("config", "schema", "--out", "schema.json")
    assert written.returncode == 0, written.stderr
    assert (tmp_path / "schema.json").read_text(encoding="utf-8") == \
        SCHEMA_FILE.read_text(encoding="utf-8")
