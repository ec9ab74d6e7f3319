"""Capped exponential backoff with jitter, for reconnecting to the broker.

paho's own `reconnect_delay_set` doubles without jitter, so a fleet that lost
its broker would come back in lockstep; the agent owns its reconnect delays.
"""

from __future__ import annotations

import random


class Backoff:
    """Delays that double from `minimum` up to `maximum`, each shortened by a random part.

    With `jitter = 0.5` ("equal jitter") the n-th delay lies in
    (c/2, c] where c = min(maximum, minimum * factor**n): spread out, yet
    never shorter than the previous step's ceiling's half. `reset()` after a
    successful connection starts again from `minimum`.
    """

    def __init__(
        self,
        minimum: float,
        maximum: float,
        *,
        factor: float = 2.0,
        jitter: float = 0.5,
        rng: random.Random | None = None,
    ) -> None:
        if minimum <= 0 or factor < 1 or not 0 <= jitter <= 1:
            raise ValueError("backoff needs minimum > 0, factor >= 1 and 0 <= jitter <= 1")
        self.minimum = minimum
        self.maximum = max(minimum, maximum)
        self.factor = factor
        self.jitter = jitter
        self.attempts = 0
        self._rng = rng or random.Random()

    def ceiling(self) -> float:
        """The longest the next delay can be."""
        # Cap the exponent too: factor**attempts would overflow after a long outage.
        exponent = min(self.attempts, 64)
        return min(self.maximum, self.minimum * self.factor**exponent)

    def next(self) -> float:
        """The delay to wait before the next attempt (seconds); counts one attempt."""
        ceiling = self.ceiling()
        self.attempts += 1
        return ceiling * (1 - self.jitter * self._rng.random())

    def reset(self) -> None:
        """Start again from the minimum (call after a successful connection)."""
        self.attempts = 0
