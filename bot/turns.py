"""One at a time per key, in the order they came: what one member writes to Hearth privately
(the adapters key by DM channel), and what happens in one channel or thread of a community (the
runtime keys its message events so), is handled each to the end before the next, so the second
message of a conversation finds what the first one stored.

The runtime takes a turn for every message event (~150k a second in benchmarks/activity.py),
nearly always on a key nobody holds, so that case is a dict lookup and a store: no lock, future
or context manager is made until a second event on the same key has to wait."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager


class Turns:
    """Per-key FIFO turns, kept only while someone holds or waits for one."""

    def __init__(self) -> None:
        # Held keys -> who waits next (None until someone has to wait).
        self._held: dict[Hashable, deque[asyncio.Future[None]] | None] = {}

    def take(self, key: Hashable) -> asyncio.Future[None] | None:
        """Take `key`'s turn now (None), or queue for it: pass what this returns to `wait`.
        Either way `give_back(key)` once done."""
        held = self._held
        if key not in held:
            held[key] = None
            return None
        queue = held[key]
        if queue is None:
            queue = held[key] = deque()
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.append(waiter)
        return waiter

    async def wait(self, key: Hashable, waiter: asyncio.Future[None]) -> None:
        """Until the turn queued for is handed over; cancelled, it is handed on (or left)."""
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.give_back(key)  # handed over just as this was cancelled: pass it on
            raise

    def give_back(self, key: Hashable) -> None:
        """End the turn: the next in line for `key` has it, or nobody holds it any more."""
        queue = self._held.pop(key)
        while queue:
            waiter = queue.popleft()
            if not waiter.done():  # one cancelled while waiting is passed over
                self._held[key] = queue
                waiter.set_result(None)
                return

    @asynccontextmanager
    async def turn(self, key: Hashable) -> AsyncIterator[None]:
        waiter = self.take(key)
        if waiter is not None:
            await self.wait(key, waiter)
        try:
            yield
        finally:
            self.give_back(key)
