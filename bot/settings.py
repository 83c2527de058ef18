"""Typed settings shared by every section of the config: the core's own sections and the
field types cogs use for theirs (messages, durations, timezones, references).

The models are the config's only description: field docstrings (read as descriptions) and
model docstrings become the comments of the generated config.example.toml and the JSON Schema.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    WithJsonSchema,
    field_validator,
)

from bot.durations import parse_duration
from bot.templates import TemplateError, Variants, compile_template


class Section(BaseModel):
    """Base for every config table: unknown keys are errors, values are immutable."""

    # Strict: TOML has real types, so "yes" for a boolean is a mistake to report, not coerce.
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True,
                              strict=True, use_attribute_docstrings=True)


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


_UNIT_SECONDS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def written_duration(value: Any) -> Any:
    """A duration as an admin writes it ("90d", "5m"), so defaults dump back to valid TOML."""
    if not isinstance(value, timedelta):
        return value  # a default not validated yet is already written that way
    seconds = int(value.total_seconds())
    for unit, size in _UNIT_SECONDS:
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"  # pragma: no cover - the loop ends at seconds


# What the JSON Schema says of a duration: the pattern parse_duration accepts.
DURATION_SCHEMA = {"type": "string", "pattern": r"^\s*(\d+\s*[smhdwSMHDW]\s*)+$",
                   "description": "A duration like \"90m\", \"3d\" or \"1w2d\"."}

Duration = Annotated[timedelta, PlainValidator(_duration), PlainSerializer(written_duration),
                     WithJsonSchema(DURATION_SCHEMA)]


def _retention(value: Any) -> timedelta | None:
    if value is None or (isinstance(value, str) and value.strip().lower() == "forever"):
        return None
    try:
        return _duration(value)
    except ValueError:
        raise ValueError(f"must be \"forever\" or a duration like \"365d\", got {value!r}"
                         ) from None


# How long something is kept: a duration, or "forever" (None).
Retention = Annotated[timedelta | None, PlainValidator(_retention),
                      PlainSerializer(lambda v: "forever" if v is None else written_duration(v)),
                      WithJsonSchema({"anyOf": [DURATION_SCHEMA, {"const": "forever"}]})]
Timezone = Annotated[ZoneInfo, PlainValidator(_timezone),
                     PlainSerializer(lambda v: v if isinstance(v, str) else v.key),
                     WithJsonSchema({"type": "string", "description":
                                     "An IANA timezone like \"Europe/Paris\" or \"UTC\"."})]


# -- references between keys --------------------------------------------------------------
# A value marked Names(kind) defines a name (a channel key, a badge's role); one marked
# RefersTo(kind) must be such a name, and one marked NotOneOf(kind) must not be. The loader
# checks them across the whole config (and each community's overrides), with "did you mean".


@dataclass(frozen=True)
class Names:
    kind: str
    noun: str  # how a problem line names the thing: "channel key", "moderator or admin role"


@dataclass(frozen=True)
class RefersTo:
    kind: str
    noun: str
    # "" means "none" (post nothing, send a DM instead) rather than a name to look up.
    empty_ok: bool = False


@dataclass(frozen=True)
class NotOneOf:
    kind: str
    reason: str  # why it must not be: the second half of the problem line


ChannelKey = Annotated[str, RefersTo("channel", "channel key")]
OptionalChannelKey = Annotated[str, RefersTo("channel", "channel key", empty_ok=True)]
StaffRole = Annotated[str, Names("staff_role", "moderator or admin role")]


@dataclass(frozen=True)
class TemplateFields:
    """Marks a message field, with the fields its template may use."""

    fields: tuple[str, ...]

    def shown(self) -> str:
        return " ".join("{channel:KEY}" if f == "channel" else "{" + f + "}"
                        for f in self.fields) or "(no fields)"


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

    return Annotated[Variants, PlainValidator(check), PlainSerializer(_written_message),
                     TemplateFields(fields), WithJsonSchema(_message_schema(fields))]


def _written_message(value: Any) -> Any:
    """One template as a text, variants as a list: how the admin writes them."""
    if not isinstance(value, Variants):
        return value
    sources = [t.source for t in value.templates]
    return sources[0] if len(sources) == 1 else sources


def _message_schema(fields: tuple[str, ...]) -> dict[str, Any]:
    text = {"type": "string", "minLength": 1}
    return {"anyOf": [text, {"type": "array", "items": text, "minItems": 1}],
            "description": "A message: one text, or a list of variants picked at random. "
                           f"Fields: {TemplateFields(fields).shown()}"}


def default(value: Any, **extra: Any) -> Any:
    """A default that goes through validation, so default templates are compiled too."""
    return Field(default=value, validate_default=True, **extra)


class HttpSettings(Section):
    """An optional HTTP listener for your supervisor and monitoring: GET /healthz answers 200
    when storage answers and every enabled platform is connected (503 otherwise, with a JSON
    body saying which part is down); GET /metrics serves Prometheus' text format. Changing this
    table needs a restart."""

    enabled: bool = False
    """Off unless you turn it on."""
    host: str = "127.0.0.1"
    """Where it listens: loopback by default; listen more widely only behind a firewall or
    proxy."""
    port: int = Field(default=9464, ge=0, le=65535)
    """The port; 0 picks a free one (logged at start-up)."""


class HearthSettings(Section):
    """The process itself: these apply to every community and can't be overridden per community."""

    name: str = "Hearth"
    """The name Hearth signs its posts with in the console, and the Slack app's name in its
    manifest (Slack allows at most 35 characters; checked when Slack is enabled)."""
    database: str = "data/hearth.sqlite3"
    """SQLite database file, or "postgresql://user@host/db" (the password comes from
    PGPASSWORD; HEARTH_DATABASE_URL in the environment overrides this key). A file's folder is
    created if needed; a relative path is under $STATE_DIRECTORY when that is set (systemd's
    StateDirectory=, see deploy/hearth.service), else under the directory Hearth starts in."""
    database_busy_timeout: Duration = default("5s")
    """How long a write waits for a lock another process holds, before the member is told it
    didn't save and to try again."""
    job_lease: Duration = default("5m")
    """How long a worker's claim on a due job lasts; if it dies mid-job, another worker takes
    the job over then."""
    job_poll: Duration = default("30s")
    """How often a worker looks in the database for due work it has no timer for."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """How much Hearth logs: DEBUG, INFO, WARNING or ERROR. The --log-level flag overrides it
    when given."""
    member_cache: int = Field(default=100_000, ge=1, examples=[250_000])
    """How many members Hearth remembers in memory with their roles as last seen. When full,
    the member seen longest ago is let go (looked up again when next needed); about 200 bytes
    each, so 250,000 is about 50 MB. Beyond it, Hearth also remembers that the member list
    already has up to four times as many members (about 100 bytes each), so a member let go
    of isn't written again when they next speak. Set it above your active members."""
    processed_events_kept: Duration = default("2d")
    """How long the ids of platform deliveries already handled are kept, so a retried delivery
    is never acted on twice (platforms stop retrying within minutes). They hold no names or
    text; the retention job (see [mydata]) deletes older ones."""
    http: HttpSettings = Field(default_factory=HttpSettings)


