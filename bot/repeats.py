"""Repeated failures of one cause, logged once with a count.

A failing disk fails every write the same way; logging each would bury the one line an admin
needs. The first failure of a cause is logged; the same cause again is only counted; when the
cause changes, or things work again, one line says how many times it happened.
"""

from __future__ import annotations

import logging


class Repeats:
    def __init__(self, logger: logging.Logger, what: str) -> None:
        self.log = logger
        self.what = what  # "storage": names the thing failing in the summary lines
        self.cause: str | None = None
        self.count = 0

    def failed(self, cause: str, first: str, *args: object) -> None:
        """A failure of `cause`; `first` (with args) is logged only when the cause is new."""
        if cause == self.cause:
            self.count += 1
            return
        self._summary("then changed")
        self.cause, self.count = cause, 1
        self.log.error(first, *args)

    def succeeded(self) -> None:
        """Things work again: say so once, with how often the last cause failed."""
        if self.cause is not None:
            self._summary("then recovered")
            self.log.warning("%s works again", self.what)
            self.cause, self.count = None, 0

    def _summary(self, then: str) -> None:
        if self.cause is not None and self.count > 1:
            self.log.error("%s failed %d times in all with: %s; %s", self.what, self.count,
                           self.cause, then)
