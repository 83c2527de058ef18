"""`hearth migrate-db`: copy a whole Hearth database (every community's history) from SQLite
into an empty PostgreSQL database, then prove it arrived by comparing every table's row count.

Both sides are first migrated to this Hearth's newest schema (the source in place, as any start
would), so the tables match column for column. Rows go over with COPY, in the order the tables
were created, so a table's parents arrive before it. Triggers on the target are paused while a
table is loaded: the copied rows already hold what they would compute (the points histogram).
"""

from __future__ import annotations

from collections.abc import Sequence

from storage.database import Database, Schema
from storage.dialect import display, is_postgresql, sqlite_path
from storage.store import open_database

_BATCH = 50_000


class TransferError(Exception):
    """The copy can't start or didn't arrive whole; the message says which and why."""


async def copy_database(source: str, target: str, schemas: Sequence[Schema]
                        ) -> list[tuple[str, int]]:
    """Copy every table; returns (table, rows) for each, all verified equal on both sides."""
    if is_postgresql(source) or not is_postgresql(target):
        raise TransferError("migrate-db copies from SQLite (--from sqlite:PATH) to PostgreSQL "
                            "(--to postgresql://...).")
    src = await open_database(sqlite_path(source), schemas=schemas)
    try:
        dst = await open_database(target, schemas=schemas)
        try:
            tables = await _tables(src)
            busy = [t for t in tables if await dst.scalar(f'SELECT COUNT(*) FROM "{t}"')]
            if busy:
                raise TransferError(f"{display(target)} already holds rows (in "
                                    f"{', '.join(busy[:3])}); migrate-db only fills an empty "
                                    "database, so nothing is overwritten.")
            for table in tables:
                await _copy(src, dst, table)
            await dst.analyze()  # type: ignore[attr-defined]  # planned for what it now holds
            counts = []
            for table in tables:
                there = await src.scalar(f'SELECT COUNT(*) FROM "{table}"')
                here = await dst.scalar(f'SELECT COUNT(*) FROM "{table}"')
                if there != here:
                    raise TransferError(f"{table}: {there} rows in the source but {here} in "
                                        "the target; the copy is incomplete")
                counts.append((table, int(here)))
            return counts
        finally:
            await dst.close()
    finally:
        await src.close()


async def _tables(src: Database) -> list[str]:
    rows = await src.fetchall(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        " AND name<>'schema_migrations' ORDER BY rowid")
    return [r[0] for r in rows]


async def _copy(src: Database, dst: Database, table: str) -> None:
    info = await src.fetchall(f'PRAGMA table_info("{table}")')
    columns = [r[1] for r in info]
    # Paged in primary-key order (some tables have no rowid), so no row is read twice.
    key = [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5]] or ["rowid"]
    select = f'SELECT {", ".join(columns)} FROM "{table}" ORDER BY {", ".join(key)}'
    await dst.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
    try:
        offset = 0
        while True:
            rows = await src.fetchall(f"{select} LIMIT {_BATCH} OFFSET {offset}")
            if not rows:
                break
            await dst.copy_rows(table, columns, [tuple(r) for r in rows])  # type: ignore[attr-defined]
            offset += len(rows)
    finally:
        await dst.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
    if "id" in columns:
        # Identity columns continue after the copied ids.
        await dst.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                          f' COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)')
