"""An incident's thread on a real platform library: the real bolt app over loopback HTTP with
its Web API on FakeSlack. The update goes into the first post's thread (thread_ts), a member's
reply in that thread counts as standing by, and the resolution thanks them in the channel.

Discord's side (a thread opened under the first post, updates sent into it) is in
tests/test_discord_announcements.py.
"""

from __future__ import annotations

from pathlib import Path

from tests.fakes import slack_requests as sr
from tests.slack_rig import Rig, slack_rig

ANNOUNCEMENTS = "C0ANNOUNCE"


async def announce(rig: Rig, text: str) -> None:
    await rig.command("/announce", text, user_id="UADMIN", name="announce")
    await rig.service.drain()


async def test_an_incident_threads_its_updates_on_slack(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        rig.fake.add_channel(ANNOUNCEMENTS, "announcements")
        await announce(rig, 'announcements "Logins fail since 09:00 UTC. We are sorry and we '
                            'are on it." incident:yes next:1h')
        assert rig.posts(ANNOUNCEMENTS) == []  # a preview for the author only, so far
        await announce(rig, "post 1")
        [first] = rig.posts(ANNOUNCEMENTS)
        assert first["text"].startswith("Logins fail since 09:00 UTC.")
        assert "thread_ts" not in first
        [root] = [ts for (channel, ts) in rig.fake.messages if channel == ANNOUNCEMENTS]

        # bob answers in the thread; Slack sends the reply with the thread's first ts.
        await rig.event(sr.message("U123", ANNOUNCEMENTS, "is my data safe?", thread_ts=root))
        await rig.service.drain()

        await announce(rig, "update 1 30m We found the cause: an expired certificate.")
        update = rig.posts(ANNOUNCEMENTS)[-1]
        assert update["thread_ts"] == root
        assert "We found the cause" in update["text"]

        await announce(rig, "resolve 1 Logins work again; we renewed the certificate.")
        final = rig.posts(ANNOUNCEMENTS)[-1]
        assert "thread_ts" not in final
        assert "Resolved" in final["text"] and "special thanks to" in final["text"]
        assert "<@U123>" not in final["text"]  # thanked by name, never a ping
