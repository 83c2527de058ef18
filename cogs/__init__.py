"""Hearth's features. Each cog is a folder; this list is the order they are wired in."""

from cogs.contests.cog import ContestsCog
from cogs.greetings.cog import GreetingsCog
from cogs.help.cog import HelpCog
from cogs.moderation.cog import ModerationCog

ALL_COGS = [GreetingsCog, HelpCog, ContestsCog, ModerationCog]

__all__ = ["ALL_COGS"]
