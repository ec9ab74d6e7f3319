"""MQTT ingest against a real Mosquitto and a real SQLite database."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from hub.accounts import register_kiosk
from hub.ingest import BatchWriter, IngestClient
from hub.metrics import Metrics
from hub.protocol import MAX_PAYLOAD_BYTES, Event, EventType, Health, Status, encode, kiosk_topic
from hub.store import connect, migrate, schema
from tests.support import HUB_PASSWORD, HUB_USER, TestBroker, tester_client, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    eng = connect(f"sqlite:///{tmp_path / 'hub.db'}")
    migrate(eng)
    with eng.begin() as conn:
        register_kiosk(conn, "k-agen", "Mairie d'Agen", "Agenais")
        register_kiosk(conn, "k-fumel", "Mairie de Fumel", "Fumélois")
    return eng


def hub_client(broker: TestBroker, engine: Engine, batch_size: int = 500) -> IngestClient:
    """The hub's ingest client with a fixed id: a new one resumes the broker session."""
    return IngestClient(
        broker.url,
        BatchWriter(engine),
        Metrics(),
        username=HUB_USER,
        password=HUB_PASSWORD,
        client_id="hub-under-test",
        batch_size=batch_size,
        max_delay_ms=20,
    )


@pytest.fixture
def ingest(broker: TestBroker, engine: Engine) -> Iterator[IngestClient]:
    client = hub_client(broker, engine)
    client.start()
    wait_for(lambda: client.connected, 5)
    try:
        yield client
    finally:
        client.stop()


def count(engine: Engine, table: object, *where: object) -> int:
    with engine.connect() as conn:
        stmt = select(func.count()).select_from(table).where(*where)  # type: ignore[arg-type]
        return int(conn.execute(stmt).scalar_one())


def health(**overrides: object) -> Health:
    values: dict[str, object] = {
        "uptime_s": 100,
        "load1": 0.4,
        "mem_used_pct": 41,
        "disk_used_pct": 52,
        "cpu_temp_c": 55,
        "app_version": "0.1.0",
        "ui": "up",
    }
    values.update(overrides)
    return Health.model_validate(values)


def test_status_health_and_events_are_persisted(
    broker: TestBroker, engine: Engine, ingest: IngestClient
) -> None:
    pub = tester_client(broker.port)
    pub.publish(kiosk_topic("k-agen", "status"), encode(Status(state="online")), qos=1, retain=True)
    pub.publish(kiosk_topic("k-agen", "health"), encode(health(cpu_temp_c=61.5)), qos=1)
    events = [Event(type=EventType.SESSION_STARTED, session=f"session-{i:04d}") for i in range(50)]
    for event in events:
        pub.publish(kiosk_topic("k-agen", "events"), encode(event), qos=1)
    wait_for(lambda: count(engine, schema.events) == 50)
    k = schema.kiosks.c
    with engine.connect() as conn:
        row = conn.execute(select(schema.kiosks).where(k.id == "k-agen")).one()
    assert row.online is True
    assert row.cpu_temp_c == 61.5
    assert json.loads(row.health_json)["cpu_temp_c"] == 61.5
    assert row.last_seen is not None
    assert count(engine, schema.health, schema.health.c.kiosk_id == "k-agen") == 1
    pub.loop_stop()


def test_replayed_events_are_stored_once(
    broker: TestBroker, engine: Engine, ingest: IngestClient
) -> None:
    pub = tester_client(broker.port)
    event = Event(type=EventType.SLIP_PRINTED, session="session-0001", topic="housing")
    for _ in range(5):
        pub.publish(kiosk_topic("k-fumel", "events"), encode(event), qos=1)
    marker = Event(type=EventType.SESSION_ENDED, session="session-0001")
    pub.publish(kiosk_topic("k-fumel", "events"), encode(marker), qos=1)
    wait_for(lambda: count(engine, schema.events, schema.events.c.id == marker.id) == 1)
    assert count(engine, schema.events, schema.events.c.id == event.id) == 1
    assert ingest.metrics.ingested.labels("events")._value.get() == 6
    pub.loop_stop()


