"""Reloading the config while a console session runs, as an admin does it: /reload, SIGHUP
through `hearth reload`, a bad file, and a file changing a key only a restart applies."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

from tests.harness import ROOT
from tests.live_console import LiveConsole

BASE = '[platforms.console]\nadmins = ["alice"]\n'


def wording(n: str) -> str:
    return f'{BASE}[greetings.messages]\nwelcome = "Welcome, {{name}}! ({n} wording)"\n'


async def test_reload_good_bad_and_restart_files_while_a_session_runs(tmp_path: Path) -> None:
    config, database = tmp_path / "hearth.toml", tmp_path / "h.sqlite3"
    config.write_text(wording("first"), encoding="utf-8")
    transcript: list[str] = []

    async def run(console: LiveConsole, *lines: str) -> list[str]:
        await console.send(*lines)
        out = await console.sync()
        transcript.extend(out)
        return out

    def said(out: list[str], text: str) -> bool:
        return any(text in line for line in out)

    async with LiveConsole(config, database) as console:
        out = await run(console, "+alice", "+bob", "bob> Happy to be here with all of you today",
                        "bob> /profile")
        assert said(out, "Welcome, alice! (first wording)")
        profile = [line for line in out if line.startswith("[to bob only]")]
        assert profile and "reputation 1," in profile[0]  # the activity point, held in memory

        # A bad file: every problem reaches the admin who asked, and the log.
        config.write_text(wording("second").replace("{name}", "{nmae}")
                          + "[greetings.raid]\nburst = -3\n", encoding="utf-8")
        out = await run(console, "alice> /reload", "+carol")
        reply = "\n".join(line for line in out if "alice only" in line or line.startswith("  "))
        assert "I kept the running config" in reply and "2 problems" in reply
        assert "greetings.messages.welcome" in reply and "greetings.raid.burst" in reply
        assert said(out, "Welcome, carol! (first wording)")
        await console.wait_for(console.err, lambda line: "greetings.raid.burst" in line)

        # A good file: used from the next event on; the held point is still there.
        config.write_text(wording("second") + '[admin.messages]\nreloaded = "Reloaded {source}."\n',
                          encoding="utf-8")
        out = await run(console, "alice> /reload", "+dave", "bob> /profile")
        assert said(out, f"[to alice only] Reloaded {config}.")  # in the new file's words
        assert said(out, "Welcome, dave! (second wording)")
        assert [line for line in out if line.startswith("[to bob only]")] == profile

        # A key only a restart applies: the whole file is refused, naming the key.
        config.write_text(wording("third") + '[hearth]\ndatabase = "elsewhere.sqlite3"\n',
                          encoding="utf-8")
        out = await run(console, "alice> /reload", "+erin")
        assert said(out, "changes hearth.database") and said(out, "only take effect when Hearth "
                                                                  "restarts")
        assert said(out, "Welcome, erin! (second wording)")

        # Members can't reload.
        out = await run(console, "bob> /reload")
        assert said(out, "[to bob only] Sorry, /reload is for the admin team")

        # SIGHUP, sent by `hearth reload` to the process holding the database.
        config.write_text(wording("third") + '[hearth]\nname = "Ember"\n', encoding="utf-8")
        mark = len(console.err)
        signal = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "reload", "--config", str(config), "--database",
            str(database), cwd=ROOT, stdout=asyncio.subprocess.PIPE)
        said_by_cli = (await signal.communicate())[0].decode()
        assert signal.returncode == 0 and "Asked Hearth (process" in said_by_cli
        await console.wait_for(console.err, lambda line: "config reloaded" in line, mark)
        out = await run(console, "+frank", ":wait 1m")
        assert said(out, "[#welcome] Ember: Welcome, frank! (third wording)")
        assert await console.close() == 0
    print("\n".join(transcript))  # the closing note's transcript (pytest -s)
    conn = sqlite3.connect(database)
    try:
        # The point held across three reloads was written by the flush.
        assert conn.execute("SELECT points, messages FROM rep_totals WHERE user_id = 'bob'"
                            ).fetchone() == (1, 1)
    finally:
        conn.close()


async def test_hearth_reload_with_nothing_running_says_so(tmp_path: Path) -> None:
    config = tmp_path / "hearth.toml"
    config.write_text(BASE, encoding="utf-8")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "reload", "--config", str(config), "--database",
        str(tmp_path / "h.sqlite3"), cwd=ROOT, stderr=asyncio.subprocess.PIPE)
    err = (await proc.communicate())[1].decode()
    assert proc.returncode == 1 and "No running Hearth holds" in err


async def test_reload_over_slack_keeps_the_connection_and_held_points(tmp_path: Path) -> None:
    import dataclasses

    from tests.fakes import slack_requests as sr
    from tests.slack_rig import slack_rig

    async with slack_rig(tmp_path) as rig:
        config = tmp_path / "hearth.toml"
        # The rig's settings, as the file Hearth was started from.
        config.write_text("[platforms.slack]\nport = 0\n", encoding="utf-8")
        rig.app.config = dataclasses.replace(rig.app.config, source=str(config))
        runner = rig.service._runner
        assert rig.service.connected()
        await rig.event(sr.message("U123", "C0GENERAL", "Happy to be here with all of you today"))
        await rig.service.drain()

        config.write_text('[platforms.slack]\nport = 0\n[greetings.messages]\n'
                          'welcome = "Welcome aboard, {member}! (reloaded)"\n', encoding="utf-8")
        await rig.command("/reload", "", user_id="UADMIN", name="reload")
        await rig.service.drain()
        await rig.event(sr.team_join("UNEW", "newbie"))
        await rig.command("/profile", "", user_id="U123", name="profile")
        await rig.service.drain()

        replies = [c["text"] for c in rig.fake.calls_to("response_url")]
        assert any(t.startswith("Done: I'm now using the config in") for t in replies), replies
        assert any("Welcome aboard, <@UNEW>! (reloaded)" in p["text"]
                   for p in rig.posts("C0WELCOME"))
        assert any("reputation 1," in t for t in replies), replies  # held, not lost
        # The same listener, still serving: nothing was reconnected.
        assert rig.service._runner is runner and rig.service.connected()


async def test_a_reload_applies_the_log_level_unless_the_flag_chose_one(tmp_path: Path) -> None:
    import argparse
    import logging
    import signal

    from bot import bootstrap
    from bot.cli import _prepare

    config = tmp_path / "hearth.toml"
    config.write_text('[hearth]\nlog_level = "INFO"\n', encoding="utf-8")
    root = logging.getLogger()
    saved = root.level
    loop = asyncio.get_running_loop()
    try:
        for from_flag, expected in ((False, logging.ERROR), (True, logging.INFO)):
            root.setLevel(logging.INFO)
            app = await bootstrap.build(bootstrap.load(config), database=tmp_path / "h.sqlite3")
            _prepare(app, argparse.Namespace(log_format="text",
                                             log_level="INFO" if from_flag else None))
            config.write_text('[hearth]\nlog_level = "ERROR"\n', encoding="utf-8")
            assert (await app.reload()).applied
            assert root.level == expected
            loop.remove_signal_handler(signal.SIGHUP)
            await app.close()
            config.write_text('[hearth]\nlog_level = "INFO"\n', encoding="utf-8")
    finally:
        root.setLevel(saved)
