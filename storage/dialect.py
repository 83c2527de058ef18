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
    """The database Hearth opens: HEARTH_DATABASE_URL overrides the file's `hearth.database`,
    and a PostgreSQL URL without a password takes PGPASSWORD, so the file never holds one."""
    env = os.environ if environ is None else environ
    return with_password(env.get("HEARTH_DATABASE_URL") or configured, env)


def with_password(target: str, environ: Mapping[str, str] | None = None) -> str:
    """A PostgreSQL URL with PGPASSWORD put in when it names none (anything else unchanged)."""
    env = os.environ if environ is None else environ
    password = env.get("PGPASSWORD")
    if not is_postgresql(target) or not password:
        return target
    parts = urlsplit(target)
    if parts.password is not None or not parts.hostname:
        return target
    user = quote(parts.username or "", safe="")
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))


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
