"""Community health: counts what Hearth already sees (joins, messages, thanks, contests,
moderation, the newcomer funnel, the mood per channel) into daily counters, and shows them as
/insights for moderators and a weekly digest to the team. No message text is stored, and
sentiment is never kept or shown per member."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from typing import Protocol

from bot.actions import Action, Post, PostFile, Respond, SendFile
from bot.cog import Cog, CommunityConfig, Context, Listener, Services
from bot.commands import CommandSpec, Option, OptionType, command
from bot.events import (
    CommandInvoked,
    Community,
    Event,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    Recognition,
    Tally,
)
from bot.permissions import Level
from bot.ports import Job
from bot.scheduler import JobHandler
from bot.text import Text
from cogs.insights import chart
from cogs.insights.counters import Counters, Days, Newcomer
from cogs.insights.member_data import KEEP_DAYS, InsightsData
from cogs.insights.report import Report, build, definitions, lines, midnight, worded
from cogs.insights.settings import DAYS, InsightsSettings
from cogs.insights.store import InsightsStore
from cogs.insights.weather import Analyser, shared, sudden_dip


class InsightsConfig(CommunityConfig, Protocol):
    insights: InsightsSettings


Ctx = Context[InsightsConfig]

FLUSH = "insights.flush"
DIGEST = "insights.digest"
PERIODS = {"7d": 7, "30d": 30, "90d": 90}
TALLIED = frozenset({"thanks", "contest_entry", "contest_vote", "warning", "appeal", "pardon"})
_NOTHING: list[Action] = []
# Messages held for counting at most this many before they are counted anyway.
HELD_MAX = 10_000

INSIGHTS = CommandSpec(
    "insights", "See the community's health: growth, engagement, newcomers and mood.",
    (Option("period", OptionType.CHOICE, "7d, 30d or 90d (7d if left out)", required=False,
            choices=tuple(PERIODS)),),
    level=Level.MODERATOR)


class InsightsCog(Cog[InsightsStore]):
    name = "insights"
    settings = InsightsSettings
    store_class = InsightsStore

    def __init__(self, services: Services, store: InsightsStore) -> None:
        super().__init__(services, store)
        self._counters: dict[Community, Counters] = {}
        self._flush_armed = False
        self._analyser: Analyser | None = None
        # Messages seen since they were last counted, with when they came, per community.
        self._held: dict[Community, list[tuple[MessagePosted, datetime]]] = {}

    def member_data(self) -> InsightsData:
        return InsightsData(self.store.db, self._drop_held)

    def _drop_held(self, community: Community, user_id: str) -> None:
        if community in self._held:
            self._held[community] = [(e, at) for e, at in self._held[community]
                                     if e.author.user_id != user_id]
        state = self._counters.get(community)
        if state is not None:
            state.forget(user_id)

    def listeners(self) -> dict[type[Event], Listener]:
        return {MessagePosted: self.on_message, MemberJoined: self.on_join,
                MemberLeft: self.on_leave, Tally: self.on_tally, Recognition: self.on_recognition}

    def jobs(self) -> dict[str, JobHandler]:
        return {FLUSH: self.flush_job, DIGEST: self.digest_job}

    async def start(self) -> list[Action]:
        # The lexicon takes a tenth of a second to load: at start, in a thread, rather than
        # in the first message's handling.
        self._analyser = await asyncio.to_thread(shared)
        for community in await self.services.members.communities():
            await self._arm_digest(community)
        return []

    async def stop(self) -> list[Action]:
        await self.flush()
        return []

    # -- counting (the message path) -----------------------------------------------------

    def _state(self, community: Community, cfg: InsightsSettings) -> Counters:
        state = self._counters.get(community)
        if state is None:
            zone = self.services.config.for_community(community).community.timezone
            state = self._counters[community] = Counters(Days(zone))
        return state

    async def _loaded(self, community: Community, ctx: Ctx) -> Counters:
        """The community's counters, with its newcomers loaded and its digest armed the first
        time it is seen by this process."""
        state = self._counters.get(community)
        if state is not None:
            return state
        state = self._state(community, ctx.settings.insights)
        for user_id, joined, posted, replied, week2 in await self.store.newcomers_since(
                community, ctx.now - timedelta(days=14)):
            newcomer = state.newcomers.setdefault(user_id, Newcomer(joined))
            newcomer.posted, newcomer.replied, newcomer.week2 = posted, replied, week2
        await self._arm_digest(community)
        return state

    async def on_message(self, event: MessagePosted, ctx: Ctx) -> list[Action]:
        # The hot path only keeps the message (a reference, no copy); it is counted in bulk
        # at the flush, in order, as reputation batches its activity points.
        if event.author.is_bot:
            return _NOTHING
        held = self._held.get(event.community)
        if held is None:  # the first since the last count: is counting on, is a flush due?
            cfg = ctx.settings.insights
            if not cfg.enabled:
                return _NOTHING
            held = self._held[event.community] = []
            await self._arm_flush(event.community, ctx.now, cfg)
        elif len(held) >= HELD_MAX:
            await self._count_held()  # a flush running late: keep memory bounded
            return await self.on_message(event, ctx)
        held.append((event, ctx.now))
        return _NOTHING

    async def _count_held(self) -> None:
        """Count the messages held since the last time, in the order they came. Runs before
        anything else changes the counters (a join, a thanks, a flush), so the funnel sees
        events in their real order."""
        held, self._held = self._held, {}
        for community, messages in held.items():
            if not messages:
                continue  # all of them from a member since forgotten
            ctx: Ctx = self.services.context(community, messages[0][1])
            cfg = ctx.settings.insights
            if not cfg.enabled:
                continue  # turned off by a reload since
            state = self._counters.get(community) or await self._loaded(community, ctx)
            sampled = state.messages(messages, cfg.reply_window,
                                     cfg.sentiment_every if cfg.sentiment else None)
            if sampled and self._analyser is None:
                self._analyser = shared()
            for day, channel, text in sampled:
                assert self._analyser is not None
                state.weigh(day, channel, self._analyser.score(text))

    async def _counting(self, community: Community, ctx: Ctx) -> Counters:
        """The community's counters with every held message counted first (so the funnel
        sees events in order), and a flush armed for what is added next."""
        await self._count_held()
        state = await self._loaded(community, ctx)
        await self._arm_flush(community, ctx.now, ctx.settings.insights)
        return state

    async def on_join(self, event: MemberJoined, ctx: Ctx) -> list[Action]:
        if not ctx.settings.insights.enabled or event.member.is_bot:
            return _NOTHING
        state = await self._counting(event.community, ctx)
        state.add(state.days.of(ctx.now), "joins")
        state.joined_now(event.member.user_id, ctx.now)
        return _NOTHING

    async def on_leave(self, event: MemberLeft, ctx: Ctx) -> list[Action]:
        if not ctx.settings.insights.enabled or event.member.is_bot:
            return _NOTHING
        state = await self._counting(event.community, ctx)
        state.add(state.days.of(ctx.now), "leaves")
        state.newcomers.pop(event.member.user_id, None)
        return _NOTHING

    async def on_tally(self, event: Tally, ctx: Ctx) -> list[Action]:
        if not ctx.settings.insights.enabled or event.kind not in TALLIED:
            return _NOTHING
        state = await self._counting(event.community, ctx)
        day = state.days.of(ctx.now)
        state.add(day, event.kind)
        if event.kind == "thanks" and event.target_id:
            state.thanks(day, event.target_id)
            state.replied(event.target_id, ctx.now)  # thanks counts as being answered
        return _NOTHING

    async def on_recognition(self, event: Recognition, ctx: Ctx) -> list[Action]:
        if not ctx.settings.insights.enabled or event.source != "introduction":
            return _NOTHING
        state = await self._counting(event.community, ctx)
        state.step(event.user_id, "introduced", ctx.now)
        return _NOTHING

    async def _arm_flush(self, community: Community, now: datetime, cfg: InsightsSettings
                         ) -> None:
        if self._flush_armed:
            return
        self._flush_armed = True
        # Counters live in this process, so the flush is this worker's own job.
        worker = self.services.scheduler.worker
        await self.services.scheduler.schedule(FLUSH, f"{FLUSH}:{worker}", community,
                                               now + cfg.flush_every)

    async def flush_job(self, job: Job) -> list[Action]:
        # Armed stays true while this runs, so messages meanwhile don't arm another; re-armed
        # from this unit while messages keep coming (see reputation's).
        busy = self._pending()
        try:
            actions = await self._flush_all()
        except BaseException:
            self._flush_armed = False
            raise
        if busy or self._pending():
            cfg = self.services.config.for_community(job.community).insights
            worker = self.services.scheduler.worker
            await self.services.scheduler.schedule(
                FLUSH, f"{FLUSH}:{worker}", job.community,
                self.services.clock.now() + cfg.flush_every)
        else:
            self._flush_armed = False
        return actions

    def _pending(self) -> bool:
        return bool(self._held) or any(c.pending() for c in self._counters.values())

    async def flush(self) -> list[Action]:
        """Write what is held, one transaction per community; then look for a dip in mood."""
        self._flush_armed = False
        return await self._flush_all()

    async def _flush_all(self) -> list[Action]:
        await self._count_held()
        actions: list[Action] = []
        now = self.services.clock.now()
        for community, state in list(self._counters.items()):
            if not state.pending():
                continue
            today = state.days.of(now)
            batch = state.take(today)
            try:
                await self.store.write(community, batch)
            except Exception:
                state.give_back(batch)
                raise
            if batch.active:
                cutoff = (date.fromisoformat(today) - timedelta(days=KEEP_DAYS)).isoformat()
                await self.store.prune(community, cutoff)
            if batch.weather:
                actions.extend(await self._dips(community, today,
                                                {ch for d, ch in batch.weather if d == today}))
        return actions

    async def _dips(self, community: Community, today: str, channels: set[str]
                    ) -> list[Action]:
        ctx: Ctx = self.services.context(community)
        cfg = ctx.settings.insights
        week_ago = (date.fromisoformat(today) - timedelta(days=7)).isoformat()
        weather = await self.store.weather(community, week_ago, today)
        out: list[Action] = []
        for channel in sorted(channels):
            days = weather.get(channel, {})
            if today not in days:
                continue
            before = [v for d, v in days.items() if d != today]
            if not sudden_dip(days[today], before, cfg.dip_drop, cfg.dip_min_scored):
                continue
            if not await self.store.raise_once(community, today, channel):
                continue
            weight = sum(n for _, n in before)
            baseline = sum(a * n for a, n in before) / weight
            out.append(Post(community, ctx.channel(cfg.team_channel), self.say(
                ctx, cfg.messages.dip, where=f"#{channel}", before=f"{baseline:+.2f}",
                today=f"{days[today][0]:+.2f}")))
        return out

    # -- /insights -----------------------------------------------------------------------

    @command(INSIGHTS)
    async def insights(self, event: CommandInvoked, ctx: Ctx, period: str | None
                       ) -> list[Action]:
        cfg = ctx.settings.insights
        period = period or "7d"
        await self.flush()
        report = await self.report(event.community, ctx, PERIODS[period])
        worded_period = f"{PERIODS[period]} days"
        text = self.say(ctx, cfg.messages.summary, period=worded_period,
                        lines="\n".join(lines(report, cfg.min_group, SUMMARY)),
                        definitions="\n".join(definitions(report)))
        png = chart.draw(report, cfg.min_group)
        fallback = Respond(event.community, event.actor.user_id,
                           self.say(ctx, cfg.messages.no_chart, period=worded_period))
        return [Respond(event.community, event.actor.user_id, text),
                SendFile(event.community, event.actor.user_id,
                         f"insights-{report.end.isoformat()}-{period}.png", png,
                         self.say(ctx, cfg.messages.chart, period=worded_period),
                         if_unsupported=(fallback,))]

    async def report(self, community: Community, ctx: Ctx, days: int,
                     end: date | None = None) -> Report:
        zone = ctx.settings.community.timezone
        end = end or ctx.now.astimezone(zone).date()
        names = {n: source.definitions.get(n) for source in self.services.figures
                 for n in source.names}
        return await build(self.store, community, zone, end, days, ctx.now,
                           self.services.figures_of, names)

    # -- the weekly digest ---------------------------------------------------------------

    def next_digest(self, ctx: Ctx, after: datetime) -> datetime:
        """The next configured weekday and time after `after`, in the community's zone."""
        cfg = ctx.settings.insights
        zone = ctx.settings.community.timezone
        hour, minute = (int(x) for x in cfg.digest_time.split(":"))
        local = after.astimezone(zone)
        ahead = (DAYS.index(cfg.digest_day) - local.weekday()) % 7
        due = datetime.combine(local.date() + timedelta(days=ahead), time(hour, minute), zone)
        if due <= local:
            due = datetime.combine(due.date() + timedelta(days=7), time(hour, minute), zone)
        return due

    async def _arm_digest(self, community: Community) -> None:
        ctx: Ctx = self.services.context(community)
        cfg = ctx.settings.insights
        key = f"{DIGEST}:{community.key}"
        if not cfg.enabled or not cfg.digest or await self.services.scheduler.pending(key):
            return
        await self.services.scheduler.schedule(DIGEST, key, community,
                                               self.next_digest(ctx, ctx.now))

    async def digest_job(self, job: Job) -> list[Action]:
        ctx: Ctx = self.services.context(job.community, job.due_at)
        cfg = ctx.settings.insights
        await self.flush()
        key = f"{DIGEST}:{job.community.key}"
        if not cfg.enabled or not cfg.digest:
            return []
        await self.services.scheduler.schedule(DIGEST, key, job.community,
                                               self.next_digest(ctx, job.due_at))
        text, report = await self.digest(job.community, ctx)
        if not any(report.series.get(day, {}).get(key) for day in report.series
                   for key in ("messages", "joins", "leaves")):
            return []  # a silent week: nothing to tell the team
        channel = ctx.channel(cfg.team_channel)
        # Where the chart can't be attached (a Slack app without files:write, an upload
        # refused), the digest goes out as text and says so.
        plain = Post(job.community, channel, Text.join(
            [text, self.say(ctx, cfg.messages.digest_no_chart)], "\n"))
        return [PostFile(job.community, channel, f"digest-{report.end.isoformat()}.png",
                         chart.draw(report, cfg.min_group), text, if_unsupported=(plain,))]

    async def helpers(self, community: Community, ctx: Ctx, report: Report, limit: int
                      ) -> list[str]:
        """Who helped others most over the report's span: thanks they received, plus what
        features rank members by (questions: answers accepted), members who left set aside."""
        score: dict[str, int] = {}
        for user_id, n in await self.store.most_thanked(
                community, report.start.isoformat(), report.end.isoformat(), limit * 4):
            record = await self.services.members.get(community, user_id)
            if record is not None and record.left_at is None:
                score[record.name] = score.get(record.name, 0) + n
        zone = ctx.settings.community.timezone
        since, until = midnight(report.start, zone), midnight(report.end + timedelta(1), zone)
        for source in self.services.figures:
            if source.leaders is not None:
                for name, n in await source.leaders(community, since, until, limit * 4):
                    score[name] = score.get(name, 0) + n
        return sorted(score, key=lambda name: (-score[name], name))[:limit]

    async def digest(self, community: Community, ctx: Ctx) -> tuple[Text, Report]:
        """The week that ended yesterday, as a calm colleague tells it."""
        cfg = ctx.settings.insights
        m = cfg.messages
        yesterday = ctx.now.astimezone(ctx.settings.community.timezone).date() - timedelta(1)
        report = await self.report(community, ctx, 7, yesterday)
        grew, attention = growth_and_attention(report, cfg.min_group)
        names = await self.helpers(community, ctx, report, cfg.thank_count)
        thanks = (self.say(ctx, m.digest_thanks, names=" and ".join(names)) if names
                  else self.say(ctx, m.digest_no_thanks))
        return self.say(
            ctx, m.digest, community=ctx.settings.community.name,
            grew=grew or self.say(ctx, m.nothing_grew),
            attention=attention or self.say(ctx, m.nothing_needs_attention),
            thanks=thanks, lines="\n".join(lines(report, cfg.min_group, DIGEST_LINES,
                                                  places=3))), report


