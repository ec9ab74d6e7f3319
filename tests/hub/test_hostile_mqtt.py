"""A kiosk's genuine MQTT credentials in an attacker's hands, against a real hub.

The hub runs with its managed Mosquitto (the configuration it generates, as in
production). An attacker holding kiosk k-evil's user and token tries to open the
hub's session (client id `gaia-hub`) and another kiosk's session (`k-good`),
again and again, and to park oversized or countless messages in the broker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from hub.accounts import AccountError, register_kiosk, revoke_kiosk
from hub.app import create_app
from hub.broker import MAX_PACKET_BYTES, BrokerLimits, ManagedBroker, free_port, mosquitto_hash
from hub.config import BrokerConfig, HubConfig, IngestConfig
from hub.protocol import Event, EventType, Health, encode, kiosk_topic
from hub.protocol.messages import MAX_PAYLOAD_BYTES, MAX_RECEIPT_IDS, Receipt
from hub.store import connect, migrate, schema
from tests.support import wait_for

pytestmark = pytest.mark.integration


def _health() -> Health:
    return Health.model_validate(
        {
            "uptime_s": 10,
            "load1": 0.1,
            "mem_used_pct": 30,
            "disk_used_pct": 40,
            "ui": "up",
            "app_version": "0.1.0",
        }
    )


class Kiosk:
    """A paho client with a kiosk's credentials; counts its disconnections."""

    def __init__(
        self,
        port: int,
        user: str,
        token: str,
        *,
        client_id: str | None = None,
        on_message: Any = None,
    ) -> None:
        self.disconnects = 0
        self.connected = threading.Event()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or user, clean_session=False
        )
        self.client.username_pw_set(user, token)
        self.client.on_connect = lambda *_a: self.connected.set()
        self.client.on_disconnect = self._gone
        self.client.on_message = on_message
        self.client.reconnect_delay_set(0.1, 0.5)
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()

    def _gone(self, *_a: Any) -> None:
        self.connected.clear()
        self.disconnects += 1

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def live_hub(tmp_path: Path) -> Iterator[tuple[TestClient, Engine, int, dict[str, str]]]:
    """A hub with its managed broker and two registered kiosks; yields (client, engine,
    broker port, kiosk id -> token)."""
    state = tmp_path / "state"
    config = HubConfig(
        state_dir=state,
        broker=BrokerConfig(port=free_port()),
        ingest=IngestConfig(max_delay_ms=10),
    )
    engine = connect(config.db_url)
    migrate(engine)
    with engine.begin() as conn:
        tokens = {
            kid: register_kiosk(conn, kid, f"Mairie {kid}", "Agenais").token
            for kid in ("k-good", "k-evil")
        }
    app = create_app(config, engine=engine)
    with TestClient(app) as client:
        yield client, engine, config.broker.port, tokens
    engine.dispose()


def _health_rows(engine: Engine, kiosk_id: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).where(schema.health.c.kiosk_id == kiosk_id)
            ).scalar_one()
        )


def test_kiosk_credentials_cannot_take_over_the_hub_or_another_kiosk(
    live_hub: tuple[TestClient, Engine, int, dict[str, str]],
) -> None:
    _client, engine, port, tokens = live_hub
    good = Kiosk(port, "k-good", tokens["k-good"])
    assert good.connected.wait(5)

    # The victim reports health every 100 ms while the attacker connects under
    # the hub's client id and the victim's, over and over.
    sent = 0
    stop = threading.Event()

    def report() -> None:
        nonlocal sent
        while not stop.is_set():
            msg = _health()
            good.client.publish(kiosk_topic("k-good", "health"), encode(msg), qos=1)
            sent += 1
            time.sleep(0.1)

    reporter = threading.Thread(target=report)
    reporter.start()
    attackers = []
    try:
        for i in range(12):
            attackers.append(
                Kiosk(port, "k-evil", tokens["k-evil"], client_id=("gaia-hub", "k-good")[i % 2])
            )
            time.sleep(0.25)
    finally:
        stop.set()
        reporter.join()
    assert sent >= 25
    # Every report of the victim is stored: the hub's ingest was never knocked off.
    wait_for(lambda: _health_rows(engine, "k-good") == sent, 10)
    assert good.disconnects == 0, "the victim's session was taken over"
    # The attacker's copies all ran under its own identity and replaced one another.
    assert sum(a.disconnects for a in attackers) >= 10
    for a in attackers:
        a.close()
    good.close()


