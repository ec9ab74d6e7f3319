"""Helpers shared by the tests: waiting, MQTT test clients, the broker handle."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from hub.broker import ManagedBroker, hub_identities, mosquitto_hash

HUB_USER = "gaia-hub"
HUB_PASSWORD = "hub-test-password"
TESTER_PASSWORD = "tester-password"
# The broker takes the user name as client id, so each open tester client needs
# its own user: a pool, used in turn.
TESTERS = tuple(f"tester-{i}" for i in range(16))
_next_tester = itertools.count()


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
        # The hub and up to three extra ingest workers, each its own identity.
        self.hubs = hub_identities(HUB_USER, 4)
        self.users: dict[str, str] = dict.fromkeys(self.hubs, mosquitto_hash(HUB_PASSWORD))
        tester_hash = mosquitto_hash(TESTER_PASSWORD)
        self.users.update(dict.fromkeys(TESTERS, tester_hash))

    @property
    def port(self) -> int:
        return self.broker.port

    @property
    def url(self) -> str:
        return self.broker.url

    def _configure(self) -> None:
        self.broker.configure(self.users, hub_users=self.hubs, readwrite_users=TESTERS)

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


def next_tester() -> str:
    """A tester user name (also its client id) not handed out recently."""
    return TESTERS[next(_next_tester) % len(TESTERS)]


def tester_client(port: int) -> mqtt.Client:
    """A connected paho client with read/write on every Gaïa topic (loop started)."""
    user = next_tester()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=user)
    client.username_pw_set(user, TESTER_PASSWORD)
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
