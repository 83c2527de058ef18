"""Config for community health: `[insights]` in the TOML."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bot.settings import ChannelKey, Duration, Section, default, message

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class InsightsMessages(Section):
    """What community health says. Figures arrive already worded ("412 messages, up 12%")."""

    summary: message("period", "lines", "definitions") = default(
        "Here's how the community looks over the last {period}:\n{lines}\n"
        "How each figure is counted:\n{definitions}")
    chart: message("period") = default("The last {period} as a chart.")
    no_chart: message("period") = default(
        "I couldn't attach the chart here, so the figures above are the whole picture for the "
        "last {period}.")
    digest: message("grew", "attention", "thanks", "lines", "community") = default(
        "Hello, team. Here's {community}'s week.\n"
        "What grew: {grew}\n"
        "What needs a look: {attention}\n"
        "{thanks}\n"
        "The numbers:\n{lines}")
    digest_no_chart: message() = default(
        "(The week's chart couldn't be attached here; /insights shows the same figures.)")
    digest_thanks: message("names") = default(
        "A word of thanks to {names}, who helped others most this week.")
    digest_no_thanks: message() = default(
        "Nobody was thanked this week; a kind word from the team might start it off.")
    nothing_grew: message() = default("a steady week, nothing much changed.")
    nothing_needs_attention: message() = default("nothing stands out. Enjoy the week.")
    dip: message("where", "before", "today") = default(
        "A gentle heads-up: the mood in {where} reads lower today than on recent days "
        "({today} against {before}). It may be nothing; it could be worth a look.")


class InsightsSettings(Section):
    """Community health: daily counters, sentiment as weather per channel, /insights for
    moderators and a weekly digest to the team. No message text is kept, and sentiment is
    never stored or shown per member."""

    enabled: bool = True
    """Count at all. Off, nothing is counted and /insights says so."""
    min_group: int = Field(default=5, ge=1)
    """A figure drawn from fewer members than this is shown as "fewer than N" in anything
    posted (the digest, /insights), so no one can be picked out."""
    flush_every: Duration = default("5s")
    """How often counters held in memory are written (the same beat as reputation's activity
    points). After a crash, at most this much counting is lost; a clean stop writes all."""
    reply_window: Duration = default("1h")
    """A newcomer's first message "got a reply" when someone else posts in the same channel
    within this time (or someone thanks them within their first two weeks)."""
    sentiment: bool = True
    """Read the mood per channel and day (VADER, offline, tuned for chat)."""
    sentiment_every: Duration = default("10s")
    """Score at most one message per channel in this time: the weather is an average, and a
    sample keeps the analyser off most of the message path however busy a channel is.
    """
    dip_drop: float = Field(default=0.3, gt=0, le=2)
    """How far a channel's day must fall below its previous seven days' average (on the
    -1..1 scale) to be raised to the team, once per channel and day."""
    dip_min_scored: int = Field(default=10, ge=1)
    """Scored messages needed, today and in the days before, before a dip is raised."""
    team_channel: ChannelKey = "mod_log"
    """Where the weekly digest and mood heads-ups are posted (a channel key)."""
    digest: bool = True
    """Post the weekly digest."""
    digest_day: Weekday = "monday"
    """The day the digest is posted, in the community's time zone."""
    digest_time: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    """The time (24-hour HH:MM, community time zone) the digest is posted."""
    thank_count: int = Field(default=2, ge=0, le=5)
    """How many members the digest thanks by name for helping (most thanks received)."""
    messages: InsightsMessages = Field(default_factory=InsightsMessages)