def test_malformed_messages_are_counted_and_ingest_goes_on(
    broker: TestBroker, engine: Engine, ingest: IngestClient
) -> None:
    pub = tester_client(broker.port)
    topic = kiosk_topic("k-agen", "health")
    good = health().model_dump(mode="json")
    bad_payloads = {
        "not-json": b"{this is not json",
        "not-utf8": b'{"v": 1, "id": "\xff\xfe\xfd"}',
        # Over the hub's cap, under the broker's (which drops far larger packets).
        "too-large": b"{" + b" " * MAX_PAYLOAD_BYTES + b"}",
        "empty": b"",
    }
    for payload in bad_payloads.values():
        pub.publish(topic, payload, qos=1)
    invalid = [
        {**good, "load1": "very high"},  # wrong type
        {**good, "kiosk_id": "k-fumel"},  # another kiosk's id in the payload
        {**good, "v": 1, "disk_used_pct": -3},
    ]
    for body in invalid:
        pub.publish(topic, json.dumps(body).encode(), qos=1)
    pub.publish("gaia/v1/kiosks/NOT_AN_ID/health", encode(health()), qos=1)  # bad kiosk id
    after = health(cpu_temp_c=48)
    pub.publish(topic, encode(after), qos=1)
    wait_for(lambda: count(engine, schema.health, schema.health.c.cpu_temp_c == 48) == 1)
    rejected = ingest.metrics.rejected
    for reason in bad_payloads:
        assert rejected.labels(reason)._value.get() == 1, reason
    assert rejected.labels("invalid")._value.get() == 3
    assert rejected.labels("topic")._value.get() == 1
    assert count(engine, schema.health) == 1  # only the good one
    with engine.connect() as conn:
        fumel = conn.execute(select(schema.kiosks).where(schema.kiosks.c.id == "k-fumel")).one()
    assert fumel.last_seen is None  # nothing was credited to the kiosk named in a payload
    pub.loop_stop()


def test_unknown_kiosk_is_recorded_as_unregistered(
    broker: TestBroker, engine: Engine, ingest: IngestClient
) -> None:
    pub = tester_client(broker.port)
    pub.publish(kiosk_topic("k-stranger", "health"), encode(health()), qos=1)
    wait_for(lambda: count(engine, schema.kiosks, schema.kiosks.c.id == "k-stranger") == 1)
    with engine.connect() as conn:
        row = conn.execute(select(schema.kiosks).where(schema.kiosks.c.id == "k-stranger")).one()
    assert row.registered is False
    assert row.token_hash is None
    pub.loop_stop()


def test_a_health_report_dated_2099_freezes_nothing(
    broker: TestBroker, engine: Engine, ingest: IngestClient
) -> None:
    """The last report to arrive is the kiosk's state, timed by the hub; its clock's
    skew is measured (hub.ingest.clock)."""
    from datetime import UTC, datetime

    pub = tester_client(broker.port)
    future = health(cpu_temp_c=90, ts=datetime(2099, 1, 1, tzinfo=UTC))
    pub.publish(kiosk_topic("k-agen", "health"), encode(future), qos=1)
    wait_for(lambda: count(engine, schema.health) == 1)
    fixed = health(cpu_temp_c=50)  # the clock is right again
    pub.publish(kiosk_topic("k-agen", "health"), encode(fixed), qos=1)
    wait_for(lambda: count(engine, schema.health) == 2)
    with engine.connect() as conn:
        row = conn.execute(select(schema.kiosks).where(schema.kiosks.c.id == "k-agen")).one()
        times = conn.execute(select(schema.health.c.ts)).scalars().all()
    assert row.cpu_temp_c == 50
    assert abs(row.clock_skew_s) < 5
    assert abs(row.last_health_at - time.time()) < 10
    assert all(abs(t - time.time()) < 10 for t in times)  # charts stay on the hub's clock
    pub.loop_stop()


def test_events_stamped_before_ntp_are_timed_by_the_boot_clock(
    broker: TestBroker, engine: Engine, ingest: IngestClient
) -> None:
    """A kiosk stamped events at "1970" before NTP answered; its clock is right now,
    so the skew measured now (zero) cannot correct them: the boot clock does."""
    from datetime import UTC, datetime

    from hub.protocol import BootTime

    pub = tester_client(broker.port)
    boot = "b" * 32
    pub.publish(kiosk_topic("k-agen", "health"), encode(health(uptime_s=5000, boot=boot)), qos=1)
    wait_for(lambda: count(engine, schema.health) == 1)
    booted = time.time() - 5000
    epoch = datetime(1970, 1, 1, 0, 1, tzinfo=UTC)
    this_boot = Event(
        type=EventType.SESSION_STARTED, ts=epoch, unsynced=BootTime(boot=boot, uptime_s=1400)
    )
    # One of an earlier boot cannot be placed: filed at its arrival, never in 1970.
    earlier = Event(
        type=EventType.SESSION_STARTED, ts=epoch, unsynced=BootTime(boot="a" * 32, uptime_s=9)
    )
    for event in (this_boot, earlier):
        pub.publish(kiosk_topic("k-agen", "events"), encode(event), qos=1)
    wait_for(lambda: count(engine, schema.events) == 2)
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(schema.events))}
    assert abs(rows[this_boot.id].ts - (booted + 1400)) < 5  # an hour after boot, not now
    assert abs(rows[earlier.id].ts - time.time()) < 10
    assert rows[this_boot.id].kiosk_ts == epoch.timestamp()  # the stamp as reported is kept
    pub.loop_stop()


