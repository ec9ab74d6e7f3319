"""Rate-limited logging: a refusal repeated thousands of times a second is one line."""

from __future__ import annotations

import logging
import time


class RateLimitedLog:
    """Logs a given key at most once per `period` seconds, with the count suppressed."""

    def __init__(self, logger: logging.Logger, period: float = 10.0) -> None:
        self.logger = logger
        self.period = period
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def warning(self, key: str, msg: str, *args: object) -> None:
        """Log `msg` unless `key` was logged less than `period` seconds ago."""
        self.log(logging.WARNING, key, msg, *args)

    def error(self, key: str, msg: str, *args: object) -> None:
        """As `warning`, at the error level."""
        self.log(logging.ERROR, key, msg, *args)

    def log(self, level: int, key: str, msg: str, *args: object) -> None:
        """Log `msg` at `level` unless `key` was logged less than `period` seconds ago."""
        now = time.monotonic()
        if now - self._last.get(key, -1e9) < self.period:
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return
        skipped = self._suppressed.pop(key, 0)
        self._last[key] = now
        suffix = f" ({skipped} similar suppressed)" if skipped else ""
        self.logger.log(level, msg + suffix, *args)
