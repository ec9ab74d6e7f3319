"""Helpers shared by the tests: waiting, MQTT test clients, the broker handle."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from hub.broker import ManagedBroker, mosquitto_hash

HUB_USER = "gaia-hub"
HUB_PASSWORD = "hub-test-password"
TESTER = "tester"
TESTER_PASSWORD = "tester-password"


def wait_for(predicate: Callable[[], Any], timeout: float = 10, interval: float = 0.05) -> Any:
    """Poll `predicate` until it returns something truthy; fail the test on timeout."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


class TestBroker:
    """A real Mosquitto on a free loopback port, with the hub user, a tester user
    (read/write on all of gaia/v1/#) and kiosk users added on demand."""

    __test__ = False  # not a test class

    def __init__(self, directory: Path) -> None:
        self.broker = ManagedBroker(directory, persistence=True)
        self.users: dict[str, str] = {
            HUB_USER: mosquitto_hash(HUB_PASSWORD),
            TESTER: mosquitto_hash(TESTER_PASSWORD),
        }

    @property
    def port(self) -> int:
        return self.broker.port

    @property
    def url(self) -> str:
        return self.broker.url

    def _configure(self) -> None:
        self.broker.configure(self.users, hub_user=HUB_USER, readwrite_users=(TESTER,))

    def start(self) -> None:
        self._configure()
        self.broker.start()

    def add_kiosk(self, kiosk_id: str, token: str) -> None:
        """Let a kiosk connect with its token (reloads a running broker)."""
        self.users[kiosk_id] = mosquitto_hash(token)
        self._configure()
        self.broker.reload()
        time.sleep(0.2)  # SIGHUP is asynchronous

    def kill(self) -> None:
        self.broker.kill()

    def stop(self) -> None:
        self.broker.stop()


def tester_client(port: int, *, client_id: str | None = None) -> mqtt.Client:
    """A connected paho client with read/write on every Gaïa topic (loop started)."""
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or f"tester-{uuid.uuid4().hex[:8]}"
    )
    client.username_pw_set(TESTER, TESTER_PASSWORD)
    client.connect("127.0.0.1", port, keepalive=30)
    client.loop_start()
    wait_for(client.is_connected, 5)
    return client


class Collector:
    """Collects messages of a subscription (topic, payload) in arrival order."""

    def __init__(self, client: mqtt.Client, topic: str, qos: int = 1) -> None:
        self.messages: list[tuple[str, bytes, bool]] = []
        client.message_callback_add(topic, self._on_message)
        client.subscribe(topic, qos)

    def _on_message(self, _client: Any, _userdata: Any, msg: mqtt.MQTTMessage) -> None:
        self.messages.append((msg.topic, bytes(msg.payload), bool(msg.retain)))

    def payloads(self, topic_suffix: str = "") -> list[bytes]:
        return [p for t, p, _ in self.messages if t.endswith(topic_suffix)]


tester_client.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test