# Community health's own figures in /insights and the digest; every figure other features
# declare is shown in both as well, whatever its name.
SUMMARY = ("members", "joins", "leaves", "net", "messages", "active", "engagement", "thanks",
           "contest_entry", "contest_vote", "warning", "appeal", "pardon", "funnel_joined",
           "funnel_introduced", "funnel_first_message", "funnel_replied", "funnel_week2",
           "retention")
DIGEST_LINES = ("members", "joins", "leaves", "messages", "active", "engagement", "thanks",
                "warning", "appeal", "pardon", "funnel_joined", "funnel_replied", "retention")


def growth_and_attention(report: Report, min_group: int) -> tuple[str, str]:
    """What grew and what needs a look, in a sentence each (empty when nothing does)."""
    grew, attention = [], []
    for key in ("joins", "messages", "active", "thanks"):
        figure = report.get(key)
        if figure is None or figure.value is None or not figure.before:
            continue
        if figure.people is not None and 0 < figure.people < min_group:
            continue
        change = (float(figure.value) - figure.before) / figure.before
        if change >= 0.1:
            grew.append(f"{figure.label} up {round(change * 100)}%")
        elif change <= -0.2:
            attention.append(f"{figure.label} down {round(-change * 100)}%")
    joined, replied = report.get("funnel_joined"), report.get("funnel_replied")
    if joined and replied and joined.value and joined.value >= min_group \
            and replied.value is not None and replied.value / joined.value < 0.5:
        attention.append(f"only {worded(replied, min_group)} of {worded(joined, min_group)} "
                         "newcomers got a reply or thanks")
    unanswered = report.get("questions_unanswered")
    if unanswered and unanswered.measured and unanswered.value:
        attention.append(f"{worded(unanswered, min_group)} questions still unanswered")
    for figure in report.weather:
        if figure.value is not None and figure.value <= -0.2 and \
                (figure.people or 0) >= min_group:
            attention.append(f"the mood in #{figure.label} reads low")
    return "; ".join(grew) + ("." if grew else ""), "; ".join(attention) + (
        "." if attention else "")
