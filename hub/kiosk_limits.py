"""Per-kiosk volume limits: a kiosk's genuine token cannot flood the hub.

Three budgets per kiosk, each `rate` at once and then `rate` per minute: every
kiosk API call, contact requests (POST /kiosk/v1/requests) and call requests on
the signaling socket. Past one, the kiosk API answers 429 with `Retry-After`
(the kiosk keeps its request and tries again later) and the signaling socket
answers an `ErrorMessage` "rate-limited" (the call is not recorded). The
budgets live in this process's memory: a hub replica counts its own share.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from enum import StrEnum

from hub.config import HubConfig
from hub.ratelimit import TokenBuckets


class Budget(StrEnum):
    """What a kiosk spends."""

    API = "api"
    REQUESTS = "requests"
    CALLS = "calls"


class KioskLimits:
    """The budgets of every kiosk (see the module docstring)."""

    def __init__(
        self, rates: dict[Budget, int], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._buckets = {budget: TokenBuckets.per_minute(rate) for budget, rate in rates.items()}
        self._clock = clock
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: HubConfig) -> KioskLimits:
        """The rates of [kiosk_api] and [calls]."""
        return cls(
            {
                Budget.API: config.kiosk_api.api_per_minute,
                Budget.REQUESTS: config.kiosk_api.requests_per_minute,
                Budget.CALLS: config.calls.requests_per_minute,
            }
        )

    def spend(self, kiosk_id: str, budget: Budget) -> int:
        """Spend one unit: 0 when allowed, else the whole seconds to wait."""
        with self._lock:
            wait = self._buckets[budget].take(kiosk_id, self._clock())
        return math.ceil(wait) if wait else 0
