"""Starting Hearth on Discord through `serve`: refused intents and a bad token end cleanly."""

from __future__ import annotations

import asyncio
import logging
import random

import pytest

from adapters.serve import serve
from bot import bootstrap
from bot.clock import ManualClock
from tests.fakes.discord_server import FakeDiscord
from tests.harness import START, config_from

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GabcDE.fake-token-that-must-never-be-logged-xyz"


async def run_serve(database: str, fake: FakeDiscord) -> int:
    app = await bootstrap.build(config_from(), clock=ManualClock(START), rng=random.Random(1),
                                database=database)
    try:
        with fake.patch_discord():
            return await serve(app, ["discord"], {"DISCORD_TOKEN": TOKEN}, asyncio.Event())
    finally:
        await app.close()


async def test_refused_privileged_intents_exit_non_zero_with_what_to_fix(
        database: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with FakeDiscord(refuse_privileged_intents=True) as fake:
        fake.add_guild("g")
        assert await run_serve(database, fake) == 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("SERVER MEMBERS INTENT" in r.getMessage()
               and "MESSAGE CONTENT INTENT" in r.getMessage() for r in errors)
    assert not any(r.exc_info for r in errors)  # a clear line, not a traceback
    assert TOKEN not in caplog.text


async def test_rejected_token_exits_non_zero(database: str,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with FakeDiscord() as fake:
        fake.add_guild("g")
        fake.fail_route("GET", r"/users/@me", 401, 0, "401: Unauthorized")
        assert await run_serve(database, fake) == 1
    assert "Discord rejected DISCORD_TOKEN" in caplog.text
    assert TOKEN not in caplog.text
