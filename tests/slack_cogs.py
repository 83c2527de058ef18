"""A probe feature for adapter tests: one spec of every shape an adapter must carry (member
options, group commands, a form, message actions, a moderator-only command, a timeout), so the
Slack adapter is proven against specs it has never seen, as features landing later will be."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.actions import Action, DirectMessage, EditPost, Post, Respond, Timeout
from bot.cog import Cog, Context, Listener
from bot.commands import Command, CommandKind, CommandSpec, Option, OptionType
from bot.events import CommandInvoked, Event, MessagePosted, ReactionAdded
from bot.permissions import Level
from bot.text import Mention, Text, UserText

KUDOS = CommandSpec("kudos", "Say thanks to someone.", (
    Option("member", OptionType.MEMBER, "Who helped"),
    Option("reason", OptionType.TEXT, "What they did", required=False),
))
CONTEST_ENTER = CommandSpec("raffle enter", "Enter a raffle.", (
    Option("contest", OptionType.INTEGER, "Contest number", min_value=1),
    Option("title", OptionType.TEXT, "Your entry's title"),
))
CONTEST_VOTE = CommandSpec("raffle vote", "Vote in a raffle.", (
    Option("contest", OptionType.INTEGER, "Contest number"),
))
ABOUT = CommandSpec("about", "Tell everyone a little about yourself.", (
    Option("bio", OptionType.TEXT, "A few lines about you", long=True, max_length=500),
    Option("pronouns", OptionType.CHOICE, "Your pronouns", required=False,
           choices=("she/her", "he/him", "they/them")),
    Option("years", OptionType.INTEGER, "Years in the hobby", required=False, min_value=0),
    Option("buddy", OptionType.MEMBER, "Who invited you", required=False),
), kind=CommandKind.FORM)
FLAG = CommandSpec("flag message", "Ask the moderators to look at a message.", (
    Option("message", OptionType.TEXT, "The message"),
    Option("reason", OptionType.TEXT, "What's wrong with it"),
), kind=CommandKind.MESSAGE_ACTION)
PIN = CommandSpec("save", "Save a message for later.", (
    Option("message", OptionType.TEXT, "The message"),
), kind=CommandKind.MESSAGE_ACTION)
ROLL = CommandSpec("roll", "List many lines (a long answer), publicly and privately.", (
    Option("lines", OptionType.INTEGER, "How many", min_value=1),
))
BOARD = CommandSpec("board", "Post or update a long board in this channel.", (
    Option("lines", OptionType.INTEGER, "How many", min_value=1),
))
CAUTION = CommandSpec("caution", "Caution a member (moderators).", (
    Option("member", OptionType.MEMBER, "Who"),
    Option("reason", OptionType.TEXT, "Why"),
), level=Level.MODERATOR)


class ProbeCog(Cog):
    name = "probe"

    def __init__(self, services: Any) -> None:
        super().__init__(services)
        self.seen: list[Event] = []
        self.args: list[tuple[str, dict[str, Any]]] = []
        self.events: list[CommandInvoked] = []

    def commands(self) -> list[Command]:
        return [*(Command(s, self.run) for s in (KUDOS, CONTEST_ENTER, CONTEST_VOTE, ABOUT,
                                                 FLAG, PIN, CAUTION)),
                Command(ROLL, self.roll), Command(BOARD, self.board)]

    def listeners(self) -> dict[type[Event], Listener]:
        return {ReactionAdded: self.on_event, MessagePosted: self.on_event}

    async def on_event(self, event: Event, ctx: Context) -> list[Action]:
        self.seen.append(event)
        if isinstance(event, ReactionAdded):
            author = event.message_author
            return [Post(event.community, "general", Text.of(
                f"{event.emoji} for ", UserText(author.name if author and author.name else "?"),
                " from ", UserText(event.reactor.name)))]
        return []

    async def run(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                  ) -> list[Action]:
        name = event.command or (event.line or "").split()[0]
        self.args.append((name, args))
        self.events.append(event)
        c = event.community
        if "member" in args and args["member"] is not None and name in ("kudos", "caution"):
            who = args["member"]
            if name == "caution":
                review = Text.of("Please review a caution for ", UserText(who.name or "?"),
                                 ": Slack has no timeouts.")
                note = Text.of("A calm note: ", UserText(args["reason"]))
                log = ctx.channel("mod_log")
                return [
                    DirectMessage(c, who.user_id, note,
                                  if_undelivered=(Post(c, log, Text.of("DM closed")),)),
                    Timeout(c, who.user_id, timedelta(hours=1), args["reason"],
                            if_unsupported=(Post(c, log, review),)),
                ]
            return [Post(c, event.channel or "general", Text.of(
                "Kudos to ", Mention(who.user_id, who.name or "?"), " (", UserText(who.name or "?"),
                ") from ", UserText(event.actor.name), ": ", UserText(args["reason"] or "")))]
        shown = ", ".join(f"{k}={_show(v)}" for k, v in sorted(args.items()) if v is not None)
        return [Respond(c, event.actor.user_id, Text((UserText(f"{name}: {shown}"),)))]


    async def roll(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                   ) -> list[Action]:
        """Numbered lines of member text with entities and a mention in each: what a long
        `/contest show` is made of."""
        text = _lines(event, args["lines"])
        c = event.community
        return [Post(c, event.channel or "general", text), Respond(c, event.actor.user_id, text)]

    async def board(self, event: CommandInvoked, ctx: Context, args: dict[str, Any]
                    ) -> list[Action]:
        """One post kept up to date: the first run posts it, later runs edit it."""
        return [EditPost(event.community, event.channel or "general", "board",
                         _lines(event, args["lines"]))]


def _lines(event: CommandInvoked, count: int) -> Text:
    return Text.join([Text.of(f"{i}. ", UserText("Fish & chips <best>"), " by ",
                              Mention(event.actor.user_id, event.actor.name), " ",
                              UserText("x" * 60))
                      for i in range(1, count + 1)])


def _show(value: Any) -> str:
    if hasattr(value, "message_id"):
        return f"{value.channel}/{value.message_id} by {value.author.user_id}: {value.content}"
    if hasattr(value, "user_id"):
        return f"{value.user_id}({value.name})"
    return str(value)


def probe(rig: Any) -> ProbeCog:
    """The ProbeCog in a Slack rig (see the `rig` fixture)."""
    return next(c for c in rig.app.runtime.cogs if isinstance(c, ProbeCog))
