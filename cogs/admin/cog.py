"""/reload: an admin applies the edited config file without restarting Hearth."""

from __future__ import annotations

from typing import Any

from bot.actions import Action, Respond
from bot.cog import Cog, Context
from bot.commands import CommandSpec, command
from bot.events import CommandInvoked
from bot.permissions import Level
from bot.templates import counted
from cogs.admin.settings import AdminSettings

RELOAD = CommandSpec("reload", "Apply the edited config file now, without a restart.",
                     level=Level.ADMIN)


class AdminCog(Cog[None]):
    name = "admin"
    settings = AdminSettings

    @command(RELOAD)
    async def reload_command(self, event: CommandInvoked, ctx: Context[Any], args: dict[str, Any]
                             ) -> list[Action]:
        rng, channels = self.services.rng, ctx.channels
        if self.services.reload is None:
            text = ctx.settings.admin.messages.reload_unavailable.render(rng, channels)
            return [Respond(event.community, event.actor.user_id, text)]
        outcome = await self.services.reload()
        # Answer in the words of the config now running: the new one when it was applied.
        messages = self.services.config.for_community(event.community).admin.messages
        if outcome.problems:
            text = messages.reload_problems.render(
                rng, channels, source=outcome.source,
                problems=counted(len(outcome.problems), "problem", "problems"),
                details="\n".join(f"• {p}" for p in outcome.problems))
        elif outcome.needs_restart:
            text = messages.reload_needs_restart.render(
                rng, channels, source=outcome.source, keys=", ".join(outcome.needs_restart))
        else:
            text = messages.reloaded.render(rng, channels, source=outcome.source)
        return [Respond(event.community, event.actor.user_id, text)]
