"""Greetings: a warm welcome for each newcomer, once, and a calm one for a crowd."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.actions import Action, DirectMessage, Post
from bot.cog import Cog, CommunityConfig, Context, Listener, Services
from bot.events import Community, Event, MemberJoined, MemberLeft
from bot.ports import Job
from bot.scheduler import JobHandler
from bot.text import Mention, Text, UserText
from cogs.greetings.member_data import GreetingsData
from cogs.greetings.settings import GreetingsSettings


class GreetingsConfig(CommunityConfig, Protocol):
    greetings: GreetingsSettings


# What this feature's handlers are given: `ctx.settings.greetings` is typed.
Ctx = Context[GreetingsConfig]

RAID_SUMMARY = "greetings.raid_summary"
PACED_DM = "greetings.dm"


class GreetingsCog(Cog[None]):
    name = "greetings"
    settings = GreetingsSettings

    def __init__(self, services: Services, store: None = None) -> None:
        super().__init__(services, store)
        # Recent join times per community: the raid detector needs only the last window.
        self._joins: dict[Community, deque[datetime]] = {}
        # When the last paced DM is due, per community.
        self._next_dm_slot: dict[Community, datetime] = {}

    def member_data(self) -> GreetingsData:
        return GreetingsData(self._cancel_welcome)

    async def _cancel_welcome(self, community: Community, user_id: str) -> None:
        await self.services.scheduler.cancel(f"{PACED_DM}:{community.key}:{user_id}")

    def listeners(self) -> dict[type[Event], Listener]:
        return {MemberJoined: self.on_join, MemberLeft: self.on_leave}

    def jobs(self) -> dict[str, JobHandler]:
        return {RAID_SUMMARY: self.raid_summary, PACED_DM: self.paced_dm}

    async def on_join(self, event: MemberJoined, ctx: Ctx) -> list[Action]:
        cfg = ctx.settings.greetings
        member = event.member
        before = await self.services.members.joined(event.community, member, ctx.now)
        if not cfg.enabled or member.is_bot or self._greeted_recently(before, ctx, cfg):
            return []
        if self._is_raid(event.community, ctx.now, cfg):
            return await self._join_during_raid(event, ctx, cfg)
        actions: list[Action] = []
        if cfg.channel:
            text = self.say(ctx, cfg.messages.welcome,
                            **self._fields(member.user_id, member.name, ctx))
            actions.append(Post(event.community, ctx.channel(cfg.channel), text))
        if cfg.send_dm:
            actions.append(await self._dm(event.community, member.user_id, member.name, ctx))
        await self.services.members.welcomed(event.community, [member.user_id], ctx.now)
        return actions

    def _greeted_recently(self, before: Any, ctx: Ctx, cfg: GreetingsSettings) -> bool:
        if before is None or before.welcomed_at is None:
            return False
        if before.left_at is None:
            return True  # a repeated join event for someone who never left
        return bool(ctx.now - before.left_at < cfg.greet_again_after)

    def _is_raid(self, community: Community, now: datetime, cfg: GreetingsSettings) -> bool:
        joins = self._joins.setdefault(community, deque())
        while joins and now - joins[0] > cfg.raid.window:
            joins.popleft()
        joins.append(now)
        return len(joins) > cfg.raid.burst

    async def _join_during_raid(self, event: MemberJoined, ctx: Ctx,
                                cfg: GreetingsSettings) -> list[Action]:
        community, member = event.community, event.member
        summary_key = f"{RAID_SUMMARY}:{community.key}"
        if await self.services.scheduler.pending(summary_key) is None:
            since = self._joins[community][0]
            await self.services.scheduler.schedule(
                RAID_SUMMARY, summary_key, community, ctx.now + cfg.raid.window,
                {"since": since.timestamp()})
        if cfg.send_dm:
            last = self._next_dm_slot.get(community)
            slot = ctx.now if last is None else max(ctx.now, last + cfg.raid.dm_pace)
            self._next_dm_slot[community] = slot
            await self.services.scheduler.schedule(
                PACED_DM, f"{PACED_DM}:{community.key}:{member.user_id}", community, slot,
                {"user_id": member.user_id, "name": member.name})
        return []

    async def raid_summary(self, job: Job) -> list[Action]:
        community = job.community
        ctx = self.services.context(community, job.due_at)
        cfg = ctx.settings.greetings
        since = datetime.fromtimestamp(job.payload["since"], job.due_at.tzinfo)
        waiting = await self.services.members.waiting_for_welcome(community, since)
        if not waiting:
            return []
        shown = waiting[: cfg.raid.names_shown]
        names = Text.join([Text((UserText(m.name),)) for m in shown], ", ")
        if len(waiting) > len(shown):
            names = names + Text.of(f" and {len(waiting) - len(shown)} more")
        await self.services.members.welcomed(community, [m.user_id for m in waiting], ctx.now)
        if not cfg.channel:
            return []
        one = len(waiting) == 1  # "Welcome, all 1 of you" reads oddly
        text = self.say(ctx, cfg.messages.raid_summary_one if one else cfg.messages.raid_summary,
                        names=names, count=len(waiting), community=ctx.settings.community.name)
        return [Post(community, ctx.channel(cfg.channel), text)]

    async def paced_dm(self, job: Job) -> list[Action]:
        ctx = self.services.context(job.community, job.due_at)
        record = await self.services.members.get(job.community, job.payload["user_id"])
        if record is None or record.left_at is not None:
            return []  # they left before their turn; a DM now would be odd
        now = self.services.clock.now()
        if now - job.due_at >= ctx.settings.greetings.raid.dm_pace:
            await self._repace(job, now, ctx.settings.greetings.raid.dm_pace)
        return [await self._dm(job.community, record.user_id, record.name, ctx)]

    async def _repace(self, late: Job, now: datetime, pace: timedelta) -> None:
        """After downtime the waiting DMs are overdue all at once: this one goes now, and every
        other waiting one gets a fresh slot after it, in the same order, one per `pace`."""
        moves = []
        slot = now
        for job in await self.services.scheduler.waiting(PACED_DM, late.community):
            if job.key != late.key:
                slot += pace
                moves.append((job, slot))
        # The scheduler keeps a job moved while another one runs.
        await self.services.scheduler.move(moves)
        self._next_dm_slot[late.community] = slot

    async def on_leave(self, event: MemberLeft, ctx: Ctx) -> list[Action]:
        cfg = ctx.settings.greetings
        await self.services.members.left(event.community, event.member.user_id, ctx.now)
        await self._cancel_welcome(event.community, event.member.user_id)
        if not (cfg.enabled and cfg.goodbye and cfg.goodbye_channel) or event.member.is_bot:
            return []
        text = self.say(ctx, cfg.messages.goodbye, name=event.member.name,
                        community=ctx.settings.community.name)
        return [Post(event.community, ctx.channel(cfg.goodbye_channel), text)]

    async def _dm(self, community: Community, user_id: str, name: str, ctx: Ctx
                  ) -> DirectMessage:
        cfg = ctx.settings.greetings
        text = self.say(ctx, cfg.messages.dm, **self._fields(user_id, name, ctx))
        # A newcomer arriving during an incident hears about it (other features' notices).
        notices = await self.services.notices(ctx)
        return DirectMessage(community, user_id, Text.join([text, *notices], "\n"))

    @staticmethod
    def _fields(user_id: str, name: str, ctx: Ctx) -> dict[str, Any]:
        return {"member": Mention(user_id, name), "name": name,
                "community": ctx.settings.community.name}
