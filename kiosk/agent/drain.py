"""Ships the outbox to the hub: QoS 1, a bounded window in flight, delete on the hub's receipt.

The rules that make store-and-forward lossless (duplicates allowed, the hub
is idempotent on event id):

- a row goes out once per pass, in `seq` order, with at most `window`
  publications awaiting their PUBACK;
- a PUBACK only says the broker has the event: Mosquitto acknowledges before
  it persists, and drops what no subscriber wants (after a crash, the hub's
  subscription may be gone). So a row is deleted only when the hub's
  **receipt** names it, once the hub has committed it;
- a row whose PUBACK has not come `republish_after_s` after it was sent (or
  after the last reconnect) is published again under a new message id;
- rows acknowledged by the broker but not receipted by the hub within
  `receipt_timeout_s` make the drainer start a new pass from the oldest row;
  the timeout doubles at each unanswered pass, up to `receipt_timeout_max_s`,
  so a hub that is away for hours is not flooded, and resets on a receipt.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.agent.link import BrokerLink
from kiosk.agent.ratelimit import RateLimitedLog
from kiosk.outbox import Outbox, OutboxError
from kiosk.waits import wait_event


@dataclass(slots=True)
class _InFlight:
    mid: int
    sent_at: float
    event_id: str


class Drainer:
    """Publishes pending outbox rows on `topic`; deletes them on the hub's receipt."""

    def __init__(
        self,
        outbox: Outbox,
        link: BrokerLink,
        topic: str,
        *,
        window: int,
        interval_s: float,
        republish_after_s: float,
        receipt_timeout_s: float = 30.0,
        receipt_timeout_max_s: float = 600.0,
        on_acked: Callable[[list[str]], None] | None = None,
        ready: Callable[[], bool] | None = None,
        log: logging.Logger | None = None,
    ) -> None:
        self.outbox = outbox
        self.link = link
        self.topic = topic
        self.window = window
        self.interval_s = interval_s
        self.republish_after_s = republish_after_s
        self.receipt_timeout_s = receipt_timeout_s
        self.receipt_timeout_max_s = receipt_timeout_max_s
        self.log = log or logging.getLogger(__name__)
        self.on_acked = on_acked
        self.ready = ready
        """Publish only while this says so (the agent: once the hub has this boot's health)."""
        self.warn = RateLimitedLog(self.log)
        self.published = 0
        self.acked = 0  # receipted by the hub
        self.republished = 0
        self.passes = 0
        self._cursor = 0  # highest seq published in this pass
        self._in_flight: dict[int, _InFlight] = {}  # outbox seq -> publication
        self._by_mid: dict[int, int] = {}  # paho mid -> outbox seq
        self._unconfirmed: dict[str, float] = {}  # event id -> when the broker took it
        self._receipt_wait = receipt_timeout_s
        self._wake = asyncio.Event()

    @property
    def in_flight(self) -> int:
        """Rows published and not yet acknowledged by the broker."""
        return len(self._in_flight)

    @property
    def unconfirmed(self) -> int:
        """Rows the broker acknowledged that the hub has not receipted yet."""
        return len(self._unconfirmed)

    def wake(self) -> None:
        """Look at the outbox now rather than at the next interval."""
        self._wake.set()

    def connected(self) -> None:
        """After a (re)connect: paho resends what is in flight, so restart their clocks."""
        now = time.monotonic()
        for entry in self._in_flight.values():
            entry.sent_at = now
        self.wake()

    def acknowledged(self, mids: list[int]) -> None:
        """PUBACKs arrived for `mids` (some may not be ours): the broker has those rows."""
        now = time.monotonic()
        for mid in mids:
            seq = self._by_mid.pop(mid, None)
            entry = self._in_flight.pop(seq, None) if seq is not None else None
            if entry is not None:
                self._unconfirmed[entry.event_id] = now
        self.wake()

    def received(self, event_ids: list[str]) -> None:
        """The hub's receipt: these events are committed; forget them."""
        try:
            self.outbox.delete_events(event_ids)
        except OutboxError as exc:
            # The rows stay and go out again: a duplicate, never a loss.
            self.warn.error("delete", "cannot delete receipted rows: %s", exc)
            return
        for event_id in event_ids:
            self._unconfirmed.pop(event_id, None)
        self._receipt_wait = self.receipt_timeout_s
        self.acked += len(event_ids)
        if self.on_acked:
            self.on_acked(event_ids)
        self.wake()

    def _expire(self, now: float) -> None:
        """Forget publications too long without PUBACK, so their rows go out again."""
        for seq, entry in list(self._in_flight.items()):
            if now - entry.sent_at >= self.republish_after_s:
                del self._in_flight[seq]
                self._by_mid.pop(entry.mid, None)  # a late PUBACK of it is then ignored
                self._cursor = min(self._cursor, seq - 1)
                self.republished += 1

    def _maybe_new_pass(self, now: float) -> None:
        """No receipt for too long: publish everything still in the outbox again."""
        if not self._unconfirmed:
            return
        oldest = min(self._unconfirmed.values())
        if now - oldest < self._receipt_wait:
            return
        self.warn.warning(
            "receipt",
            "no receipt from the hub for %d events after %.0f s; sending them again",
            len(self._unconfirmed),
            now - oldest,
        )
        self.republished += len(self._unconfirmed)
        self._unconfirmed.clear()
        self._cursor = 0
        self.passes += 1
        self._receipt_wait = min(self._receipt_wait * 2, self.receipt_timeout_max_s)

    def pump(self) -> int:
        """Publish as many pending rows as the window allows; returns how many."""
        if not self.link.connected or (self.ready is not None and not self.ready()):
            return 0
        now = time.monotonic()
        self._expire(now)
        self._maybe_new_pass(now)
        free = self.window - len(self._in_flight)
        try:
            rows = self.outbox.pending(free, self._in_flight.keys(), after_seq=self._cursor)
        except OutboxError as exc:
            self.warn.error("read", "cannot read the outbox: %s", exc)
            return 0
        sent = 0
        for row in rows:
            if row.event_id in self._unconfirmed:  # the broker has it; wait for the receipt
                self._cursor = row.seq
                continue
            mid = self.link.publish(self.topic, row.payload, qos=1)
            if mid is None:
                break
            self._in_flight[row.seq] = _InFlight(mid, now, row.event_id)
            self._by_mid[mid] = row.seq
            self._cursor = max(self._cursor, row.seq)
            sent += 1
        self.published += sent
        return sent

    async def run(self) -> None:
        """Pump whenever woken (connect, PUBACKs, receipts) and every `interval_s`."""
        while True:
            await wait_event(self._wake, self.interval_s)
            self._wake.clear()
            self.pump()
