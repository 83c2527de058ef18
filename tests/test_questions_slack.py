"""Questions on Slack, through the real bolt app against the loopback Web API: a top-level
message in #help is a question, its thread replies are answers, the asker's thanks in the thread
brings one private "did it solve it?", /solved credits the helper, says so in the thread and
marks the question with a ✅ reaction; /ask posts in #help and replies under that post count."""

from __future__ import annotations

from tests.fakes import slack_requests as sr
from tests.slack_rig import slack_rig


async def test_a_question_answered_in_its_thread_and_solved(database: str) -> None:
    async with slack_rig(database) as rig:
        question = "1700000100.000100"
        await rig.event(sr.message("U123", "C0HELP", "How do I change my display name?",
                                   ts=question))
        # A top-level message in another channel is not a question; neither is a DM.
        await rig.event(sr.message("U123", "C0GENERAL", "How is everyone?"))
        await rig.event(sr.message("U456", "C0HELP", "Profile > Edit, then Display name.",
                                   ts="1700000110.000100", thread_ts=question))
        await rig.event(sr.message("U123", "C0HELP", "thanks <@U456>, that did it!",
                                   ts="1700000120.000100", thread_ts=question))
        await rig.service.drain()
        dms = [p["text"] for p in rig.posts() if p["channel"].startswith("D")]
        assert len(dms) == 1 and "Did cara's answer solve it?" in dms[0], dms
        assert "`/solved 1`" in dms[0]

        await rig.command("/solved", "", user_id="U123", channel_id="C0HELP", name="solved")
        answer = await rig.fake.wait_for_call("response_url", lambda a: a["_name"] == "solved")
        assert answer["text"].startswith("Marked #1 as solved. Thank you, bob; cara gets the "
                                         "credit and 5 reputation points.")
        await rig.service.drain()
        [said] = [p for p in rig.posts("C0HELP") if p.get("thread_ts") == question]
        assert said["text"] == "✅ Solved, with thanks to <@U456>."
        [mark] = rig.fake.calls_to("reactions.add")
        assert (mark["channel"], mark["timestamp"], mark["name"]) == (
            "C0HELP", question, "white_check_mark")
        # Marking again changes nothing and adds no second reaction.
        await rig.command("/solved", "1", user_id="U123", channel_id="C0HELP", name="again")
        again = await rig.fake.wait_for_call("response_url", lambda a: a["_name"] == "again")
        assert "already marked solved (cara)" in again["text"]
        assert len(rig.fake.calls_to("reactions.add")) == 1


async def test_ask_posts_in_help_and_replies_under_that_post_are_answers(
        database: str) -> None:
    async with slack_rig(database) as rig:
        await rig.command("/ask", "When is the next movie night?", user_id="U123",
                          channel_id="C0GENERAL", name="ask")
        await rig.fake.wait_for_call("response_url", lambda a: a["_name"] == "ask")
        await rig.service.drain()
        [post] = rig.posts("C0HELP")
        assert post["text"] == "*bob asked:* When is the next movie night?"
        posted = next(m for (c, t), m in rig.fake.messages.items() if c == "C0HELP")
        await rig.event(sr.message("U456", "C0HELP", "Friday at 20:00 UTC!",
                                   ts="1800000000.000100", thread_ts=posted["ts"]))
        await rig.service.drain()
        await rig.command("/solved", "", user_id="U123", channel_id="C0GENERAL", name="solved")
        answer = await rig.fake.wait_for_call("response_url", lambda a: a["_name"] == "solved")
        assert "cara gets the credit" in answer["text"], answer


async def test_a_deleted_answer_no_longer_counts(database: str) -> None:
    async with slack_rig(database) as rig:
        question = "1700000100.000100"
        await rig.event(sr.message("U123", "C0HELP", "How do I mute a channel?", ts=question))
        await rig.event(sr.message("U456", "C0HELP", "Right-click it.",
                                   ts="1700000110.000100", thread_ts=question))
        await rig.event(sr.message("UADMIN", "C0HELP", "Or use /mute.",
                                   ts="1700000120.000100", thread_ts=question))
        await rig.event(sr.message_deleted("U456", "C0HELP", "Right-click it.",
                                           "1700000110.000100", thread_ts=question))
        await rig.service.drain()
        await rig.command("/solved", "", user_id="U123", channel_id="C0HELP", name="solved")
        answer = await rig.fake.wait_for_call("response_url", lambda a: a["_name"] == "solved")
        assert "ada gets the credit" in answer["text"], answer
