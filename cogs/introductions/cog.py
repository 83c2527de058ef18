"""Introductions: /introduce (a form), /whois, and a gentle reminder for those who haven't."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.actions import Action, DirectMessage, EditPost, Emit, Post, Respond
from bot.cog import Cog, CommunityConfig, Context, Listener, Measures, Services
from bot.commands import (
    Command,
    CommandKind,
    CommandSpec,
    Option,
    OptionType,
    UsageError,
    command,
)
from bot.config import Config
from bot.events import (
    Actor,
    CommandInvoked,
    Community,
    Event,
    MemberJoined,
    MemberLeft,
    MemberRef,
    MessagePosted,
    Recognition,
)
from bot.ports import Job
from bot.scheduler import JobHandler
from bot.text import Mention, Text, UserText, clean
from cogs.introductions.member_data import IntroductionsData
from cogs.introductions.settings import IntroductionsSettings
from cogs.introductions.store import Introduction, IntroductionStore


class IntroductionsConfig(CommunityConfig, Protocol):
    introductions: IntroductionsSettings


# What this feature's handlers are given: `ctx.settings.introductions` is typed.
Ctx = Context[IntroductionsConfig]

REMINDER = "introductions.reminder"
# The field an introduction posted straight into the channel is kept under.
MESSAGE_FIELD = "message"
MESSAGE_LABEL = "Introduction"
_NOTHING: list[Action] = []
# "a member for 0 seconds" reads oddly; a minute is the least tenure shown.
_MINUTE = timedelta(minutes=1)

WHOIS = CommandSpec(
    "whois", "See a member's introduction, badges and reputation.",
    (Option("member", OptionType.MEMBER, "The member to look up"),),
)


def _trim(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word where one is near, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 3 // 4:
        cut = cut[:space]
    return cut.rstrip() + "…"


def post_key(user_id: str) -> str:
    """Stable key of a member's introduction post, so an update edits it."""
    return f"introduction:{user_id}"


def _introduce(config: Config) -> CommandSpec:
    """/introduce: a form whose options are the configured fields; text typed without a field
    name goes to the main one (the first paragraph field, else the first required one)."""
    fields = config.settings.introductions.fields
    main = next((f.name for f in fields if f.long),
                next((f.name for f in fields if f.required), None))
    return CommandSpec(
        "introduce", "Tell the community a little about yourself.",
        tuple(Option(f.name, OptionType.TEXT, f.description or f.label, required=f.required,
                     max_length=f.max_length, long=f.long, label=f.label,
                     placeholder=f.description or None)
              for f in config.settings.introductions.fields),
        kind=CommandKind.FORM, main=main,
    )


