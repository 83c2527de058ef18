"""Calm moderation warnings: state the facts privately, say what happens next, and move on.

A warning names the rule and what it means, the next step of the escalation ladder, when it
expires and how to appeal; it goes to the member privately and to the mod log, never to the
channel. A moderator's note is tone-checked first: a heated one is held back from the member and
kept in the mod log. Hearth never bans: the top of the ladder asks the admins to review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot import tone
from bot.actions import Action, DirectMessage, Emit, Post, Respond, Timeout
from bot.cog import Cog, CommunityConfig, Context, Listener, Resolver
from bot.commands import CommandKind, CommandSpec, Option, OptionType, Refused, command
from bot.events import CommandInvoked, Event, MemberRef, MessageRef, Tally
from bot.permissions import Level
from bot.text import ChannelLink, Literal, Mention, Text, UserText, clean
from cogs.moderation.member_data import ModerationData
from cogs.moderation.settings import ModerationMessages, ModerationSettings
from cogs.moderation.store import Case, ModerationStore, NewCase, Note


class ModerationConfig(CommunityConfig, Protocol):
    moderation: ModerationSettings


# What this feature's handlers are given: `ctx.settings.moderation` is typed.
Ctx = Context[ModerationConfig]

# Free text a moderator or member types: the platform limit; the configured limits are checked
# by the cog so the member gets a message in Hearth's own words.
TEXT_LIMIT = 4000

RULE = Option("rule", OptionType.TEXT, "The rule's short id (see /rules)", max_length=32,
              autocomplete=True)
NOTE = Option("note", OptionType.TEXT, "A calm word for the member, in your own words",
              required=False, long=True, max_length=TEXT_LIMIT)
CASE = Option("case", OptionType.INTEGER, "The case number", min_value=1)

RULES = CommandSpec("rules", "Read the community's rules.")
WARN = CommandSpec(
    "warn", "Warn a member privately and calmly about a rule.",
    (Option("member", OptionType.MEMBER, "Who to warn"), RULE, NOTE), level=Level.MODERATOR)
WARN_MESSAGE = CommandSpec(
    "warn-message", "Warn the author of this message privately, quoting it.",
    (Option("message", OptionType.MESSAGE, "The message the warning is about"), RULE, NOTE),
    level=Level.MODERATOR, kind=CommandKind.MESSAGE_ACTION, label="Warn about this message")
WARNINGS = CommandSpec(
    "warnings", "See a member's warnings, active and past.",
    (Option("member", OptionType.MEMBER, "Whose record to see"),), level=Level.MODERATOR)
MY_WARNINGS = CommandSpec("mywarnings", "See your own active warnings and how to appeal.")
PARDON = CommandSpec(
    "pardon", "Pardon a warning: it stops counting, stays on record, and the member is told.",
    (CASE, Option("reason", OptionType.TEXT, "Why, in a few kind words", long=True,
                  max_length=TEXT_LIMIT)), level=Level.MODERATOR)
WARNING_NOTE = CommandSpec(
    "warning note", "Add a (calm) note to a case; it is sent to the member.",
    (CASE, Option("text", OptionType.TEXT, "The note", long=True, max_length=TEXT_LIMIT)),
    level=Level.MODERATOR)
APPEAL = CommandSpec(
    "appeal", "Appeal one of your warnings; the moderators will read it.",
    (CASE, Option("text", OptionType.TEXT, "Why you think it should be reconsidered", long=True,
                  max_length=TEXT_LIMIT)))
APPEAL_RESOLVE = CommandSpec(
    "appeal resolve", "Accept (pardon) or decline an open appeal; the member is told.",
    (CASE, Option("outcome", OptionType.CHOICE, "accept or decline",
                  choices=("accept", "decline")),
     Option("reason", OptionType.TEXT, "Why, in a few kind words", long=True,
            max_length=TEXT_LIMIT)), level=Level.MODERATOR)


@dataclass(frozen=True, slots=True)
class PrivateMessageUndelivered(Event):
    """Internal: a private message about a case bounced (the member's DMs are closed)."""

    case: int
    member_name: str
    moderator_id: str
    # True for the warning itself, so the case records that it never arrived.
    warning: bool = False


class ModerationCog(Cog[ModerationStore]):
    name = "moderation"
    settings = ModerationSettings
    store_class = ModerationStore

    def member_data(self) -> ModerationData:
        return ModerationData(self.store.db)

    def resolvers(self) -> dict[str, Resolver]:
        return {"case": self._known_case}

    def listeners(self) -> dict[type[Event], Listener]:
        return {PrivateMessageUndelivered: self.on_undelivered}

    async def autocomplete(self, ctx: Ctx, option: str, partial: str
                           ) -> list[tuple[str, str]]:
        if option != "rule":
            return []
        cfg = ctx.settings.moderation
        wanted = partial.strip().lower()
        return [(f"{r.id}: {r.title}", r.id) for r in cfg.rules
                if wanted in r.id or wanted in r.title.lower()][:25]

    # -- helpers --------------------------------------------------------------------------

    def _log(self, ctx: Ctx, text: Text) -> Post:
        cfg = ctx.settings.moderation
        return Post(ctx.community, ctx.channel(cfg.log_channel), text)

    def _signals(self, ctx: Ctx, text: str) -> Text | None:
        """The reasons a text reads as heated, ready to show; None when it is calm."""
        cfg = ctx.settings.moderation
        if not cfg.tone.enabled:
            return None
        found = tone.check(text, cfg.tone.rules())
        if not found:
            return None
        m = cfg.messages
        parts = [self.say(ctx, getattr(m, f"tone_{s.kind}"), found=", ".join(s.found))
                 for s in found]
        return Text.join(parts, "; ")

    def _private(self, ctx: Ctx, user_id: str, name: str, text: Text, case: int,
                 moderator_id: str, warning: bool = False) -> DirectMessage:
        bounced = PrivateMessageUndelivered(ctx.community, ctx.now, case=case, member_name=name,
                                            moderator_id=moderator_id, warning=warning)
        return DirectMessage(ctx.community, user_id, text,
                             if_undelivered=(Emit(ctx.community, bounced),))

    def _quote(self, cfg: ModerationSettings, content: str) -> str:
        limit = cfg.quote_max_length
        content = clean(content).strip()  # kept in the case and re-posted: nothing hidden
        return content if len(content) <= limit else content[: limit - 1].rstrip() + "…"

    def _step_label(self, ctx: Ctx, count: int) -> Text:
        cfg = ctx.settings.moderation
        step = cfg.step_for(count)
        return self.say(ctx, step.label, duration=step.timeout or "")

    async def _known_case(self, event: CommandInvoked, ctx: Ctx, number: int) -> Case:
        """The case a moderator named, or a refusal saying there is none."""
        case = await self.store.get(event.community, number)
        if case is None:
            raise Refused(self.reply(event, ctx, ctx.settings.moderation.messages.unknown_case,
                                      case=number))
        return case

    async def _own_case(self, event: CommandInvoked, ctx: Ctx, number: int) -> Case:
        """The member's own case; someone else's and a missing one get the same answer, so
        nobody can peek at others' cases."""
        case = await self.store.get(event.community, number)
        if case is None or case.user_id != event.actor.user_id:
            raise Refused(self.reply(
                event, ctx, ctx.settings.moderation.messages.appeal_not_yours, case=number))
        return case

    # -- /rules -----------------------------------------------------------------------------

    @command(RULES)
    async def rules(self, event: CommandInvoked, ctx: Ctx) -> list[Action]:
        cfg = ctx.settings.moderation
        m = cfg.messages
        lines = [self.say(ctx, m.rules_header, community=ctx.settings.community.name)]
        lines += [self.say(ctx, m.rule_line, rule=r.id, rule_title=r.title, rule_text=r.text)
                  for r in cfg.rules]
        return [Respond(event.community, event.actor.user_id, Text.join(lines))]

    # -- /warn and the message action ---------------------------------------------------------

    @command(WARN, suggest="autocomplete")
    async def warn(self, event: CommandInvoked, ctx: Ctx, member: MemberRef, rule: str,
                   note: str | None) -> list[Action]:
        return await self._warn(event, ctx, member, rule, note, None)

    @command(WARN_MESSAGE, suggest="autocomplete")
    async def warn_message(self, event: CommandInvoked, ctx: Ctx, message: MessageRef,
                           rule: str, note: str | None) -> list[Action]:
        ref = message
        author = ref.author
        if not author.user_id:
            return self.reply(event, ctx, ctx.settings.moderation.messages.message_not_member)
        if author.name is None or author.is_bot is None:
            known = await self.services.members.by_id(event.community, author.user_id)
            if known is not None:
                author = MemberRef(author.user_id, author.name or known.name,
                                   known.is_bot if author.is_bot is None else author.is_bot)
        return await self._warn(event, ctx, author, rule, note, ref)

    async def _warn(self, event: CommandInvoked, ctx: Ctx, target: MemberRef, rule_id: str,
                    note: str | None, message: MessageRef | None) -> list[Action]:
        cfg = ctx.settings.moderation
        m = cfg.messages
        community, moderator = event.community, event.actor
        name = target.name or target.user_id
        # Everything is checked before anything is written or sent.
        rule = cfg.rule(rule_id)
        if rule is None:
            return self.reply(event, ctx, m.unknown_rule, rule=rule_id,
                               rules=", ".join(r.id for r in cfg.rules))
        if target.user_id == moderator.user_id:
            return self.reply(event, ctx, m.not_self, name=moderator.name)
        if target.is_bot:
            return self.reply(event, ctx, m.not_bot, name=name)
        if await self.services.member_level(community, target.user_id) >= Level.MODERATOR:
            return self.reply(event, ctx, m.not_staff, name=name)
        note = (note or "").strip() or None
        if note is not None and len(note) > cfg.note_max_length:
            return self.reply(event, ctx, m.note_too_long, length=f"{len(note):,}",
                               limit=f"{cfg.note_max_length:,}")
        record = await self.store.for_member(community, target.user_id)
        if record and ctx.now - record[-1].created_at < cfg.warn_cooloff:
            return self.reply(event, ctx, m.cooloff, name=name, case=record[-1].number,
                               until=record[-1].created_at + cfg.warn_cooloff)
        active = [c for c in record if c.active(ctx.now)]
        signals = self._signals(ctx, note) if note else None
        count = len(active) + 1
        step = cfg.step_for(count)
        content = self._quote(cfg, message.content) if message else None
        case = await self.store.add_case(community, NewCase(
            user_id=target.user_id, user_name=name, moderator_id=moderator.user_id,
            moderator_name=moderator.name, rule_id=rule.id, step=step.warnings,
            created_at=ctx.now, expires_at=ctx.now + cfg.expire_after,
            message_channel=message.channel if message else None,
            message_id=message.message_id if message else None, message_content=content,
        ), note=Note(0, moderator.user_id, moderator.name, note, signals is not None,
                     signals.plain() if signals else "", ctx.now) if note else None)

        label = self._step_label(ctx, count)
        place = ChannelLink(message.channel) if message else None
        member_quote = (self.say(ctx, m.warning_quote, content=content, place=place)
                        if content is not None else "")
        log_quote = (self.say(ctx, m.log_quote, content=content, place=place)
                     if content is not None else "")
        member_note = (self.say(ctx, m.warning_note, note=note)
                       if note and signals is None else "")
        if not note:
            log_note: Text | str = ""
        elif signals is None:
            log_note = self.say(ctx, m.log_note, note=note)
        else:
            log_note = self.say(ctx, m.log_note_held, note=note, signals=signals)
        others = (self.say(ctx, m.warned_others, name=name, cases=_case_list(active))
                  if active else "")
        held = (self.say(ctx, m.note_held, case=case.number, name=name, signals=signals)
                if signals is not None else "")

        actions: list[Action] = [
            Respond(community, moderator.user_id, self.say(
                ctx, m.warned, case=case.number, name=name, rule=rule.id, step=label,
                others=others, held=held)),
            self._log(ctx, self.say(
                ctx, m.log_case, case=case.number, name=name, moderator=moderator.name,
                rule=rule.id, rule_title=rule.title, step=label, step_number=step.warnings,
                steps=len(cfg.ladder), expires=case.expires_at, quote=log_quote, note=log_note)),
            self._private(ctx, target.user_id, name, self.say(
                ctx, m.warning, name=name, member=Mention(target.user_id, name),
                community=ctx.settings.community.name,
                case=case.number, rule=rule.id, rule_title=rule.title, rule_text=rule.text,
                step=label, next_step=self._step_label(ctx, count + 1),
                then=(self.say(ctx, m.warning_then, next_step=self._step_label(ctx, count + 1))
                      if count < len(cfg.ladder) else self.say(ctx, m.warning_last, step=label)),
                expires=case.expires_at,
                quote=member_quote, note=member_note), case.number, moderator.user_id,
                warning=True),
        ]
        if step.action == "timeout" and step.timeout is not None:
            unsupported = self._log(ctx, self.say(
                ctx, m.log_timeout_unsupported, case=case.number, name=name, step=label))
            reason = self.say(ctx, m.timeout_reason, case=case.number, rule_title=rule.title)
            failed = (self._log(ctx, self.say(ctx, m.log_timeout_failed, case=case.number,
                                              name=name, step=label)),
                      Respond(community, moderator.user_id,
                              self.say(ctx, m.timeout_failed, case=case.number, name=name)))
            actions.append(Timeout(community, target.user_id, step.timeout, reason.plain(),
                                   if_unsupported=(unsupported,), if_failed=failed))
        elif step.action == "review":
            actions.append(self._log(ctx, self.say(
                ctx, m.log_review, case=case.number, name=name, count=count,
                cases=_case_list([*active, case]))))
        actions.append(Emit(community, Tally(community, ctx.now, "warning")))
        return actions

    async def on_undelivered(self, event: PrivateMessageUndelivered, ctx: Ctx
                             ) -> list[Action]:
        m: ModerationMessages = ctx.settings.moderation.messages
        if event.warning:
            await self.store.undelivered(event.community, event.case)
        return [
            self._log(ctx, self.say(ctx, m.log_undelivered, case=event.case,
                                     name=event.member_name)),
            Respond(event.community, event.moderator_id,
                    self.say(ctx, m.dm_closed, case=event.case, name=event.member_name)),
        ]

    # -- records ----------------------------------------------------------------------------

    @command(WARNINGS)
    async def warnings(self, event: CommandInvoked, ctx: Ctx, member: MemberRef
                       ) -> list[Action]:
        m: ModerationMessages = ctx.settings.moderation.messages
        target = member
        name = target.name or target.user_id
        record = await self.store.for_member(event.community, target.user_id)
        if not record:
            return self.reply(event, ctx, m.record_empty, name=name)
        active = [c for c in record if c.active(ctx.now)]
        lines = [self.say(ctx, m.record_header, name=name, active=len(active),
                           past=len(record) - len(active))]
        for c in record:
            common = {"case": c.number, "rule": c.rule_id, "moderator": c.moderator_name,
                      "created": c.created_at}
            if c.pardoned_at is not None:
                line = self.say(ctx, m.record_pardoned, by=c.pardoned_by or "",
                                 reason=c.pardon_reason or "", **common)
            elif c.active(ctx.now):
                line = self.say(ctx, m.record_active, expires=c.expires_at, **common)
            else:
                line = self.say(ctx, m.record_expired, expires=c.expires_at, **common)
            if not c.dm_delivered:
                line = line + self.say(ctx, m.record_undelivered)
            if await self.store.open_appeal(event.community, c.number):
                line = line + self.say(ctx, m.record_appeal_open)
            lines.append(line)
        return [Respond(event.community, event.actor.user_id, Text.join(lines))]

    @command(MY_WARNINGS)
    async def my_warnings(self, event: CommandInvoked, ctx: Ctx) -> list[Action]:
        cfg = ctx.settings.moderation
        m = cfg.messages
        active = await self.store.active_for(event.community, event.actor.user_id,
                                                          ctx.now)
        if not active:
            return self.reply(event, ctx, m.mine_none, name=event.actor.name,
                               community=ctx.settings.community.name)
        lines = [self.say(ctx, m.mine_header, name=event.actor.name, count=len(active))]
        for c in active:
            rule = cfg.rule(c.rule_id)
            lines.append(self.say(ctx, m.mine_line, case=c.number, rule=c.rule_id,
                                   rule_title=rule.title if rule else c.rule_id,
                                   expires=c.expires_at))
        lines.append(self.say(ctx, m.mine_footer))
        return [Respond(event.community, event.actor.user_id, Text.join(lines))]

    # -- pardons and notes ----------------------------------------------------------------------

    def _check_text(self, event: CommandInvoked, ctx: Ctx, text: str
                    ) -> list[Action] | None:
        """A refusal if a moderator's text for a member is empty, too long or heated."""
        cfg = ctx.settings.moderation
        m = cfg.messages
        if not text.strip():
            return self.reply(event, ctx, m.note_empty)
        if len(text) > cfg.note_max_length:
            return self.reply(event, ctx, m.note_too_long, length=f"{len(text):,}",
                               limit=f"{cfg.note_max_length:,}")
        return None

    @command(PARDON)
    async def pardon(self, event: CommandInvoked, ctx: Ctx, case: Case, reason: str
                     ) -> list[Action]:
        cfg = ctx.settings.moderation
        m = cfg.messages
        number, reason = case.number, reason.strip()
        if case.pardoned_at is not None:
            return self.reply(event, ctx, m.already_pardoned, case=number)
        refused = self._check_text(event, ctx, reason) or self._heated(event, ctx, reason, case)
        if refused:
            return refused
        if not await self.store.pardon(event.community, number, event.actor.name,
                                                    reason, ctx.now):
            return self.reply(event, ctx, m.already_pardoned, case=number)
        return [*self._pardon_told(event, ctx, case, reason), *await self._lift(ctx, case),
                Emit(event.community, Tally(event.community, ctx.now, "pardon"))]

    async def _lift(self, ctx: Ctx, pardoned: Case) -> list[Action]:
        """End the timeout a pardoned case set, if it is still running and no other active
        case holds one (a pardon shouldn't leave the member muted for it)."""
        cfg = ctx.settings.moderation

        def running(case: Case) -> bool:
            step = cfg.step_for(case.step)
            return (step.action == "timeout" and step.timeout is not None
                    and case.created_at + step.timeout > ctx.now)

        if not running(pardoned):
            return []
        others = await self.store.active_for(ctx.community, pardoned.user_id,
                                                          ctx.now)
        if any(c.number != pardoned.number and running(c) for c in others):
            return []
        reason = self.say(ctx, cfg.messages.timeout_lifted_reason, case=pardoned.number)
        return [Timeout(ctx.community, pardoned.user_id, timedelta(0), reason.plain())]

    def _pardon_told(self, event: CommandInvoked, ctx: Ctx, case: Case, reason: str
                     ) -> list[Action]:
        cfg = ctx.settings.moderation
        m = cfg.messages
        rule = cfg.rule(case.rule_id)
        return [
            *self.reply(event, ctx, m.pardoned, case=case.number, name=case.user_name),
            self._log(ctx, self.say(ctx, m.log_pardon, case=case.number, name=case.user_name,
                                     moderator=event.actor.name, reason=reason)),
            self._private(ctx, case.user_id, case.user_name, self.say(
                ctx, m.pardon_dm, name=case.user_name, case=case.number,
                rule_title=rule.title if rule else case.rule_id, reason=reason),
                case.number, event.actor.user_id),
        ]

    def _heated(self, event: CommandInvoked, ctx: Ctx, text: str, case: Case
                ) -> list[Action] | None:
        """Refuse a pardon or appeal reason that reads as heated; the member would see it."""
        signals = self._signals(ctx, text)
        if signals is None:
            return None
        m: ModerationMessages = ctx.settings.moderation.messages
        return self.reply(event, ctx, m.reason_heated, case=case.number, name=case.user_name,
                           signals=signals)

    @command(WARNING_NOTE)
    async def warning_note(self, event: CommandInvoked, ctx: Ctx, case: Case, text: str
                           ) -> list[Action]:
        m: ModerationMessages = ctx.settings.moderation.messages
        number, text = case.number, text.strip()
        refused = self._check_text(event, ctx, text)
        if refused:
            return refused
        signals = self._signals(ctx, text)
        actor = event.actor
        await self.store.add_note(event.community, Note(
            number, actor.user_id, actor.name, text, signals is not None,
            signals.plain() if signals else "", ctx.now))
        if signals is not None:
            return [
                *self.reply(event, ctx, m.note_held_again, case=number, name=case.user_name,
                             signals=signals),
                self._log(ctx, self.say(ctx, m.log_note_held_added, case=number,
                                         moderator=actor.name, note=text, signals=signals)),
            ]
        return [
            *self.reply(event, ctx, m.note_sent, case=number, name=case.user_name),
            self._log(ctx, self.say(ctx, m.log_note_added, case=number, moderator=actor.name,
                                     note=text)),
            self._private(ctx, case.user_id, case.user_name, self.say(
                ctx, m.note_dm, name=case.user_name, case=number, note=text), number,
                actor.user_id),
        ]

    # -- appeals ----------------------------------------------------------------------------

    @command(APPEAL, resolve={"case": "_own_case"})
    async def appeal(self, event: CommandInvoked, ctx: Ctx, case: Case, text: str
                     ) -> list[Action]:
        cfg = ctx.settings.moderation
        m = cfg.messages
        number, text = case.number, text.strip()
        member = event.actor
        if case.pardoned_at is not None:
            return self.reply(event, ctx, m.appeal_pardoned, case=number)
        if len(text) > cfg.appeal_max_length:
            return self.reply(event, ctx, m.appeal_too_long, length=f"{len(text):,}",
                               limit=f"{cfg.appeal_max_length:,}")
        # Checked and written in one transaction held on the community's appeals, so appeals
        # sent at once (in any worker) find the first one open instead of failing.
        async with self.store.transaction(event.community.key, "appeals"):
            if await self.store.open_appeal(event.community, number):
                return self.reply(event, ctx, m.appeal_open, case=number)
            last = await self.store.last_appeal_by(event.community, member.user_id)
            if last is not None and ctx.now - last.created_at < cfg.appeal_cooloff:
                return self.reply(event, ctx, m.appeal_cooloff,
                                   until=last.created_at + cfg.appeal_cooloff)
            await self.store.add_appeal(event.community, number, member.user_id, text, ctx.now)
        return [
            *self.reply(event, ctx, m.appeal_sent, name=member.name, case=number),
            self._log(ctx, self.say(ctx, m.log_appeal, case=number, name=member.name,
                                     text=text)),
            Emit(event.community, Tally(event.community, ctx.now, "appeal")),
        ]

    @command(APPEAL_RESOLVE)
    async def appeal_resolve(self, event: CommandInvoked, ctx: Ctx, case: Case,
                             outcome: str, reason: str) -> list[Action]:
        m: ModerationMessages = ctx.settings.moderation.messages
        number, accept, reason = case.number, outcome == "accept", reason.strip()
        if await self.store.open_appeal(event.community, number) is None:
            return self.reply(event, ctx, m.no_open_appeal, case=number)
        refused = self._check_text(event, ctx, reason) or self._heated(event, ctx, reason, case)
        if refused:
            return refused
        if not await self.store.resolve_appeal(
                event.community, number, accept, event.actor.name, reason, ctx.now):
            return self.reply(event, ctx, m.no_open_appeal, case=number)
        said = self.say(ctx, m.outcome_accepted if accept else m.outcome_declined)
        if accept:
            told = self.say(ctx, m.appeal_accepted_dm, name=case.user_name, case=number,
                             reason=reason)
        else:
            told = self.say(ctx, m.appeal_declined_dm, name=case.user_name, case=number,
                             reason=reason, expires=case.expires_at)
        return [
            *self.reply(event, ctx, m.appeal_resolved, case=number, name=case.user_name,
                         outcome=said),
            self._log(ctx, self.say(ctx, m.log_appeal_resolved, case=number,
                                     moderator=event.actor.name, outcome=said,
                                     reason=reason)),
            self._private(ctx, case.user_id, case.user_name, told, number, event.actor.user_id),
            *(await self._lift(ctx, case) if accept else ()),
        ]


def _case_list(cases: list[Case]) -> Text:
    """`#1 (spam), #2 (be-kind)`: case numbers with their rule ids."""
    return Text.join([Text((Literal(f"#{c.number} ("), UserText(c.rule_id), Literal(")")))
                      for c in cases], ", ")
