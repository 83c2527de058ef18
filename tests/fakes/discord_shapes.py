"""Small shapes every part of FakeDiscord answers with: snowflake ids, timestamps and
Discord's error bodies (topics/opcodes-and-status-codes.mdx, "JSON Error Codes")."""

from __future__ import annotations

import datetime as dt
import itertools
import time

DISCORD_EPOCH_MS = 1420070400000
_counter = itertools.count(1)


def snowflake() -> str:
    """A unique, time-ordered snowflake-like id (as Discord sends them: a string)."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return str((ms << 22) | (next(_counter) & ((1 << 22) - 1)))


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _error(code: int, message: str) -> dict:
    return {"message": message, "code": code}


def _invalid(field_name: str, code: str, message: str) -> dict:
    """400 50035 Invalid Form Body, with Discord's nested ``errors`` naming the field."""
    return {"message": "Invalid Form Body", "code": 50035,
            "errors": {field_name: {"_errors": [{"code": code, "message": message}]}}}
