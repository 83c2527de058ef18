"""Logging to stderr, with secrets scrubbed from every record before it is written."""

from __future__ import annotations

import logging
import os
import re
import sys

SECRET_VARIABLES = ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")
# Token shapes, caught even when they arrive from somewhere other than our variables.
_TOKEN_SHAPES = re.compile(
    r"xox[abposr]-[A-Za-z0-9-]{8,}|xapp-[A-Za-z0-9-]{8,}"
    r"|[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"
)


def redact(text: str, secrets: list[str] | None = None) -> str:
    for secret in secrets if secrets is not None else _secrets():
        text = text.replace(secret, "[redacted]")
    return _TOKEN_SHAPES.sub("[redacted]", text)


def _secrets() -> list[str]:
    # Short values would redact ordinary words; real tokens are long.
    return [v for k in SECRET_VARIABLES if len(v := os.environ.get(k, "")) >= 8]


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if clean != message or record.args:
            record.msg, record.args = clean, None
        return True


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Library chatter at INFO drowns out what an admin needs to see.
    for noisy in ("discord", "slack_bolt", "slack_sdk", "apscheduler", "aiosqlite"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
