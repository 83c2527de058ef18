"""One at a time per key: what one member writes to Hearth privately is handled in the order it
was sent, each message to the end (its posts recorded) before the next, so the second message
of a conversation finds the thread the first one opened."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Turns:
    """Per-key locks, kept only while someone holds or waits for one (weakly referenced)."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = \
            weakref.WeakValueDictionary()

    @asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            yield