DEFAULT_CHANNELS = {
    "welcome": "welcome",
    "introductions": "introductions",
    "rules": "rules",
    "help": "help",
    "mod_log": "mod-log",
    "announcements": "announcements",
    # Feedback: ideas members can support, and where the team sees every item.
    "feedback": "feedback",
    "feedback_team": "mod-log",
    # Ask the team: where each private conversation with the team gets its thread (keep it
    # staff-only).
    "team_inbox": "team-inbox",
}


class CommunitySettings(Section):
    """Who the community is and who looks after it."""

    name: str = "our community"
    """How Hearth refers to the community in messages."""
    timezone: Timezone = default("UTC", examples=["Europe/Paris"])
    """Timezone for dates people type (contest deadlines) and dates Hearth shows."""
    channels: dict[Annotated[str, Names("channel", "channel key")], str] = Field(
        default_factory=lambda: dict(DEFAULT_CHANNELS))
    """Logical channel key -> the platform's channel name (or id). Features name channels by
    these keys, and templates link them with {channel:KEY}. Keys you leave out keep their
    defaults; you can add your own keys for your templates."""
    moderator_roles: list[StaffRole] = Field(default_factory=lambda: ["Moderator"])
    """Members who hold one of these roles (by name or platform id) are moderators."""

    @field_validator("channels")
    @classmethod
    def _keep_default_channels(cls, value: dict[str, str]) -> dict[str, str]:
        # Naming one channel shouldn't make the features that use the others lose theirs.
        return {**DEFAULT_CHANNELS, **value}

    admin_roles: list[StaffRole] = Field(default_factory=lambda: ["Admin"])
    """Members who hold one of these roles (by name or platform id) are admins."""
    moderators: list[str] = Field(default_factory=list, examples=[["123456789012345678"]])
    """Individual moderators, by platform user id (names can be changed by anyone, ids can't)."""
    admins: list[str] = Field(default_factory=list, examples=[["U0123ABCD"]])
    """Individual admins, by platform user id."""


