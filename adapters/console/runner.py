"""Running a console session: interactively, or a script from a file or piped stdin."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from adapters.console.session import HELP, ConsoleSession
from bot.runtime import Runtime
from bot.scheduler import Scheduler

BANNER = ("Hearth console: a whole community in your terminal. Time stands still until you "
          f":wait.\n{HELP}\n")


def _read_lines(source: TextIO, loop: asyncio.AbstractEventLoop,
                lines: asyncio.Queue[str | None]) -> None:
    # A daemon thread, so a signal can end the session while a read is still blocked.
    for line in iter(source.readline, ""):
        loop.call_soon_threadsafe(lines.put_nowait, line)
    loop.call_soon_threadsafe(lines.put_nowait, None)


def _prompt_line(prompt: str, loop: asyncio.AbstractEventLoop,
                 lines: asyncio.Queue[str | None]) -> None:
    """One line typed at the prompt, with line editing and history (readline): input() uses
    it once it is imported. Ctrl-D (end of input) comes back as None."""
    try:
        line: str | None = input(prompt) + "\n"
    except EOFError:
        line = None
    loop.call_soon_threadsafe(lines.put_nowait, line)


async def run_console(runtime: Runtime, scheduler: Scheduler, source: TextIO, *,
                      interactive: bool, echo: bool,
                      write: Callable[[str], None] | None = None,
                      stop: asyncio.Event | None = None, files: Path | None = None) -> None:
    """Feed lines to a console session until the input ends or `stop` is set; files sent to
    members are written under `files`."""
    out = write or (lambda line: print(line, flush=True))
    session = ConsoleSession(runtime, scheduler, out, files=files)
    runtime.add_sink("console", session)
    await runtime.start()
    if interactive:
        out(BANNER)
        with contextlib.suppress(ImportError):  # not on every platform; plain input() then
            import readline  # noqa: F401
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    if not interactive:
        threading.Thread(target=_read_lines, args=(source, loop, lines),
                         daemon=True, name="console-input").start()
    stopping = asyncio.ensure_future((stop or asyncio.Event()).wait())
    try:
        while True:
            if interactive:
                # One read at a time, so the prompt shows the channel the last line chose.
                threading.Thread(target=_prompt_line, daemon=True, name="console-input",
                                 args=(f"[#{session.state.channel}] > ", loop, lines)).start()
            next_line = asyncio.ensure_future(lines.get())
            await asyncio.wait({next_line, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not next_line.done():
                next_line.cancel()
                return
            line = next_line.result()
            if line is None:
                if interactive:
                    sys.stdout.write("\n")  # Ctrl-D: the shell's prompt starts on a new line
                    sys.stdout.flush()
                return
            if echo and line.strip() and not line.startswith("#!"):
                out(f"> {line.rstrip()}")
            await session.feed(line)
    finally:
        stopping.cancel()
