"""Members own their data: /mydata what, export and forget, across every feature, plus
retention on an advanced clock and the schema-coverage rule that holds every table to it."""

from __future__ import annotations

import concurrent.futures
import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot import cli
from bot.actions import EditPost, Respond, SendFile
from bot.events import MemberDeleted
from bot.memberdata import how_long
from tests.harness import EXAMPLE, Harness, texts

ALICE = "qx_alice"  # distinctive, so a scan for it can't match anything else by accident
# Everything ALICE did: introduced, thanked and was thanked, posted, entered and voted, won,
# was warned and appealed, and stood on the leaderboards.
EVERYTHING = (
    f"+{ALICE}", "+bob", "+carol", "+maya", ":mod maya",
    f'{ALICE}> /introduce name:"Alice" about:"I knit scarves."',
    "#general",
    f"bob> /thanks @{ALICE} for the pattern",
    f"{ALICE}> /thanks @bob for the tea tips",
    f"{ALICE}> I have been knitting since I was seven years old",
    ":wait 10s",
    'maya> /contest create "Autumn" "Share a photo of autumn" 3d votes winners:1',
    f"{ALICE}> /contest enter #1 https://example.com/qx/leaves.jpg",
    "bob> /contest enter #1 https://example.com/bob/maple.jpg",
    "carol> /contest vote #1 1",
    "bob> /contest vote #1 1",
    f"{ALICE}> /contest vote #1 2",
    f"maya> /warn @{ALICE} spam Please keep offers in the marketplace.",
    f"{ALICE}> /appeal 1 It was a link to my own pattern, sorry.",
    f"{ALICE}> /leaderboard 7d",
    ":wait 3d",
)
# Column names that hold a member's id, wherever they appear in the schema.
MEMBER_COLUMNS = {"user_id", "giver_id", "author_id", "voter_id", "moderator_id", "member_id"}


# Named like "who did it" but holding no member: the worker process whose lease a job is under.
NOT_MEMBERS = {"claimed_by"}


def is_member_column(name: str) -> bool:
    """A column holding a member id: the usual names, `*_user_id`, or who did it (`*_by`)."""
    return name not in NOT_MEMBERS and (
        name in MEMBER_COLUMNS or name == "by_id" or name.endswith("_user_id")
        or name.endswith("_by"))


