"""Typed settings shared by every section of the config: the core's own sections and the
field types cogs use for theirs (messages, durations, timezones)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationInfo,
    field_validator,
)

from bot.durations import parse_duration
from bot.templates import TemplateError, Variants, compile_template


class Section(BaseModel):
    """Base for every config table: unknown keys are errors, values are immutable."""

    # Strict: TOML has real types, so "yes" for a boolean is a mistake to report, not coerce.
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True,
                              strict=True)


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(f"must be a duration like \"90m\" or \"3d\", got {value!r}")
    return parse_duration(value)


def _timezone(value: Any) -> ZoneInfo:
    if isinstance(value, ZoneInfo):
        return value
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value!r} (try \"Europe/Paris\" or \"UTC\")") from None


Duration = Annotated[timedelta, PlainValidator(_duration)]
Timezone = Annotated[ZoneInfo, PlainValidator(_timezone)]


def message(*fields: str) -> Any:
    """A message field: one template or a list of variants, using only `fields`."""

    def check(value: Any, info: ValidationInfo) -> Variants:
        if isinstance(value, Variants):
            return value
        # The loader passes the configured channel keys, so {channel:KEY} is checked at load.
        known = (info.context or {}).get("channels")
        sources = [value] if isinstance(value, str) else value
        if not isinstance(sources, list) or not sources:
            raise ValueError("must be a text or a non-empty list of texts")
        templates = []
        for i, source in enumerate(sources):
            where = f"variant {i + 1}: " if len(sources) > 1 else ""
            if not isinstance(source, str) or not source.strip():
                raise ValueError(f"{where}must be a non-empty text")
            try:
                template = compile_template(source, fields)
            except TemplateError as exc:
                raise ValueError(f"{where}{exc}") from None
            unknown = sorted(template.channels - set(known)) if known is not None else []
            if unknown:
                raise ValueError(f"{where}{{channel:{unknown[0]}}} names no channel in "
                                 f"community.channels (known: {', '.join(sorted(known))})")
            templates.append(template)
        return Variants(tuple(templates))

    return Annotated[Variants, PlainValidator(check),
                     PlainSerializer(lambda v: [t.source for t in v.templates])]


def default(value: Any) -> Any:
    """A default that goes through validation, so default templates are compiled too."""
    return Field(default=value, validate_default=True)


class HearthSettings(Section):
    name: str = "Hearth"
    # A SQLite file, or "postgresql://user@host/db" (the password comes from PGPASSWORD;
    # HEARTH_DATABASE_URL in the environment overrides this key).
    database: str = "data/hearth.sqlite3"
    # How long a write waits for a lock held by another process before giving up kindly.
    database_busy_timeout: Duration = default("5s")
    # How long a worker's claim on a due job lasts; if it dies mid-job, another takes over then.
    job_lease: Duration = default("5m")
    # How often a worker looks in the database for due work it has no timer for.
    job_poll: Duration = default("30s")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


DEFAULT_CHANNELS = {
    "welcome": "welcome",
    "introductions": "introductions",
    "rules": "rules",
    "help": "help",
    "mod_log": "mod-log",
    "announcements": "announcements",
}


class CommunitySettings(Section):
    name: str = "our community"
    timezone: Timezone = default("UTC")
    # Logical channel keys used by features and templates -> the platform's channel name or id.
    channels: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_CHANNELS))
    moderator_roles: list[str] = Field(default_factory=lambda: ["Moderator"])

    @field_validator("channels")
    @classmethod
    def _keep_default_channels(cls, value: dict[str, str]) -> dict[str, str]:
        # Naming one channel shouldn't make the features that use the others lose theirs.
        return {**DEFAULT_CHANNELS, **value}

    admin_roles: list[str] = Field(default_factory=lambda: ["Admin"])
    moderators: list[str] = Field(default_factory=list)
    admins: list[str] = Field(default_factory=list)


class DiscordSettings(Section):
    enabled: bool = True
    # Guild ids to sync commands to at start (instant); empty means a global sync.
    guilds: list[str] = Field(default_factory=list)
    shards: int | None = Field(default=None, ge=1)


class SlackSettings(Section):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=0, le=65535)
    # "separate": one slash command per feature (/thanks); "prefix": one (/hearth thanks).
    commands: Literal["separate", "prefix"] = "separate"
    prefix_command: str = Field(default="hearth", pattern=r"^[a-z0-9_-]{1,31}$")
    # Which event means "joined the community": the workspace, or a channel (join_channel).
    join_event: Literal["team_join", "member_joined_channel"] = "team_join"
    join_channel: str = ""
    # Slack user group ids (S0123...) whose members are moderators / admins.
    moderator_usergroup: str = ""
    admin_usergroup: str = ""
    # How long who-is-who (names, workspace admins, user group members) is cached.
    admin_cache: Duration = default("5m")
    # Hearth role name -> Slack user group id, for features that grant roles.
    role_usergroups: dict[str, str] = Field(default_factory=dict)


class ConsoleSettings(Section):
    moderators: list[str] = Field(default_factory=list)
    admins: list[str] = Field(default_factory=list)
    # A fixed start time and random seed make console scripts repeatable.
    start: datetime | None = None
    seed: int | None = None


class PlatformSettings(Section):
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)


class CoreMessages(Section):
    """What Hearth says when a command can't run; `problem` is the specific reason."""

    unknown_command: message("command") = default(
        "I don't know a command called /{command}. Try /help to see what I can do.")
    incomplete_command: message("command", "choices") = default(
        "{command} needs one more word, one of: {choices}.")
    not_allowed: message("command", "level") = default(
        "Sorry, {command} is for the {level} team. If you think you need it, ask a moderator.")
    usage: message("problem", "usage") = default("{problem}\nUsage: `{usage}`")
    failed: message("command") = default(
        "Sorry, something went wrong on my side and {command} didn't go through. Nothing was "
        "changed; please try again in a moment.")
    not_saved: message("command") = default(
        "Sorry, I couldn't save that just now, so {command} didn't go through. Please try again "
        "in a moment.")
