"""Config loading: every problem at once, each with its key path; a bad file never starts."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import BaseModel

from bot import bootstrap
from bot.config import ConfigError, build_schema, parse_config
from bot.events import Community
from bot.settings import RefersTo, Section
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


def check_config(path: Path) -> tuple[int, list[str]]:
    """`hearth check-config PATH` as an admin runs it: exit code and printed lines."""
    result = subprocess.run([sys.executable, "-m", "bot", "check-config", str(path)],
                            capture_output=True, text=True, cwd=ROOT, check=False)
    return result.returncode, result.stdout.splitlines()


def test_check_config_command_lists_problems_and_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[greetings]\nchanel = "x"\n[hearth]\nlog_level = "LOUD"\n')
    assert check_config(bad) == (1, [
        "hearth.log_level: must be one of 'DEBUG', 'INFO', 'WARNING' or 'ERROR', got 'LOUD'",
        "greetings.chanel: unknown key (did you mean 'channel'?)",
        f"2 problems in {bad}.",
    ])
    assert check_config(EXAMPLE) == (0, [f"{EXAMPLE} looks good."])


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


def test_check_config_refuses_a_channel_key_that_doesnt_exist(tmp_path: Path) -> None:
    # Before, this said "looks good" and welcomes went to a channel called #welcom.
    typo = tmp_path / "typo.toml"
    typo.write_text('[greetings]\nchannel = "welcom"\n')
    assert check_config(typo) == (1, [
        'greetings.channel: no channel key "welcom" in [community.channels]; did you mean '
        '"welcome"?',
        f"1 problem in {typo}.",
    ])


def test_every_reference_to_a_channel_key_is_checked() -> None:
    found = problems("""
[community.channels]
lobby = "general"
[greetings]
goodbye = true
goodbye_channel = "lobbby"
[introductions]
channel = "general"
[contests]
channel = ""
mod_channel = "modlog"
[reputation]
badge_channel = "anouncements"
[moderation]
log_channel = "mod-log"
""")
    known = ("announcements, feedback, feedback_team, help, introductions, lobby, mod_log, rules, "
             "team_inbox, welcome")
    assert sorted(found) == sorted([
        'greetings.goodbye_channel: no channel key "lobbby" in [community.channels]; did you '
        'mean "lobby"?',
        f'introductions.channel: no channel key "general" in [community.channels] (known: {known})',
        f"contests.channel: needs a channel key from [community.channels] (known: {known})",
        'contests.mod_channel: no channel key "modlog" in [community.channels]; did you mean '
        '"mod_log"?',
        'reputation.badge_channel: no channel key "anouncements" in [community.channels]; did '
        'you mean "announcements"?',
        # The platform's name is not the key: a common mix-up.
        'moderation.log_channel: no channel key "mod-log" in [community.channels]; did you mean '
        '"mod_log"?',
    ])


def test_empty_means_none_where_the_setting_says_so() -> None:
    config = config_from('[greetings]\nchannel = ""\ngoodbye_channel = ""\n'
                         '[reputation]\nbadge_channel = ""\n[introductions]\nname_field = ""\n')
    assert (config.settings.greetings.channel, config.settings.reputation.badge_channel) == ("", "")


def test_name_field_must_be_one_of_the_form_fields() -> None:
    assert problems('[introductions]\nname_field = "nmae"\n') == [
        'introductions.name_field: no field "nmae" in [[introductions.fields]] name; did you '
        'mean "name"?']


def test_slack_role_mapping_names_a_role_a_badge_grants() -> None:
    # Slack quietly skips roles it has no user group for, so a typo here would never grant.
    assert problems('[platforms.slack]\nrole_usergroups = { Helpr = "S0123ABCD" }\n') == [
        'platforms.slack.role_usergroups.Helpr: no badge role "Helpr" in [[reputation.badges]] '
        'role; did you mean "Helper"?']


def test_an_overrides_broken_reference_carries_its_own_path_once() -> None:
    found = problems("""