def test_reserved_hub_identities_cannot_be_registered_as_kiosks(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'hub.db'}")
    migrate(engine)
    for reserved in ("gaia-hub", "gaia-hub-w1", "gaia-anything"):
        with engine.begin() as conn, pytest.raises(AccountError, match="reserved"):
            register_kiosk(conn, reserved, "Mairie", "Agenais")


def test_broker_refuses_oversized_packets_but_passes_the_largest_valid_message(
    live_hub: tuple[TestClient, Engine, int, dict[str, str]],
) -> None:
    client, _engine, port, tokens = live_hub
    metrics = client.app.state.services.metrics
    kiosk = Kiosk(port, "k-evil", tokens["k-evil"])
    assert kiosk.connected.wait(5)
    # A payload just at the hub's cap crosses the broker (the hub then refuses it as
    # invalid JSON, counted under its reason), so the broker's cap is not too tight.
    kiosk.client.publish(kiosk_topic("k-evil", "events"), b"x" * MAX_PAYLOAD_BYTES, qos=1)
    wait_for(lambda: _rejected(metrics, "not-json") == 1, 5)
    # One over the broker's packet cap: the broker drops it (and the connection).
    kiosk.client.publish(kiosk_topic("k-evil", "events"), b"y" * MAX_PACKET_BYTES, qos=1)
    wait_for(lambda: kiosk.disconnects >= 1, 5)
    time.sleep(0.5)
    assert _rejected(metrics, "too-large") == 0, "an oversized packet reached the hub"
    kiosk.close()


def _rejected(metrics: Any, reason: str) -> float:
    value = metrics.registry.get_sample_value("gaia_ingest_rejected_total", {"reason": reason})
    return float(value or 0)


def test_the_largest_receipt_fits_the_payload_cap() -> None:
    receipt = Receipt(events=["e" * 64] * MAX_RECEIPT_IDS)
    assert len(encode(receipt)) <= MAX_PAYLOAD_BYTES


def test_queued_messages_for_an_offline_session_are_bounded(tmp_path: Path) -> None:
    """An offline hub session gets at most the configured queue; the rest is dropped."""
    broker = ManagedBroker(tmp_path / "b", limits=BrokerLimits(queued_messages=20))
    broker.configure(
        {"gaia-hub": mosquitto_hash("hub-pw"), "k-evil": mosquitto_hash("evil-pw")},
        hub_users=["gaia-hub"],
    )
    broker.start()
    try:
        got: list[bytes] = []

        def on_message(_c: Any, _u: Any, m: mqtt.MQTTMessage) -> None:
            got.append(m.payload)

        hub = Kiosk(broker.port, "gaia-hub", "hub-pw", on_message=on_message)
        assert hub.connected.wait(5)
        hub.client.subscribe("gaia/v1/kiosks/+/events", qos=1)
        time.sleep(0.3)
        hub.close()  # offline, its persistent session kept by the broker
        evil = Kiosk(broker.port, "k-evil", "evil-pw")
        assert evil.connected.wait(5)
        for i in range(200):
            event = Event(type=EventType.SESSION_STARTED, session=f"session-{i:04d}")
            evil.client.publish(kiosk_topic("k-evil", "events"), encode(event), qos=1)
        time.sleep(1)
        evil.close()
        hub = Kiosk(broker.port, "gaia-hub", "hub-pw", on_message=on_message)
        assert hub.connected.wait(5)
        time.sleep(1.5)
        hub.close()
        assert 0 < len(got) <= 20 + 1, f"{len(got)} queued messages delivered"
    finally:
        broker.stop()


def test_revoking_a_kiosk_cuts_its_mqtt_session(
    live_hub: tuple[TestClient, Engine, int, dict[str, str]],
) -> None:
    _client, engine, port, tokens = live_hub
    kiosk = Kiosk(port, "k-evil", tokens["k-evil"])
    assert kiosk.connected.wait(5)
    with engine.begin() as conn:
        revoke_kiosk(conn, "k-evil")  # as `gaia-hub kiosk revoke` does, from any process
    wait_for(lambda: kiosk.disconnects >= 1, 10)
    time.sleep(2)  # paho keeps retrying: the broker refuses it every time
    assert not kiosk.connected.is_set()
    kiosk.close()
