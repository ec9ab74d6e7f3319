"""Token buckets by key: how the hub says "not so fast" to one client without a database."""

from __future__ import annotations

from collections import OrderedDict

MAX_TRACKED = 50_000
"""Keys kept; the least recently used go first, so memory stays bounded."""


class TokenBuckets:
    """`burst` tokens per key, one more every `every_s` seconds (not thread-safe)."""

    def __init__(self, burst: int, every_s: float) -> None:
        self.burst = burst
        self.every_s = every_s
        self._state: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str, now: float) -> float:
        """Take a token for `key`: 0 when granted, else the seconds until one is free."""
        tokens, since = self._state.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - since) / self.every_s)
        if tokens < 1:
            self._state[key] = (tokens, now)
            return (1 - tokens) * self.every_s
        self._state[key] = (tokens - 1, now)
        while len(self._state) > MAX_TRACKED:
            self._state.popitem(last=False)
        return 0.0

    @classmethod
    def per_minute(cls, rate: int) -> TokenBuckets:
        """`rate` at once, then `rate` per minute."""
        return cls(rate, 60.0 / rate)
