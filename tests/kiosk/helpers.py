"""Helpers for the kiosk tests: kiosk.toml files, agent processes, a background event loop,
a persistent-session subscriber."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import paho.mqtt.client as mqtt

from hub.protocol import Channel, ProtocolError, Receipt, decode, encode
from tests.support import TESTER_PASSWORD, TestBroker, next_tester

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]


def write_config(
    path: Path,
    *,
    kiosk_id: str,
    token: str,
    port: int,
    keepalive: int = 3,
    profile: str = "sim",
    agent: dict[str, Any] | None = None,
    outbox: dict[str, Any] | None = None,
) -> Path:
    """A kiosk.toml with short intervals, its state dir beside it."""
    settings: dict[str, Any] = {
        "health_interval_s": 0.5,
        "drain_interval_s": 0.1,
        "ui_timeout_s": 0.5,
        "publish_window": 20,
    }
    settings |= agent or {}

    def table(values: dict[str, Any]) -> str:
        return "".join(f"{k} = {_toml(v)}\n" for k, v in values.items())

    text = (
        f'kiosk_id = "{kiosk_id}"\nprofile = "{profile}"\nstate_dir = "{path.parent / "state"}"\n'
        f'[hub]\ntoken = "{token}"\n'
        f'[mqtt]\nurl = "mqtt://127.0.0.1:{port}"\nkeepalive = {keepalive}\n'
        "backoff_min_s = 0.1\nbackoff_max_s = 0.5\n"
        f"[agent]\n{table(settings)}"
        f"[outbox]\n{table(outbox or {})}"
    )
    path.write_text(text, encoding="utf-8")
    return path


def _toml(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value).lower() if isinstance(value, bool) else str(value)


class KioskSetup:
    """A kiosk known to the broker, with its kiosk.toml in `directory`."""

    def __init__(self, broker: TestBroker, directory: Path, kiosk_id: str, **options: Any) -> None:
        self.broker = broker
        self.id = kiosk_id
        self.token = f"token-{uuid.uuid4().hex}"
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        broker.add_kiosk(kiosk_id, self.token)
        self.options = options
        self.config = self.write()

    def write(self, **changes: Any) -> Path:
        """(Re)write kiosk.toml with the setup's options updated by `changes`."""
        self.options |= changes
        return write_config(
            self.directory / "kiosk.toml",
            kiosk_id=self.id,
            token=self.token,
            port=self.broker.port,
            **self.options,
        )

    @property
    def state(self) -> Path:
        return self.directory / "state"

    def topic(self, channel: str) -> str:
        return f"gaia/v1/kiosks/{self.id}/{channel}"


class AgentProcess:
    """`python -m kiosk agent --config ...` as a child process, its log in a file."""

    def __init__(self, config: Path) -> None:
        self.log_path = config.parent / "agent.log"
        self._log = self.log_path.open("ab")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kiosk",
                "--log-level",
                "DEBUG",
                "agent",
                "--config",
                str(config),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=env,
        )

    def signal(self, sig: int) -> None:
        self.process.send_signal(sig)

    def wait(self, timeout: float = 10) -> int:
        return self.process.wait(timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait()
        self._log.close()


class LoopThread:
    """An asyncio loop in a background thread, so sync tests can run async pieces."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10) -> T:
        """Run `coro` in the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self, coro: Coroutine[Any, Any, T]) -> Any:
        """Start `coro` in the loop; returns its concurrent future."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


class Subscriber:
    """A tester with a persistent session (clean_session False, QoS 1) that subscribes again
    on every connect and reconnects quickly: it sees everything across a broker restart.

    With `receipts` (the default) it stands in for the hub's end-to-end receipt: each
    event it receives is receipted to its kiosk, so the agent may forget it. (The e2e
    tests run the real hub.)"""

    def __init__(self, port: int, topic: str, *, receipts: bool = True) -> None:
        self.topic = topic
        self.receipts = receipts
        self.messages: list[tuple[str, bytes, bool]] = []
        self._lock = threading.Lock()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=(user := next_tester()),
            clean_session=False,
        )
        self.client.username_pw_set(user, TESTER_PASSWORD)
        self.client.reconnect_delay_set(0.05, 0.2)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.subscribed = threading.Event()
        self.client.on_subscribe = lambda *_a: self.subscribed.set()
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()
        assert self.subscribed.wait(5), "subscriber did not subscribe"

    def _on_connect(self, client: mqtt.Client, *_args: Any) -> None:
        client.subscribe(self.topic, qos=1)

    def _on_message(self, client: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.messages.append((msg.topic, bytes(msg.payload), bool(msg.retain)))
        if self.receipts and msg.topic.endswith("/events"):
            try:
                event_id = decode(Channel.EVENTS, msg.payload).id
            except ProtocolError:
                return
            receipt = Receipt(events=[event_id])
            client.publish(msg.topic.rsplit("/", 1)[0] + "/receipts", encode(receipt), qos=1)

    def payloads(self, suffix: str = "") -> list[bytes]:
        with self._lock:
            return [p for t, p, _ in self.messages if t.endswith(suffix)]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
