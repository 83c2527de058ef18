"""The health report: figures for a span of days, each with its definition and the span
before it, worded the way a person says them. Shared by /insights, the digest and the CLI."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.events import Community
from cogs.insights.store import InsightsStore

# Counters summed over a span: key -> (label, definition).
SUMMED = {
    "joins": ("joined", "Members who joined (bots left out)."),
    "leaves": ("left", "Members who left or were removed (bots left out)."),
    "messages": ("messages", "Messages posted by members, bots left out; edits and "
                             "Hearth's own posts don't count. No text is kept."),
    "thanks": ("thanks given", "Thanks recorded by reputation: /thanks, a thank-you "
                               "reaction, or thanks written to a member by name."),
    "contest_entry": ("contest entries", "Entries submitted to contests."),
    "contest_vote": ("contest votes", "First votes cast in contests (a changed vote counts "
                                      "once)."),
    "warning": ("warnings", "Warnings moderators gave (no names are shown)."),
    "appeal": ("appeals", "Appeals members sent against a warning."),
    "pardon": ("pardons", "Warnings moderators pardoned."),
}
# Features whose figures the report expects (the "support and listening"): while one
# declares none, the report says "not measured yet" for it rather than showing 0.
LISTENING = {
    "questions": ("questions", "Time to first answer, deflection and unanswered questions."),
    "feedback": ("feedback", "Feedback received and reviewed in time."),
    "inbox": ("team inbox", "Reply times to messages sent to the team."),
}
# Friendlier labels for figures known by name; any other declared figure is shown by its name.
LABELS = {
    "questions_median_first_answer_seconds": "time to first answer",
    "questions_deflected": "questions answered by the community",
    "questions_unanswered": "questions still unanswered",
    "feedback_received": "feedback received",
    "feedback_reviewed_in_time": "feedback reviewed in time",
    "feedback_median_first_review_seconds": "time to first review",
}
# Who posted is kept five weeks; longer spans use the average day instead.
DISTINCT_DAYS = 28


@dataclass(frozen=True, slots=True)
class Figure:
    key: str
    label: str
    value: float | None
    definition: str
    before: float | None = None
    kind: str = "count"  # count, number, percent, duration, score
    # How many members the figure is drawn from (None: not about members); under min_group
    # it is hidden wherever members might see it.
    people: float | None = None
    # False for a figure whose feature isn't there yet: "not measured yet", never 0.
    measured: bool = True
    # "listening" for figures other features declare (shown wherever the report is).
    group: str = ""


@dataclass(slots=True)
class Report:
    community: Community
    start: date
    end: date
    days: int
    zone: ZoneInfo
    figures: list[Figure] = field(default_factory=list)
    channels: list[Figure] = field(default_factory=list)
    weather: list[Figure] = field(default_factory=list)
    thanked: list[tuple[str, int]] = field(default_factory=list)
    # day -> {figure: n} for the chart and the CSV
    series: dict[str, dict[str, int]] = field(default_factory=dict)

    def get(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)


def span(end: date, days: int) -> tuple[str, str]:
    return (end - timedelta(days=days - 1)).isoformat(), end.isoformat()


def midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


Declared = Callable[[Community, datetime, datetime], Awaitable[dict[str, float | None]]]


def declared_figure(name: str, value: float | None, definition: str | None) -> Figure:
    """A figure another feature declares, shown by convention from its name: `..._seconds` is
    a duration, `..._share` or `..._rate` a percentage, anything else a count (or a plain
    number when it has a fraction). The feature is the name's first word."""
    kind = "duration" if name.endswith("_seconds") else \
        "percent" if name.endswith(("_share", "_rate")) else \
        "count" if value is None or float(value).is_integer() else "number"
    label = LABELS.get(name) or name.removesuffix("_seconds").replace("_", " ")
    source = name.split("_", 1)[0]
    return Figure(name, label, value,
                  f"{definition or 'As the feature declares it.'} (From {source}.)",
                  kind=kind, group="listening")


