"""A fresh, empty PostgreSQL database for one benchmark run, made and dropped on the server the
benchmark was given (`--database postgresql://...`)."""

from __future__ import annotations

import random
from urllib.parse import urlsplit, urlunsplit

import asyncpg


async def create_database(server: str) -> str:
    """Create a new database on `server`; returns its URL."""
    name = f"hearth_bench_{random.randrange(1 << 40):x}"
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
