"""Cheap checks in front of the staff log-in's slow password hash.

A log-in costs a 64 MiB argon2 hash. Without a guard, 40 parallel attempts with
random e-mails (no account needed) took a hub from 89 MiB to 2.5 GiB and the
kiosks' requests from 10 ms to 10 s. So, before any hash and in this order:

1. Per client address: a token bucket (`ip_burst` attempts, then one every
   `ip_every_s`), whatever the account, known or not.
2. Per account, across addresses: a slower bucket (`account_burst`, then one
   every `account_every_s`). It only slows an account down: an attacker
   spending its tokens cannot lock the real user out for good, the page says
   how long to wait, and their own address keeps its own allowance below.
3. Per (account, address): `LOGIN_MAX_FAILURES` failures in the window lock
   that pair (hub.auth, from the audit log that every replica shares), plus
   the attempts of this process still being checked, so parallel attempts
   cannot race past it.
4. Globally: at most `hashes` checks run at once in a pool of their own (never
   the thread pool the kiosk API uses), and `queue` wait; more are refused at
   once with a short retry time. One hash at a time uses 64 MiB and, with
   argon2's 4 lanes, 4 threads: on a 2-core hub, two at once starved the kiosk
   API (p95 ×27 in bench/hostile.py). The pool's threads also run at a lower
   priority (nice 10, inherited by argon2's own threads), so a flood of
   log-ins slows log-ins, not kiosks.

Every attempt is counted when it is admitted, before its hash. Unknown e-mails
cost the same hash (hub.auth) and count in the same limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from hub.errors import HubError
from hub.ratelimit import TokenBuckets

_T = TypeVar("_T")


@dataclass(frozen=True)
class GuardSettings:
    """The guard's limits (see the module docstring)."""

    ip_burst: int = 20
    ip_every_s: float = 10.0
    account_burst: int = 10
    account_every_s: float = 30.0
    hashes: int = 1
    queue: int = 4


class Refused(HubError):
    """An attempt refused before any hash; `retry_after_s` says when to try again."""

    def __init__(self, reason: str, retry_after_s: int) -> None:
        super().__init__(f"{reason}: retry in {retry_after_s} s")
        self.reason = reason
        self.retry_after_s = retry_after_s


HASH_NICE = 10


def _lower_priority() -> None:
    """Lower this thread's priority (Linux: nice is per thread, inherited by the threads it
    starts); elsewhere, leave it."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICE)


class LoginGuard:
    """Admits log-in attempts and runs their checks in a bounded pool of their own."""

    def __init__(
        self, settings: GuardSettings | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = s = settings or GuardSettings()
        self._clock = clock
        self._lock = threading.Lock()
        self._ip = TokenBuckets(s.ip_burst, s.ip_every_s)
        self._account = TokenBuckets(s.account_burst, s.account_every_s)
        self._admitted = 0
        self._pending: dict[tuple[str, str], int] = {}
        self._pool: ThreadPoolExecutor | None = None

    def pending(self, email: str, ip: str) -> int:
        """Attempts for (email, ip) admitted and not finished yet (in this process)."""
        with self._lock:
            return self._pending.get((email, ip), 0)

    def _admit(self, email: str, ip: str) -> None:
        s = self.settings
        with self._lock:
            if self._admitted >= s.hashes + s.queue:
                raise Refused("busy", 2)
            now = self._clock()
            wait = self._ip.take(ip, now)
            if wait:
                raise Refused("address", math.ceil(wait))
            wait = self._account.take(email, now)
            if wait:
                raise Refused("account", math.ceil(wait))
            self._admitted += 1
            self._pending[(email, ip)] = self._pending.get((email, ip), 0) + 1

    def _release(self, email: str, ip: str) -> None:
        with self._lock:
            self._admitted -= 1
            left = self._pending.pop((email, ip), 1) - 1
            if left:
                self._pending[(email, ip)] = left

    async def run(self, email: str, ip: str, check: Callable[[], _T]) -> _T:
        """Admit the attempt (or raise Refused), then run `check` in the guard's pool.

        `check` may read `pending(email, ip)`: it includes this very attempt.
        """
        self._admit(email, ip)
        try:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(
                        max_workers=self.settings.hashes,
                        thread_name_prefix="login-hash",
                        initializer=_lower_priority,
                    )
                pool = self._pool
            future = pool.submit(check)
        except BaseException:
            self._release(email, ip)
            raise
        # Released when the check ends, not when the caller stops waiting: a client
        # that hangs up does not free a place while its hash still runs.
        future.add_done_callback(lambda _f: self._release(email, ip))
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        """Stop the pool's threads (a later attempt starts a new pool)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
