"""Config for greetings: `[greetings]` in the TOML."""

from __future__ import annotations

from pydantic import Field

from bot.settings import Duration, Section, default, message

WELCOME_FIELDS = ("member", "name", "community", "channel")


class RaidSettings(Section):
    # More than `burst` joins within `window` is a raid: one summary welcome instead of many.
    burst: int = Field(default=10, ge=1)
    window: Duration = default("60s")
    # Onboarding DMs during a raid go out one per `dm_pace`, to stay inside platform limits.
    dm_pace: Duration = default("2s")
    # How many names the summary lists before "and N more".
    names_shown: int = Field(default=10, ge=0)


class GreetingsMessages(Section):
    welcome: message(*WELCOME_FIELDS) = default([
        "Welcome to {community}, {member}! We're really glad you're here. When you're ready, "
        "tell us a little about yourself in {channel:introductions}.",
        "Hello {member}, and welcome! Make yourself at home in {community}; "
        "{channel:introductions} is a lovely place to say hi.",
        "Everyone, please give a warm welcome to {member}! {name}, it's great to have you in "
        "{community}.",
    ])
    dm: message(*WELCOME_FIELDS) = default(
        "Hi {name}, welcome to {community}! I'm Hearth, and I help look after this place. "
        "A few things to help you settle in:\n"
        "1. Have a read of the rules in {channel:rules}.\n"
        "2. Introduce yourself with /introduce, so people can get to know you.\n"
        "3. Stuck or curious? Ask in {channel:help}; someone will be glad to help.\n"
        "4. Type /help any time to see everything I can do.\n"
        "We're glad you're here."
    )
    raid_summary: message("names", "count", "community", "channel") = default(
        "A big wave of newcomers just arrived! Welcome, all {count} of you: {names}. "
        "We're glad you're here; say hello in {channel:introductions} when you're ready."
    )
    goodbye: message("name", "community") = default(
        "{name} has moved on from {community}. Thank you for the time you spent with us."
    )


class GreetingsSettings(Section):
    enabled: bool = True
    # Logical channel key (see community.channels) for welcome posts; "" to post none.
    channel: str = "welcome"
    send_dm: bool = True
    # A member who leaves and comes back within this time is not welcomed again.
    greet_again_after: Duration = default("30d")
    goodbye: bool = False
    goodbye_channel: str = "welcome"
    raid: RaidSettings = Field(default_factory=RaidSettings)
    messages: GreetingsMessages = Field(default_factory=GreetingsMessages)

