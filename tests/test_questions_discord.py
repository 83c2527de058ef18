"""Questions on Discord, through the real discord.py client and Hearth's adapter against the
strict loopback fake: a message in #help gets a thread Hearth opens under it, answers are
replies in that thread, thanks there brings one private "did it solve it?", and /solved says so
in the thread and renames it; a forum post is a question in its own thread, and solving it
renames it and adds the forum's "Solved" tag."""

from __future__ import annotations

import pytest

from bot.actions import KeepThread
from bot.events import Community
from tests.discord_world import World, running
from tests.fakes.discord_server import FakeGuild, option
from tests.fakes.discord_shapes import snowflake
from tests.fakes.discord_threads import MANAGE_THREADS, PUBLIC_THREAD

QUESTION = "How do I change my nickname on this server?"


def help_channel(guild: FakeGuild) -> dict[str, str]:
    return {"help": guild.add_text_channel("help")}


def help_forum(guild: FakeGuild) -> dict[str, str]:
    """#help as a forum; Hearth may manage threads (rename and tag members' posts)."""
    role = guild.roles[guild.bot_role_id]
    role["permissions"] = str(int(role["permissions"]) | MANAGE_THREADS)
    return {"help": guild.add_forum_channel("help", ["Solved", "Bug"])}


def help_forum_unmanaged(guild: FakeGuild) -> dict[str, str]:
    return {"help": guild.add_forum_channel("help", ["Solved"])}


def posts_in(w: World, channel: str) -> list[str]:
    sent = w.fake.calls_matching("POST", rf"/channels/{channel}/messages")
    return [c.json["content"] for c in sent if c.status == 200]


async def dms_to(w: World, user: str) -> list[str]:
    opened = [c.response["id"] for c in w.fake.calls_matching("POST", r"/users/@me/channels")
              if str(c.json["recipient_id"]) == user and c.status == 200]
    return [text for channel in opened for text in posts_in(w, channel)]


async def solved(w: World, user: str, channel: str, *options: dict) -> str:
    sent = await w.fake.slash_command(w.guild, channel, user, "solved", list(options),
                                      guild_command=True)
    answer = await w.fake.wait_for_call(
        "PATCH", rf"/webhooks/{w.fake.app_id}/{sent.token}/messages/@original")
    return str(answer.json["content"])


async def member_forum_post(w: World, forum: str, user: str, title: str, text: str) -> str:
    """A member opens a forum post as Discord delivers it: THREAD_CREATE (the member owns the
    thread), then the first message, which has the thread's id."""
    fake, guild = w.fake, w.guild
    thread_id = snowflake()
    thread = fake._thread_obj(guild, guild.channels[forum], thread_id,
                              {"name": title, "applied_tags": []}, PUBLIC_THREAD)
    thread["owner_id"] = user
    await fake._announce_thread(thread)
    message = fake._message_obj(thread_id, user, text, extra={"id": thread_id, "position": 0})
    event = {**message, "guild_id": guild.id, "member": guild.member_obj(user, with_user=False)}
    await fake.dispatch("MESSAGE_CREATE", event)
    return thread_id


async def test_a_message_in_help_gets_a_thread_and_is_solved_there(database: str) -> None:
    async with running(database, channels=help_channel) as w:
        help_id = w.channels["help"]
        asked = await w.fake.message_create(help_id, w.alice, QUESTION)
        opened = await w.fake.wait_for_call(
            "POST", rf"/channels/{help_id}/messages/{asked}/threads")
        assert opened.status == 201 and opened.json["name"] == f"Q1: {QUESTION}"
        await w.fake.message_create(asked, w.bob, "Right-click your name, Edit Server Profile.")
        # Right behind it, as Discord delivers them (each its own task): the runtime takes
        # one thread's messages in order, so the thanks finds the answer stored.
        await w.fake.message_create(asked, w.alice, f"thanks <@{w.bob}>, that worked!")
        dm = (await w.fake.wait_for_call("POST", r"/users/@me/channels")).response["id"]
        await w.fake.wait_for_call("POST", rf"/channels/{dm}/messages")
        [ask] = await dms_to(w, w.alice)
        assert "Did Bob's answer solve it?" in ask and "/solved 1" in ask

        # (The fake takes interactions in channels, not threads: /solved from #help.)
        said = await solved(w, w.alice, help_id)
        assert said.startswith("Marked #1 as solved. Thank you, Alice; Bob gets the credit")
        renamed = await w.fake.wait_for_call("PATCH", rf"/channels/{asked}")
        assert renamed.status == 200 and renamed.json == {"name": f"✅ Q1: {QUESTION}"}
        assert posts_in(w, asked)[-1] == f"✅ Solved, with thanks to <@{w.bob}>."
        assert w.fake.threads[asked]["name"] == f"✅ Q1: {QUESTION}"


async def forum_question_answered(w: World) -> tuple[str, str]:
    forum = w.channels["help"]
    post = await member_forum_post(w, forum, w.alice, "Nickname?", QUESTION)
    await w.probe.wait(lambda: any(m.message_id == post for m in w.probe.messages))
    reply = await w.fake.message_create(post, w.bob, "Right-click your name, Edit Server "
                                                     "Profile.")
    await w.probe.wait(lambda: any(m.message_id == reply for m in w.probe.messages))
    return forum, post


async def test_a_forum_post_is_a_question_and_solving_it_tags_it(database: str) -> None:
    async with running(database, channels=help_forum) as w:
        forum, post = await forum_question_answered(w)
        # A forum post already is a thread: Hearth opens none.
        assert w.fake.calls_matching("POST", r"/channels/\d+/messages/\d+/threads") == []
        said = await solved(w, w.alice, w.channels["general"], option("question", 1))
        assert "Bob gets the credit" in said
        tagged = await w.fake.wait_for_call("PATCH", rf"/channels/{post}")
        assert tagged.status == 200
        assert tagged.json["applied_tags"] == [w.guild.tag_id(forum, "Solved")]
        assert w.fake.threads[post]["applied_tags"] == [w.guild.tag_id(forum, "Solved")]
        assert w.fake.threads[post]["name"] == f"✅ Q1: {QUESTION}"


async def test_without_manage_threads_a_solved_forum_post_is_still_solved_and_said(
        database: str, caplog: pytest.LogCaptureFixture) -> None:
    async with running(database, channels=help_forum_unmanaged) as w:
        _, post = await forum_question_answered(w)
        said = await solved(w, w.alice, w.channels["general"])
        assert "Bob gets the credit" in said
        refused = await w.fake.wait_for_call("PATCH", rf"/channels/{post}")
        assert (refused.status, refused.response["code"]) == (403, 50013)
        assert posts_in(w, post)[-1] == f"✅ Solved, with thanks to <@{w.bob}>."
        assert w.fake.threads[post]["name"] == "Nickname?"  # unchanged
        # What the adapter makes of the refusal, asked directly: a receipt, never a crash.
        again = KeepThread(Community("discord", w.guild.id), post, post, "✅ Q1: Nickname?",
                           solved=True, tag="Solved")
        assert (await w.service.sink.perform(again)).reason == "forbidden"
    told = [r.getMessage() for r in caplog.records if "Manage Threads" in r.getMessage()]
    assert len(told) == 1  # said once, with what to change
