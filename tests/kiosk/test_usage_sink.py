"""Usage events recorded by the UI land in the outbox; a broken outbox never raises."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from hub.protocol import Channel, Event, EventType, decode
from kiosk.clock import ClockSync
from kiosk.outbox import Outbox
from kiosk.usage import OutboxEventSink


def test_recorded_events_are_pending_in_the_outbox_in_order(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as box:
        sink = OutboxEventSink(box, ClockSync("trust"))
        events = [
            Event(type=EventType.SESSION_STARTED, session="session-0001"),
            Event(type=EventType.TOPIC_CHOSEN, session="session-0001", topic="housing"),
            Event(type=EventType.SURVEY, session="session-0001", value=3),
        ]
        for event in events:
            sink.record(event)
        rows = box.pending(10)
        assert [decode(Channel.EVENTS, r.payload) for r in rows] == events
        assert sink.failures == 0


def test_full_outbox_keeps_the_newest_and_does_not_raise(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db", max_events=10) as box:
        sink = OutboxEventSink(box)
        events = [Event(type=EventType.SURVEY, value=1) for _ in range(15)]
        for event in events:
            sink.record(event)
        assert box.event_ids() == [e.id for e in events[-10:]]
        assert sink.failures == 0


def test_broken_outbox_logs_the_error_code_only_and_counts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    box = Outbox(tmp_path / "o.db")
    sink = OutboxEventSink(box)
    box.close()
    with caplog.at_level(logging.DEBUG, logger="kiosk.usage"):
        sink.record(Event(type=EventType.ERROR, detail="printer.paper-out"))
    assert sink.failures == 1
    assert "ProgrammingError" in caplog.text
    assert str(tmp_path) not in caplog.text  # the error text (with the path) is not logged
