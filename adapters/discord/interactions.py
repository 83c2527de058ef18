"""Running an invoked command: defer at once, hand the core a CommandInvoked, answer privately.

Discord wants an answer within 3 seconds, and the core may take longer (a database write, a
cog that talks to others), so every command is deferred as ephemeral right away. The core's
Respond actions for the invoker then edit that deferred reply (the first) or arrive as
ephemeral follow-ups (the rest); everything else (posts, DMs, roles) goes through the normal
REST sink. If the core says nothing privately, the "thinking..." placeholder is deleted.
Forms and message actions open a modal first (a modal must be the first answer), and its
submit is deferred and handled the same way.
"""

from __future__ import annotations

import logging
import re
import weakref
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

import discord
from discord import app_commands

from adapters.discord.commands import clip, is_message_option
from adapters.discord.inbound import Actors, community_of
from adapters.discord.outbound import DiscordSink, as_file
from adapters.discord.render import chunks
from bot.actions import Action, Respond, SendFile
from bot.commands import CommandSpec, Option, OptionType
from bot.events import CommandInvoked, MemberRef, MessageRef
from bot.ports import Receipt
from bot.runtime import Runtime
from bot.text import Text

log = logging.getLogger(__name__)
_MENTION = re.compile(r"^<@!?(\d+)>$")
# How long an opened form waits for its submit before Discord.py forgets it.
MODAL_TIMEOUT = 30 * 60.0


class InteractionSink:
    """The sink for one interaction: Respond to the invoker goes to the deferred reply."""

    def __init__(self, interaction: discord.Interaction, sink: DiscordSink) -> None:
        self.interaction = interaction
        self.sink = sink
        self.invoker = str(interaction.user.id)
        self.replied = False

    async def perform(self, action: Action) -> Receipt:
        if isinstance(action, SendFile) and action.user_id == self.invoker:
            # A file only the invoker sees: an ephemeral follow-up carrying the attachment.
            await self.reply(action.text, action, file=as_file(action))
            return Receipt(True)
        if not (isinstance(action, Respond) and action.user_id == self.invoker):
            return await self.sink.perform(action)
        await self.reply(action.text, action)
        return Receipt(True)

    async def reply(self, text: Text, action: Action | None = None,
                    file: discord.File | None = None) -> None:
        guild = self.sink.guild(action.community) if action else self.interaction.guild
        rendered = self.sink.render(guild, text)
        for part in chunks(rendered.content):
            if file is not None:
                # Files go in a follow-up: editing the deferred reply can't add one portably.
                await self.interaction.followup.send(
                    part, ephemeral=True, allowed_mentions=rendered.allowed_mentions, file=file)
                file = None
                continue
            if not self.replied:
                await self.interaction.edit_original_response(
                    content=part, allowed_mentions=rendered.allowed_mentions)
                self.replied = True
            else:
                await self.interaction.followup.send(
                    part, ephemeral=True, allowed_mentions=rendered.allowed_mentions)

    async def finish(self) -> None:
        if not self.replied:
            with suppress(discord.HTTPException):
                await self.interaction.delete_original_response()


class FormModal(discord.ui.Modal):
    """A modal with one text input per option; its submit runs the command."""

    def __init__(self, flow: InteractionFlow, spec: CommandSpec, fields: Sequence[Option],
                 preset: dict[str, Any], custom_id: str, timeout: float | None) -> None:
        super().__init__(title=clip(spec.description if len(spec.description) <= 45
                                    else spec.name.capitalize(), 45),
                         custom_id=custom_id, timeout=timeout)
        self.flow, self.spec, self.preset = flow, spec, preset
        self.inputs: list[tuple[Option, discord.ui.TextInput[Any]]] = []
        for opt in fields:
            text_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label=clip(opt.label or opt.name.replace("_", " ").capitalize(), 45),
                custom_id=opt.name,
                style=discord.TextStyle.paragraph if opt.long else discord.TextStyle.short,
                placeholder=clip(opt.placeholder or opt.description, 100),
                required=opt.required, max_length=max(1, min(opt.max_length, 4000)))
            self.add_item(text_input)
            self.inputs.append((opt, text_input))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        args = dict(self.preset)
        for opt, text_input in self.inputs:
            args[opt.name] = field_value(opt, text_input.value)
        await self.flow.run(interaction, self.spec, args)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        log.error("the /%s form failed: %r", self.spec.name, error)


