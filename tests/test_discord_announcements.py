"""Announcements' incidents on Discord, through the real discord.py client and Hearth's adapter
against the strict loopback fake: the first post opens a thread under itself, updates go into
that thread, the resolution closes the incident in the channel; without the permission to make
threads the post stands and updates go plainly in the channel (adapters/discord/outbound.py)."""

from __future__ import annotations

from tests.discord_world import World, running
from tests.fakes.discord_server import option

# Announcements go to #general here; the team is reminded in #mod-log (the default).
TOML = '[community.channels]\nannouncements = "general"\n'
CREATE_PUBLIC_THREADS = 1 << 35


def webhook(w: World, token: str) -> str:
    return rf"/webhooks/{w.fake.app_id}/{token}/messages/@original"


async def command(w: World, name: str, *options: dict) -> str:
    """A moderator's slash command; returns Hearth's private answer."""
    sent = await w.fake.slash_command(w.guild, w.channels["mod-log"], w.mod, name,
                                      list(options), guild_command=True)
    return str((await w.fake.wait_for_call("PATCH", webhook(w, sent.token))).json["content"])


async def open_incident(w: World) -> None:
    """/announce as a form: an incident for #general, then /announce-post 1."""
    opened = await w.fake.slash_command(w.guild, w.channels["mod-log"], w.mod, "announce",
                                        guild_command=True)
    modal = (await w.fake.wait_for_response(opened)).json
    assert modal["type"] == 9
    submit = await w.fake.modal_submit(w.guild, w.channels["mod-log"], w.mod,
                                       modal["data"]["custom_id"], {
        "channel": "announcements", "incident": "yes", "next": "1h",
        "text": "Logins fail since 09:00 UTC. We are sorry, and we are on it."})
    preview = (await w.fake.wait_for_call("PATCH", webhook(w, submit.token))).json["content"]
    assert "Logins fail" in preview
    assert "posted" in await command(w, "announce-post", option("number", 1))


def posts_in(w: World, channel: str) -> list[str]:
    sent = w.fake.calls_matching("POST", rf"/channels/{channel}/messages")
    return [c.json["content"] for c in sent if c.status == 200]


async def test_an_incident_opens_a_thread_and_its_updates_go_there(database: str) -> None:
    async with running(database, TOML) as w:
        general = w.channels["general"]
        await open_incident(w)
        [root] = w.fake.calls_matching("POST", rf"/channels/{general}/messages")
        started = await w.fake.wait_for_call(
            "POST", rf"/channels/{general}/messages/{root.response['id']}/threads")
        assert started.status == 201 and 1 <= len(started.json["name"]) <= 100
        thread = root.response["id"]
        assert w.fake.threads[thread]["parent_id"] == general

        await w.fake.message_create(thread, w.alice, "is my data safe?")
        assert "#1" in await command(w, "announce-update", option("number", 1),
                                     option("next", "30m"),
                                     option("text", "We found the cause: an expired "
                                                    "certificate."))
        [update] = posts_in(w, thread)
        assert "We found the cause" in update
        assert len(posts_in(w, general)) == 1  # nothing else in the channel yet

        await command(w, "announce-resolve", option("number", 1),
                      option("text", "Logins work again; we renewed the certificate."))
        final = posts_in(w, general)[-1]
        assert "Logins work again" in final and "Alice" in final  # her reply in the thread
        assert f"<@{w.alice}>" not in final  # never a ping
        assert len(posts_in(w, thread)) == 1


async def test_without_thread_permission_the_post_stands_and_updates_go_in_the_channel(
        database: str) -> None:
    async with running(database, TOML) as w:
        general = w.channels["general"]
        w.guild.deny(general, w.guild.id, CREATE_PUBLIC_THREADS)  # @everyone, Hearth too
        await open_incident(w)
        refused = await w.fake.wait_for_call("POST", rf"/channels/{general}/messages/\d+/threads")
        assert (refused.status, refused.response["code"]) == (403, 50013)
        assert w.fake.threads == {}
        await command(w, "announce-update", option("number", 1), option("next", "30m"),
                      option("text", "We found the cause: an expired certificate."))
        first, update = posts_in(w, general)
        assert "Logins fail" in first and "We found the cause" in update
