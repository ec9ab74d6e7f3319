"""Contact requests kept in the outbox while the hub is unreachable: bounded, short-lived."""

from __future__ import annotations

import logging
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.protocol import Event, EventType, new_id
from hub.protocol.kiosk_api import ContactKind, ContactReason, ContactRequest
from kiosk.outbox import REQUEST_MAX_AGE_S, Outbox, OutboxRequests


def request(first_name: str = "Zoé", phone: str | None = "0612345678") -> ContactRequest:
    return ContactRequest(
        id=new_id(),
        kind=ContactKind.CALLBACK,
        reason=ContactReason.OFFLINE,
        topic="housing",
        created_at=datetime.now(UTC),
        first_name=first_name,
        commune="Nérac",
        phone=phone,
    )


def test_store_pending_delete_round_trip_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    made = [request(), request("Léa", None), request("Éric")]
    with Outbox(path) as box:
        store = OutboxRequests(box)
        for r in made:
            store.store(r)
        assert store.pending() == made
    with Outbox(path) as box:
        store = OutboxRequests(box)
        assert store.pending() == made  # oldest first, after a restart
        store.delete(made[1].id)
        store.delete("unknown-request-id")
        assert store.pending() == [made[0], made[2]]


def test_storing_the_same_request_twice_keeps_one(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as box:
        store = OutboxRequests(box)
        r = request()
        store.store(r)
        store.store(r)
        assert store.pending() == [r]


def test_store_is_bounded_and_drops_the_oldest(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Outbox(tmp_path / "o.db") as box:
        store = OutboxRequests(box, max_rows=5)
        made = [request() for _ in range(8)]
        with caplog.at_level(logging.WARNING, logger="kiosk.outbox"):
            for r in made:
                store.store(r)
        assert store.pending() == made[-5:]
        assert "dropped" in caplog.text


def test_default_bound_is_200(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as box:
        store = OutboxRequests(box)
        made = [request() for _ in range(205)]
        for r in made:
            store.store(r)
        assert [r.id for r in store.pending()] == [r.id for r in made[-200:]]


def test_requests_older_than_14_days_are_dropped_on_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Outbox(tmp_path / "o.db") as box:
        store = OutboxRequests(box)
        old, recent = request("Ancien"), request("Récent")
        now = time.time()
        monkeypatch.setattr(time, "time", lambda: now - REQUEST_MAX_AGE_S - 60)
        store.store(old)
        monkeypatch.setattr(time, "time", lambda: now - REQUEST_MAX_AGE_S + 3600)
        store.store(recent)
        monkeypatch.setattr(time, "time", lambda: now)
        assert store.pending() == [recent]
    # Gone from the file itself, not just hidden.
    with sqlite3.connect(tmp_path / "o.db") as db:
        assert db.execute("SELECT count(*) FROM requests").fetchone()[0] == 1


def test_deleted_requests_leave_no_personal_data_in_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    with Outbox(path) as box:
        store = OutboxRequests(box)
        r = request("Philomène", "0698765432")
        store.store(r)
        store.delete(r.id)
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        data += wal.read_bytes()
    assert b"Philom" not in data and b"0698765432" not in data


def test_unreadable_row_is_dropped_and_others_kept(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as box:
        store = OutboxRequests(box)
        box.store_request("broken-row-0001", b"{not json")
        good = request()
        store.store(good)
        assert store.pending() == [good]
        assert box.pending_requests() == [(good.id, good.model_dump_json().encode())]


def test_requests_and_events_do_not_mix(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as box:
        store = OutboxRequests(box)
        store.store(request())
        box.append(Event(type=EventType.CALLBACK_REQUESTED, detail="offline"))
        assert box.stats().pending == 1
        assert len(store.pending()) == 1


def test_broken_database_is_logged_without_content_and_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    box = Outbox(tmp_path / "o.db")
    store = OutboxRequests(box)
    box.close()
    with caplog.at_level(logging.ERROR, logger="kiosk.outbox"):
        store.store(request("Philomène"))
        assert store.pending() == []
        store.delete("whatever-id-01")
    assert "not stored" in caplog.text
    assert "Philom" not in caplog.text
