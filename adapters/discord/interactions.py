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
from collections import OrderedDict
from contextlib import suppress
from typing import Any

import discord
from discord import app_commands

from adapters.discord import forms
from adapters.discord.commands import modal_fields
from adapters.discord.inbound import Actors, community_of
from adapters.discord.outbound import DiscordSink, as_file
from adapters.discord.render import chunks
from bot.actions import Action, Post, Respond, SendFile
from bot.commands import CommandSpec, Option, OptionType
from bot.events import CommandInvoked, Community, MemberRef, MessageRef
from bot.plan import is_target
from bot.ports import Receipt
from bot.runtime import Runtime
from bot.text import Text

log = logging.getLogger(__name__)
# Forms whose preset didn't fit their custom_id, kept in memory (the oldest are let go).
OVERFLOW_KEPT = 1000


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
        if isinstance(action, Post) and self._here(action):
            return await self._post_here(action)
        if not (isinstance(action, Respond) and action.user_id == self.invoker):
            return await self.sink.perform(action)
        await self.reply(action.text, action)
        return Receipt(True)

    def _here(self, action: Post) -> bool:
        """Whether a post goes to the channel the command was used in."""
        guild = self.interaction.guild
        channel = self.sink.channels.resolve(guild, action.channel) if guild else None
        return channel is not None and channel.id == self.interaction.channel_id

    async def _post_here(self, action: Post) -> Receipt:
        """The command's public post; where Hearth can't post (the interaction's
        app_permissions say so before trying), the invoker still sees it, privately."""
        perms = self.interaction.app_permissions
        if perms.view_channel and perms.send_messages:
            receipt = await self.sink.perform(action)
            if receipt.delivered or receipt.reason != "forbidden":
                return receipt
        else:
            missing = [name for name, ok in (("View Channel", perms.view_channel),
                                             ("Send Messages", perms.send_messages)) if not ok]
            guild = self.interaction.guild
            self.sink.problems.once(
                self.interaction.guild_id or 0, str(self.interaction.channel_id),
                "forbidden_post",
                f"Hearth can't post in channel {self.interaction.channel_id} of server "
                f"'{guild.name if guild else '?'}': give Hearth's role {' and '.join(missing)} "
                "there. Commands used there answer privately meanwhile.")
        await self.reply(action.text, action)
        return Receipt(False, reason="forbidden")

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


