"""Rate-limited logging: a warning that repeats every second is logged once a minute.

A kiosk without network would otherwise fill its SD card (and journald) with
the same line; the count of suppressed repeats is kept and reported.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class RateLimitedLog:
    """Logs a message per `key` at most once every `interval_s` seconds."""

    def __init__(
        self,
        logger: logging.Logger,
        interval_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.interval_s = interval_s
        self._clock = clock
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def log(self, level: int, key: str, msg: str, *args: object) -> bool:
        """Log unless `key` was logged less than `interval_s` ago; True when logged."""
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self.interval_s:
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return False
        suppressed = self._suppressed.pop(key, 0)
        if suppressed:
            msg, args = f"{msg} (%d similar suppressed)", (*args, suppressed)
        self._last[key] = now
        self.logger.log(level, msg, *args)
        return True

    def warning(self, key: str, msg: str, *args: object) -> bool:
        """A rate-limited warning."""
        return self.log(logging.WARNING, key, msg, *args)

    def error(self, key: str, msg: str, *args: object) -> bool:
        """A rate-limited error."""
        return self.log(logging.ERROR, key, msg, *args)

    def reset(self, key: str) -> None:
        """Forget `key`, so the next occurrence (a new episode) is logged at once."""
        self._last.pop(key, None)
        self._suppressed.pop(key, None)