[communities."discord:42".greetings]
channel = "welcom"
[communities."discord:7".community]
name = "fine"
""")
    assert found == ['communities."discord:42".greetings.channel: no channel key "welcom" in '
                     '[community.channels]; did you mean "welcome"?']
    # An override may add the channel key its own settings use.
    config_from('[communities."discord:42".community.channels]\nlobby = "general"\n'
                '[communities."discord:42".greetings]\nchannel = "lobby"\n')


BADGE = '[[reputation.badges]]\nname = "Trusted"\ncriterion = "reputation"\nthreshold = 500\n'


@pytest.mark.parametrize(("toml", "problem"), [
    (BADGE + 'role = "Moderator"\n',
     'reputation.badges[0].role: "Moderator" is a moderator or admin role '
     "(community.moderator_roles); a badge must never make a member a moderator or admin"),
    # Discord grants a role by name in any case, so "admin" would be the Admin role.
    (BADGE + 'role = "admin"\n',
     'reputation.badges[0].role: "admin" is a moderator or admin role (community.admin_roles); '
     "a badge must never make a member a moderator or admin"),
    ('[community]\nmoderator_roles = ["1122334455"]\n' + BADGE + 'role = "1122334455"\n',
     'reputation.badges[0].role: "1122334455" is a moderator or admin role '
     "(community.moderator_roles); a badge must never make a member a moderator or admin"),
    # The default Helper badge's role made staff in one community only.
    ('[communities."discord:42".community]\nadmin_roles = ["Admin", "Helper"]\n',
     'communities."discord:42".reputation.badges[2].role: "Helper" is a moderator or admin '
     "role (community.admin_roles); a badge must never make a member a moderator or admin"),
    # On Slack a badge's role is a user group: not the moderators' one.
    ('[platforms.slack]\nmoderator_usergroup = "S0MODS"\nrole_usergroups = { Helper = "S0MODS" }\n',
     'platforms.slack.role_usergroups.Helper: "S0MODS" is a moderator user group '
     "(platforms.slack.moderator_usergroup); a role a badge grants must never make a member "
     "staff"),
])
def test_a_badge_never_grants_a_staff_role(toml: str, problem: str) -> None:
    assert problems(toml) == [problem]


def test_a_default_reference_the_admin_never_wrote_falls_back_quietly() -> None:
    # A form without a "name" field: the default name_field can't point at it, and members are
    # called by their display name, as before; writing it out is still checked.
    fields = '[[introductions.fields]]\nname = "hello"\nlabel = "Say hello"\nrequired = true\n'
    assert config_from(fields).settings.introductions.name_field == "name"
    assert problems(fields + '[introductions]\nname_field = "name"\n') == [
        'introductions.name_field: no field "name" in [[introductions.fields]] name (known: '
        'hello)']


class _RaffleSettings(Section):
    """A feature of tomorrow that names a badge and a rule from elsewhere in the config."""

    prize_badge: Annotated[str, RefersTo("badge", "badge")] = ""
    """The badge a winner gets."""
    rule: Annotated[str, RefersTo("rule", "rule", empty_ok=True)] = ""
    """The rule broken by entering twice."""


def test_a_new_feature_can_refer_to_badges_and_rules_by_declaring_it() -> None:
    sections = {**bootstrap.config_sections(), "raffle": _RaffleSettings}
    with pytest.raises(ConfigError) as exc:
        parse_config('[raffle]\nprize_badge = "Championn"\nrule = "spamm"\n', sections)
    assert exc.value.problems == [
        'raffle.prize_badge: no badge "Championn" in [[reputation.badges]] name; did you mean '
        '"Champion"?',
        'raffle.rule: no rule "spamm" in [[moderation.rules]] id; did you mean "spam"?',
    ]
    parse_config('[raffle]\nprize_badge = "Champion"\nrule = "spam"\n', sections)
