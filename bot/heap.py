"""The process's heap after start-up: set aside from the cycle collector's full passes."""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect once, then freeze what start-up built (modules, settings, cogs, caches): it
    lives as long as the process, and a full collection walking it all again and again was
    the longest pause on a busy server's event loop (tens of milliseconds, growing with the
    heap). Objects made later are collected as usual."""
    gc.collect()
    gc.freeze()
