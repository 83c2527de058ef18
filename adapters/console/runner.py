"""Running a console session: interactively, or a script from a file or piped stdin."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from adapters.console.session import ConsoleSession
from bot.runtime import Runtime
from bot.scheduler import Scheduler

BANNER = """\
Hearth console: a whole community in your terminal. Time stands still until you :wait.
  +alice          alice joins                 -alice        alice leaves
  alice> hello    alice says hello here       #general      switch channel
  alice> /help    alice runs a command        :wait 3d      let three days pass
  alice> :react bob ⭐   react to bob's last message here
  :mod alice      alice becomes a moderator   Ctrl-D        quit
"""


async def run_console(runtime: Runtime, scheduler: Scheduler, source: TextIO, *,
                      interactive: bool, echo: bool,
                      write: Callable[[str], None] | None = None) -> None:
    """Feed lines to a console session until the input ends."""
    out = write or (lambda line: print(line, flush=True))
    session = ConsoleSession(runtime, scheduler, out, runtime.config.hearth.name)
    runtime.add_sink("console", session)
    await runtime.start()
    if interactive:
        out(BANNER)
    loop = asyncio.get_running_loop()
    while True:
        if interactive:
            sys.stdout.write(f"[#{session.state.channel}] > ")
            sys.stdout.flush()
        line = await loop.run_in_executor(None, source.readline)
        if not line:
            break
        if echo and line.strip() and not line.startswith("#!"):
            out(f"> {line.rstrip()}")
        await session.feed(line)
