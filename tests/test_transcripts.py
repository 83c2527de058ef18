"""Console transcripts: each `transcripts/NAME.script` is run through `hearth console --script`
in a fresh process and database, and its output must equal `NAME.expected`.

A `NAME.toml` beside a script is used as its config (else config.example.toml). After a
deliberate change of wording, regenerate with UPDATE_TRANSCRIPTS=1 and review the diff.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "transcripts"
ROOT = HERE.parent.parent
SCRIPTS = sorted(HERE.glob("*.script"))


def run_script(script: Path, database: Path) -> subprocess.CompletedProcess[str]:
    config = script.with_suffix(".toml")
    return subprocess.run(
        [sys.executable, "-m", "bot", "--log-level", "WARNING", "console",
         "--config", str(config if config.exists() else ROOT / "config.example.toml"),
         "--script", str(script), "--database", str(database),
         "--seed", "7", "--start", "2026-11-21T09:00:00+00:00"],
        capture_output=True, text=True, cwd=ROOT, timeout=60, check=False,
    )


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_transcript(script: Path, tmp_path: Path) -> None:
    result = run_script(script, tmp_path / "hearth.sqlite3")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    # Files Hearth sends land beside the test's database; their size depends on the fonts a
    # chart is drawn with. Neither is the transcript's business.
    shown = re.sub(r"\(\d[\d,]* bytes\)", "(N bytes)",
                   result.stdout.replace(str(tmp_path), "<tmp>"))
    expected_file = script.with_suffix(".expected")
    if os.environ.get("UPDATE_TRANSCRIPTS"):
        expected_file.write_text(shown, encoding="utf-8")
    assert shown == expected_file.read_text(encoding="utf-8")
