"""The interactive console, driven through a real terminal (a pty): line editing and history,
:help, names with any letters, and Ctrl-D leaving the shell's prompt on a new line."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
UP = "\x1b[A"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a pty")


class Terminal:
    def __init__(self, database: Path) -> None:
        self.fd, child = pty.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "--log-level", "WARNING", "console",
             "--config", str(ROOT / "config.example.toml"), "--database", str(database),
             "--seed", "7", "--start", "2026-11-21T09:00:00+00:00"],
            stdin=child, stdout=child, stderr=subprocess.PIPE, cwd=ROOT, close_fds=True)
        os.close(child)
        self.seen = b""

    def until(self, text: str, count: int = 1, timeout: float = 60) -> str:
        """Read what the console prints until `text` has appeared `count` times."""
        deadline = time.monotonic() + timeout
        while self.seen.decode(errors="replace").count(text) < count:
            left = deadline - time.monotonic()
            assert left > 0, f"waited for {text!r}; got:\n{self.seen.decode(errors='replace')}"
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    self.seen += os.read(self.fd, 4096)
                except OSError:  # the console exited
                    break
        return self.seen.decode(errors="replace")

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def close(self) -> str:
        self.proc.wait(timeout=60)
        while True:
            ready, _, _ = select.select([self.fd], [], [], 0)
            if not ready:
                break
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            self.seen += chunk
        os.close(self.fd)
        return self.seen.decode(errors="replace")


def test_interactive_console(tmp_path: Path) -> None:
    term = Terminal(tmp_path / "hearth.sqlite3")
    term.until("[#general] > ")
    term.type("+émile\r")
    term.until("Hi émile, welcome")
    term.type(":help\r")
    term.until("this list")
    # The up arrow brings back the last line (readline history): :help runs again.
    term.type(UP + "\r")
    term.until("this list", count=2)
    term.until("[#general] > ", count=4)
    term.type("\x04")  # Ctrl-D
    seen = term.close()
    assert term.proc.returncode == 0, term.proc.stderr.read() if term.proc.stderr else ""
    assert "I didn't understand" not in seen
    # Ctrl-D ends the session with a new line, so the shell's prompt starts on its own line.
    assert seen.rstrip(" ").endswith("[#general] > \r\n")
