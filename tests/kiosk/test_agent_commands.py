"""Remote commands through a real broker to an agent process, and their acks."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from hub.protocol import (
    MAX_PAYLOAD_BYTES,
    Ack,
    AckResult,
    Channel,
    Command,
    decode,
    encode,
    new_id,
    utcnow,
)
from kiosk.uilink import SimUi, UiLinkServer
from tests.kiosk.helpers import AgentProcess, KioskSetup, LoopThread
from tests.support import Collector, TestBroker, tester_client, wait_for

pytestmark = pytest.mark.integration


class Ops:
    """The hub's side: publishes commands, collects acks."""

    def __init__(self, kiosk: KioskSetup, broker: TestBroker) -> None:
        self.kiosk = kiosk
        self.client: mqtt.Client = tester_client(broker.port)
        self.acks = Collector(self.client, kiosk.topic("acks"))

    def send_raw(self, payload: bytes) -> None:
        self.client.publish(self.kiosk.topic("commands"), payload, qos=1).wait_for_publish(5)

    def send(self, command: Command, timeout: float = 10) -> Ack:
        """Publish `command` and wait for its ack."""
        before = len(self.acks.payloads())
        self.send_raw(encode(command))
        return wait_for(lambda: self.ack_of(command.id, skip=before), timeout)

    def ack_of(self, command_id: str, skip: int = 0) -> Ack | None:
        for payload in self.acks.payloads()[skip:]:
            ack: Ack = decode(Channel.ACKS, payload)
            if ack.command_id == command_id:
                return ack
        return None


def command(name: str, ttl_s: float = 60, **args: str) -> Command:
    return Command(name=name, expires=utcnow() + timedelta(seconds=ttl_s), args=args)


@pytest.fixture
def ops_kiosk(
    make_kiosk: Callable[..., KioskSetup],
    spawn_agent: Callable[[Path], AgentProcess],
    broker: TestBroker,
) -> Iterator[tuple[Ops, KioskSetup, AgentProcess]]:
    kiosk = make_kiosk("kiosk-ops")
    ops = Ops(kiosk, broker)
    status = Collector(ops.client, kiosk.topic("status"))
    agent = spawn_agent(kiosk.config)
    wait_for(lambda: any(b'"online"' in p for p in status.payloads()), 20)
    yield ops, kiosk, agent
    ops.client.loop_stop()
    ops.client.disconnect()


@pytest.fixture
def sim_ui(
    ops_kiosk: tuple[Ops, KioskSetup, AgentProcess], loop_thread: LoopThread
) -> Iterator[SimUi]:
    ui = SimUi()
    server = UiLinkServer(ops_kiosk[1].state / "ui.sock", ui)
    loop_thread.run(server.start())
    yield ui
    loop_thread.run(server.close())


def test_round_trip_ack_ok(ops_kiosk: tuple[Ops, KioskSetup, AgentProcess]) -> None:
    ops, _, agent = ops_kiosk
    cmd = command("restart-ui")
    ack = ops.send(cmd)
    assert ack.result is AckResult.OK and ack.detail == "simulated"  # sim profile: logged only
    assert "would run 'systemctl restart gaia-kiosk-ui'" in agent.log()


def test_expired_command_is_acked_expired_and_not_run(
    ops_kiosk: tuple[Ops, KioskSetup, AgentProcess], sim_ui: SimUi
) -> None:
    ops, _, _ = ops_kiosk
    stale = Command(
        name="show-message",
        args={"text": "trop tard"},
        ts=utcnow() - timedelta(minutes=10),
        expires=utcnow() - timedelta(minutes=5),
    )
    assert ops.send(stale).result is AckResult.EXPIRED
    assert ops.send(command("show-message", text="à l'heure")).result is AckResult.OK
    assert sim_ui.messages == ["à l'heure"]


def test_same_command_twice_runs_once(
    ops_kiosk: tuple[Ops, KioskSetup, AgentProcess], sim_ui: SimUi
) -> None:
    ops, _, _ = ops_kiosk
    cmd = command("show-message", text="Fermeture exceptionnelle vendredi")
    assert ops.send(cmd).result is AckResult.OK
    assert ops.send(cmd).result is AckResult.DUPLICATE
    assert sim_ui.messages == ["Fermeture exceptionnelle vendredi"]


