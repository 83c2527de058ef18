"""`hearth insights`: the HTML report and CSV files from a real database, and the page opened in
a real headless Chromium (Debian's package): it renders, and its charts are there."""

from __future__ import annotations

import asyncio
import base64
import csv
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from tests.harness import Harness, config_from
from tests.test_cli import hearth
from tests.test_insights import PNG, newcomers_cohort, png_size

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def community_with_history(tmp_path: Path) -> tuple[Path, Path]:
    """A month of a small community in a real SQLite file, and a config file naming it."""
    database = tmp_path / "hearth.sqlite3"
    config = tmp_path / "config.toml"
    config.write_text(f'[hearth]\ndatabase = "{database}"\n', encoding="utf-8")

    async def live() -> None:
        h = await Harness(database, config_from(""), 7).start()
        await newcomers_cohort(h)
        await h.close()

    asyncio.run(live())
    return database, config


def test_cli_writes_html_and_csv_of_every_daily_counter(tmp_path: Path) -> None:
    _, config = community_with_history(tmp_path)
    out = tmp_path / "report"
    # The command line reads the real clock; the history is from the harness's fixed dates.
    done = hearth("insights", "--config", str(config), "--since", "400d", "--out", str(out))
    assert done.returncode == 0, done.stderr
    written = done.stdout.split()
    assert [Path(p).name for p in written] == ["insights-console-local.html",
                                               "insights-console-local-daily.csv",
                                               "insights-console-local-mood.csv"]
    page = Path(written[0]).read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 2 and all(base64.b64decode(i)[:8] == PNG for i in images)
    assert "http" not in page.replace("http-equiv", "")  # readable offline: nothing fetched
    assert "posted again in their second week" in page
    with open(written[1], newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    joins = sum(int(r["value"]) for r in rows if r["figure"] == "joins")
    assert joins == 11  # vera and the ten newcomers
    assert {r["figure"] for r in rows} >= {"messages", "active", "joins", "thanks",
                                           "channel_messages", "channel_posters"}


def test_cli_refuses_an_unknown_community_and_a_bad_span(tmp_path: Path) -> None:
    _, config = community_with_history(tmp_path)
    out = tmp_path / "report"
    unknown = hearth("insights", "--config", str(config), "--community", "discord:9",
                     "--out", str(out))
    assert unknown.returncode == 2
    assert "knows no community 'discord:9' (known: console:local)" in unknown.stderr
    bad = hearth("insights", "--config", str(config), "--since", "soon", "--out", str(out))
    assert bad.returncode == 2
    assert "--since takes a number of days like 90d" in bad.stderr
    assert not out.exists()


def browser() -> str | None:
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def not_blank(png: bytes) -> bool:
    """More than one colour among the decoded pixels (a blank page is all white)."""
    assert png[:8] == PNG
    pos, data, header = 8, b"", b""
    while pos < len(png):
        length = struct.unpack(">I", png[pos:pos + 4])[0]
        kind = png[pos + 4:pos + 8]
        chunk = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            data += chunk
        pos += 12 + length
    width, _, depth, colour = struct.unpack(">IIBB", header[:10])
    raw = zlib.decompress(data)
    channels = {2: 3, 6: 4, 0: 1, 4: 2}[colour] * depth // 8
    stride = width * channels + 1
    rows = [raw[i + 1:i + stride] for i in range(0, len(raw), stride)]
    pixels = {row[j:j + channels] for row in rows[::7] for j in range(0, len(row), channels * 7)}
    return len(pixels) > 1


def test_the_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    found = browser()
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no Chromium found: .ci/run installs Debian's chromium for this test")
        pytest.skip("no Chromium here (apt-get install chromium)")
    _, config = community_with_history(tmp_path)
    out = tmp_path / "report"
    assert hearth("insights", "--config", str(config), "--out", str(out)).returncode == 0
    page = out / "insights-console-local.html"
    shot = tmp_path / "report.png"
    flags = [found, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"]
    subprocess.run([*flags, f"--screenshot={shot}", "--window-size=1200,1600",
                    page.as_uri()], check=True, capture_output=True, timeout=120)
    png = shot.read_bytes()
    assert png_size(png) == (1200, 1600)
    assert not_blank(png)
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], check=True,
                         capture_output=True, timeout=120, text=True).stdout
    charts = re.findall(r'<img class="chart" alt="([^"]+)" src="data:image/png;base64,', dom)
    assert charts == ["Messages, active members, joins and leaves per day",
                      "The newcomer funnel"]
    print("screenshot written to", shot)
