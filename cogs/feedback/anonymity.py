"""Who sent an item, as a keyed hash only: enough to rate-limit a member and let them follow
their own items, never enough for anyone reading the items to name them.

The key comes from HEARTH_FEEDBACK_KEY when set. Without it, a random key is generated once and
kept in its own table (feedback_secret), never beside the items; see README "Anonymity".
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping

from bot.events import Community

ENV_KEY = "HEARTH_FEEDBACK_KEY"
# Shorter keys are refused: the hash is only as strong as the key behind it.
MIN_KEY_LENGTH = 16


class FeedbackKeyError(ValueError):
    """HEARTH_FEEDBACK_KEY is set but too short to protect anyone."""


def env_key(environ: Mapping[str, str]) -> bytes | None:
    value = environ.get(ENV_KEY, "")
    if not value:
        return None
    if len(value) < MIN_KEY_LENGTH:
        raise FeedbackKeyError(
            f"{ENV_KEY} must be at least {MIN_KEY_LENGTH} characters; generate one with "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`")
    return value.encode("utf-8")


def new_key() -> str:
    return secrets.token_hex(32)


def author_key(key: bytes, community: Community, user_id: str) -> str:
    """The member's keyed hash in one community (the same member elsewhere hashes apart)."""
    message = f"{community.platform}\x1f{community.id}\x1f{user_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
