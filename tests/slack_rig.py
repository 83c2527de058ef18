"""A Hearth on a loopback Slack: the real bootstrap, the real bolt app over HTTP on port 0, its
Web API pointed at FakeSlack, and a SlackSender posting signed requests like Slack does."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.slack.service import SlackService, create
from bot import bootstrap
from bot.bootstrap import App
from bot.clock import ManualClock
from bot.cog import Cog
from tests.fakes import slack_requests as sr
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import SlackSender
from tests.harness import START, config_from

SECRET = "test-signing-secret"
TEAM = "T0001"
CHANNELS = {"C0GENERAL": "general", "C0WELCOME": "welcome", "C0INTRO": "introductions",
            "C0RULES": "rules", "C0HELP": "help", "C0MODLOG": "mod-log"}


@dataclass
class Rig:
    fake: FakeSlack
    app: App
    service: SlackService
    sender: SlackSender
    clock: ManualClock

    async def command(self, command: str, text: str, user_id: str = "U123",
                      channel_id: str = "C0GENERAL", name: str = "cmd"
                      ) -> tuple[int, str, dict[str, str]]:
        body = sr.slash_command(command, text, user_id, channel_id, TEAM,
                                self.fake.response_url(name), self.fake.trigger())
        return await self.sender.send(body)

    async def event(self, event: dict[str, Any], **kwargs: Any) -> int:
        status, _, _ = await self.sender.send_event(event, **kwargs)
        return status

    def posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        return [c for c in self.fake.calls_to("chat.postMessage")
                if channel is None or c.get("channel") == channel]


def seed(fake: FakeSlack) -> None:
    fake.add_user("U123", "bob", real_name="Bob Stone")
    fake.add_user("U456", "cara", real_name="Cara Lin")
    fake.add_user("UADMIN", "ada", is_admin=True, is_owner=True)
    fake.add_user("UOTHERBOT", "otherbot", is_bot=True)
    for channel_id, name in CHANNELS.items():
        fake.add_channel(channel_id, name)



def _target(database: str | Path) -> str | Path:
    """A database path or URL; a folder (a test's tmp_path) gets a SQLite file inside it."""
    return database / "hearth.sqlite3" if isinstance(database, Path) and database.is_dir() \
        else database

@asynccontextmanager
async def slack_rig(database: str | Path, slack_toml: str = "", toml: str = "",
                    cogs: Iterable[type[Cog]] = (), fake: FakeSlack | None = None,
                    clock: ManualClock | None = None) -> AsyncIterator[Rig]:
    """Hearth on a loopback Slack. Passing the `fake` (and `clock`) of an earlier rig starts
    Hearth again against the same Slack, as after a restart."""
    if fake is None:
        async with FakeSlack(team_id=TEAM) as new:
            seed(new)
            async with slack_rig(database, slack_toml, toml, cogs, new, clock) as rig:
                yield rig
        return
    config = config_from(f"[platforms.slack]\nport = 0\n{slack_toml}\n{toml}")
    clock = clock or ManualClock(START)
    app = await bootstrap.build(config, clock=clock, rng=random.Random(7),
                                database=_target(database))
    services = app.runtime.cogs[0].services
    for cog in cogs:
        app.runtime.add_cog(cog(services))
    service = create(app, {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET},
                     base_url=fake.api_url)
    await service.start()
    await app.runtime.start()
    assert service.url is not None
    try:
        async with SlackSender(service.url, SECRET) as sender:
            yield Rig(fake, app, service, sender, clock)
    finally:
        await service.stop()
        await app.close()