async def build(store: InsightsStore, community: Community, zone: ZoneInfo, end: date,
                days: int, now: datetime, declared: Declared,
                declared_names: Mapping[str, str | None]) -> Report:
    """Every figure for the `days` ending with `end` (inclusive), beside the span before."""
    report = Report(community, end - timedelta(days=days - 1), end, days, zone)
    since, until = span(end, days)
    before_since, before_until = span(end - timedelta(days=days), days)
    daily = await store.daily(community, before_since, until)
    report.series = {d: v for d, v in sorted(daily.items()) if d >= since}

    def total(key: str, lo: str, hi: str) -> int:
        return sum(v.get(key, 0) for d, v in daily.items() if lo <= d <= hi)

    add = report.figures.append
    members = await store.members(community)
    add(Figure("members", "members", members, "Members here now, bots left out.",
               people=members))
    for key, (label, definition) in SUMMED.items():
        now_n, then_n = total(key, since, until), total(key, before_since, before_until)
        people = now_n if key in ("joins", "leaves") else None
        add(Figure(key, label, now_n, definition, then_n, people=people))
    joins, leaves = total("joins", since, until), total("leaves", since, until)
    add(Figure("net", "net members", joins - leaves, "Joined minus left.",
               total("joins", before_since, before_until)
               - total("leaves", before_since, before_until), people=joins + leaves))
    if days <= DISTINCT_DAYS:
        active = await store.distinct_active(community, since, until)
        active_before = await store.distinct_active(community, before_since, before_until)
        add(Figure("active", "active members", active,
                   "Members who posted at least once in the span, each counted once.",
                   active_before, people=active))
    else:
        per_day = [v.get("active", 0) for d, v in daily.items() if since <= d <= until]
        before = [v.get("active", 0) for d, v in daily.items()
                  if before_since <= d <= before_until]
        active = round(sum(per_day) / days)
        add(Figure("active", "active members on an average day", active,
                   "Members who posted that day, averaged over the span's days.",
                   round(sum(before) / days), people=active))
    messages = report.get("messages")
    if messages is not None:
        report.figures[report.figures.index(messages)] = Figure(
            messages.key, messages.label, messages.value, messages.definition, messages.before,
            people=active)
    # Members who have left since are set aside, so the rate can't pass 100%.
    week = span(end, 7)
    last_week = (active if days == 7 else await store.distinct_active(community, *week)) - \
        await store.active_since_left(community, *week, midnight(end - timedelta(days=6), zone))
    add(Figure("engagement", "engagement rate", last_week / members if members else None,
               "Members here now who posted in the last 7 days, divided by members here now.",
               kind="percent", people=last_week))
    cohort = await store.cohort(community, midnight(report.start, zone),
                                midnight(end + timedelta(days=1), zone),
                                now - timedelta(days=14))
    funnel = (("funnel_joined", "newcomers", cohort.joined,
               "Members who joined in the span (the funnel's first step)."),
              ("funnel_introduced", "introduced themselves", cohort.introduced,
               "Of those newcomers, how many introduced themselves."),
              ("funnel_first_message", "posted a first message", cohort.first_message,
               "Of those newcomers, how many posted at least once in their first two weeks."),
              ("funnel_replied", "got a reply or thanks", cohort.replied,
               "Of those newcomers, how many had someone else post in the same channel within "
               "the reply window after their first message, or were thanked, in their first "
               "two weeks."))
    for key, label, n, definition in funnel:
        add(Figure(key, label, n, definition, people=n))
    add(Figure("funnel_week2", "active in week 2", cohort.week2,
               "Of those newcomers whose second week has ended, how many posted in it.",
               people=cohort.week2))
    # Retention needs a finished second week: the newcomers of the span two weeks earlier.
    earlier = await store.cohort(community, midnight(report.start, zone) - timedelta(days=14),
                                 midnight(end + timedelta(days=1), zone) - timedelta(days=14),
                                 now - timedelta(days=14))
    add(Figure("retention", "week-1 retention",
               earlier.week2 / earlier.week2_due if earlier.week2_due else None,
               "Newcomers who joined in the span two weeks earlier and posted again in their "
               "second week (days 8 to 14 after joining), out of those whose second week has "
               "ended.", kind="percent", people=earlier.week2_due))
    found = await declared(community, midnight(report.start, zone),
                           midnight(end + timedelta(days=1), zone))
    for name, meaning in declared_names.items():
        add(declared_figure(name, found.get(name), meaning))
    sources = {name.split("_", 1)[0] for name in declared_names}
    for source, (label, what) in LISTENING.items():
        if source not in sources:
            add(Figure(source, f"{label} figures", None, f"{what} (From {label}.)",
                       group="listening", measured=False))
    channels = await store.per_channel(community, since, until)
    busiest = sorted(channels.items(), key=lambda kv: -kv[1].get("channel_messages", 0))[:5]
    for channel, values in busiest:
        report.channels.append(Figure(
            channel, channel, values.get("channel_messages", 0),
            "Messages in the channel; its members count is the busiest day's posters.",
            people=values.get("channel_posters", 0)))
    weather = await store.weather(community, since, until)
    for channel, moods in sorted(weather.items()):
        scored = sum(n for _, n in moods.values())
        mean = sum(a * n for a, n in moods.values()) / scored if scored else None
        report.weather.append(Figure(
            channel, channel, mean,
            "Average mood of a sample of the channel's messages, -1 (gloomy) to 1 (sunny); "
            "never per member.", kind="score",
            people=channels.get(channel, {}).get("channel_posters", 0)))
    return report


