"""/mydata: members see what Hearth keeps, take a copy, and have it forgotten.

The work is the core's (`bot.memberdata.DataRights`, every feature's declaration run together);
this feature is the members' way in: the commands, their wording, the confirmation step, the
deleted-account signal and the daily retention job.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.actions import Action, DirectMessage, Respond, SendFile
from bot.cog import Cog, CommunityConfig, Context, Listener, Services
from bot.commands import CommandSpec, Option, OptionType, command
from bot.durations import format_duration
from bot.events import CommandInvoked, Community, Event, MemberDeleted
from bot.memberdata import FOLLOW_UP, DataRights, Preview, export_json, from_payload
from bot.ports import Job
from bot.scheduler import JobHandler
from bot.templates import counted
from bot.text import Text
from cogs.mydata.settings import MydataMessages, MydataSettings

log = logging.getLogger(__name__)

WHAT = CommandSpec("mydata what", "See what Hearth keeps about members, and for how long.")
EXPORT = CommandSpec("mydata export", "Get a copy of everything Hearth keeps about you.")
FORGET = CommandSpec(
    "mydata forget", "Have Hearth forget you: see what it means first, then confirm.",
    (Option("confirm", OptionType.CHOICE, "yes, once you've read what it means",
            required=False, choices=("yes",)),),
)
RETENTION = "mydata.retention"


class MydataConfig(CommunityConfig, Protocol):
    mydata: MydataSettings


# What this feature's handlers are given: `ctx.settings.mydata` is typed.
Ctx = Context[MydataConfig]
# The retention job isn't about one community; this names it in the job table.
EVERYWHERE = Community("hearth", "all")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


class MydataCog(Cog[None]):
    name = "mydata"
    settings = MydataSettings

    def __init__(self, services: Services, store: None = None) -> None:
        super().__init__(services, store)
        # (community, member) -> until when `/mydata forget confirm:yes` is accepted. Memory
        # only: after a restart the member sees the preview again, which is the safe side.
        self._previewed: dict[tuple[Community, str], datetime] = {}

    @property
    def rights(self) -> DataRights:
        assert self.services.data_rights is not None, "the composition root sets data_rights"
        return self.services.data_rights

    def listeners(self) -> dict[type[Event], Listener]:
        return {MemberDeleted: self.on_deleted}

    def jobs(self) -> dict[str, JobHandler]:
        return {RETENTION: self.retention, FOLLOW_UP: self.follow_up}

    async def start(self) -> list[Action]:
        if await self.services.scheduler.store.get(RETENTION) is None:
            # First run: apply retention now, then every `retention_every`.
            await self.services.scheduler.schedule(RETENTION, RETENTION, EVERYWHERE,
                                                   self.services.clock.now())
        return []

    # -- /mydata what -------------------------------------------------------------------

    @command(WHAT)
    async def what(self, event: CommandInvoked, ctx: Ctx) -> list[Action]:
        cfg: MydataSettings = ctx.settings.mydata
        rng, channels = self.services.rng, ctx.channels
        lines = []
        for feature, statement in self.rights.statements(event.community):
            custom = cfg.statements.get(feature)
            said: Text | str = custom.render(rng, channels) if custom else statement
            lines.append(cfg.messages.what_feature.render(rng, channels, feature=feature,
                                                          statement=_literal(said)))
        text = cfg.messages.what.render(rng, channels, community=ctx.settings.community.name,
                                        features=Text.join(lines))
        return [Respond(event.community, event.actor.user_id, text)]

    # -- /mydata export -----------------------------------------------------------------

    @command(EXPORT)
    async def export(self, event: CommandInvoked, ctx: Ctx) -> list[Action]:
        m: MydataMessages = ctx.settings.mydata.messages
        rng, channels = self.services.rng, ctx.channels
        community, actor = event.community, event.actor
        data = await self.rights.export(community, actor.user_id, ctx.now)
        if not data["features"]:
            return [Respond(community, actor.user_id, m.nothing_kept.render(
                rng, channels, name=actor.name, community=ctx.settings.community.name))]
        summary = Text.of("\n".join(summarize(data)))
        filename = export_filename(community, actor.user_id, ctx.now)
        names = {"name": actor.name, "community": ctx.settings.community.name}
        inline = DirectMessage(community, actor.user_id, m.export_inline.render(
            rng, channels, summary=summary, data=json.dumps(data, ensure_ascii=False), **names))
        return [
            SendFile(community, actor.user_id, filename, export_json(data),
                     m.export_ready.render(rng, channels, summary=summary, filename=filename,
                                           **names),
                     if_unsupported=(inline,)),
            Respond(community, actor.user_id, m.export_sent.render(rng, channels,
                                                                   name=actor.name)),
        ]

    # -- /mydata forget -----------------------------------------------------------------

    @command(FORGET)
    async def forget(self, event: CommandInvoked, ctx: Ctx, confirm: str | None
                     ) -> list[Action]:
        cfg: MydataSettings = ctx.settings.mydata
        rng, channels = self.services.rng, ctx.channels
        community, actor = event.community, event.actor
        key = (community, actor.user_id)
        names = {"name": actor.name, "community": ctx.settings.community.name}
        minutes = format_duration(cfg.confirm_within)

        def reply(text: Text) -> list[Action]:
            return [Respond(community, actor.user_id, text)]

        if confirm is None:
            preview = await self.rights.preview(community, actor.user_id, ctx.now)
            if preview.empty:
                self._previewed.pop(key, None)
                return reply(cfg.messages.forget_nothing.render(rng, channels, **names))
            self._previewed[key] = ctx.now + cfg.confirm_within
            return reply(preview_text(preview, cfg.messages, ctx, rng, **names))
        until = self._previewed.pop(key, None)
        if until is None or ctx.now > until:
            return reply(cfg.messages.forget_confirm_first.render(rng, channels,
                                                                  minutes=minutes))
        # What is kept is read before forgetting, so the member is told what is really left.
        kept = len((await self.rights.preview(community, actor.user_id, ctx.now)).kept)
        rows, actions = await self.rights.forget(community, actor.user_id, ctx.now)
        log.info("forgot a member of %s at their request (%d rows)", community.key, rows)
        left = cfg.messages.forgotten_kept.render(
            rng, channels, count=counted(kept, "record", "records")) if kept else ""
        return [*actions, *reply(cfg.messages.forgotten.render(rng, channels, kept=left,
                                                               **names))]

    # -- the platform's deleted-account signal -------------------------------------------

    async def on_deleted(self, event: MemberDeleted, ctx: Ctx) -> list[Action]:
        rows, actions = await self.rights.forget(event.community, event.user_id, ctx.now)
        self._previewed.pop((event.community, event.user_id), None)
        log.info("forgot a deleted account in %s (%d rows)", event.community.key, rows)
        return actions

    async def follow_up(self, job: Job) -> list[Action]:
        """`hearth data forget` ran without a platform: its edits and role removals go now."""
        return from_payload(job.community, job.payload["actions"])

    # -- retention ----------------------------------------------------------------------

    async def retention(self, job: Job) -> list[Action]:
        now = self.services.clock.now()
        pruned = await self.rights.prune(now)
        if any(pruned.values()):
            log.info("retention: deleted %s", ", ".join(
                f"{n} from {feature}" for feature, n in pruned.items() if n))
        every: timedelta = self.services.config.settings.mydata.retention_every
        await self.services.scheduler.schedule(RETENTION, RETENTION, EVERYWHERE,
                                               job.due_at + every)
        return []


def _literal(value: Text | str) -> Text:
    # A feature's statement is Hearth's own wording, not member text: shown as written.
    return value if isinstance(value, Text) else Text.of(value)


def preview_text(preview: Preview, m: MydataMessages, ctx: Ctx, rng: Any, **names: Any
                 ) -> Text:
    """The forget preview: what goes, what stays, why and until when."""
    channels = ctx.channels
    deleted = [m.forget_deleted.render(rng, channels, feature=f, what=_literal(what))
               for f, what in preview.deleted] or [m.forget_nothing_kept.render(rng, channels)]
    kept = []
    for feature, k in preview.kept:
        if k.until is not None:
            kept.append(m.forget_kept_until.render(rng, channels, feature=feature,
                                                   what=_literal(k.what), why=_literal(k.why),
                                                   until=k.until))
        else:
            kept.append(m.forget_kept_while.render(rng, channels, feature=feature,
                                                   what=_literal(k.what), why=_literal(k.why)))
    if not kept:
        kept = [m.forget_nothing_kept.render(rng, channels)]
    text: Text = m.forget_preview.render(
        rng, channels, deleted=Text.join(deleted), kept=Text.join(kept),
        minutes=format_duration(ctx.settings.mydata.confirm_within), **names)
    return text


def export_filename(community: Community, user_id: str, now: datetime) -> str:
    who = _UNSAFE.sub("_", user_id)[:40] or "member"
    return f"hearth-data-{community.platform}-{who}-{now:%Y%m%d-%H%M%S}.json"


def summarize(data: dict[str, Any]) -> list[str]:
    """A few readable lines from an export: per feature, what's in it, counted."""
    lines = []
    for feature, section in data["features"].items():
        parts = []
        for key, value in section.items():
            label = key.replace("_", " ")
            if isinstance(value, list):
                parts.append(f"{label}: {len(value):,}")
            elif isinstance(value, bool) or value is None:
                continue
            elif isinstance(value, int):
                parts.append(f"{label}: {value:,}")
            else:
                parts.append(label)
        lines.append(f"• {feature}: {', '.join(parts)}")
    return lines
