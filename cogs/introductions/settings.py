"""Config for introductions: `[introductions]` in the TOML."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from bot.settings import ChannelKey, Duration, Names, RefersTo, Section, default, message

# Discord modals hold at most five inputs, and the form must fit everywhere.
MAX_FIELDS = 5


class FieldSettings(Section):
    """One question of the /introduce form."""

    name: Annotated[str, Names("intro_field", "field")]
    """The option name: `/introduce about:"..."` in the console. Letters, digits and _ only."""
    label: str
    """The label shown above the box in the form and before the answer in the post."""
    description: str = ""
    """A short hint shown in help and as the box's placeholder."""
    required: bool = False
    """Whether the form can't be sent without it."""
    long: bool = False
    """A paragraph box rather than one line."""
    max_length: int = Field(default=300, ge=1, le=4000)
    """The longest answer, in characters (at most 4000)."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.isidentifier() or not value.isascii():
            raise ValueError(f"must be a plain name like about or pronouns, got {value!r}")
        return value.lower()


DEFAULT_FIELDS = [
    {"name": "name", "label": "Name to use", "description": "What should we call you?",
     "max_length": 80},
    {"name": "pronouns", "label": "Pronouns", "description": "For example she/her or they/them",
     "max_length": 40},
    {"name": "about", "label": "About you", "description": "A few words about yourself",
     "required": True, "long": True, "max_length": 1000},
    {"name": "interests", "label": "Interests", "description": "What you enjoy or want to learn",
     "max_length": 300},
]


class IntroductionsMessages(Section):
    """What introductions say."""

    post: message("member", "name", "details") = default(
        "Please say hello to {member}! Here's a little about {name}:\n{details}")
    field_line: message("label", "value") = default("**{label}:** {value}")
    """One line of an introduction post; {label} is from the config, {value} the member's
    answer."""
    removed: message() = default("(This introduction was removed at the member's request.)")
    """What Hearth's introduction post is edited to say once its member asked to be
    forgotten."""
    welcome: message("member", "name", "community") = default([
        "Thank you for introducing yourself, {name}! It's lovely to meet you, and we're so glad "
        "you're part of {community}.",
        "What a lovely introduction, {name}. Welcome to {community}; we're happy you're here!",
        "It's great to get to know you, {name}! Thank you for sharing, and welcome to "
        "{community}.",
    ])
    saved: message("name", "channel") = default(
        "Thank you, {name}! Your introduction is now in {channel:introductions}. You can run "
        "/introduce again any time to update it.")
    updated: message("name", "channel") = default(
        "Thanks, {name}: your introduction in {channel:introductions} is updated.")
    reminder: message("name", "community", "channel") = default(
        "Hi {name}! Just a gentle note from {community}: whenever you're ready, we'd love to "
        "hear a little about you. Run /introduce, or say hello in {channel:introductions}. "
        "No pressure at all, and I won't remind you again.")
    whois: message("member", "name", "since", "tenure", "points", "badges", "introduction") = (
        default("**{name}** has been a member for {tenure}. Reputation: {points}. "
                "Badges: {badges}\n{introduction}"))
    whois_no_introduction: message("name") = default(
        "{name} hasn't introduced themselves yet.")
    no_badges: message("name") = default("none yet")
    unknown_member: message("name") = default(
        "I don't know {name} yet; I learn about members when they join or post.")


class IntroductionsSettings(Section):
    """Introductions: /introduce asks a few questions and shares the answers with everyone."""

    channel: ChannelKey = "introductions"
    """Channel key (from [community.channels]) where introductions are posted."""
    count_channel_messages: bool = True
    """A member's first message straight into that channel counts as their introduction."""
    min_message_length: int = Field(default=20, ge=1)
    """Messages shorter than this in the channel are treated as chat, not an introduction."""
    name_field: Annotated[str, RefersTo("intro_field", "field", empty_ok=True)] = "name"
    """Which field (a `name` in [[introductions.fields]]) holds the name to call the member by;
    "" uses their display name."""
    reminder: bool = False
    """Send one gentle DM to members who haven't introduced themselves `reminder_after`
    joining. The reminder is stored, so it survives restarts; it is skipped if they introduced
    themselves or left in the meantime."""
    reminder_after: Duration = default("3d")
    """How long after joining the reminder goes out."""
    fields: list[FieldSettings] = default(DEFAULT_FIELDS)
    """The /introduce form: up to 5 fields (a form on Discord and Slack, name:"value" in the
    console), at least one required. The form is the same for every community (command options
    are registered once), so set fields here, not in per-community overrides."""
    messages: IntroductionsMessages = Field(default_factory=IntroductionsMessages)

    @field_validator("fields")
    @classmethod
    def _fields(cls, value: list[FieldSettings]) -> list[FieldSettings]:
        if not value:
            raise ValueError("needs at least one field")
        if len(value) > MAX_FIELDS:
            raise ValueError(f"can have at most {MAX_FIELDS} fields (a Discord form holds five)")
        names = [f.name for f in value]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"field names must be different; {twice[0]!r} is used twice")
        if not any(f.required for f in value):
            raise ValueError("at least one field must be required, so an introduction says "
                             "something")
        return value
