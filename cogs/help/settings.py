"""Config for /help: `[help]` in the TOML, including the admins' own short guides."""

from __future__ import annotations

from pydantic import Field

from bot.settings import Section, default, message


class Guide(Section):
    """A short guide members read with /help TOPIC."""

    topic: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    """One word members type after /help, e.g. `/help introductions` (lowercase letters,
    digits and -)."""
    title: str
    """The guide's title, shown in the list of guides."""
    text: message("community", "channel")
    """The guide itself; it may use {community} and {channel:KEY}."""


def _default_guides() -> list[Guide]:
    return [
        Guide(topic="introductions", title="Introducing yourself",
              text="Run /introduce and fill in a few lines about yourself. Your introduction is "
                   "shared in {channel:introductions} so people can get to know you. Run it again "
                   "any time to update it."),
        Guide(topic="reputation", title="Thanks and reputation",
              text="When someone helps you, say thanks with /thanks @name and a few words about "
                   "what they did. Each thanks adds to their reputation and can earn them badges. "
                   "See yours with /profile."),
        Guide(topic="feedback", title="Feedback, and sending it anonymously",
              text="Run /feedback to send the team an idea, a problem, praise or a question. "
                   "You get a number, and the team reviews every item. Ideas are shown in "
                   "{channel:feedback} so others can /feedback support them; the rest stay with "
                   "the team. Each time an item's status changes, I message its author and "
                   "everyone supporting it.\n"
                   "Anonymous means anonymous: an anonymous item is stored without your name or "
                   "id, only a scrambled key that the team can't read and no command shows. It "
                   "still counts toward the sending limit, and you can follow it with "
                   "/feedback mine. The trade-off: since nobody, me included, keeps who sent it, "
                   "I can't message you when its status changes; check /feedback mine "
                   "instead."),
    ]


class HelpMessages(Section):
    """What /help says around the list of commands."""

    intro: message("name", "community") = default(
        "Hi {name}! I'm Hearth, and I help {community} welcome newcomers, get to know each "
        "other, thank the helpful and run the occasional contest.")
    commands: message("name") = default("Here's what you can use:")
    guides: message("topics") = default("Short guides: {topics}")
    unknown_topic: message("topic", "topics") = default(
        "I don't have a guide called '{topic}' yet. The guides I have: {topics}.")


class HelpSettings(Section):
    """/help: the commands a member may use, and the admins' own short guides."""

    guides: list[Guide] = Field(default_factory=_default_guides)
    """Short guides members read with /help TOPIC; add your own."""
    messages: HelpMessages = Field(default_factory=HelpMessages)
