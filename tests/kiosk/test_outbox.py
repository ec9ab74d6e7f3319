"""The outbox: bounded by count and bytes (oldest dropped, counted), durable, two processes."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from hub.protocol import Channel, Event, EventType, decode, encode
from kiosk.outbox import Outbox


def event(n: int = 0, detail: str = "x") -> Event:
    return Event(type=EventType.SURVEY, value=n % 3 + 1, detail=detail)


def test_append_pending_delete_round_trip(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as box:
        sent = [event(i) for i in range(5)]
        for e in sent:
            box.append(e)
        rows = box.pending(10)
        assert [r.event_id for r in rows] == [e.id for e in sent]
        assert decode(Channel.EVENTS, rows[0].payload) == sent[0]
        assert box.delete([rows[0].seq, rows[1].seq, 999_999]) == 2
        assert [r.event_id for r in box.pending(10)] == [e.id for e in sent[2:]]
        assert box.stats().pending == 3


def test_pending_skips_rows_in_flight_and_keeps_the_limit(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as box:
        for i in range(10):
            box.append(event(i))
        first = box.pending(4)
        later = box.pending(4, exclude_ids={r.seq for r in first})
        assert len(later) == 4
        assert {r.seq for r in later}.isdisjoint(r.seq for r in first)
        assert min(r.seq for r in later) > max(r.seq for r in first)
        assert box.pending(0) == []


def test_bound_by_count_drops_the_oldest_and_counts(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db", max_events=10) as box:
        sent = [event(i) for i in range(25)]
        for e in sent:
            box.append(e)
        assert [r.event_id for r in box.pending(100)] == [e.id for e in sent[-10:]]
        assert box.stats().pending == 10
        assert box.stats().dropped_total == 15


def test_bound_by_bytes_drops_the_oldest_and_counts(tmp_path: Path) -> None:
    size = len(encode(event(0, "a" * 30)))
    with Outbox(tmp_path / "o.db", max_events=1000, max_bytes=size * 4 + size // 2) as box:
        sent = [event(i, "a" * 30) for i in range(10)]
        for e in sent:
            box.append(e)
        assert [r.event_id for r in box.pending(100)] == [e.id for e in sent[-4:]]
        assert box.stats().dropped_total == 6


def test_counters_and_rows_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    with Outbox(path, max_events=10) as box:
        for i in range(12):
            box.append(event(i))
        assert box.take_dropped_recent() == 2
        box.append(event(12))
    with Outbox(path, max_events=10) as box:
        assert box.stats().pending == 10
        assert box.stats().dropped_total == 3
        assert box.take_dropped_recent() == 1  # only the drop not yet reported
        assert box.take_dropped_recent() == 0


def test_two_connections_append_and_drain_concurrently(tmp_path: Path) -> None:
    """The UI appends while the agent drains (two connections, as two processes have)."""
    path = tmp_path / "o.db"
    writer, reader = Outbox(path), Outbox(path)
    sent: list[str] = []
    received: list[str] = []

    def append() -> None:
        for i in range(400):
            e = event(i)
            writer.append(e)
            sent.append(e.id)

    thread = threading.Thread(target=append)
    thread.start()
    deadline = time.monotonic() + 20
    while (thread.is_alive() or reader.stats().pending) and time.monotonic() < deadline:
        rows = reader.pending(25)
        received += [r.event_id for r in rows]
        reader.delete(r.seq for r in rows)
    thread.join()
    assert received == sent  # each exactly once, in order
    assert reader.stats() == writer.stats()
    assert reader.stats().pending == 0
    writer.close()
    reader.close()


def test_seen_commands_once_even_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    later = time.time() + 600
    with Outbox(path) as box:
        assert box.mark_command_seen("command-1", later) is True
        assert box.mark_command_seen("command-1", later) is False
    with Outbox(path) as box:
        assert box.mark_command_seen("command-1", later) is False
        assert box.mark_command_seen("command-2", later) is True


def test_seen_commands_long_expired_are_purged(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as box:
        assert box.mark_command_seen("old-command", time.time() - 2 * 86400)
        box.mark_command_seen("trigger-purge", time.time() + 60)
        assert box.mark_command_seen("old-command", time.time() + 60) is True


def test_unusable_path_raises_outbox_error(tmp_path: Path) -> None:
    from kiosk.outbox import OutboxError

    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(OutboxError):
        Outbox(tmp_path / "file" / "o.db")
