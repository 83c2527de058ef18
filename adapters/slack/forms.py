"""Command specs as Slack modals: one input block per option, and the submission back to args.

Works for any spec: FORM commands (`/introduce`) and the remaining options of a message
shortcut. What the modal is for travels in `private_metadata`, so no state is kept between the
modal opening and its submission.
"""

from __future__ import annotations

import json
from typing import Any

from bot.commands import CommandSpec, Option, OptionType
from bot.events import MemberRef

CALLBACK_ID = "hearth_form"
ACTION_ID = "value"
# Slack's limits: modal title 24 characters, private_metadata 3000, label 2000, hint 2000.
TITLE_MAX = 24
METADATA_MAX = 3000
_TEXT_MAX = 3000


def fillable(spec: CommandSpec) -> list[Option]:
    """The options a member types; a message action's target comes from the message itself."""
    return [o for o in spec.options if o.name != "message"]


def modal(spec: CommandSpec, metadata: dict[str, Any]) -> dict[str, Any]:
    """A `views.open` view for `spec`; `metadata` comes back with the submission."""
    title = spec.name.replace("_", " ").title()
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": pack({"c": spec.name, **metadata}),
        "title": _plain(title[:TITLE_MAX]),
        "submit": _plain("Send"),
        "close": _plain("Cancel"),
        "blocks": [
            {"type": "section", "text": _plain(spec.description[:_TEXT_MAX])},
            *(_input(o) for o in fillable(spec)),
        ],
    }


def notice(spec: CommandSpec, mrkdwn: str) -> dict[str, Any]:
    """A form replaced by a message (`views.update`): nothing to fill in, only Close."""
    return {
        "type": "modal",
        "callback_id": f"{CALLBACK_ID}_notice",
        "title": _plain(spec.name.replace("_", " ").title()[:TITLE_MAX]),
        "close": _plain("Close"),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn[:_TEXT_MAX]}}],
    }


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text or " ", "emoji": True}


def _input(opt: Option) -> dict[str, Any]:
    element: dict[str, Any]
    if opt.type is OptionType.MEMBER:
        element = {"type": "users_select"}
    elif opt.type is OptionType.CHOICE:
        element = {"type": "static_select", "options": [
            {"text": _plain(c[:75]), "value": c[:150]} for c in opt.choices[:100]]}
    elif opt.type is OptionType.INTEGER:
        element = {"type": "number_input", "is_decimal_allowed": False}
        if opt.min_value is not None:
            element["min_value"] = str(opt.min_value)
        if opt.max_value is not None:
            element["max_value"] = str(opt.max_value)
    else:
        element = {"type": "plain_text_input", "multiline": opt.long,
                   "max_length": min(opt.max_length, _TEXT_MAX)}
    element["action_id"] = ACTION_ID
    placeholder = opt.placeholder or _placeholder(opt)
    if placeholder:
        element["placeholder"] = _plain(placeholder[:150])
    block: dict[str, Any] = {
        "type": "input",
        "block_id": opt.name,
        "optional": not opt.required,
        "label": _plain((opt.label or opt.name.replace("_", " ").capitalize())[:2000]),
        "element": element,
    }
    if opt.description:
        block["hint"] = _plain(opt.description[:2000])
    return block


def _placeholder(opt: Option) -> str | None:
    if opt.type is OptionType.DURATION:
        return "e.g. 3d or 90m"
    if opt.type is OptionType.DATETIME:
        return "e.g. 3d, or 2026-12-24 18:00"
    return None


def submission(spec: CommandSpec, values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Raw args from `view.state.values`, for the core's `bind` to check like any other."""
    args: dict[str, Any] = {}
    for opt in fillable(spec):
        state = (values.get(opt.name) or {}).get(ACTION_ID) or {}
        if opt.type is OptionType.MEMBER:
            if state.get("selected_user"):
                args[opt.name] = MemberRef(state["selected_user"])
        elif opt.type is OptionType.CHOICE:
            if state.get("selected_option"):
                args[opt.name] = state["selected_option"]["value"]
        elif state.get("value") not in (None, ""):
            args[opt.name] = state["value"]
    return args


def pack(metadata: dict[str, Any]) -> str:
    """JSON within Slack's 3000 characters; a message's text (`t`) is shortened to fit."""
    text = json.dumps(metadata, separators=(",", ":"), ensure_ascii=False)
    body = metadata.get("t")
    if len(text) <= METADATA_MAX or not isinstance(body, str) or len(body) <= 1:
        return text
    over = len(text) - METADATA_MAX
    return pack({**metadata, "t": body[: max(0, len(body) - over - 8)] + "…"})


def unpack(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
