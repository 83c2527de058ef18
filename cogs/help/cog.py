"""/help: what Hearth does, the commands the asking member may use, and the admins' guides."""

from __future__ import annotations

from typing import Protocol

from bot.actions import Action, Respond
from bot.cog import Cog, CommunityConfig, Context
from bot.commands import CommandSpec, Option, OptionType, command
from bot.events import CommandInvoked
from bot.text import Text
from cogs.help.settings import HelpSettings


class HelpConfig(CommunityConfig, Protocol):
    help: HelpSettings


# What this feature's handlers are given: `ctx.settings.help` is typed.
Ctx = Context[HelpConfig]

HELP = CommandSpec(
    "help", "See what Hearth can do, or read a short guide.",
    (Option("topic", OptionType.TEXT, "A guide to read, like introductions", required=False,
            max_length=32),),
)


class HelpCog(Cog[None]):
    name = "help"
    settings = HelpSettings

    @command(HELP)
    async def help(self, event: CommandInvoked, ctx: Ctx, topic: str | None
                   ) -> list[Action]:
        cfg = ctx.settings.help
        topics = ", ".join(f"/help {g.topic}" for g in cfg.guides) or "none yet"
        topic = (topic or "").strip().lower()
        if topic:
            guide = next((g for g in cfg.guides if g.topic == topic), None)
            if guide is None:
                text = self.say(ctx, cfg.messages.unknown_topic, topic=topic, topics=topics)
            else:
                text = Text.of(f"**{guide.title}**\n") + self.say(
                    ctx, guide.text, community=ctx.settings.community.name)
            return [Respond(event.community, event.actor.user_id, text)]
        specs = sorted(self.services.usable_specs(event.actor, ctx), key=lambda s: s.name)
        parts = [
            self.say(ctx, cfg.messages.intro, name=event.actor.name,
                                      community=ctx.settings.community.name),
            self.say(ctx, cfg.messages.commands, name=event.actor.name),
            Text.of("\n".join(f"• {s.help_line()}" for s in specs)),
        ]
        # What other features say every member should know now (an open incident) comes
        # right after the greeting, where it is seen.
        parts[1:1] = await self.services.notices(ctx)
        if cfg.guides:
            parts.append(self.say(ctx, cfg.messages.guides, topics=topics))
        return [Respond(event.community, event.actor.user_id, Text.join(parts, "\n"))]
