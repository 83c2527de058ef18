"""Every action the core can return has a handler in every platform's sink.

Sinks dispatch through a table keyed by action type (`HANDLERS`); an action type added to
bot/actions.py without a handler somewhere fails here, instead of being dropped at run time as
"unsupported"."""

from __future__ import annotations

import inspect

import pytest

from adapters.console.session import ConsoleSession
from adapters.discord.outbound import DiscordSink
from adapters.slack import outbound as slack_outbound
from bot import actions
from bot.actions import Action, Emit

# Emit never reaches a sink: the runtime hands its event to the cogs and delivers their answer.
RUNTIME_ONLY = {Action, Emit}
ACTION_TYPES = sorted(
    (c for c in vars(actions).values()
     if inspect.isclass(c) and issubclass(c, Action) and c not in RUNTIME_ONLY),
    key=lambda c: c.__name__)


def test_the_action_list_is_what_bot_actions_declares() -> None:
    names = {c.__name__ for c in ACTION_TYPES}
    assert {"Post", "EditPost", "Respond", "DirectMessage", "GrantRole", "RemoveRole",
            "Timeout"} <= names


@pytest.mark.parametrize("sink", [ConsoleSession, DiscordSink, slack_outbound.Outbound],
                         ids=["console", "discord", "slack"])
@pytest.mark.parametrize("action", ACTION_TYPES, ids=lambda c: c.__name__)
def test_every_action_has_a_handler_in_every_sink(sink: type, action: type[Action]) -> None:
    table = sink.HANDLERS
    assert action in table, f"{sink.__name__} has no handler for {action.__name__}"
