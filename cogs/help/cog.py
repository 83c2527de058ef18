"""/help: what Hearth does, the commands the asking member may use, and the admins' guides."""

from __future__ import annotations

from bot.actions import Action, Respond
from bot.cog import Cog, Context
from bot.commands import CommandSpec, Option, OptionType, command
from bot.events import CommandInvoked
from bot.text import Text
from cogs.help.settings import HelpSettings

HELP = CommandSpec(
    "help", "See what Hearth can do, or read a short guide.",
    (Option("topic", OptionType.TEXT, "A guide to read, like introductions", required=False,
            max_length=32),),
)


class HelpCog(Cog):
    name = "help"
    settings = HelpSettings

    @command(HELP)
    async def help(self, event: CommandInvoked, ctx: Context, topic: str | None
                   ) -> list[Action]:
        cfg: HelpSettings = ctx.settings.help
        rng, channels = self.services.rng, ctx.channels
        topics = ", ".join(f"/help {g.topic}" for g in cfg.guides) or "none yet"
        topic = (topic or "").strip().lower()
        if topic:
            guide = next((g for g in cfg.guides if g.topic == topic), None)
            if guide is None:
                text = cfg.messages.unknown_topic.render(rng, channels, topic=topic, topics=topics)
            else:
                text = Text.of(f"**{guide.title}**\n") + guide.text.render(
                    rng, channels, community=ctx.settings.community.name)
            return [Respond(event.community, event.actor.user_id, text)]
        specs = sorted(
            (s for s in self.services.command_specs() if s.level <= ctx.level),
            key=lambda s: s.name)
        parts = [
            cfg.messages.intro.render(rng, channels, name=event.actor.name,
                                      community=ctx.settings.community.name),
            cfg.messages.commands.render(rng, channels, name=event.actor.name),
            Text.of("\n".join(f"• {s.help_line()}" for s in specs)),
        ]
        if cfg.guides:
            parts.append(cfg.messages.guides.render(rng, channels, topics=topics))
        return [Respond(event.community, event.actor.user_id, Text.join(parts, "\n"))]