def field_value(opt: Option, value: str) -> Any:
    """A modal field as the core takes it; a member typed as <@id> or @name."""
    if opt.type is not OptionType.MEMBER or not value.strip():
        return value
    m = _MENTION.match(value.strip())
    if m:
        return MemberRef(m.group(1))
    return MemberRef("", value.strip().removeprefix("@"))  # the core looks the name up


class InteractionFlow:
    def __init__(self, runtime: Runtime, sink: DiscordSink, actors: Actors,
                 modal_timeout: float | None = MODAL_TIMEOUT) -> None:
        self.runtime = runtime
        self.sink = sink
        self.actors = actors
        self.modal_timeout = modal_timeout
        self._modals: weakref.WeakSet[FormModal] = weakref.WeakSet()

    async def run(self, interaction: discord.Interaction, spec: CommandSpec,
                  args: dict[str, Any]) -> None:
        if interaction.guild_id is None:
            return  # commands are guild-only; nothing to attach a DM to
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
        except discord.HTTPException as exc:
            # Too late (or already answered): the member saw "did not respond", so don't act.
            log.warning("/%s not run: Discord refused the deferral (%s)", spec.name, exc.text)
            return
        community = community_of(interaction.guild_id)
        event = CommandInvoked(
            community, self.runtime.clock.now(), event_id=str(interaction.id),
            actor=self.actors.of(interaction.user), command=spec.name, args=args,
            channel=str(interaction.channel_id) if interaction.channel_id else None)
        reply = InteractionSink(interaction, self.sink)
        try:
            await self.runtime.process(event, reply)
        except Exception as exc:
            log.error("/%s failed for %s: %r", spec.name, interaction.user.id, exc)
            log.debug("command failure", exc_info=True)
            if not reply.replied:
                with suppress(discord.HTTPException):
                    await reply.reply(self.failed_text(community, spec.name))
        finally:
            await reply.finish()

    def failed_text(self, community: Any, command: str) -> Text:
        messages = self.runtime.context(community).settings.messages
        return messages.failed.render(None, command=f"/{command}")

    async def open_form(self, interaction: discord.Interaction, spec: CommandSpec,
                        fields: Sequence[Option], preset: dict[str, Any]) -> None:
        if not fields or not self._may_use(interaction, spec):
            # No form to fill in, or a member who can't use it: the core answers (a refusal)
            # at once, rather than after they have filled in the form.
            await self.run(interaction, spec, preset)
            return
        modal = FormModal(self, spec, fields, preset,
                          custom_id=f"hearth:{spec.name}:{interaction.id}"[:100],
                          timeout=self.modal_timeout)
        self._modals.add(modal)
        await interaction.response.send_modal(modal)

    def _may_use(self, interaction: discord.Interaction, spec: CommandSpec) -> bool:
        if interaction.guild_id is None:
            return True  # `run` ignores commands outside a guild
        return self.runtime.level(community_of(interaction.guild_id),
                                  self.actors.of(interaction.user)) >= spec.level

    async def message_action(self, interaction: discord.Interaction, spec: CommandSpec,
                             message: discord.Message, fields: Sequence[Option]) -> None:
        author = message.author
        ref = MessageRef(channel=str(message.channel.id), message_id=str(message.id),
                         author=MemberRef(str(author.id), author.display_name, author.bot),
                         content=message.content)
        target = next((o.name for o in spec.options if is_message_option(o)), "message")
        await self.open_form(interaction, spec, fields, {target: ref})

    async def suggest(self, interaction: discord.Interaction, spec: CommandSpec, option: Option,
                      current: str) -> list[app_commands.Choice[Any]]:
        if interaction.guild_id is None:
            return []
        pairs = await self.runtime.autocomplete(
            community_of(interaction.guild_id), self.actors.of(interaction.user), spec.name,
            option.name, current)
        out: list[app_commands.Choice[Any]] = []
        for label, value in pairs[:25]:
            if option.type is OptionType.INTEGER:
                try:
                    out.append(app_commands.Choice(name=clip(label, 100), value=int(value)))
                except ValueError:
                    continue
            else:
                out.append(app_commands.Choice(name=clip(label, 100), value=clip(value, 100)))
        return out

    def close(self) -> None:
        """Forget open forms (their timers would outlive the client)."""
        for modal in list(self._modals):
            modal.stop()
