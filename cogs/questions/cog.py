"""Questions: asked in a help channel (or with /ask, or moved there by a moderator), answered
by whoever replies first, solved when the asker says so, with thanks as the evidence.

Follow-up is once each: an unanswered question is raised with the team after `nudge_after`, an
answered one not marked solved gets one private ask after `ask_after`; both are stored jobs, so
they keep their time across restarts. A new question that closely matches an FAQ entry or a
solved question gets one private suggestion (faq.py); it counts as deflected only when the asker
confirms it helped.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.actions import Action, DirectMessage, Emit, KeepThread, Post
from bot.cog import Cog, CommunityConfig, Context, Figures, Measures, Services
from bot.commands import CommandKind, CommandSpec, Option, OptionType, command
from bot.events import (
    Actor,
    CommandInvoked,
    Community,
    Event,
    MemberRef,
    MessageDeleted,
    MessagePosted,
    MessageRef,
    Progressed,
    Recognition,
    Thanked,
)
from bot.permissions import Level
from bot.ports import Job
from bot.scheduler import JobHandler
from bot.templates import counted
from bot.text import ChannelLink, Mention, MessageLink, Text, UserText
from cogs.questions import faq
from cogs.questions.member_data import QuestionsData
from cogs.questions.settings import QuestionsSettings
from cogs.questions.store import Asked, Question, QuestionStore

NUDGE = "questions.nudge"
FOLLOW_UP = "questions.follow_up"
SOURCE = "question_solved"
MOD = Level.MODERATOR
THREAD_NAME_MAX = 90
UNANSWERED_AFTER = timedelta(hours=24)
# Each figure with what it means (community health shows the definition beside it).
DEFINITIONS = {
    "questions_asked": "Questions asked in the span: new messages in a help channel, /ask, "
                       "and questions moved there.",
    "questions_answered": "Questions asked in the span that got a first answer (a reply by "
                          "someone other than the asker) before the span ended.",
    "questions_solved": "Questions marked solved in the span (by the asker, a moderator, or "
                        "the asker confirming an FAQ suggestion helped).",
    "questions_median_first_answer_seconds": "Median time from a question to its first "
                                              "answer, for questions asked in the span.",
    "questions_unanswered_24h_share": "Of the questions asked in the span at least 24 hours "
                                      "before it ended, the share with no answer within 24 "
                                      "hours.",
    "questions_unanswered": "Questions asked in the span with no answer yet when it ended.",
    "questions_deflected": "Questions solved in the span whose accepted answer came from a "
                           "member who is not staff (moderators and admins).",
    "questions_deflection": "questions_deflected divided by all questions solved in the "
                            "span (staff are moderators and admins at the moment of "
                            "solving).",
    "questions_faq_helped": "FAQ suggestions the asker confirmed helped, in the span.",
}
FIGURES = tuple(DEFINITIONS)
ASK = CommandSpec("ask", "Ask a question in the help channel, in your name.", (
    Option("question", OptionType.TEXT, "Your question", long=True, max_length=1500),))
NUMBER = Option("question", OptionType.INTEGER, "The question's number, like 3", required=False,
                min_value=1)
SOLVED = CommandSpec("solved", "Mark your question solved and credit who helped.", (
    NUMBER, Option("member", OptionType.MEMBER, "Who solved it (if left out: the member you "
                   "thanked, else the first answer)", required=False)))
HELPED = CommandSpec("faq helped", "Say the suggestion I sent solved your question.", (NUMBER,))
EXCLUDE = CommandSpec("faq exclude", "Keep a solved question out of suggestions.", (
    Option("question", OptionType.INTEGER, "The question's number", min_value=1),), MOD)
MOVE = CommandSpec("move-to-help", "Move a question to the help channel, crediting its asker.",
                   (Option("message", OptionType.MESSAGE, "The question"),), MOD,
                   CommandKind.MESSAGE_ACTION, label="Move to help")


class QuestionsConfig(CommunityConfig, Protocol):
    questions: QuestionsSettings


Ctx = Context[QuestionsConfig]


def _cfg(ctx: Ctx) -> QuestionsSettings:
    return ctx.settings.questions


def post_key(number: int) -> str:
    return f"question:{number}"


def nudge_key(number: int) -> str:
    return f"question-nudge:{number}"


class QuestionsCog(Cog[QuestionStore]):
    name = "questions"
    settings = QuestionsSettings
    store_class = QuestionStore

    def __init__(self, services: Services, store: QuestionStore) -> None:
        super().__init__(services, store)
        self._help_cache: dict[Community, tuple[object, frozenset[str]]] = {}
        services.measures.append(Measures(("solutions",), self.measure, self.reaching))
        services.figures.append(Figures(FIGURES, self.figures, DEFINITIONS, self.top_helpers))

    def listeners(self) -> dict[type[Event], Any]:
        return {MessagePosted: self.on_message, Thanked: self.on_thanked,
                MessageDeleted: self.on_deleted}

    def jobs(self) -> dict[str, JobHandler]:
        return {NUDGE: self.nudge_due, FOLLOW_UP: self.follow_up_due}

    def member_data(self) -> QuestionsData:
        return QuestionsData(self.store.db)

    def commands(self) -> list[Any]:
        import dataclasses
        # "Move to help" also admits the configured trusted roles.
        return [dataclasses.replace(c, admits=self._mover) if c.spec is MOVE else c
                for c in super().commands()]

    def _mover(self, actor: Actor, ctx: Ctx) -> bool:
        return bool(actor.roles & set(_cfg(ctx).move_roles))

    async def start(self) -> list[Action]:
        """Post any team nudge a crash cut off between marking it and posting it."""
        actions: list[Action] = []
        for community, q in await self.store.pending_nudges():
            if await self.services.posts.find(community, nudge_key(q.number)):
                await self.store.nudge_posted(community, q.number)
                continue
            actions.append(self._nudge_post(self.services.context(community), q))
        return actions

    # -- helpers ------------------------------------------------------------------------

    def _say(self, ctx: Ctx, key: str, **values: Any) -> Text:
        return self.say(ctx, getattr(_cfg(ctx).messages, key), **values)

    def _reply(self, event: CommandInvoked, ctx: Ctx, key: str, **values: Any) -> list[Action]:
        return self.reply(event, ctx, getattr(_cfg(ctx).messages, key), **values)

    def _fields(self, q: Question) -> dict[str, Any]:
        return {"number": q.number, "question": UserText(_preview(q.question)),
                "asker": q.asker_name}

    def _help_channels(self, ctx: Ctx) -> frozenset[str]:
        # Asked for every message: worked out once per community and settings (a reload
        # brings new settings, and with them a new answer).
        known = self._help_cache.get(ctx.community)
        if known is not None and known[0] is ctx.settings:
            return known[1]
        wanted = frozenset(ctx.channel(k).lstrip("#").lower() for k in _cfg(ctx).channels)
        self._help_cache[ctx.community] = (ctx.settings, wanted)
        return wanted

    def _in_help(self, ctx: Ctx, channel: str, name: str | None) -> bool:
        wanted = self._help_channels(ctx)
        return channel.lstrip("#").lower() in wanted or (name or "").lower() in wanted

    def _thread_name(self, ctx: Ctx, number: int, text: str, key: str = "thread_name") -> str:
        return self._say(ctx, key, number=number, question=text).plain()[:THREAD_NAME_MAX]

    # -- asking -------------------------------------------------------------------------

    async def on_message(self, event: MessagePosted, ctx: Ctx) -> list[Action]:
        author = event.author
        if author.is_bot:
            return []
        # A forum post's first message is its thread's first message (same id).
        starts = event.reply_to is None or event.reply_to == event.message_id
        if starts and (self._in_help(ctx, event.channel, event.channel_name)
                       or self._in_help(ctx, "", event.parent_name)):
            if await self.store.by_message(ctx.community, event.message_id) is not None:
                return []  # the same message delivered twice
            return (await self._asked(ctx, author, event.content, event.channel,
                                      event.message_id, "channel"))[1]
        if event.reply_to is None:
            return []
        q = await self._question_of(ctx.community, event.reply_to)
        if q is None or author.user_id == q.asker_user_id:
            return []
        if await self.store.answered(ctx.community, q.number, event.message_id, author.user_id,
                                     author.name, ctx.now) and q.solved_at is None:
            await self.services.scheduler.schedule(
                FOLLOW_UP, f"{FOLLOW_UP}:{ctx.community.key}:{q.number}", ctx.community,
                ctx.now + _cfg(ctx).ask_after, {"number": q.number})
        return []

    async def on_deleted(self, event: MessageDeleted, ctx: Ctx) -> list[Action]:
        """An answer deleted stops counting (the next reply becomes the first answer); a
        question deleted is withdrawn if unsolved: no follow-ups, not in the figures, never
        suggested. Nobody is told: whoever deleted it meant to."""
        if not await self.store.unanswered(ctx.community, event.message_id):
            await self.store.deleted(ctx.community, event.message_id, ctx.now)
        return []

    async def _question_of(self, community: Community, message_id: str) -> Question | None:
        """The question a message is, starts the thread of, or answers."""
        q = await self.store.by_message(community, message_id)
        # A question Hearth posted learns its message id here (any worker may have posted
        # it); an indexed probe that finds nothing once every post is placed.
        if q is None and await self._place(community):
            q = await self.store.by_message(community, message_id)
        return q or await self.store.by_answer(community, message_id)

    async def _place(self, community: Community) -> bool:
        """Learn where Hearth's question posts landed (the runtime records them by key); True
        if any was placed."""
        placed = False
        for number, key in await self.store.unplaced(community):
            found = await self.services.posts.find(community, key)
            if found is not None:
                await self.store.placed(community, number, found[0], found[1])
                placed = True
        return placed

    async def _asked(self, ctx: Ctx, asker: Actor | MemberRef, text: str, channel: str,
                     message_id: str | None, via: str) -> tuple[int, list[Action]]:
        """Store a new question, arm its nudge, keep its thread, and maybe suggest an answer."""
        cfg = _cfg(ctx)
        name = asker.name or asker.user_id
        async with self.store.transaction():
            number = await self.store.add(ctx.community, Asked(
                asker.user_id, name, text, channel, message_id,
                None if message_id else "question:", via, ctx.now))
            await self.services.scheduler.schedule(
                NUDGE, f"{NUDGE}:{ctx.community.key}:{number}", ctx.community,
                ctx.now + cfg.nudge_after, {"number": number})
        actions: list[Action] = []
        if message_id is not None:
            actions.append(KeepThread(ctx.community, channel, message_id,
                                      self._thread_name(ctx, number, text)))
        return number, [*actions, *await self._suggest(ctx, number, asker.user_id, name, text)]

    async def _post_question(self, ctx: Ctx, asker: MemberRef | Actor, text: str, via: str
                             ) -> tuple[int, list[Action]]:
        """A question Hearth posts in the help channel in the asker's name."""
        channel = ctx.channel(_cfg(ctx).channels[0])
        number, found = await self._asked(ctx, asker, text, channel, None, via)
        post = Post(ctx.community, channel, self._say(
            ctx, "asked_for", asker=asker.name or asker.user_id, question=UserText(text)),
            key=post_key(number), opens_thread=self._thread_name(ctx, number, text))
        return number, [post, *found]

    @command(ASK)
    async def ask(self, event: CommandInvoked, ctx: Ctx, question: str | None) -> list[Action]:
        if not question or not question.strip():
            return self._reply(event, ctx, "ask_empty")
        number, actions = await self._post_question(ctx, event.actor, question, "ask")
        channel = ctx.channel(_cfg(ctx).channels[0])
        return [*self._reply(event, ctx, "ask_posted", number=number,
                             question=UserText(_preview(question)), asker=event.actor.name,
                             place=ChannelLink(channel)), *actions]

    @command(MOVE)
    async def move(self, event: CommandInvoked, ctx: Ctx, message: MessageRef) -> list[Action]:
        author = message.author
        help_channel = ctx.channel(_cfg(ctx).channels[0])
        if author.is_bot:
            return self._reply(event, ctx, "move_bot")
        if self._in_help(ctx, message.channel, None):
            return self._reply(event, ctx, "move_own_help", place=ChannelLink(help_channel))
        asker = MemberRef(author.user_id, author.name or author.user_id, False)
        number, actions = await self._post_question(ctx, asker, message.content, "moved")
        fields = {"number": number, "question": UserText(_preview(message.content)),
                  "asker": asker.name, "place": ChannelLink(help_channel)}
        return [*self._reply(event, ctx, "moved_ack", **fields), *actions,
                DirectMessage(ctx.community, author.user_id,
                              self._say(ctx, "moved", **fields, mover=event.actor.name))]

    # -- answered and solved --------------------------------------------------------------

    async def on_thanked(self, event: Thanked, ctx: Ctx) -> list[Action]:
        """The asker thanked someone for their question: ask once whether it solved it."""
        community = ctx.community
        q = None
        for where in (event.about, event.channel):
            if where and (found := await self._question_of(community, where)) is not None \
                    and found.asker_user_id == event.giver_id:
                q = found
                break
        if q is None:
            q = await self.store.open_of(community, event.giver_id, answered_by=event.user_id)
        if q is None or q.solved_at is not None or event.user_id == q.asker_user_id:
            return []
        if not await self.store.confirm_once(community, q.number, event.user_id, event.name,
                                             ctx.now):
            return []
        return [DirectMessage(community, q.asker_user_id, self._say(
            ctx, "confirm_helper", **self._fields(q), helper=event.name))]

    @command(SOLVED)
    async def solved(self, event: CommandInvoked, ctx: Ctx, question: int | None,
                     member: MemberRef | None) -> list[Action]:
        q = await self._chosen(event, ctx, question)
        if isinstance(q, list):
            return q
        if q.asker_user_id != event.actor.user_id and ctx.level < MOD:
            return self._reply(event, ctx, "not_your_question", **self._fields(q))
        if q.solved_at is not None:
            return self._already(event, ctx, q)
        if q.deleted_at is not None:
            return self._reply(event, ctx, "question_deleted", **self._fields(q))
        helper = member
        if helper is None and q.confirm_user_id:
            helper = MemberRef(q.confirm_user_id, q.confirm_helper_name, False)
        if helper is None and (first := await self.store.first_answerer(ctx.community,
                                                                         q.number)):
            helper = MemberRef(first[0], first[1], False)
        if helper is not None and helper.is_bot:
            return self._reply(event, ctx, "credit_bot", helper=helper.name or helper.user_id)
        return await self._solve(event, ctx, q, helper)

    async def _chosen(self, event: CommandInvoked, ctx: Ctx, number: int | None
                      ) -> Question | list[Action]:
        """The question a member named, or their latest open one; a kind refusal if none."""
        if number is not None:
            q = await self.store.get(ctx.community, number)
            return q if q is not None else self._reply(event, ctx, "unknown_question",
                                                       number=number)
        q = await self.store.open_of(ctx.community, event.actor.user_id)
        return q if q is not None else self._reply(event, ctx, "no_open_question")

    def _already(self, event: CommandInvoked, ctx: Ctx, q: Question) -> list[Action]:
        if q.helper_name:
            return self._reply(event, ctx, "already_solved", **self._fields(q),
                               helper=q.helper_name)
        return self._reply(event, ctx, "already_solved_alone", **self._fields(q))

    async def _solve(self, event: CommandInvoked, ctx: Ctx, q: Question,
                     helper: MemberRef | None, key: str | None = None) -> list[Action]:
        """Mark solved once, credit the helper, tell the thread."""
        cfg, community = _cfg(ctx), ctx.community
        own = helper is not None and helper.user_id == q.asker_user_id
        credited = None if own else helper
        staff = credited is not None and \
            await self.services.member_level(community, credited.user_id) >= MOD
        name = (credited.name or credited.user_id) if credited else None
        if not await self.store.solve(community, q.number, credited.user_id if credited else None,
                                      name, staff, event.actor.user_id, ctx.now):
            fresh = await self.store.get(community, q.number)
            return self._already(event, ctx, fresh or q)
        f = self._fields(q)
        actions: list[Action] = []
        if key is not None:
            actions += self._reply(event, ctx, key, **f)
        elif credited is not None:
            points = self._say(ctx, "solved_points", points=counted(
                cfg.solved_points, "reputation point", "reputation points")) \
                if cfg.solved_points else ""
            actions += self._reply(event, ctx, "solved_credited", **f, helper=name,
                                   points=points)
        else:
            actions += self._reply(event, ctx, "solved_self" if own else "solved_alone", **f)
        q = await self.store.get(community, q.number) or q
        if q.message_id is not None:
            said = self._say(ctx, "solved_post", **f, helper=Mention(credited.user_id, name)) \
                if credited and name else self._say(ctx, "solved_post_alone", **f)
            actions += [Post(community, q.channel, said, thread_id=q.message_id),
                        KeepThread(community, q.channel, q.message_id,
                                   self._thread_name(ctx, q.number, q.question,
                                                     "solved_thread_name"),
                                   solved=True, tag=cfg.solved_tag or None)]
        if credited is not None:
            if cfg.solved_points:
                actions.append(Emit(community, Recognition(
                    community, ctx.now, credited.user_id, name or credited.user_id, SOURCE,
                    cfg.solved_points, f"question #{q.number}", event.actor.user_id,
                    once=True)))
            actions.append(Emit(community, Progressed(community, ctx.now, credited.user_id,
                                                      name)))
        return actions

    # -- FAQ ------------------------------------------------------------------------------

    async def _suggest(self, ctx: Ctx, number: int, asker_id: str, asker: str, text: str
                       ) -> list[Action]:
        """At most one private suggestion per question, only above the threshold."""
        cfg = _cfg(ctx).faq
        if not cfg.suggest:
            return []
        entries = cfg.entries
        pool = [(f"faq:{i}", e.question) for i, e in enumerate(entries)]
        solved = {n: (text_, by) for n, text_, by in await self.store.pool(ctx.community, number)} \
            if cfg.solved_questions else {}
        pool += [(f"q:{n}", t) for n, (t, _) in solved.items()]
        found = faq.best(text, pool, cfg.threshold)
        if found is None or not await self.store.suggest_once(ctx.community, number, found[0]):
            return []
        kind, _, ref = found[0].partition(":")
        if kind == "faq":
            entry = entries[int(ref)]
            answer: Text | UserText = UserText(entry.answer)
            links = self._say(ctx, "faq_links", links=", ".join(entry.links)) \
                if entry.links else ""
        else:
            original, by = solved[int(ref)]
            answer = self._say(ctx, "faq_from_question", number=int(ref),
                               question=UserText(_preview(original)),
                               answer_by=by or "the asker's own")
            links = ""
        return [DirectMessage(ctx.community, asker_id, self._say(
            ctx, "faq_suggestion", number=number, question=UserText(_preview(text)),
            asker=asker, answer=answer, links=links))]

    @command(HELPED)
    async def helped(self, event: CommandInvoked, ctx: Ctx, question: int | None
                     ) -> list[Action]:
        q = await self._chosen(event, ctx, question)
        if isinstance(q, list):
            return q
        if q.asker_user_id != event.actor.user_id:
            return self._reply(event, ctx, "not_your_question", **self._fields(q))
        if q.suggested is None:
            return self._reply(event, ctx, "faq_no_suggestion", number=q.number)
        if q.solved_at is not None:
            return self._already(event, ctx, q)
        if q.deleted_at is not None:
            return self._reply(event, ctx, "question_deleted", **self._fields(q))
        if not await self.store.suggestion_helped(ctx.community, q.number, ctx.now):
            return self._already(event, ctx, q)
        return await self._solve(event, ctx, q, None, key="faq_helped")

    @command(EXCLUDE)
    async def exclude(self, event: CommandInvoked, ctx: Ctx, question: int) -> list[Action]:
        q = await self.store.get(ctx.community, question)
        if q is None:
            return self._reply(event, ctx, "unknown_question", number=question)
        key = "faq_excluded" if await self.store.exclude(ctx.community, question) \
            else "faq_already_excluded"
        return self._reply(event, ctx, key, **self._fields(q))

    # -- follow-up ------------------------------------------------------------------------

    def _nudge_post(self, ctx: Ctx, q: Question) -> Post:
        return Post(ctx.community, ctx.channel(_cfg(ctx).team_channel), self._say(
            ctx, "nudge", **self._fields(q), waiting=ctx.now - q.created_at,
            place=MessageLink(q.channel, q.message_id) if q.message_id
            else ChannelLink(q.channel)), key=nudge_key(q.number))

    async def nudge_due(self, job: Job) -> list[Action]:
        """Still unanswered after `nudge_after`: raised with the team, once."""
        ctx = self.services.context(job.community)
        number = int(job.payload["number"])
        await self._place(job.community)  # so a question Hearth posted is linked too
        q = await self.store.get(job.community, number)
        if q is None or not await self.store.nudge_once(job.community, number, ctx.now):
            return []
        return [self._nudge_post(ctx, q)]

    async def follow_up_due(self, job: Job) -> list[Action]:
        """Answered but not solved after `ask_after`: one gentle private ask."""
        ctx = self.services.context(job.community)
        number = int(job.payload["number"])
        q = await self.store.get(job.community, number)
        if q is None or not await self.store.follow_up_once(job.community, number, ctx.now):
            return []
        return [DirectMessage(job.community, q.asker_user_id, self._say(
            ctx, "ask_if_solved", **self._fields(q),
            answers=counted(q.answers, "answer", "answers")))]

    # -- what other features may ask ------------------------------------------------------

    async def measure(self, community: Community, user_ids: Any, kinds: frozenset[str],
                      now: datetime) -> dict[str, dict[str, int]]:
        counts = await self.store.solutions(community, list(user_ids))
        return {uid: {"solutions": counts.get(uid, 0)} for uid in user_ids}

    async def reaching(self, community: Community, kind: str, threshold: int, now: datetime
                       ) -> list[str]:
        return await self.store.reaching(community, threshold)

    async def figures(self, community: Community, since: datetime, until: datetime
                      ) -> dict[str, float | None]:
        """See DEFINITIONS; durations in seconds, shares from 0 to 1, None where nothing
        could be measured (no questions, nothing solved)."""
        week = await self.store.week(community, since, until)
        answered = [(a, f) for a, f, _ in week.asked if f is not None and f < until]
        waits = [(f - a).total_seconds() for a, f in answered]
        due = [(a, f) for a, f, _ in week.asked if a + UNANSWERED_AFTER <= until]
        late = [1 for a, f in due if f is None or f - a > UNANSWERED_AFTER]
        deflected = sum(1 for helper, staff, _ in week.solved if helper is not None and not staff)
        solved = len(week.solved)
        return {
            "questions_asked": len(week.asked),
            "questions_answered": len(answered),
            "questions_solved": solved,
            "questions_median_first_answer_seconds":
                statistics.median(waits) if waits else None,
            "questions_unanswered_24h_share": len(late) / len(due) if due else None,
            "questions_unanswered": len(week.asked) - len(answered),
            "questions_deflected": deflected,
            "questions_deflection": deflected / solved if solved else None,
            "questions_faq_helped": week.helped,
        }

    async def top_helpers(self, community: Community, since: datetime, until: datetime,
                          limit: int) -> list[tuple[str, int]]:
        week = await self.store.week(community, since, until)
        counts: dict[str, int] = {}
        for helper, _, name in week.solved:
            if helper is not None:
                counts[name or helper] = counts.get(name or helper, 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def _preview(text: str, limit: int = 120) -> str:
    """A question's first line, cut to `limit` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
