"""Hearth's features. Each cog is a folder; this list is the order they are wired in."""

from typing import Any

from bot.cog import Cog
from cogs.admin.cog import AdminCog
from cogs.announcements.cog import AnnouncementsCog
from cogs.badges.cog import BadgesCog
from cogs.contests.cog import ContestsCog
from cogs.feedback.cog import FeedbackCog
from cogs.greetings.cog import GreetingsCog
from cogs.help.cog import HelpCog
from cogs.inbox.cog import InboxCog
from cogs.insights.cog import InsightsCog
from cogs.introductions.cog import IntroductionsCog
from cogs.moderation.cog import ModerationCog
from cogs.mydata.cog import MydataCog
from cogs.questions.cog import QuestionsCog
from cogs.reputation.cog import ReputationCog

ALL_COGS: list[type[Cog[Any]]] = [GreetingsCog, HelpCog, IntroductionsCog, ReputationCog, BadgesCog,
                             ContestsCog, ModerationCog, AdminCog, AnnouncementsCog,
                             FeedbackCog, MydataCog, QuestionsCog, InboxCog, InsightsCog]

__all__ = ["ALL_COGS"]
