"""Config loading: every problem at once, each with its key path; a bad file never starts."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from bot import bootstrap
from bot.config import ConfigError, build_schema
from bot.events import Community
from tests.harness import EXAMPLE, ROOT, config_from


def problems(toml: str) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        config_from(toml)
    return exc.value.problems


def test_example_config_is_valid_and_is_the_default() -> None:
    example = bootstrap.load(EXAMPLE)
    assert example.settings.model_dump() == config_from("").settings.model_dump()


def _keys(node: Any, prefix: str = "") -> set[str]:
    if isinstance(node, dict):
        out = set()
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            out.add(path)
            # Lists of tables (guides, badges) document their item keys through the examples.
            out |= _keys(value, path)
        return out
    return set()


def _schema_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    out = set()
    for name, info in model.model_fields.items():
        if name == "communities":
            continue
        path = f"{prefix}.{name}" if prefix else name
        out.add(path)
        inner = info.annotation
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            out |= _schema_keys(inner, path)
    return out


def test_example_documents_every_key() -> None:
    schema = build_schema(bootstrap.config_sections())
    documented = _keys(tomllib.loads(EXAMPLE.read_text(encoding="utf-8")))
    # Optional keys are shown commented out, like `# shards = 2`.
    commented = {line.lstrip("# ").split(" =")[0]
                 for line in EXAMPLE.read_text(encoding="utf-8").splitlines()
                 if line.startswith("# ") and " = " in line}
    missing = {k for k in _schema_keys(schema) - documented
               if k.rsplit(".", 1)[-1] not in commented}
    assert not missing, f"config.example.toml does not document: {sorted(missing)}"


def test_every_problem_is_reported_at_once_with_its_path() -> None:
    found = problems("""
[greetings]
enabeld = true
send_dm = "yes"
greet_again_after = "soon"

[greetings.raid]
burst = -3

[community]
timezone = "Mars/Olympus"
""")
    assert sorted(found) == sorted([
        "community.timezone: unknown timezone 'Mars/Olympus' (try \"Europe/Paris\" or \"UTC\")",
        "greetings.enabeld: unknown key (did you mean 'enabled'?)",
        "greetings.send_dm: must be true or false, got 'yes'",
        "greetings.greet_again_after: 'soon' is not a duration (try 90m, 3d or 1w2d)",
        "greetings.raid.burst: input should be greater than or equal to 1, got -3",
    ])


def test_syntax_error_names_line_and_column() -> None:
    found = problems("[greetings]\nenabled = \n")
    assert len(found) == 1
    assert "TOML syntax error" in found[0] and "line 2, column" in found[0]


def test_duplicate_key_is_a_syntax_error() -> None:
    found = problems("[greetings]\nenabled = true\nenabled = false\n")
    assert "TOML syntax error" in found[0]


def test_template_problems() -> None:
    found = problems("""
[greetings.messages]
welcome = ["Hi {member}", "Hi {membr}!", "{member.__class__}"]
goodbye = "Bye {name!r}"
dm = "See {channel:nowhere}"
""")
    assert ("greetings.messages.welcome: variant 2: unknown field {membr}; available: "
            "{channel:KEY}, {community}, {member}, {name}") in found
    assert ("greetings.messages.goodbye: {name!r}: conversions like !r are not supported"
            in found)
    assert any(p.startswith("greetings.messages.dm: {channel:nowhere} names no channel in "
                            "community.channels") for p in found)
    assert len(found) == 3  # the attribute access is caught too, in the welcome's own line


def test_template_attribute_access_is_refused() -> None:
    found = problems('[greetings.messages]\nwelcome = "{member.__class__.__init__}"\n')
    assert found == ["greetings.messages.welcome: {member.__class__.__init__} is not allowed: "
                     "fields are plain names like {member}"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        bootstrap.load(tmp_path / "nope.toml")
    assert exc.value.problems == [f"{tmp_path / 'nope.toml'}: no such file "
                                  "(copy config.example.toml to start)"]


def test_per_community_overrides_merge_over_the_base() -> None:
    config = config_from("""
[community]
name = "the Garden"
[greetings]
goodbye = false
[communities."discord:42".greetings]
goodbye = true
[communities."discord:42".community]
name = "the Pottery Club"
""")
    pottery = config.for_community(Community("discord", "42"))
    other = config.for_community(Community("discord", "7"))
    assert (pottery.greetings.goodbye, pottery.community.name) == (True, "the Pottery Club")
    assert (other.greetings.goodbye, other.community.name) == (False, "the Garden")
    # What the override didn't touch comes from the base.
    assert pottery.greetings.channel == "welcome"


def test_override_problems_carry_the_override_path() -> None:
    found = problems("""
[communities."discord:42".greetings]
goodbye = "often"
[communities."discord:42".hearth]
name = "Other"
[communities."telegram:1".greetings]
goodbye = true
""")
    assert sorted(found) == sorted([
        'communities."discord:42".greetings.goodbye: must be true or false, got \'often\'',
        'communities."discord:42".hearth: can only be set for all communities',
        'communities."telegram:1": community keys look like "discord:GUILD_ID", '
        '"slack:TEAM_ID" or "console:local"',
    ])


def test_check_config_command_lists_problems_and_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[greetings]\nchanel = "x"\n[hearth]\nlog_level = "LOUD"\n')
    result = subprocess.run([sys.executable, "-m", "bot", "check-config", str(bad)],
                            capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "hearth.log_level: must be one of 'DEBUG', 'INFO', 'WARNING' or 'ERROR', got 'LOUD'",
        "greetings.chanel: unknown key (did you mean 'channel'?)",
        f"2 problems in {bad}.",
    ]
    good = subprocess.run([sys.executable, "-m", "bot", "check-config", str(EXAMPLE)],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert (good.returncode, good.stdout.strip()) == (0, f"{EXAMPLE} looks good.")


def test_bad_config_never_starts_the_bot(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[greetings]\nenabled = maybe\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--config", str(bad),
         "--database", str(tmp_path / "db.sqlite3")],
        input="+alice\n", capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 2
    assert "Hearth did not start" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "db.sqlite3").exists()
