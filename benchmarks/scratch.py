"""A fresh, empty PostgreSQL database for one benchmark run (or one test), made and dropped on
the server it was given (`--database postgresql://...`, HEARTH_TEST_DATABASE_URL)."""

from __future__ import annotations

import random
from urllib.parse import urlsplit, urlunsplit

import asyncpg


async def create_database(server: str, prefix: str = "hearth_bench") -> str:
    """Create a new database on `server`; returns its URL."""
    name = f"{prefix}_{random.randrange(1 << 48):x}"
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


async def drop_database(server: str, url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
