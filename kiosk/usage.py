"""Usage events from the UI process into the outbox (the agent ships them over MQTT).

`OutboxEventSink` implements the controller's `EventSink` port. Recording never
raises: a full or broken outbox must not break a job seeker's session. A failure
is logged with the event type and the error's class only (events carry no
personal data by schema, but an error text could quote a path or a value).
Events stamped before the clock is synchronised are marked with the boot clock
(kiosk.clock).
"""

from __future__ import annotations

import logging

from hub.protocol import Event
from kiosk.clock import ClockSync
from kiosk.outbox import Outbox

log = logging.getLogger(__name__)


class OutboxEventSink:
    """Appends each usage event to the outbox; counts what could not be stored."""

    def __init__(self, outbox: Outbox, clock: ClockSync | None = None) -> None:
        self.outbox = outbox
        self.clock = clock or ClockSync()
        self.failures = 0
        """Events lost because the outbox could not be written (for the health report)."""

    def record(self, event: Event) -> None:
        """Store one usage event; a failure is logged (error code only) and counted."""
        try:
            dropped = self.outbox.append(self.clock.stamp(event))
        except Exception as exc:  # the port's contract: never raise into the controller
            self.failures += 1
            cause = exc.__cause__ if exc.__cause__ is not None else exc
            log.error("usage event %s not stored: %s", event.type.value, type(cause).__name__)
            return
        if dropped:
            log.warning("outbox full: %d oldest event(s) dropped", dropped)
