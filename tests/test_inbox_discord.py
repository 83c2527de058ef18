"""Ask the team on Discord, through the real discord.py client and Hearth's adapter against the
strict loopback fake: a member's DM opens a conversation and a thread under its first post in
the team inbox, later DMs go into that thread, `/reply <text>` typed inside the thread (and
`/reply <n> <text>` anywhere) reaches the member by DM, a redelivered DM is relayed once, and
DMs sent while Hearth was down are read from the DM channel's history at start-up."""

from __future__ import annotations

from tests.discord_world import World, discord, running, started
from tests.fakes.discord_server import option

# The team inbox is the (staff-only) #mod-log here.
TOML = '[community.channels]\nteam_inbox = "mod-log"\n'


def sequence(w: World, start: int) -> list[str]:
    """The REST calls Hearth made since `start`, as `METHOD path`, ids named for reading."""
    names = {v: f"#{k}" for k, v in w.channels.items()}
    names.update({c["id"]: "dm-alice" for u, c in w.fake.dm_channels.items() if u == w.alice})
    names.update({t: "thread" for t in w.fake.threads})
    out = []
    for call in w.fake.calls[start:]:
        path = call.path.split("?")[0].removeprefix("/api/v10")
        for raw, shown in names.items():
            path = path.replace(raw, shown)
        out.append(f"{call.method} {path}")
    return out


def posts_in(w: World, channel: str) -> list[str]:
    sent = w.fake.calls_matching("POST", rf"/channels/{channel}/messages$")
    return [c.json["content"] for c in sent if c.status == 200]


def dm_of(w: World, user: str) -> str:
    return str(w.fake.dm_channels[user]["id"])


async def reply(w: World, channel: str, *options: dict, user: str | None = None) -> str:
    """A moderator's /reply (or `user`'s); returns Hearth's private answer."""
    sent = await w.fake.slash_command(w.guild, channel, user or w.mod, "reply", list(options),
                                      guild_command=True)
    hook = rf"/webhooks/{w.fake.app_id}/{sent.token}/messages/@original"
    return str((await w.fake.wait_for_call("PATCH", hook)).json["content"])


async def test_a_dm_in_a_thread_out_and_reply_relayed_as_a_dm(database: str) -> None:
    async with running(database, TOML) as w:
        inbox = w.channels["mod-log"]
        start = len(w.fake.calls)
        await w.fake.member_dm(w.alice, "Someone keeps sending me **odd** links @everyone")
        opened = await w.fake.wait_for_call("POST", rf"/channels/{inbox}/messages/\d+/threads")
        assert opened.status == 201 and opened.json["name"] == "#1 Alice"
        thread = opened.response["id"]
        dm = dm_of(w, w.alice)
        print("Discord, a DM in:", sequence(w, start))
        told = posts_in(w, dm)
        assert len(told) == 1 and "conversation #1" in told[0]
        [first] = posts_in(w, inbox)
        assert "Conversation #1" in first and "\\*\\*odd\\*\\*" in first
        assert "@everyone" not in first.replace("@\u200beveryone", "")

        await w.fake.member_dm(w.alice, "Here is one of them.")
        relay = await w.fake.wait_for_call("POST", rf"/channels/{thread}/messages")
        assert relay.json["content"] == "Alice: Here is one of them."
        # Talk in the thread stays with the team.
        await w.fake.message_create(thread, w.mod, "I'll take this one.")

        start, told = len(w.fake.calls), len(posts_in(w, dm))
        answer = await reply(w, thread, option("text", "Thanks alice, we're on it."))
        assert answer == "Sent to Alice in conversation #1."
        back = await w.fake.wait_for_call("POST", rf"/channels/{dm}/messages", count=told + 1)
        assert "Thanks alice, we're on it." in back.json["content"]
        assert back.json["allowed_mentions"]["parse"] == []
        shown = await w.fake.wait_for_call("POST", rf"/channels/{thread}/messages", count=2)
        assert "Sent to Alice as Mia" in shown.json["content"]
        print("Discord, /reply back:", sequence(w, start))

        answer = await reply(w, inbox, option("number", 1), option("text", "anon One more."))
        assert answer == "Sent to Alice in conversation #1."
        last = await w.fake.wait_for_call("POST", rf"/channels/{dm}/messages", count=told + 2)
        assert "**The team** replied" in last.json["content"]
        # A member can't /reply: refused privately, nothing sent.
        refusal = await reply(w, thread, option("text", "hi"), user=w.bob)
        assert "for the moderator team" in refusal
        assert len(posts_in(w, dm)) == 4


async def test_a_redelivered_dm_is_relayed_once_and_missed_dms_are_read_at_start_up(
        database: str) -> None:
    async with discord(TOML) as w:
        inbox = w.channels["mod-log"]
        async with started(w, database):
            await w.fake.member_dm(w.alice, "Hello?")
            opened = await w.fake.wait_for_call("POST",
                                                rf"/channels/{inbox}/messages/\d+/threads")
            thread = opened.response["id"]
            mid = await w.fake.member_dm(w.alice, "Second")
            await w.fake.wait_for_call("POST", rf"/channels/{thread}/messages")
            # The gateway delivers the same message again (a resumed session replays it).
            await w.fake.dispatch("MESSAGE_CREATE", dict(w.fake.messages[mid]))
            await w.fake.member_dm(w.alice, "Third")
            await w.fake.wait_for_call("POST", rf"/channels/{thread}/messages", count=2)
            assert posts_in(w, thread) == ["Alice: Second", "Alice: Third"]
        # Hearth is down; alice writes twice. Then it starts again on the same Discord.
        w.fake.dm_history(w.alice, "Are you there?", "It's urgent.")
        dm = dm_of(w, w.alice)
        async with started(w, database):
            read = await w.fake.wait_for_call("GET", rf"/channels/{dm}/messages")
            assert "after" in read.query
            await w.fake.wait_for_call("POST", rf"/channels/{thread}/messages", count=4)
            assert posts_in(w, thread)[2:] == ["Alice: Are you there?", "Alice: It's urgent."]
        async with started(w, database):
            await w.fake.wait_for_call("GET", rf"/channels/{dm}/messages", count=2)
            assert len(posts_in(w, thread)) == 4  # nothing read twice is relayed twice
