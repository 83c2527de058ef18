"""Logging to stderr as text or JSON lines, with secrets scrubbed from every record before it
is written.

Scrubbing happens where records are made (a log record factory), so every handler sees clean
records: ours, ones libraries attach to their own loggers, and ones added after start-up. The
filter on our handler stays as a second line for records made before `configure` ran.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, quote_plus

SECRET_VARIABLES = ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET",
                    "HEARTH_FEEDBACK_KEY", "PGPASSWORD", "HEARTH_DATABASE_URL")
# Token shapes, caught even when they arrive from somewhere other than our variables.
_TOKEN_SHAPES = re.compile(
    r"xox[abposr]-[A-Za-z0-9-]{8,}|xapp-[A-Za-z0-9-]{8,}"
    r"|[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"
)


# The event being handled in this task, for JSON logs (event id, community). The runtime sets
# it only when JSON logs asked for it, so text logging costs the hot path nothing.
CURRENT_EVENT: ContextVar[Any] = ContextVar("hearth_current_event", default=None)
# The password in a URL (postgresql://user:PASSWORD@host/db), wherever the URL came from.
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]*@", re.IGNORECASE)


def redact(text: str, secrets: list[str] | None = None) -> str:
    for secret in secrets if secrets is not None else _secrets():
        text = text.replace(secret, "[redacted]")
    return _TOKEN_SHAPES.sub("[redacted]", url_without_password(text))


def url_without_password(text: str) -> str:
    """`text` with the password of any URL in it replaced."""
    return _URL_PASSWORD.sub(r"\1[redacted]@", text)


def _secrets() -> list[str]:
    """Every form each secret takes on its way out: as set (an env file may leave a trailing
    newline), stripped (as clients send it) and URL-encoded (in a query or a form body);
    longest first, so a raw value is replaced whole before its stripped part."""
    forms: set[str] = set()
    for name in SECRET_VARIABLES:
        raw = os.environ.get(name, "")
        for value in (raw, raw.strip()):
            # Short values would redact ordinary words; real tokens are long.
            if len(value) >= 8:
                forms.update((value, quote(value, safe=""), quote_plus(value), quote(value)))
    return sorted(forms, key=len, reverse=True)


def scrub(record: logging.LogRecord) -> None:
    """Redact the message, its arguments, the traceback and the stack of one record."""
    secrets = _secrets()
    message = record.getMessage()
    clean = redact(message, secrets)
    if clean != message or record.args:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[1] is not None:
        # Formatted once, here, so no formatter can print the raw traceback later.
        record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
    if record.exc_text:
        record.exc_text = redact(record.exc_text, secrets)
    if record.stack_info:
        record.stack_info = redact(record.stack_info, secrets)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            scrub(record)
        except Exception:
            # A record whose message can't be formatted: let the handler report it as usual.
            pass
        return True


def _redacting_factory() -> None:
    """Scrub every record as it is made, whichever logger or handler it goes to."""
    make = logging.getLogRecordFactory()
    if getattr(make, "redacts", False):
        return

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            scrub(record)
        except Exception:
            pass  # the handler's own error reporting (and our filter) deal with it
        return record

    factory.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class _RedactingStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    def handleError(self, record: logging.LogRecord) -> None:
        # logging's default prints the raw traceback of the failure, including the exception
        # being handled when the record was logged (whose message may hold a token).
        if not logging.raiseExceptions or sys.stderr is None:
            return
        try:
            sys.stderr.write(redact(f"--- Logging error in {record.name}:\n"
                                    f"{traceback.format_exc()}"))
        except Exception:
            pass  # nowhere left to report to


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the event id and community
    of the event being handled, where known. Records are scrubbed before they get here."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        event = CURRENT_EVENT.get()
        if event is not None:
            if getattr(event, "event_id", None):
                out["event_id"] = event.event_id
            out["community"] = event.community.key
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["traceback"] = record.exc_text
        if record.stack_info:
            out["stack"] = record.stack_info
        # ensure_ascii keeps each object on one physical line whatever the message holds.
        return json.dumps(out, ensure_ascii=True)


LOG_FORMATS = ("text", "json")


def configure(level: str = "INFO", fmt: str = "text") -> None:
    handler = _RedactingStreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    _redacting_factory()
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Library chatter at INFO drowns out what an admin needs to see.
    for noisy in ("discord", "slack_bolt", "slack_sdk", "apscheduler", "aiosqlite"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
