"""Ships the outbox to the broker: QoS 1, a bounded window in flight, delete on PUBACK.

The rules that make store-and-forward lossless (duplicates allowed, the hub
is idempotent on event id):

- a row is deleted only when the PUBACK of its publication arrived;
- a row in flight is not published again, even across a reconnect (paho
  resends its unacknowledged QoS 1 messages itself after reconnecting);
- a row whose PUBACK has not come `republish_after_s` after it was sent (or
  after the last reconnect) is published again under a new message id;
- after a reconnect where the broker had lost our session (a crash), new rows
  wait `fresh_session_hold_s`: the broker acknowledges what it receives even
  when no one (the hub, whose subscription it lost too) is subscribed yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.agent.link import BrokerLink
from kiosk.agent.ratelimit import RateLimitedLog
from kiosk.outbox import Outbox, OutboxError


@dataclass(slots=True)
class _InFlight:
    mid: int
    sent_at: float
    event_id: str


class Drainer:
    """Publishes pending outbox rows on `topic` and deletes them once acknowledged."""

    def __init__(
        self,
        outbox: Outbox,
        link: BrokerLink,
        topic: str,
        *,
        window: int,
        interval_s: float,
        republish_after_s: float,
        fresh_session_hold_s: float = 0.0,
        on_acked: Callable[[list[str]], None] | None = None,
        log: logging.Logger | None = None,
    ) -> None:
        self.outbox = outbox
        self.link = link
        self.topic = topic
        self.window = window
        self.interval_s = interval_s
        self.republish_after_s = republish_after_s
        self.fresh_session_hold_s = fresh_session_hold_s
        self.log = log or logging.getLogger(__name__)
        self.on_acked = on_acked
        self.warn = RateLimitedLog(self.log)
        self._hold_until = 0.0
        self.published = 0
        self.acked = 0
        self.republished = 0
        self._in_flight: dict[int, _InFlight] = {}  # outbox seq -> publication
        self._by_mid: dict[int, int] = {}  # paho mid -> outbox seq
        self._wake = asyncio.Event()

    @property
    def in_flight(self) -> int:
        """Rows published and not yet acknowledged."""
        return len(self._in_flight)

    def wake(self) -> None:
        """Look at the outbox now rather than at the next interval."""
        self._wake.set()

    def connected(self, session_lost: bool = False) -> None:
        """After a (re)connect: paho resends what is in flight, so restart their clocks.

        `session_lost`: the broker lost our session while we were connected
        before (it crashed); hold new publications `fresh_session_hold_s`, as
        the hub's subscription was probably lost with it and needs time to
        come back.
        """
        now = time.monotonic()
        for entry in self._in_flight.values():
            entry.sent_at = now
        if session_lost and self.fresh_session_hold_s > 0:
            self._hold_until = now + self.fresh_session_hold_s
            self.log.warning(
                "the broker lost this kiosk's session (restarted?): events wait %g s for the hub",
                self.fresh_session_hold_s,
            )
        self.wake()

    def acknowledged(self, mids: list[int]) -> None:
        """PUBACKs arrived for `mids` (some may not be ours): delete those rows."""
        seqs = [seq for seq in (self._by_mid.pop(mid, None) for mid in mids) if seq is not None]
        if not seqs:
            return
        ids = [entry.event_id for entry in (self._in_flight.pop(s, None) for s in seqs) if entry]
        try:
            self.outbox.delete(seqs)
        except OutboxError as exc:
            # The rows stay and go out again: a duplicate, never a loss.
            self.warn.error("delete", "cannot delete acknowledged rows: %s", exc)
        self.acked += len(ids)
        if self.on_acked and ids:
            self.on_acked(ids)
        self.wake()

    def _expire(self, now: float) -> None:
        """Forget publications too long unacknowledged, so their rows go out again."""
        for seq, entry in list(self._in_flight.items()):
            if now - entry.sent_at >= self.republish_after_s:
                del self._in_flight[seq]
                self._by_mid.pop(entry.mid, None)  # a late PUBACK of it is then ignored
                self.republished += 1

    def pump(self) -> int:
        """Publish as many pending rows as the window allows; returns how many."""
        now = time.monotonic()
        if not self.link.connected or now < self._hold_until:
            return 0
        self._expire(now)
        free = self.window - len(self._in_flight)
        try:
            rows = self.outbox.pending(free, exclude_ids=self._in_flight.keys())
        except OutboxError as exc:
            self.warn.error("read", "cannot read the outbox: %s", exc)
            return 0
        sent = 0
        for row in rows:
            mid = self.link.publish(self.topic, row.payload, qos=1)
            if mid is None:
                break
            self._in_flight[row.seq] = _InFlight(mid, now, row.event_id)
            self._by_mid[mid] = row.seq
            sent += 1
        self.published += sent
        return sent

    async def run(self) -> None:
        """Pump whenever woken (connect, PUBACKs) and every `interval_s` (the UI appends)."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval_s)
            self._wake.clear()
            self.pump()