def worded(figure: Figure, min_group: int) -> str:
    """The figure as a person says it; hidden as "fewer than N" when drawn from fewer than
    `min_group` members."""
    if not figure.measured:
        return "not measured yet"
    value = figure.value
    if value is None:
        return "nothing to measure yet"
    if figure.people is not None and 0 < figure.people < min_group:
        return f"fewer than {min_group}" if figure.kind == "count" else \
            f"hidden (fewer than {min_group} members)"
    if figure.kind == "percent":
        return f"{value:.0%}"
    if figure.kind == "duration":
        return _duration(value)
    if figure.kind == "score":
        return f"{value:+.2f}"
    if figure.kind == "number":
        return f"{value:,.2f}"
    return f"{int(value):,}"


def change(figure: Figure, min_group: int) -> str:
    """", up 12% on the week before" or similar; empty when it can't be said honestly."""
    if figure.before is None or figure.value is None or figure.kind != "count":
        return ""
    if figure.people is not None and 0 < figure.people < min_group:
        return ""
    now, then = float(figure.value), float(figure.before)
    if then == now:
        return ", the same as before"
    if then <= 0:
        return f", up from {int(then):,}" if now > then else ""
    pct = round((now - then) / then * 100)
    if pct == 0:
        return ", about the same as before"
    return f", {'up' if pct > 0 else 'down'} {abs(pct)}% on the span before"


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 60:
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    hours = round(seconds / 3600, 1)
    if hours < 48:
        return f"{hours:g} hours" if hours != 1 else "1 hour"
    return f"{round(seconds / 86400):,} days"


def lines(report: Report, min_group: int, keys: tuple[str, ...] | None = None,
          places: int | None = None) -> list[str]:
    """One line per figure: '- messages: 1,204, up 8% on the span before'; `places` keeps
    only the busiest channels and the lowest moods."""
    out = []
    for figure in report.figures:
        if keys is not None and figure.key not in keys and figure.group != "listening":
            continue
        out.append(f"- {figure.label}: {worded(figure, min_group)}"
                   f"{change(figure, min_group)}")
    for figure in report.channels[:places]:
        out.append(f"- #{figure.label}: {worded(figure, min_group)} messages")
    moods = sorted(report.weather, key=lambda f: f.value if f.value is not None else 0)
    for figure in moods[:places]:
        out.append(f"- mood in #{figure.label}: {worded(figure, min_group)}")
    return out


def definitions(report: Report) -> list[str]:
    seen = []
    for figure in report.figures:
        seen.append(f"- {figure.label}: {figure.definition}")
    if report.channels:
        seen.append(f"- channels: {report.channels[0].definition}")
    if report.weather:
        seen.append(f"- mood: {report.weather[0].definition}")
    seen.append(f"- Days are calendar days in {report.zone.key}.")
    return seen
