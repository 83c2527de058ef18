"""The report's chart as a PNG: messages and active members per day above, joins and leaves
below. matplotlib with the Agg backend (no display), imported only when a chart is drawn."""

from __future__ import annotations

import io
from datetime import date

from cogs.insights.report import Report

# 800 x 500 pixels: legible in a Discord or Slack preview, small as a file.
WIDTH_IN, HEIGHT_IN, DPI = 8.0, 5.0, 100
SIZE = (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))


def draw(report: Report, min_group: int) -> bytes:
    """The chart for a report. Daily active members and joins under `min_group` are drawn as
    0, so the picture can't show what the text hides."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    days = [report.start.fromordinal(report.start.toordinal() + i) for i in range(report.days)]
    keys = [d.isoformat() for d in days]

    def series(name: str, hide_small: bool) -> list[int]:
        out = []
        for k in keys:
            n = report.series.get(k, {}).get(name, 0)
            out.append(0 if hide_small and 0 < n < min_group else n)
        return out

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2, 1))
    top.plot(days, series("messages", False), color="#c0562b", label="messages")
    top.set_ylabel("messages")
    active = top.twinx()
    active.plot(days, series("active", True), color="#3a6ea5", label="active members")
    active.set_ylabel("active members")
    top.set_title(f"{_day(report.start)} to {_day(report.end)}")
    top.legend(loc="upper left", frameon=False)
    active.legend(loc="upper right", frameon=False)
    bottom.bar(days, series("joins", True), color="#5a9e6f", label="joined")
    bottom.bar(days, [-n for n in series("leaves", True)], color="#a0a0a0", label="left")
    bottom.axhline(0, color="#555555", linewidth=0.8)
    bottom.legend(loc="upper left", frameon=False)
    fig.autofmt_xdate()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def draw_funnel(report: Report) -> bytes:
    """The newcomer funnel as horizontal bars, for the admins' HTML report."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    steps = [f for f in report.figures if f.key.startswith("funnel_")]
    fig = Figure(figsize=(WIDTH_IN, 3.0), dpi=DPI)
    axes = fig.subplots()
    labels = [f.label for f in steps][::-1]
    values = [float(f.value or 0) for f in steps][::-1]
    axes.barh(labels, values, color="#5a9e6f")
    for y, value in enumerate(values):
        axes.text(value, y, f" {int(value):,}", va="center")
    axes.set_title("Newcomers who joined in the span")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _day(d: date) -> str:
    return f"{d.day} {d.strftime('%B %Y')}"