async def schema(path: Path) -> dict[str, list[tuple[str, str]]]:
    """table -> [(column, declared type)] for every table in the database."""
    async with aiosqlite.connect(path) as db:
        tables = [r[0] async for r in await db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        return {t: [(r[1], (r[2] or "").upper()) async for r in
                    await db.execute(f"PRAGMA table_info({t})")] for t in tables}


async def rows_naming(path: Path, needle: str) -> dict[tuple[str, str], int]:
    """(table, column) -> rows whose text contains `needle`, in every text column of every
    table (ids, names, keys, JSON payloads alike)."""
    found: dict[tuple[str, str], int] = {}
    async with aiosqlite.connect(path) as db:
        for table, columns in (await schema(path)).items():
            for column, kind in columns:
                if kind not in ("TEXT", ""):
                    continue
                cur = await db.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE instr({column}, ?) > 0", (needle,))
                count = (await cur.fetchone())[0]
                if count:
                    found[(table, column)] = count
    return found


async def did_everything(make_harness: Callable[..., Harness], toml: str = "") -> Harness:
    h = await make_harness(toml).start()
    await h.feed(*EVERYTHING)
    return h


def only(actions: list, kind: type) -> list:
    return [a for a in actions if isinstance(a, kind)]


# -- export ---------------------------------------------------------------------------------

async def test_export_holds_everything_and_reveals_nobody_unseen(
        make_harness: Callable[..., Harness]) -> None:
    h = await did_everything(make_harness)
    actions = await h.command(ALICE, "/mydata export")
    [sent] = only(actions, SendFile)
    assert sent.user_id == ALICE and sent.filename.endswith(".json")
    data = json.loads(sent.data)
    features = data["features"]
    assert features["introductions"]["introduction"]["answers"] == {
        "name": "Alice", "about": "I knit scarves."}
    rep = features["reputation"]
    assert [(p["from"], p["reason"]) for p in rep["points_received"]
            if p["source"] == "thanks"] == [("bob", "the pattern")]
    assert [(p["to"], p["reason"]) for p in rep["thanks_given"]] == [("bob", "the tea tips")]
    assert rep["activity_points"] and rep["leaderboard_points"]["30d"] > 0
    assert {b["badge"] for b in features["badges"]["badges"]} == {"Hello There", "Champion"}
    contests = features["contests"]
    assert contests["entries"][0]["votes_received"] == 2
    assert contests["votes_cast"] == [{"contest": 1, "title": "Autumn", "entry": 2,
                                       "voted_at": contests["votes_cast"][0]["voted_at"]}]
    assert contests["wins"][0]["place"] == 1
    [warning] = features["moderation"]["warnings"]
    assert warning["rule"] == "spam"
    assert warning["appeals"][0]["text"] == "It was a link to my own pattern, sorry."
    assert features["core"]["member"]["name"] == ALICE
    whole = sent.data.decode()
    # carol voted for ALICE's entry and maya warned her: neither is hers to learn from this.
    assert "carol" not in whole and "maya" not in whole
    # The readable summary beside the file, privately, and the reply.
    summary = sent.text.plain()
    assert "reputation:" in summary and "contests:" in summary
    assert any("privately" in t for t in texts(only(actions, Respond)))
    await h.close()


async def test_export_never_names_anonymous_entrants_or_voters(
        make_harness: Callable[..., Harness]) -> None:
    h = await make_harness().start()
    await h.feed("+zed", "+bob", "+maya", ":mod maya",
                 'maya> /contest create "Quiet" "Anonymous entries" 2d votes anonymous:yes',
                 "bob> /contest enter #1 bob's secret entry", "zed> /contest enter #1 mine",
                 "zed> /contest vote #1 1", "bob> /contest vote #1 2")
    data = (await h.app.rights.export(h.community, "zed", h.clock.now()))["features"]
    whole = json.dumps(data)
    assert "bob" not in whole and "secret" not in whole
    assert data["contests"]["entries"][0]["votes_received"] == 1
    await h.close()


# -- forget ---------------------------------------------------------------------------------

# Reads the SQLite file itself (its catalogue, every text column); the schema is the same
# migrations on PostgreSQL.
@pytest.mark.sqlite_only
async def test_forget_previews_then_deletes_everything_but_what_it_named(
        make_harness: Callable[..., Harness]) -> None:
    h = await did_everything(make_harness)
    db = h.database
    assert await rows_naming(db, ALICE)  # the scan does see her before

    early = texts(await h.command(ALICE, "/mydata forget confirm:yes"))
    assert "look at what it would mean" in early[0]
    preview = texts(await h.command(ALICE, "/mydata forget"))[0]
    deleted, kept = preview.split("Kept on purpose:")
    assert "your introduction (2 answers)" in deleted
    assert "your 2 badges" in deleted and "1 contest entry" in deleted
    assert "1 vote you cast, still counted" in kept
    # Warned on 2026-11-21, expires after 90 days, kept 365 days more.
    assert "warning case #1 about you" in kept and "deleted 2028-02-19" in kept
    assert "Nothing" not in preview
    # The preview changed nothing.
    assert await h.app.rights.export(h.community, ALICE, h.clock.now()) != {}

    actions = await h.command(ALICE, "/mydata forget confirm:yes")
    assert "has forgotten you" in texts(only(actions, Respond))[-1]
    [edit] = only(actions, EditPost)  # Hearth's introduction post becomes a short note
    assert edit.message_id and "removed at the member's request" in edit.text.plain()
    await h.runtime.deliver(actions)
    await h.app.scheduler.advance(timedelta(minutes=10))  # flushes and refreshes run again

    left = await rows_naming(db, ALICE)
    # Only the warning the preview named, its appeal, and its mod-log copy of her name.
    assert set(left) == {("moderation_cases", "user_id"), ("moderation_cases", "user_name"),
                         ("moderation_appeals", "user_id")}, left
    async with aiosqlite.connect(db) as con:
        # Her vote still counts for bob's entry; bob's point from her is still his.
        votes = await (await con.execute(
            "SELECT COUNT(*) FROM contest_votes WHERE contest=1 AND entry=2")).fetchone()
        assert votes[0] == 1
        bob = await (await con.execute(
            "SELECT points, thanks_received FROM rep_totals WHERE user_id='bob'")).fetchone()
        winners = await (await con.execute("SELECT name FROM contest_winners")).fetchall()
        histogram = await (await con.execute(
            "SELECT SUM(members) FROM rep_points_histogram")).fetchone()
        totals = await (await con.execute("SELECT COUNT(*) FROM rep_totals")).fetchone()
    assert bob == (1, 1)
    assert winners == [("a former member",)]
    assert histogram[0] == totals[0]  # ranks still add up without her
    bob_export = (await h.app.rights.export(h.community, "bob", h.clock.now()))["features"]
    assert [p["from"] for p in bob_export["reputation"]["points_received"]
            if p["source"] == "thanks"] == ["a former member"]
    # Leaderboards no longer show her.
    board = texts(await h.command("bob", "/leaderboard"))[0]
    assert ALICE not in board
    await h.close()


# Reads the SQLite file itself (its catalogue, every text column); the schema is the same
# migrations on PostgreSQL.
@pytest.mark.sqlite_only
async def test_forget_a_moderator_keeps_only_the_cases_they_handled(
        make_harness: Callable[..., Harness]) -> None:
    h = await did_everything(make_harness)
    preview = texts(await h.command("maya", "/mydata forget", mod=True))[0]
    assert "1 case you handled as a moderator" in preview
    assert "1 contest you created" in preview
    await h.command("maya", "/mydata forget confirm:yes", mod=True)
    left = await rows_naming(h.database, "maya")
    assert set(left) <= {("moderation_cases", "moderator_id"),
                         ("moderation_cases", "moderator_name"),
                         ("moderation_notes", "moderator_id"),
                         ("moderation_notes", "moderator_name")}, left
    await h.close()


# Reads the SQLite file itself (its catalogue, every text column); the schema is the same
# migrations on PostgreSQL.
@pytest.mark.sqlite_only
async def test_a_deleted_account_is_forgotten_without_asking(
        make_harness: Callable[..., Harness]) -> None:
    h = await did_everything(make_harness)
    await h.handle(MemberDeleted(h.community, h.clock.now(), user_id=ALICE))
    left = await rows_naming(h.database, ALICE)
    assert {t for t, _ in left} == {"moderation_cases", "moderation_appeals"}
    await h.close()


# Reads the SQLite file itself (its catalogue, every text column); the schema is the same
# migrations on PostgreSQL.
@pytest.mark.sqlite_only
async def test_admin_cli_exports_and_forgets_with_a_preview_first(
        make_harness: Callable[..., Harness], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    h = await did_everything(make_harness)
    await h.close()
    base = ["data", "--community", "console:local", "--member", ALICE,
            "--config", str(EXAMPLE), "--database", str(h.database)]
    out = tmp_path / "alice.json"

    def run(action: str, *extra: str) -> str:
        args = [base[0], action, *base[1:], *extra]
        assert await_cli(args) == 0
        return capsys.readouterr().out

    run("export", "--out", str(out))
    assert json.loads(out.read_text())["features"]["contests"]["wins"]
    preview = run("forget")
    assert "warning case #1 about you" in preview and "Nothing was changed" in preview
    assert await rows_naming(h.database, ALICE) != {}
    done = run("forget", "--yes")
    assert "Forgotten:" in done and "will be made by the running Hearth" in done
    # The CLI has no platform: the introduction post's edit waits for the running Hearth...
    later = await make_harness().start()
    h2 = Harness(h.database, later.config)
    await later.close()
    await h2.start()
    await h2.wait(timedelta(days=30))  # the harness clock starts before the CLI's real one
    assert not any("former member" in line for line in h2.lines), h2.lines
    assert any("(edited): (This introduction was removed at the member's request.)" in line
               for line in h2.lines), h2.lines
    await h2.close()
    # ...and once it has run, only the warning the preview named holds her id.
    assert {t for t, _ in await rows_naming(h.database, ALICE)} == {
        "moderation_cases", "moderation_appeals"}
    assert "keeps nothing about nobody" in run_for("nobody", base, capsys)
    bad = ["data", "export", "--community", "nowhere", "--member", "x", "--config",
           str(EXAMPLE), "--database", str(h.database)]
    assert await_cli(bad) == 2
    assert "should look like" in capsys.readouterr().err


def await_cli(args: list[str]) -> int:
    # The CLI runs its own event loop, so it runs in a thread beside the test's.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(cli.main, ["--log-level", "WARNING", *args]).result()


def run_for(member: str, base: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    args = ["data", "forget", *base[1:]]
    args[args.index(ALICE)] = member
    assert await_cli(args) == 0
    return capsys.readouterr().out


# -- retention ------------------------------------------------------------------------------

RETENTION = """
[mydata]
retention_every = "7d"
[reputation]
ledger_kept = "30d"
# Leaderboard refreshes and activity flushes every few minutes would be ~50,000 runs to walk.
leaderboard_refresh = "7d"
flush_every = "1d"
[moderation]
expire_after = "90d"
keep_after_expiry = "60d"
"""


# Reads the SQLite file itself (its catalogue, every text column); the schema is the same
# migrations on PostgreSQL.
@pytest.mark.sqlite_only
async def test_retention_deletes_what_has_been_kept_long_enough(
        make_harness: Callable[..., Harness]) -> None:
    h = await did_everything(make_harness, RETENTION)
    async with aiosqlite.connect(h.database) as con:
        before = {t: (await (await con.execute(f"SELECT COUNT(*) FROM {t}")).fetchone())[0]
                  for t in ("rep_ledger", "moderation_cases", "moderation_appeals",
                            "processed_events")}
    assert before["rep_ledger"] and before["moderation_cases"]
    # 40 days on: the ledger's older rows are gone, the warning (expires at 90 days) stays.
    await h.wait(timedelta(days=40))
    async with aiosqlite.connect(h.database) as con:
        ledger = (await (await con.execute("SELECT COUNT(*) FROM rep_ledger")).fetchone())[0]
        cases = (await (await con.execute(
            "SELECT COUNT(*) FROM moderation_cases")).fetchone())[0]
        totals = (await (await con.execute(
            f"SELECT points FROM rep_totals WHERE user_id='{ALICE}'")).fetchone())
    assert ledger == 0 and cases == 1
    assert totals[0] > 0  # totals stay; only the itemised rows went
    # Past expiry + 60 days: the case, its notes and appeals go.
    await h.wait(timedelta(days=120))
    async with aiosqlite.connect(h.database) as con:
        for table in ("moderation_cases", "moderation_notes", "moderation_appeals"):
            assert (await (await con.execute(f"SELECT COUNT(*) FROM {table}")).fetchone()) \
                == (0,), table
    await h.close()


# Reads the SQLite file itself (its catalogue, every text column); the schema is the same
# migrations on PostgreSQL.
@pytest.mark.sqlite_only
async def test_retention_prunes_old_delivery_claims(make_harness: Callable[..., Harness]
                                                    ) -> None:
    h = await make_harness('[hearth]\nprocessed_events_kept = "1d"\n').start()
    from bot.events import MessagePosted

    await h.handle(MessagePosted(h.community, h.clock.now(), author=h.actor("bob"),
                                 channel="general", message_id="m1", content="hi",
                                 event_id="Ev1"))
    async with aiosqlite.connect(h.database) as con:
        assert (await (await con.execute("SELECT COUNT(*) FROM processed_events")).fetchone()
                ) == (1,)
    await h.wait(timedelta(days=3))
    async with aiosqlite.connect(h.database) as con:
        assert (await (await con.execute("SELECT COUNT(*) FROM processed_events")).fetchone()
                ) == (0,)
    await h.close()


# -- every table takes part -----------------------------------------------------------------

# Reads the SQLite file itself (its catalogue, every text column); the schema is the same
# migrations on PostgreSQL.
@pytest.mark.sqlite_only
async def test_every_member_column_is_covered_by_some_features_export_and_forget(
        hearth: Harness) -> None:
    tables = await schema(hearth.database)
    member_columns = {(t, c) for t, cols in tables.items() for c, _ in cols
                      if is_member_column(c)}
    covered = {(t, c) for d in hearth.app.rights.declarations
               for t, cols in d.covers.items() for c in cols}
    missing = sorted(member_columns - covered)
    assert not missing, (
        f"these columns hold member ids but no feature's member_data() exports and forgets "
        f"them: {missing}; declare them in the owning feature's member_data.py")
    stale = sorted(covered - member_columns)
    assert not stale, f"declared but not in the schema: {stale}"
    print("member-id columns covered:", sorted(member_columns))


def test_the_member_column_rule_sees_every_kind_of_name() -> None:
    for name in ("user_id", "giver_id", "voter_id", "author_id", "moderator_id", "member_id",
                 "created_by", "resolved_by", "target_user_id"):
        assert is_member_column(name), name
    for name in ("event_id", "message_id", "rule_id", "id", "badge", "key", "claimed_by"):
        assert not is_member_column(name), name


# -- the console, by transcript ---------------------------------------------------------------

async def test_console_transcript_of_what_export_and_forget(hearth: Harness) -> None:
    lines = await hearth.feed("+sam", "sam> /mydata what", "sam> /mydata export",
                              "sam> /mydata forget", "sam> /mydata forget confirm:yes")
    shown = "\n".join(lines).replace(str(hearth.files_dir().parent), "<tmp>")
    shown = re.sub(r"\(\d[\d,]* bytes\)", "(N bytes)", shown)
    what = shown.split("[to sam only] Here's what Hearth keeps", 1)[1]
    for feature in ("introductions", "reputation", "badges", "contests", "moderation", "core"):
        assert f"**{feature}**" in what
    assert ("[file to sam only] <tmp>/files/hearth-data-console-sam-20261121-090000.json "
            "(N bytes) Here's everything Hearth keeps about you in our community, sam") in shown
    assert (hearth.files_dir() / "hearth-data-console-sam-20261121-090000.json"
            ).exists()
    assert "• core: your member record (name, when you joined and left)" in shown
    assert "Done, sam: Hearth has forgotten you in our community." in shown


@pytest.mark.parametrize("feature", ["introductions", "reputation", "badges", "contests",
                                     "moderation", "greetings", "core"])
def test_every_feature_says_what_it_keeps(hearth: Harness, feature: str) -> None:
    statements = dict(hearth.app.rights.statements(hearth.community))
    assert len(statements[feature]) > 40


@pytest.mark.parametrize(("period", "said"), [
    (timedelta(days=365), "1 year"), (timedelta(days=730), "2 years"),
    (timedelta(days=90), "90 days"), (timedelta(days=1), "1 day"),
])
def test_retention_periods_read_as_a_person_says_them(period: timedelta, said: str) -> None:
    assert how_long(period) == said
