"""Config for greetings: `[greetings]` in the TOML."""

from __future__ import annotations

from pydantic import Field

from bot.settings import Duration, OptionalChannelKey, Section, default, message

WELCOME_FIELDS = ("member", "name", "community", "channel")


class RaidSettings(Section):
    """A raid: more than `burst` joins within `window` get one summary welcome instead of one
    each."""

    burst: int = Field(default=10, ge=1)
    """How many joins within `window` switch to one summary welcome for the group."""
    window: Duration = default("60s")
    """The time `burst` joins are counted over."""
    dm_pace: Duration = default("2s")
    """During a raid, onboarding DMs go out one per `dm_pace`, to stay inside platform limits."""
    names_shown: int = Field(default=10, ge=0)
    """How many names the summary lists before "and N more"."""


class GreetingsMessages(Section):
    """What greetings say. {member} mentions the newcomer, {name} is their name."""

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
    raid_summary_one: message("names", "community", "channel") = default(
        "A newcomer just arrived: welcome, {names}! We're glad you're here; say hello in "
        "{channel:introductions} when you're ready.")
    """The same summary when only one newcomer is still waiting for a welcome."""
    goodbye: message("name", "community") = default(
        "{name} has moved on from {community}. Thank you for the time you spent with us."
    )


class GreetingsSettings(Section):
    """Greetings: a warm welcome for each newcomer, in public and by DM."""

    enabled: bool = True
    """Welcome newcomers at all."""
    channel: OptionalChannelKey = "welcome"
    """Channel key (from [community.channels]) for welcome posts; "" posts none."""
    send_dm: bool = True
    """Send each newcomer an onboarding checklist by DM."""
    greet_again_after: Duration = default("30d")
    """A member who leaves and comes back within this time is not welcomed again."""
    goodbye: bool = False
    """Post a short goodbye when someone leaves."""
    goodbye_channel: OptionalChannelKey = "welcome"
    """Channel key (from [community.channels]) for goodbyes; "" posts none."""
    raid: RaidSettings = Field(default_factory=RaidSettings)
    messages: GreetingsMessages = Field(default_factory=GreetingsMessages)

