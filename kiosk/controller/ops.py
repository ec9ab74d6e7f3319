"""The ops gate: the technician's PIN, its lockout, and what the ops menu shows."""

from __future__ import annotations

import hmac
import time


class OpsGate:
    """Checks the ops PIN; after `attempts` wrong ones, refuses to open for `lock_s` seconds."""

    def __init__(self, pin: str, attempts: int, lock_s: float) -> None:
        self._pin = pin.encode()
        self._attempts = max(1, attempts)
        self._lock_s = lock_s
        self._failures = 0
        self._locked_until = 0.0

    def locked(self, now: float | None = None) -> bool:
        """True while the long press must do nothing."""
        return (time.monotonic() if now is None else now) < self._locked_until

    def check(self, entry: str, now: float | None = None) -> bool:
        """True for the right PIN (constant-time comparison); counts wrong ones."""
        if self.locked(now):
            return False
        if hmac.compare_digest(entry.encode(), self._pin):
            self._failures = 0
            return True
        self._failures += 1
        if self._failures >= self._attempts:
            self._failures = 0
            self._locked_until = (time.monotonic() if now is None else now) + self._lock_s
        return False


OPS_FACTS = ("site", "online", "catalog-age", "printer", "pending-requests", "speech")
"""The maintenance menu's facts, in order: `View.ops_info` keys. Values are machine
values ("yes"/"no", minutes as digits or "" for never, a DeviceState value, a count
or "?"); the UI words them."""


def yes_no(flag: bool) -> str:
    """How the ops menu shows a flag."""
    return "yes" if flag else "no"
