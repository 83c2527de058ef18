"""The unit of work on each backend: what each part of a unit wrote commits with the unit, and a
part that fails has only its own writes undone, whether it wrote first, last, nested, or not at
all (a part's savepoint is issued only before its first write)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.database import Database
from storage.store import open_database


class Broke(Exception):
    pass


@pytest.fixture
async def db(database: str) -> AsyncIterator[Database]:
    opened = await open_database(database)
    await opened.execute("CREATE TABLE parts (name TEXT PRIMARY KEY)")
    yield opened
    await opened.close()


async def names(db: Database) -> list[str]:
    return sorted(r[0] for r in await db.fetchall("SELECT name FROM parts"))


async def add(db: Database, name: str) -> None:
    await db.execute("INSERT INTO parts (name) VALUES (?)", (name,))


async def test_a_failing_part_loses_only_its_own_writes(db: Database) -> None:
    async with db.unit():
        await add(db, "before")
        with pytest.raises(Broke):
            async with db.isolated():
                await add(db, "failed")
                raise Broke
        async with db.isolated():
            await add(db, "after")
    assert await names(db) == ["after", "before"]


async def test_a_part_that_reads_then_fails_undoes_nothing_of_the_others(db: Database) -> None:
    async with db.unit():
        await add(db, "kept")
        with pytest.raises(Broke):
            async with db.isolated():
                await db.fetchall("SELECT name FROM parts")
                raise Broke
        await add(db, "also kept")
    assert await names(db) == ["also kept", "kept"]


async def test_nested_parts_undo_the_inner_and_keep_the_outer(db: Database) -> None:
    async with db.unit():
        await add(db, "start")
        async with db.isolated():
            async with db.isolated():
                pass  # wrote nothing: nothing to undo or release
            await add(db, "outer")
            with pytest.raises(Broke):
                async with db.isolated():
                    async with db.isolated():
                        await add(db, "inner")
                    raise Broke
        with pytest.raises(Broke):
            async with db.isolated():
                async with db.isolated():  # written deep inside: both blocks undo it
                    await add(db, "deep")
                raise Broke
    assert await names(db) == ["outer", "start"]


async def test_a_part_that_opens_a_transaction_keeps_its_savepoint(db: Database) -> None:
    async with db.unit():
        await add(db, "first")
        with pytest.raises(Broke):
            async with db.transaction():  # inside a unit: a part like isolated()
                await add(db, "in transaction")
                raise Broke
        async with db.transaction():
            await add(db, "committed part")
    assert await names(db) == ["committed part", "first"]


async def test_a_unit_that_fails_undoes_every_part(db: Database) -> None:
    with pytest.raises(Broke):
        async with db.unit():
            async with db.isolated():
                await add(db, "part")
            await add(db, "more")
            raise Broke
    assert await names(db) == []


async def test_parts_as_calls_keep_or_undo_what_each_wrote(db: Database) -> None:
    """The runtime's per-listener form of `isolated`."""
    async with db.unit():
        first = db.part()  # before anything is written: it may begin the transaction
        await add(db, "first listener")
        first.done()
        failing = db.part()
        await add(db, "failing listener")
        await failing.failed()
        quiet = db.part()  # wrote nothing and failed: nothing to undo
        await quiet.failed()
        last = db.part()
        await add(db, "last listener")
        last.done()
    assert await names(db) == ["first listener", "last listener"]


async def test_a_first_part_that_fails_leaves_the_unit_empty(db: Database) -> None:
    async with db.unit():
        failing = db.part()
        await add(db, "began the transaction")
        await failing.failed()
        await add(db, "after")
    assert await names(db) == ["after"]