class InteractionFlow:
    def __init__(self, runtime: Runtime, sink: DiscordSink, actors: Actors) -> None:
        self.runtime = runtime
        self.sink = sink
        self.actors = actors
        # Presets too long for a custom_id (rare: a form with typed options past the modal's
        # five fields); only these are lost on a restart.
        self._overflow: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def _invoked(self, interaction: discord.Interaction, spec: CommandSpec,
                 args: dict[str, Any]) -> CommandInvoked:
        assert interaction.guild_id is not None
        return CommandInvoked(
            community_of(interaction.guild_id), self.runtime.clock.now(),
            event_id=str(interaction.id), actor=self.actors.of(interaction.user),
            command=spec.name, args=args,
            channel=str(interaction.channel_id) if interaction.channel_id else None)

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
        event = self._invoked(interaction, spec, args)
        reply = InteractionSink(interaction, self.sink)
        try:
            await self.runtime.process(event, reply)
        except Exception as exc:
            log.error("/%s failed for %s: %r", spec.name, interaction.user.id, exc)
            log.debug("command failure", exc_info=True)
            if not reply.replied:
                with suppress(discord.HTTPException):
                    for action in self.runtime.failed(event.community, reply.invoker, spec.name):
                        await reply.perform(action)
        finally:
            await reply.finish()

    def failed_text(self, community: Community, command: str) -> Text:
        action = self.runtime.failed(community, "", command)[0]
        assert isinstance(action, Respond)
        return action.text

    async def open_form(self, interaction: discord.Interaction, spec: CommandSpec,
                        preset: dict[str, Any]) -> None:
        """A modal for what the member still has to fill in, or run at once when the core's
        plan says so (nothing to ask, or a member who may not use the command)."""
        if interaction.guild_id is None:
            return
        plan = self.runtime.plan(self._invoked(interaction, spec, preset))
        asked = set(modal_fields(spec))
        fields = [o for o in plan.form if o in asked]
        if not fields:
            await self.run(interaction, spec, preset)
            return
        custom_id = forms.pack(spec, preset) or self._overflowed(spec, interaction, preset)
        suggestions: forms.Suggestions = {}
        for opt in fields:
            if opt.autocomplete and opt.type is OptionType.TEXT:
                suggestions[opt.name] = await self.runtime.autocomplete(
                    community_of(interaction.guild_id), self.actors.of(interaction.user),
                    spec.name, opt.name, "")
        modal = forms.modal(spec, fields, custom_id, suggestions)
        await interaction.response.send_modal(modal)
        # discord.py would hold the modal in memory until submitted; the submit is routed by
        # its custom_id instead (on_interaction), so it survives restarts and long waits.
        modal.stop()

    def _overflowed(self, spec: CommandSpec, interaction: discord.Interaction,
                    preset: dict[str, Any]) -> str:
        key = str(interaction.id)
        self._overflow[key] = preset
        while len(self._overflow) > OVERFLOW_KEPT:
            self._overflow.popitem(last=False)
        return f"{forms.PREFIX}{spec.name}|#{key}"[: forms.CUSTOM_ID_MAX]

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Modal submits for Hearth's forms, whenever they come (see forms.py)."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        found = forms.unpack(str(data.get("custom_id", "")))
        if found is None:
            return
        name, carried = found
        spec = next((s for s in self.runtime.specs() if s.name == name), None)
        if spec is None or interaction.guild_id is None:
            log.warning("a form for /%s was submitted, but there is no such command now", name)
            return
        if carried.startswith("#"):
            args = dict(self._overflow.pop(carried[1:], {}))
        else:
            args = forms.preset_of(carried)
        target = forms.target_of(carried)
        if target is not None:
            option = next((o.name for o in spec.options if is_target(o)), "message")
            args[option] = await self._message(interaction, *target)
        args.update(forms.submitted(spec, data))
        await self.run(interaction, spec, args)

    async def _message(self, interaction: discord.Interaction, channel_id: int,
                       message_id: int, author_id: int) -> MessageRef:
        """A message action's target, read again at submit time (only ids travel)."""
        guild = interaction.guild
        author = guild.get_member(author_id) if guild is not None else None
        ref = (MemberRef(str(author_id), author.display_name, author.bot) if author is not None
               else MemberRef(str(author_id)))
        content = ""
        channel = guild.get_channel_or_thread(channel_id) if guild is not None else None
        if isinstance(channel, discord.abc.Messageable):
            try:
                message = await channel.fetch_message(message_id)
                content = message.content
                ref = MemberRef(str(message.author.id), message.author.display_name,
                                message.author.bot)
            except discord.HTTPException as exc:
                log.info("the message a form was about is gone (%s); using its ids", exc.text)
        return MessageRef(str(channel_id), str(message_id), ref, content)

    async def message_action(self, interaction: discord.Interaction, spec: CommandSpec,
                             message: discord.Message) -> None:
        author = message.author
        ref = MessageRef(channel=str(message.channel.id), message_id=str(message.id),
                         author=MemberRef(str(author.id), author.display_name, author.bot),
                         content=message.content)
        target = next((o.name for o in spec.options if is_target(o)), "message")
        await self.open_form(interaction, spec, {target: ref})

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
                    out.append(app_commands.Choice(name=forms.clip(label, 100), value=int(value)))
                except ValueError:
                    continue
            else:
                out.append(app_commands.Choice(name=forms.clip(label, 100),
                                               value=forms.clip(value, 100)))
        return out
