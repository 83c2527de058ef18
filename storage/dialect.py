"""Which database a target names, how to write its URL in a log, and the few SQL spellings that
differ between SQLite and PostgreSQL.

Stores write one SQL text with `?` placeholders for both backends; PostgreSQL's driver wants
`$1, $2, ...`, so `to_numbered` rewrites them once per statement (and caches the result).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from urllib.parse import quote, urlsplit, urlunsplit

from bot.logs import url_without_password

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
_SCHEMES = ("postgresql://", "postgres://")


def is_postgresql(target: object) -> bool:
    return isinstance(target, str) and target.lower().startswith(_SCHEMES)


def sqlite_path(target: str) -> str:
    """A SQLite target as a path: `sqlite:PATH` or a bare path."""
    return target.removeprefix("sqlite://").removeprefix("sqlite:")


def database_target(configured: str, environ: Mapping[str, str] | None = None) -> str:
    """The database Hearth opens: HEARTH_DATABASE_URL overrides the file's `hearth.database`.

    A PostgreSQL URL without a password takes PGPASSWORD (asyncpg reads it too, but putting it
    in the URL keeps the one source of truth here); the file never needs to hold a secret.
    """
    env = os.environ if environ is None else environ
    target = env.get("HEARTH_DATABASE_URL") or configured
    if not is_postgresql(target):
        return target
    password = env.get("PGPASSWORD")
    parts = urlsplit(target)
    if password and parts.password is None and parts.hostname:
        user = quote(parts.username or "", safe="")
        host = parts.netloc.rsplit("@", 1)[-1]
        target = urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))
    return target


def display(target: str) -> str:
    """How a database target is named in logs and errors: never with its password."""
    return url_without_password(target)


@lru_cache(maxsize=2048)
def to_numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$n`, leaving quoted text and identifiers alone."""
    out: list[str] = []
    number = 0
    quote_char = ""
    for ch in sql:
        if quote_char:
            if ch == quote_char:
                quote_char = ""
        elif ch in "'\"":
            quote_char = ch
        elif ch == "?":
            number += 1
            out.append(f"${number}")
            continue
        out.append(ch)
    return "".join(out)
