"""`hearth console` as a separate, long-running process: lines written to its stdin while it
runs, its output and logs read back as they come, and signals sent to it.

Waiting is on output, never on time: `sync()` writes a line the console doesn't understand and
waits for its note, and since lines are handled in order, everything before it is done. The
timeouts only stop a broken run from hanging the suite.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from tests.harness import ROOT

# Generous: only a broken run ever waits this long.
PATIENCE = 60.0


class LiveConsole:
    def __init__(self, config: Path, database: Path | str, *flags: str,
                 env: dict[str, str] | None = None) -> None:
        self.args = [*flags, "console", "--config", str(config), "--database", str(database),
                     "--seed", "7", "--start", "2026-11-21T09:00:00+00:00"]
        self.env = env
        self.out: list[str] = []
        self.err: list[str] = []
        self._syncs = 0
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> LiveConsole:
        clean = {k: v for k, v in os.environ.items()
                 if k not in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")}
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *self.args, cwd=ROOT, env={**clean, **(self.env or {})},
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._readers = [asyncio.ensure_future(self._read(self.proc.stdout, self.out)),
                         asyncio.ensure_future(self._read(self.proc.stderr, self.err))]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.proc.returncode is None:
            await self.close()

    async def close(self) -> int:
        """End the input, as Ctrl-D does; returns the exit code."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        code = await asyncio.wait_for(self.proc.wait(), PATIENCE)
        await asyncio.gather(*self._readers)
        return code

    async def _read(self, stream: asyncio.StreamReader, into: list[str]) -> None:
        async for raw in stream:
            into.append(raw.decode("utf-8", "replace").rstrip("\n"))
            async with self._changed:
                self._changed.notify_all()
        async with self._changed:
            self._changed.notify_all()  # the end of the stream wakes waiters too

    async def send(self, *lines: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("".join(f"{line}\n" for line in lines).encode())
        await self.proc.stdin.drain()

    async def wait_for(self, where: list[str], test: Callable[[str], bool],
                       start: int = 0) -> str:
        """The first line at or after `start` in `where` (out or err) passing `test`."""
        async def found() -> str:
            async with self._changed:
                while True:
                    hit = next((line for line in where[start:] if test(line)), None)
                    if hit is not None:
                        return hit
                    if all(reader.done() for reader in self._readers):
                        raise TimeoutError  # the process has ended: nothing more will come
                    await self._changed.wait()
        try:
            return await asyncio.wait_for(found(), PATIENCE)
        except TimeoutError:
            raise AssertionError("never saw the line (or the process ended); output:\n" + "\n".join(
                self.out[-40:]) + "\nlog:\n" + "\n".join(self.err[-40:])) from None

    async def sync(self) -> list[str]:
        """Wait until every line sent so far is handled; returns the output since the last
        sync (without the sync's own lines)."""
        self._syncs += 1
        mark = f"sync-{self._syncs}"
        start = len(self.out)
        await self.send(mark)
        await self.wait_for(self.out, lambda line: line.startswith("[console]") and mark in line)
        lines = self.out[start:]
        return [line for line in lines if not re.search(rf"\b{mark}\b", line)]

    async def port(self) -> int:
        """The status listener's port, from its start-up log line."""
        line = await self.wait_for(self.err, lambda line: "status listener on http://" in line)
        match = re.search(r"127\.0\.0\.1:(\d+)", line)
        assert match, line
        return int(match.group(1))
