"""The agent as a process (`python -m kiosk agent`) against a real Mosquitto."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from hub.protocol import (
    Ack,
    AckResult,
    Channel,
    Command,
    Event,
    EventType,
    Status,
    decode,
    encode,
    utcnow,
)
from kiosk.outbox import Outbox
from tests.kiosk.helpers import AgentProcess, KioskSetup, Subscriber
from tests.support import Collector, TestBroker, tester_client, wait_for

pytestmark = pytest.mark.integration

Spawn = Callable[[Path], AgentProcess]


def statuses(sub: Subscriber) -> list[Status]:
    return [decode(Channel.STATUS, p) for p in sub.payloads("/status")]


def test_birth_retained_online_then_will_on_sigkill(
    make_kiosk: Callable[..., KioskSetup], spawn_agent: Spawn, broker: TestBroker
) -> None:
    kiosk = make_kiosk("kiosk-birth", keepalive=2)
    agent = spawn_agent(kiosk.config)
    live = tester_client(broker.port)
    seen = Collector(live, kiosk.topic("status"))
    wait_for(lambda: any(b'"online"' in p for p in seen.payloads()), 10)

    # A late subscriber gets the birth as a retained message.
    late = tester_client(broker.port)
    retained = Collector(late, kiosk.topic("status"))
    wait_for(lambda: retained.messages, 5)
    _, payload, retain = retained.messages[-1]
    assert retain and decode(Channel.STATUS, payload).state == "online"

    killed = time.monotonic()
    agent.signal(signal.SIGKILL)
    wait_for(lambda: any(b'"offline"' in p for p in seen.payloads()), 3 * 1.5)
    assert time.monotonic() - killed <= 2 * 1.5
    assert decode(Channel.STATUS, seen.payloads()[-1]).state == "offline"
    for client in (live, late):
        client.loop_stop()
        client.disconnect()


def test_frozen_agent_is_declared_offline_by_its_keepalive(
    make_kiosk: Callable[..., KioskSetup], spawn_agent: Spawn, subscriber: Callable[..., Subscriber]
) -> None:
    """SIGSTOP keeps the TCP connection open but silent: only the keepalive can tell."""
    kiosk = make_kiosk("kiosk-frozen", keepalive=2)
    sub = subscriber(kiosk.topic("status"))
    agent = spawn_agent(kiosk.config)
    wait_for(lambda: [s for s in statuses(sub) if s.state == "online"], 10)
    frozen = time.monotonic()
    agent.signal(signal.SIGSTOP)
    wait_for(lambda: statuses(sub)[-1].state == "offline", 10)
    elapsed = time.monotonic() - frozen
    # Mosquitto gives up after 1.5 x keepalive (3 s), but 2.0 checks keepalives only every
    # 5 s. With paho's default keepalive (60 s) this would take 90 s.
    assert 2.5 <= elapsed <= 3 + 5.5, elapsed


def test_sigterm_publishes_offline_and_exits_zero(
    make_kiosk: Callable[..., KioskSetup], spawn_agent: Spawn, subscriber: Callable[..., Subscriber]
) -> None:
    kiosk = make_kiosk("kiosk-term", keepalive=30)
    sub = subscriber(kiosk.topic("status"))
    agent = spawn_agent(kiosk.config)
    wait_for(lambda: [s for s in statuses(sub) if s.state == "online"], 10)
    time.sleep(1)  # so that the will (made at connect time) is older than the stop
    stopped, stopped_at = time.monotonic(), utcnow()
    agent.signal(signal.SIGTERM)
    assert agent.wait(10) == 0
    wait_for(lambda: statuses(sub)[-1].state == "offline", 3)
    assert time.monotonic() - stopped < 5
    time.sleep(0.3)
    # One offline, made at the stop: the agent's own, not the broker's will (a DISCONNECT
    # discards the will; a dropped connection would have published it too).
    assert [s.state for s in statuses(sub)] == ["online", "offline"]
    assert statuses(sub)[-1].ts >= stopped_at - timedelta(seconds=0.2)
    assert "Traceback" not in agent.log()


def test_bad_config_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    import subprocess
    import sys

    bad = tmp_path / "kiosk.toml"
    bad.write_text('kiosk_id = "Not Valid!"\n')
    for config in (bad, tmp_path / "missing.toml"):
        done = subprocess.run(
            [sys.executable, "-m", "kiosk", "agent", "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert done.returncode == 2
        assert "configuration error" in done.stderr and str(config) in done.stderr
        assert "Traceback" not in done.stderr


def test_events_survive_a_broker_crash_while_the_ui_keeps_appending(
    make_kiosk: Callable[..., KioskSetup],
    spawn_agent: Spawn,
    subscriber: Callable[..., Subscriber],
    broker: TestBroker,
) -> None:
    kiosk = make_kiosk("kiosk-crash", keepalive=2, agent={"publish_window": 5})
    sub = subscriber(kiosk.topic("events"))
    agent = spawn_agent(kiosk.config)
    ui_outbox = Outbox(kiosk.state / "outbox.db")  # this test process plays the UI
    sent: list[str] = []

    def append(n: int) -> None:
        for _ in range(n):
            event = Event(type=EventType.SESSION_STARTED, session=f"s{len(sent):08d}")
            ui_outbox.append(event)
            sent.append(event.id)
            time.sleep(0.01)

    def received() -> set[str]:
        return {decode(Channel.EVENTS, p).id for p in sub.payloads()}

    append(40)
    wait_for(lambda: len(received()) >= 20, 10)
    # Save the broker's sessions (the subscriber's queue survives the crash), then crash it.
    assert broker.broker.process is not None
    broker.broker.process.send_signal(signal.SIGUSR1)
    time.sleep(0.3)
    # Freeze it first so that publications are in flight (no PUBACK) when it dies.
    broker.broker.process.send_signal(signal.SIGSTOP)
    append(20)
    broker.kill()
    append(60)  # the UI goes on while the broker is away
    broker.start()
    append(40)
    wait_for(lambda: set(sent) <= received(), 20)
    wait_for(lambda: ui_outbox.stats().pending == 0, 5)
    assert len(sent) == 160
    assert agent.process.poll() is None
    ui_outbox.close()


def test_repeated_command_runs_once_even_across_a_restart(
    make_kiosk: Callable[..., KioskSetup], spawn_agent: Spawn, broker: TestBroker
) -> None:
    """The pi profile runs the configured command; the second delivery is a duplicate."""
    kiosk = make_kiosk("kiosk-pi", profile="pi")
    marker = kiosk.directory / "restarted"
    kiosk.write(agent={"restart_ui_command": f"sh -c 'echo ran >> {marker}'"})
    tester = tester_client(broker.port)
    acks = Collector(tester, kiosk.topic("acks"))
    command = Command(name="restart-ui", expires=utcnow() + timedelta(minutes=5))

    def results() -> list[str]:
        return [decode(Channel.ACKS, p).result.value for p in acks.payloads()]

    status = Collector(tester, kiosk.topic("status"))
    agent = spawn_agent(kiosk.config)
    # Subscribed (its birth follows the subscription) before the first command goes out.
    wait_for(lambda: any(b'"online"' in p for p in status.payloads()), 20)
    tester.publish(kiosk.topic("commands"), encode(command), qos=1)
    wait_for(lambda: results() == ["ok"], 10)
    assert marker.read_text() == "ran\n"

    agent.signal(signal.SIGTERM)
    assert agent.wait(10) == 0
    # Sent while the agent is away: the broker queues it for the persistent session.
    tester.publish(kiosk.topic("commands"), encode(command), qos=1)
    spawn_agent(kiosk.config)
    wait_for(lambda: results() == ["ok", "duplicate"], 10)
    assert marker.read_text() == "ran\n"
    ack = decode(Channel.ACKS, acks.payloads()[-1])
    assert isinstance(ack, Ack) and ack.command_id == command.id
    assert ack.result is AckResult.DUPLICATE
    tester.loop_stop()
    tester.disconnect()