class DiscordSettings(Section):
    """Discord: Hearth connects when DISCORD_TOKEN is set. It needs the SERVER MEMBERS and
    MESSAGE CONTENT privileged intents (Developer Portal > your app > Bot) and the invite scopes
    `bot applications.commands`."""

    enabled: bool = True
    """Connect to Discord when DISCORD_TOKEN is set."""
    guilds: list[str] = Field(default_factory=list, examples=[["123456789012345678"]])
    """Server (guild) ids to register slash commands in at start-up, which is instant; empty
    means a global registration, which can take an hour to show."""
    shards: int | None = Field(default=None, ge=1, examples=[2])
    """Number of shards; leave it unset for one connection (fine below ~2,500 servers)."""


class SlackSettings(Section):
    """Slack: Hearth connects when SLACK_BOT_TOKEN is set, in Socket Mode if SLACK_APP_TOKEN is
    set too, else over HTTP (which also needs SLACK_SIGNING_SECRET)."""

    enabled: bool = True
    """Connect to Slack when SLACK_BOT_TOKEN is set."""
    host: str = "127.0.0.1"
    """Where HTTP mode listens for Slack's requests (/slack/events). Socket Mode needs no
    public URL and ignores this."""
    port: int = Field(default=3000, ge=0, le=65535)
    """The port HTTP mode listens on."""
    commands: Literal["separate", "prefix"] = "separate"
    """"separate": one slash command per feature (/thanks, /warn, /contest enter ...);
    "prefix": a single command, `/hearth thanks @bob`. Re-run `hearth slack-manifest` after
    changing it."""
    prefix_command: str = Field(default="hearth", pattern=r"^[a-z0-9_-]{1,31}$")
    """The single command's name in "prefix" mode (lowercase, no slash)."""
    join_event: Literal["team_join", "member_joined_channel"] = "team_join"
    """What counts as joining the community: "team_join" (joining the workspace; a deactivated
    account counts as leaving, a reactivated one as coming back) or "member_joined_channel"
    (joining join_channel; leaving it counts as leaving)."""
    join_channel: str = Field(default="", examples=["community"])
    """With member_joined_channel: the channel (name or id) that is the community; "" means any
    channel Hearth is in."""
    moderator_usergroup: Annotated[str, Names("staff_usergroup", "moderator user group")] = Field(
        default="", examples=["S0123ABCD"])
    """A Slack user group id (like "S0123ABCD") whose members are Hearth moderators, besides
    [community] moderators. Workspace admins and owners are always Hearth admins."""
    admin_usergroup: Annotated[str, Names("staff_usergroup", "admin user group")] = Field(
        default="", examples=["S0456EFGH"])
    """A Slack user group id whose members are Hearth admins, besides [community] admins."""
    admin_cache: Duration = default("5m")
    """How long names, admin flags and user group members are remembered before asking Slack
    again."""
    role_usergroups: dict[
        Annotated[str, RefersTo("granted_role", "badge role")],
        Annotated[str, NotOneOf("staff_usergroup", "a role a badge grants must never make "
                                "a member staff")],
    ] = Field(default_factory=dict, examples=[{"Helper": "S0123ABCD"}])
    """Roles features grant (a badge's `role`), as Slack user groups: role name -> user group
    id. Unmapped roles are skipped quietly (Slack has no roles of its own)."""