def test_hub_offline_messages_are_delivered_on_return(
    broker: TestBroker, engine: Engine, ingest: IngestClient
) -> None:
    """The hub's persistent session keeps QoS 1 messages while it is away."""
    ingest.stop()
    pub = tester_client(broker.port)
    events = [
        Event(type=EventType.SESSION_STARTED, session=f"s-offline-{i:03d}") for i in range(300)
    ]
    for event in events:
        pub.publish(kiosk_topic("k-agen", "events"), encode(event), qos=1)
    time.sleep(1)  # the hub is away: nothing may be written
    assert count(engine, schema.events) == 0
    again = hub_client(broker, engine, batch_size=100)
    again.start()
    try:
        wait_for(lambda: count(engine, schema.events) == 300, 15)
    finally:
        again.stop()
    pub.loop_stop()


def test_committed_events_get_a_receipt_to_their_kiosk(
    broker: TestBroker, engine: Engine, ingest: IngestClient
) -> None:
    """The kiosk forgets an event only on the hub's receipt (end-to-end acknowledgement)."""
    from hub.protocol import Channel, Receipt, decode
    from tests.support import Collector

    pub = tester_client(broker.port)
    receipts = Collector(pub, "gaia/v1/kiosks/+/receipts")
    time.sleep(0.3)
    events = [Event(type=EventType.SESSION_STARTED, session=f"session-{i:04d}") for i in range(20)]
    for event in events + events[:5]:  # five replays: stored once, receipted again
        pub.publish(kiosk_topic("k-agen", "events"), encode(event), qos=1)
    pub.publish(kiosk_topic("k-fumel", "health"), encode(health()), qos=1)  # no receipt for health

    def receipted() -> list[str]:
        ids: list[str] = []
        for payload in receipts.payloads("k-agen/receipts"):
            message: Receipt = decode(Channel.RECEIPTS, payload)
            ids.extend(message.events)
        return ids

    wait_for(lambda: len(receipted()) == 25)
    assert set(receipted()) == {e.id for e in events}
    assert receipts.payloads("k-fumel/receipts") == []
    assert count(engine, schema.events) == 20
    pub.loop_stop()


def test_a_database_damaged_at_run_time_is_named_and_nothing_is_acknowledged(
    broker: TestBroker, engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Index pages go bad while the hub runs: ingest says the database is damaged, names
    the file, and keeps the kiosk's events with the broker rather than losing them."""
    import sqlite3

    from sqlalchemy import update

    from tests.hub.helpers import add_sessions

    with engine.begin() as conn:
        add_sessions(conn, "k-agen", 3000)
    path = tmp_path / "hub.db"
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = [
        n for (n,) in db.execute(
            "SELECT pageno FROM dbstat WHERE name = 'ix_events_ts' AND pagetype = 'leaf'"
        )
    ]  # fmt: skip
    db.close()
    backup = path.read_bytes()
    with path.open("r+b") as f:
        for n in pages:
            f.seek((n - 1) * 4096)
            f.write(b"\x5a" * 4096)
    with engine.begin() as conn:  # a write the hub's connections notice: caches dropped
        conn.execute(update(schema.kiosks).values(site="Mairie d'Agen"))
    client = hub_client(broker, engine)
    client.start()
    try:
        wait_for(lambda: client.connected, 5)
        pub = tester_client(broker.port)
        event = Event(type=EventType.SESSION_STARTED, session="session-0001")
        pub.publish(kiosk_topic("k-agen", "events"), encode(event), qos=1)
        wait_for(lambda: client.last_error, 10)
        assert "damaged" in client.last_error and "backup" in client.last_error
        wait_for(lambda: any("cannot write" in r.getMessage() for r in caplog.records), 5)
        line = next(r.getMessage() for r in caplog.records if "cannot write" in r.getMessage())
        assert str(path) in line and "damaged" in line
    finally:
        client.stop()
    # Restored from the backup, the next run gets the event from the broker.
    engine.dispose()
    for extra in (path.with_name("hub.db-wal"), path.with_name("hub.db-shm")):
        extra.unlink(missing_ok=True)
    path.write_bytes(backup)
    client = hub_client(broker, engine)
    client.start()
    try:
        wait_for(lambda: count(engine, schema.events, schema.events.c.id == event.id) == 1, 10)
    finally:
        client.stop()
        pub.loop_stop()