class IntroductionsCog(Cog[IntroductionStore]):
    name = "introductions"
    settings = IntroductionsSettings
    # The fields shape /introduce as registered with Discord and Slack at start-up.
    restart_keys = ("fields",)
    store_class = IntroductionStore

    def __init__(self, services: Services, store: IntroductionStore) -> None:
        super().__init__(services, store)
        # Badges may ask who introduced themselves ("introduced", threshold 1).
        services.measures.append(Measures(("introduced",), self._introduced, self._reaching))
        # Command specs are global, so the form is built from the base config's fields.
        self.fields = services.config.settings.introductions.fields
        self.introduce = _introduce(services.config)

    async def _introduced(self, community: Community, user_ids: Sequence[str],
                          kinds: frozenset[str], now: datetime) -> dict[str, dict[str, int]]:
        return {uid: {"introduced": int(await self.store.exists(community, uid))}
                for uid in user_ids}

    async def _reaching(self, community: Community, kind: str, threshold: int, now: datetime
                        ) -> list[str]:
        # Thresholds are at least 1, and everyone introduced reaches them.
        return await self.store.introduced(community)

    @classmethod
    def specs(cls, config: Config) -> list[CommandSpec]:
        return [_introduce(config), *super().specs(config)]

    def commands(self) -> list[Command]:
        # /introduce's options are the configured fields, so it keeps the dict of answers.
        return [Command(self.introduce, self.on_introduce), *super().commands()]

    def member_data(self) -> IntroductionsData:
        return IntroductionsData(self.store.db, self.services.posts, post_key)

    def listeners(self) -> dict[type[Event], Listener]:
        return {MemberJoined: self.on_join, MemberLeft: self.on_leave,
                MessagePosted: self.on_message}

    def jobs(self) -> dict[str, JobHandler]:
        return {REMINDER: self.remind}

    # -- /introduce -----------------------------------------------------------------------

    async def on_introduce(self, event: CommandInvoked, ctx: Ctx, args: dict[str, Any]
                           ) -> list[Action]:
        cfg = ctx.settings.introductions
        actor, community = event.actor, event.community
        given = {f.name: (args.get(f.name) or "").strip() for f in self.fields}
        before = await self.store.get(community, actor.user_id)
        if before is not None:
            # An update changes the fields given and keeps the rest (a modal starts empty).
            given = {name: value or before.value(name) for name, value in given.items()}
        for field in self.fields:
            # A first introduction needs its required answers; an update keeps the old ones.
            if field.required and not given.get(field.name):
                option = self.introduce.option(field.name)
                assert option is not None
                raise UsageError("missing_option", option=option)
        answers = list(given.items())
        first = await self.store.save(community, actor.user_id, answers,
                                                      ctx.now, "form")
        await self.services.scheduler.cancel(self._reminder_key(event))
        name = self._call_name(actor, dict(answers), cfg)
        channel = ctx.channel(cfg.channel)
        text = self.say(ctx, cfg.messages.post, member=Mention(actor.user_id, actor.name),
                        name=name, details=self._details(ctx, answers, cfg))
        if not first:
            return [EditPost(community, channel, post_key(actor.user_id), text),
                    Respond(community, actor.user_id,
                            self.say(ctx, cfg.messages.updated, name=name))]
        return [
            Post(community, channel, text, key=post_key(actor.user_id)),
            self._welcome(ctx, actor.user_id, name),
            Respond(community, actor.user_id, self.say(ctx, cfg.messages.saved, name=name)),
            self._recognition(ctx, actor.user_id, actor.name),
        ]

    def _call_name(self, actor: Actor, answers: dict[str, str], cfg: IntroductionsSettings
                   ) -> str:
        return (answers.get(cfg.name_field) if cfg.name_field else None) or actor.name

    def _details(self, ctx: Ctx, answers: list[tuple[str, str]] | tuple[tuple[str, str], ...],
                 cfg: IntroductionsSettings) -> Text:
        labels = {f.name: f.label for f in self.fields}
        lines = [self.say(ctx, cfg.messages.field_line,
                          label=Text.of(labels.get(field, MESSAGE_LABEL)), value=UserText(value))
                 for field, value in answers if value]
        return Text.join(lines)

    def _welcome(self, ctx: Ctx, user_id: str, name: str) -> Post:
        cfg = ctx.settings.introductions
        text = self.say(ctx, cfg.messages.welcome, member=Mention(user_id, name), name=name,
                        community=ctx.settings.community.name)
        return Post(ctx.community, ctx.channel(cfg.channel), text)

    @staticmethod
    def _recognition(ctx: Ctx, user_id: str, name: str) -> Emit:
        # Lets reputation check badges like "introduced" without the cogs knowing each other.
        return Emit(ctx.community, Recognition(ctx.community, ctx.now, user_id=user_id,
                                               name=name, source="introduction"))

    # -- introductions posted straight into the channel -------------------------------------

    async def on_message(self, event: MessagePosted, ctx: Ctx) -> list[Action]:
        cfg = ctx.settings.introductions
        channel = ctx.channel(cfg.channel)
        if (event.channel_name != channel and event.channel != channel) or \
                not cfg.count_channel_messages or event.author.is_bot:
            return _NOTHING
        content = clean(event.content).strip()
        if len(content) < cfg.min_message_length or content.startswith("/"):
            return _NOTHING
        author = event.author
        if await self.store.exists(event.community, author.user_id):
            return _NOTHING
        # The post itself stays in the channel; the copy /whois shows is kept to form size.
        content = _trim(content, max((f.max_length for f in self.fields), default=1000))
        await self.store.save(event.community, author.user_id,
                                              [(MESSAGE_FIELD, content)], ctx.now, "message")
        await self.services.scheduler.cancel(self._reminder_key(event))
        return [self._welcome(ctx, author.user_id, author.name),
                self._recognition(ctx, author.user_id, author.name)]

    # -- the reminder ---------------------------------------------------------------------

    @staticmethod
    def _reminder_key(event: MemberJoined | MemberLeft | CommandInvoked | MessagePosted) -> str:
        who = (event.member if isinstance(event, MemberJoined | MemberLeft)
               else event.actor if isinstance(event, CommandInvoked) else event.author)
        return f"{REMINDER}:{event.community.key}:{who.user_id}"

    async def on_join(self, event: MemberJoined, ctx: Ctx) -> list[Action]:
        cfg = ctx.settings.introductions
        member = event.member
        if not cfg.reminder or member.is_bot:
            return []
        if await self.store.exists(event.community, member.user_id):
            return []
        await self.services.scheduler.schedule(
            REMINDER, self._reminder_key(event), event.community, ctx.now + cfg.reminder_after,
            {"user_id": member.user_id})
        return []

    async def on_leave(self, event: MemberLeft, ctx: Ctx) -> list[Action]:
        await self.services.scheduler.cancel(self._reminder_key(event))
        return []

    async def remind(self, job: Job) -> list[Action]:
        community, user_id = job.community, job.payload["user_id"]
        ctx = self.services.context(community, job.due_at)
        cfg = ctx.settings.introductions
        member = await self.services.members.get(community, user_id)
        # Checked again here: they may have introduced themselves or left since joining.
        if member is None or member.left_at is not None or not cfg.reminder:
            return []
        if await self.store.exists(community, user_id):
            return []
        text = self.say(ctx, cfg.messages.reminder, name=member.name,
                                            community=ctx.settings.community.name)
        return [DirectMessage(community, user_id, text)]

    # -- /whois ---------------------------------------------------------------------------

    @command(WHOIS)
    async def whois(self, event: CommandInvoked, ctx: Ctx, member: MemberRef
                    ) -> list[Action]:
        cfg = ctx.settings.introductions
        ref = member
        record = await self.services.members.get(event.community, ref.user_id)
        if record is None:
            text = self.say(ctx, cfg.messages.unknown_member, name=ref.name or ref.user_id)
            return [Respond(event.community, event.actor.user_id, text)]
        intro = await self.store.get(event.community, ref.user_id)
        standing = await self.services.standing(event.community, ref.user_id)
        badges = (Text.of(", ".join(sorted(standing.badges))) if standing.badges
                  else self.say(ctx, cfg.messages.no_badges, name=record.name))
        name = self._intro_name(intro, record.name, cfg)
        text = self.say(
            ctx, cfg.messages.whois, member=Mention(record.user_id, record.name), name=name,
            since=record.first_joined, tenure=max(ctx.now - record.first_joined, _MINUTE),
            points=standing.points, badges=badges,
            introduction=(self._details(ctx, intro.fields, cfg) if intro else
                          self.say(ctx, cfg.messages.whois_no_introduction, name=name)))
        return [Respond(event.community, event.actor.user_id, text)]

    @staticmethod
    def _intro_name(intro: Introduction | None, fallback: str, cfg: IntroductionsSettings
                    ) -> str:
        if intro is None or not cfg.name_field:
            return fallback
        return intro.value(cfg.name_field) or fallback