class ConsoleSettings(Section):
    """The console, a community in your terminal (`hearth console`, or `hearth run` without
    tokens)."""

    moderators: list[str] = Field(default_factory=list, examples=[["maria"]])
    """Console-only moderators (by name), besides `:mod name` in a session."""
    admins: list[str] = Field(default_factory=list, examples=[["sam"]])
    """Console-only admins (by name)."""
    start: datetime | None = Field(default=None, examples=[datetime.fromisoformat(
        "2026-11-21T09:00:00+00:00")])
    """A fixed start time for the console clock, so scripts are repeatable (unset: now)."""
    seed: int | None = Field(default=None, examples=[7])
    """A fixed random seed, so greetings are repeatable (unset: random)."""


class PlatformSettings(Section):
    """The platforms Hearth connects to. Tokens never go in this file: set DISCORD_TOKEN,
    SLACK_BOT_TOKEN, SLACK_APP_TOKEN and SLACK_SIGNING_SECRET in the environment."""

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
    """A command that couldn't run as typed: the problem (one of the messages below), then how
    to type it."""
    did_you_mean: message("command", "suggestion") = default(
        "I don't know a command called /{command}. Did you mean {suggestion}? /help shows "
        "everything I can do.")
    did_you_mean_sub: message("command", "word", "suggestion", "choices") = default(
        "{command} has no {word}. Did you mean {suggestion}? It can be one of: {choices}.")
    option_label: message("name", "description") = default("**{name}** ({description})")
    """How the messages below name a command's option ({option})."""
    missing_option: message("option") = default("Please include {option}.")
    no_such_option: message("command", "options", "known") = default(
        "/{command} has no option called {options}. Its options are: {known}.")
    no_such_field: message("command", "fields", "known") = default(
        "/{command} has no field called {fields}. Its fields are: {known}. Write them like "
        "about:\"a few words\".")
    free_text: message("command", "known") = default(
        "Please say which field each answer is for, like about:\"a few words\". The fields "
        "are: {known}.")
    leftover: message("extra") = default("I wasn't sure what to do with '{extra}'.")
    not_a_member: message("option") = default("{option} should be a member, like @name.")
    name_a_member: message() = default("Please name a member, like @name.")
    member_not_found: message("name") = default("I couldn't find a member called '{name}'.")
    message_target: message("option") = default(
        "{option} is the message the command acts on: use the command from that message's "
        "menu.")
    not_a_number: message("option", "value") = default(
        "{option} should be a whole number, not '{value}'.")
    at_least: message("option", "limit") = default("{option} should be at least {limit}.")
    at_most: message("option", "limit") = default("{option} should be at most {limit}.")
    not_a_duration: message("option", "value") = default(
        "{option}: '{value}' is not a duration (try 90m, 3d or 1w2d).")
    empty_duration: message("option") = default(
        "{option}: a duration must be longer than zero.")
    long_duration: message("option") = default(
        "{option}: that duration is longer than ten years.")
    not_a_time: message("option", "value") = default(
        "{option}: I couldn't read '{value}' as a time. Try a duration like 3d, or a date like "
        "2026-12-24 18:00.")
    time_passed: message("option") = default("{option}: that time has already passed.")
    not_a_choice: message("option", "choices") = default("{option} should be one of: {choices}.")
    too_long: message("option", "length", "limit") = default(
        "{option} is {length} characters; please keep it to {limit} or fewer.")
    failed: message("command") = default(
        "Sorry, something went wrong on my side and {command} didn't go through. Nothing was "
        "changed; please try again in a moment.")
    not_saved: message("command") = default(
        "Sorry, I couldn't save that just now, so {command} didn't go through. Please try again "
        "in a moment.")
