"""`hearth insights`: the health report as one self-contained HTML file (charts inline as
PNG data, readable offline) and CSV files of every daily counter, for admins who want the raw
numbers. Admin-only output: nothing here is posted, so small counts are shown as they are."""

from __future__ import annotations

import asyncio
import base64
import csv
import html
from datetime import timedelta
from pathlib import Path

from bot.events import Community
from cogs.insights import chart
from cogs.insights.cog import InsightsCog
from cogs.insights.report import Report, change, worded

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
h1 { font-weight: 600; } table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
td, th { border-bottom: 1px solid #ddd; padding: .4rem .6rem; text-align: left;
  vertical-align: top; }
td.n { text-align: right; white-space: nowrap; } .def { color: #555; font-size: .9rem; }
img { max-width: 100%; border: 1px solid #eee; }
"""


async def export(cog: InsightsCog, community: Community, days: int, out: Path) -> list[Path]:
    """Write insights-<community>.html, counters CSV and mood CSV into `out`; their paths."""
    ctx = cog.services.context(community)
    report = await cog.report(community, ctx, days)
    since = (report.end - timedelta(days=days - 1)).isoformat()
    name = community.key.replace(":", "-")
    page = out / f"insights-{name}.html"
    counters = out / f"insights-{name}-daily.csv"
    mood = out / f"insights-{name}-mood.csv"
    rows = await cog.store.all_counts(community, since)
    weather = await cog.store.weather(community, since, report.end.isoformat())
    await asyncio.to_thread(
        _write, out, page, render(report, ctx.settings.community.name, chart.draw(report, 1),
                                  chart.draw_funnel(report)), counters, rows, mood, weather)
    return [page, counters, mood]


def _write(out: Path, page: Path, text: str, counters: Path,
           rows: list[tuple[str, str, str, int]], mood: Path,
           weather: dict[str, dict[str, tuple[float, int]]]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    page.write_text(text, encoding="utf-8")
    with counters.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["day", "figure", "channel", "value"])
        writer.writerows(rows)
    with mood.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["day", "channel", "average", "scored_messages"])
        for channel, per_day in sorted(weather.items()):
            for day, (average, scored) in sorted(per_day.items()):
                writer.writerow([day, channel, f"{average:.3f}", scored])


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img class="chart" alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def render(report: Report, name: str, activity_png: bytes, funnel_png: bytes) -> str:
    """The page: charts, then every figure with its definition."""
    rows = []
    for figure in [*report.figures, *report.channels, *report.weather]:
        label = figure.label if figure in report.figures else f"#{figure.label}"
        rows.append(f"<tr><td>{html.escape(label)}</td>"
                    f"<td class=n>{html.escape(worded(figure, 1))}"
                    f"{html.escape(change(figure, 1))}</td>"
                    f"<td class=def>{html.escape(figure.definition)}</td></tr>")
    title = f"{name}: community health, {report.start:%-d %B %Y} to {report.end:%-d %B %Y}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{STYLE}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Days are calendar days in {html.escape(report.zone.key)}. Bots are left out; no message
text is kept, and mood is only ever an average per channel.</p>
<h2>Activity</h2>{_img(activity_png, "Messages, active members, joins and leaves per day")}
<h2>Newcomers</h2>{_img(funnel_png, "The newcomer funnel")}
<h2>Every figure</h2>
<table><tr><th>Figure</th><th>Value</th><th>How it is counted</th></tr>
{chr(10).join(rows)}
</table></body></html>
"""