def test_invalid_payloads_are_refused_and_the_agent_goes_on(
    ops_kiosk: tuple[Ops, KioskSetup, AgentProcess],
) -> None:
    ops, _, agent = ops_kiosk
    for junk in (
        b"",
        b"\xff\xfe",
        b"not json",
        b"[1, 2]",
        b'{"v": 99}',
        b"{" * (MAX_PAYLOAD_BYTES + 1),
    ):
        ops.send_raw(junk)
    named = {"v": 1, "id": new_id(), "ts": utcnow().isoformat(), "name": "format-disk"}
    ops.send_raw(json.dumps(named).encode())
    wait_for(lambda: ops.ack_of(named["id"]), 10)
    refused = ops.ack_of(named["id"])
    assert refused is not None and refused.result is AckResult.REJECTED
    assert ops.send(command("reload-config")).result is AckResult.OK
    assert agent.process.poll() is None
    log = agent.log()
    assert "Traceback" not in log
    assert "refused an invalid command" in log
    # Rate-limited: seven refusals, one warning line (the rest counted).
    assert log.count("refused an invalid command") == 1


def test_print_test_with_the_ui_down_is_ui_unavailable(
    ops_kiosk: tuple[Ops, KioskSetup, AgentProcess],
) -> None:
    ops, _, _ = ops_kiosk
    started = time.monotonic()
    assert ops.send(command("print-test")).result is AckResult.UI_UNAVAILABLE
    assert time.monotonic() - started < 3


def test_print_test_and_show_message_reach_the_ui(
    ops_kiosk: tuple[Ops, KioskSetup, AgentProcess], sim_ui: SimUi
) -> None:
    ops, _, _ = ops_kiosk
    assert ops.send(command("print-test")).result is AckResult.OK
    assert sim_ui.print_tests == 1
    assert ops.send(command("show-message", text="Bonjour")).result is AckResult.OK
    assert sim_ui.messages == ["Bonjour"]
    assert ops.send(command("show-message")).result is AckResult.REJECTED
    sim_ui.fault("printer", "paper-out")
    failed = ops.send(command("print-test"))
    assert failed.result is AckResult.FAILED and failed.detail == "printer-paper-out"


def test_reload_config_applies_or_says_why_not(
    ops_kiosk: tuple[Ops, KioskSetup, AgentProcess],
) -> None:
    ops, kiosk, _ = ops_kiosk
    health = Collector(ops.client, kiosk.topic("health"))
    kiosk.write(agent={"health_interval_s": 5})
    ack = ops.send(command("reload-config"))
    assert ack.result is AckResult.OK and ack.detail == "health_interval_s=5"
    time.sleep(0.3)  # the report sent at once on reload
    before = len(health.payloads())
    time.sleep(1.5)  # was every 0.5 s, now every 5 s
    assert len(health.payloads()) == before

    kiosk.config.write_text("kiosk_id = [")
    ack = ops.send(command("reload-config"))
    assert ack.result is AckResult.FAILED
    assert ack.detail and "kiosk.toml" in ack.detail


def test_kiosk_cannot_publish_or_read_another_kiosks_topics(
    make_kiosk: Callable[..., KioskSetup], broker: TestBroker
) -> None:
    alice, bob = make_kiosk("kiosk-alice"), make_kiosk("kiosk-bob")
    tester = tester_client(broker.port)
    seen = Collector(tester, "gaia/v1/#")
    kiosk = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=alice.id)
    kiosk.username_pw_set(alice.id, alice.token)
    got: list[str] = []
    kiosk.on_message = lambda _c, _u, m: got.append(m.topic)
    kiosk.connect("127.0.0.1", broker.port)
    kiosk.loop_start()
    wait_for(kiosk.is_connected, 5)
    kiosk.subscribe(bob.topic("commands"), qos=1)
    kiosk.subscribe(alice.topic("commands"), qos=1)
    time.sleep(0.2)

    kiosk.publish(bob.topic("events"), b'{"forged": true}', qos=1).wait_for_publish(5)
    kiosk.publish(bob.topic("status"), b'{"forged": true}', qos=1).wait_for_publish(5)
    tester.publish(bob.topic("commands"), b"for bob", qos=1)
    # Controls, sent after: once they arrived, the forbidden ones would have too.
    kiosk.publish(alice.topic("events"), b"control", qos=1).wait_for_publish(5)
    tester.publish(alice.topic("commands"), b"for alice", qos=1)
    wait_for(lambda: alice.topic("events") in [t for t, _, _ in seen.messages], 5)
    wait_for(lambda: got == [alice.topic("commands")], 5)
    time.sleep(0.2)
    assert not [p for t, p, _ in seen.messages if b"forged" in p]
    assert got == [alice.topic("commands")]
    for client in (kiosk, tester):
        client.loop_stop()
        client.disconnect()
