"""What contests say: every message rendered from the `[contests.messages]` templates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from bot.actions import Action, Post, Respond
from bot.cog import CommunityConfig, Context
from bot.events import CommandInvoked
from bot.templates import counted
from bot.text import Literal, Mention, Text, UserText
from cogs.contests import draw
from cogs.contests.rules import announcement_key, label, places_to_fill
from cogs.contests.settings import ContestsSettings
from cogs.contests.store import ContestRecord, EntryRecord, WinnerRecord


class ContestsConfig(CommunityConfig, Protocol):
    contests: ContestsSettings


# What contests' handlers are given: `ctx.settings.contests` is typed.
Ctx = Context[ContestsConfig]


def _cfg(ctx: Ctx) -> ContestsSettings:
    return ctx.settings.contests


class ContestTexts:
    """Contest messages by their key in `[contests.messages]`, rendered the one way every
    feature renders (`Cog.say`)."""

    def __init__(self, render: Callable[..., Text]) -> None:
        self.render = render

    def say(self, ctx: Ctx, key: str, **values: Any) -> Text:
        return self.render(ctx, getattr(_cfg(ctx).messages, key), **values)

    def reply(self, event: CommandInvoked, ctx: Ctx, key: str, **values: Any
               ) -> list[Action]:
        return [Respond(event.community, event.actor.user_id, self.say(ctx, key, **values))]

    def post(self, ctx: Ctx, channel_key: str, text: Text, key: str | None = None) -> Post:
        return Post(ctx.community, ctx.channel(channel_key), text, key=key)

    @staticmethod
    def fields(contest: ContestRecord) -> dict[str, Any]:
        return {"contest": label(contest.number), "title": contest.title}

    def rule(self, ctx: Ctx, method: str) -> Text:
        return self.say(ctx, f"rule_{method}")

    def take_part(self, ctx: Ctx, contest: ContestRecord) -> Text:
        key = "take_part_votes" if contest.method == "votes" else "take_part"
        return self.say(ctx, key, contest=label(contest.number))

    def requirements(self, ctx: Ctx, contest: ContestRecord) -> Text:
        parts = []
        if contest.min_days:
            parts.append(self.say(ctx, "requirement_days",
                                  days=counted(contest.min_days, "day", "days")))
        if contest.min_reputation:
            parts.append(self.say(ctx, "requirement_reputation", points=contest.min_reputation))
        if contest.badge:
            parts.append(self.say(ctx, "requirement_badge", badge=contest.badge))
        if not parts:
            return Text()
        listed = Text.join(parts[:-1], ", ") + Text.of(" and ") + parts[-1] if len(parts) > 1 \
            else parts[0]
        return self.say(ctx, "requirements", list=listed)

    def entry_post(self, ctx: Ctx, contest: ContestRecord, number: int, name: str,
                    content: str) -> list[Action]:
        cfg = _cfg(ctx)
        if not cfg.post_entries:
            return []
        if contest.anonymous:
            text = self.say(ctx, "entry_posted_anonymous", **self.fields(contest), entry=number,
                             content=content)
        else:
            text = self.say(ctx, "entry_posted", **self.fields(contest), entry=number, name=name,
                             content=content)
        return [self.post(ctx, cfg.channel, text)]

    def judging(self, ctx: Ctx, contest: ContestRecord, entries: list[EntryRecord]
                 ) -> list[Action]:
        cfg, c = _cfg(ctx), self.fields(contest)
        count = counted(len(entries), "entry", "entries")
        return [
            self.post(ctx, cfg.channel, self.say(ctx, "judging", **c, entries=count),
                       key=announcement_key(contest)),
            self.post(ctx, cfg.mod_channel, self.say(
                ctx, "pick_needed", **c, entries=count,
                winners=counted(places_to_fill(contest, entries), "winner", "winners"))),
        ]

    def announcement(self, ctx: Ctx, contest: ContestRecord, entries: list[EntryRecord],
                      winners: list[WinnerRecord], unreviewed: int = 0) -> Post:
        cfg, c, key = _cfg(ctx), self.fields(contest), announcement_key(contest)
        waiting = counted(unreviewed, "entry", "entries")
        if not winners and unreviewed:
            return self.post(ctx, cfg.channel, self.say(
                ctx, "closed_only_unreviewed", **c,
                unreviewed=counted(unreviewed, "entry was", "entries were")), key)
        if not winners:
            return self.post(ctx, cfg.channel, self.say(ctx, "closed_no_entries", **c), key)
        text = self.say(
            ctx, "closed", **c, entries=counted(len(entries), "entry", "entries"),
            unreviewed=self.say(ctx, "closed_unreviewed", unreviewed=waiting)
            if unreviewed else Text(),
            entrants=counted(len({e.user_id for e in entries}), "member", "members"),
            winners=self.winner_list(ctx, contest, winners, mention=True), award=cfg.award,
            rule=self.rule(ctx, contest.method), audit=self.audit(ctx, contest))
        return self.post(ctx, cfg.channel, trim(text), key)

    def audit(self, ctx: Ctx, contest: ContestRecord) -> Text:
        if contest.method == "pick" or not contest.seed_input:
            return Text()
        return self.say(ctx, "audit", seed=draw.sha256(contest.seed_input),
                         seed_input=contest.seed_input, secret=contest.secret)

    def winner_list(self, ctx: Ctx, contest: ContestRecord, winners: list[WinnerRecord],
                     *, mention: bool) -> Text:
        parts = []
        for w in winners:
            who = Mention(w.user_id, w.name) if mention else UserText(w.name)
            if contest.method == "votes" and w.votes:
                parts.append(self.say(ctx, "winner_votes", member=who, entry=w.entry,
                                       votes=w.votes or 0))
            else:
                parts.append(self.say(ctx, "winner", member=who, entry=w.entry))
        if len(parts) == 1:
            return parts[0]
        return Text.join(parts[:-1], ", ") + Text.of(" and ") + parts[-1]


def trim(text: Text) -> Text:
    """Drop trailing blank lines left by an empty optional part (no audit for picks)."""
    segments = list(text.segments)
    while segments and isinstance(segments[-1], Literal) and not segments[-1].text.strip():
        segments.pop()
    if segments and isinstance(segments[-1], Literal):
        segments[-1] = Literal(segments[-1].text.rstrip())
    return Text(tuple(segments))
