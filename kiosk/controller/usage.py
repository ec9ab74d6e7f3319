"""Usage events from the controller: typed, validated, and never personal.

Every event names the session by its random id only; `detail` and `topic` are
short machine codes (hub.protocol.Event refuses anything else), so no name,
commune, phone, code or PIN can slip into the outbox.
"""

from __future__ import annotations

import logging

from pydantic import ValidationError

from hub.protocol import Event, EventType
from kiosk.controller.ports import EventSink

log = logging.getLogger(__name__)


class Usage:
    """Records usage events to an EventSink; a broken sink never breaks the journey."""

    def __init__(self, sink: EventSink) -> None:
        self._sink = sink

    def record(
        self,
        kind: EventType,
        *,
        session: str | None = None,
        topic: str | None = None,
        value: float | None = None,
        detail: str | None = None,
    ) -> None:
        """Record one event (values are rounded to the tenth and clamped at 0)."""
        if value is not None:
            value = max(0.0, round(value, 1))
        try:
            event = Event(type=kind, session=session, topic=topic, value=value, detail=detail)
        except ValidationError:
            log.warning("usage event %s not recorded: invalid field", kind.value)
            return
        try:
            self._sink.record(event)
        except Exception as exc:  # the sink must not raise; if it does, the journey goes on
            log.warning("usage event %s not recorded: %s", kind.value, type(exc).__name__)
