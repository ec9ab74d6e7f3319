"""The agent ships the outbox: delete on the hub's receipt only, never twice in flight,
bounded, reported. A receipting subscriber stands in for the hub here."""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from hub.protocol import Channel, Event, EventType, Health, decode
from kiosk.outbox import Outbox
from tests.kiosk.helpers import AgentProcess, KioskSetup, Subscriber
from tests.support import TestBroker, wait_for

pytestmark = pytest.mark.integration

Spawn = Callable[[Path], AgentProcess]


def append(outbox: Outbox, n: int) -> list[str]:
    events = [Event(type=EventType.SURVEY, value=2) for _ in range(n)]
    for event in events:
        outbox.append(event)
    return [e.id for e in events]


def received(sub: Subscriber) -> Counter[str]:
    return Counter(decode(Channel.EVENTS, p).id for p in sub.payloads("/events"))


def test_rows_are_deleted_only_once_receipted_and_never_sent_twice_in_flight(
    make_kiosk: Callable[..., KioskSetup],
    spawn_agent: Spawn,
    subscriber: Callable[..., Subscriber],
    broker: TestBroker,
) -> None:
    kiosk = make_kiosk("kiosk-puback", keepalive=10, agent={"publish_window": 4})
    sub = subscriber(kiosk.topic("events"))
    agent = spawn_agent(kiosk.config)
    ui = Outbox(kiosk.state / "outbox.db")
    first = append(ui, 3)
    wait_for(lambda: set(first) <= set(received(sub)), 10)
    wait_for(lambda: ui.stats().pending == 0, 5)
    process = broker.broker.process
    assert process is not None

    # A frozen broker keeps the connection but sends no PUBACK: rows stay, none goes twice.
    process.send_signal(signal.SIGSTOP)
    try:
        frozen = append(ui, 10)
        time.sleep(1.0)  # ten drain intervals
        assert ui.stats().pending == 10
    finally:
        process.send_signal(signal.SIGCONT)
    wait_for(lambda: set(frozen) <= set(received(sub)), 10)
    wait_for(lambda: ui.stats().pending == 0, 5)
    counts = received(sub)
    assert all(counts[i] == 1 for i in frozen), counts

    # The agent dies with publications in flight: the next one sends those rows again.
    process.send_signal(signal.SIGSTOP)
    try:
        orphans = append(ui, 6)
        time.sleep(0.5)
        agent.signal(signal.SIGKILL)
        agent.wait()
        assert ui.stats().pending == 6
    finally:
        process.send_signal(signal.SIGCONT)
    spawn_agent(kiosk.config)
    wait_for(lambda: set(orphans) <= set(received(sub)), 10)
    wait_for(lambda: ui.stats().pending == 0, 5)
    ui.close()


def test_full_outbox_drops_the_oldest_and_health_reports_it(
    make_kiosk: Callable[..., KioskSetup],
    spawn_agent: Spawn,
    subscriber: Callable[..., Subscriber],
) -> None:
    kiosk = make_kiosk("kiosk-full", outbox={"max_events": 10}, agent={"dropped_window_s": 1.5})
    ui = Outbox(kiosk.state / "outbox.db", max_events=10)
    ids = append(ui, 25)  # the UI appended while the agent was away
    ui.close()
    sub = subscriber(f"gaia/v1/kiosks/{kiosk.id}/+")
    spawn_agent(kiosk.config)
    wait_for(lambda: set(ids[-10:]) <= set(received(sub)), 10)

    def healths() -> list[Health]:
        return [decode(Channel.HEALTH, p) for p in sub.payloads("/health")]

    wait_for(lambda: len(healths()) >= 3, 10)
    assert set(received(sub)) == set(ids[-10:])  # the 15 oldest are gone
    assert all(h.outbox_dropped_total == 15 for h in healths())
    # Recent = within the last dropped_window_s: in every report of the window, then 0.
    assert healths()[0].outbox_dropped_recent == 15
    wait_for(lambda: healths()[-1].outbox_dropped_recent == 0, 5)
    assert healths()[-1].outbox_dropped_total == 15
    recent = [h.outbox_dropped_recent for h in healths()]
    assert recent == sorted(recent, reverse=True) and set(recent) == {15, 0}
    wait_for(lambda: healths()[-1].outbox_pending == 0, 5)


def test_rows_without_puback_are_published_again_after_the_timeout(
    make_kiosk: Callable[..., KioskSetup],
    spawn_agent: Spawn,
    subscriber: Callable[..., Subscriber],
    broker: TestBroker,
) -> None:
    kiosk = make_kiosk("kiosk-timeout", keepalive=10, agent={"publish_timeout_s": 0.5})
    sub = subscriber(kiosk.topic("events"))
    status = subscriber(kiosk.topic("status"))
    spawn_agent(kiosk.config)
    # Connected (its birth arrived) before the broker freezes: a CONNECT stuck in a
    # frozen broker would only delay the first send, not test the timeout.
    wait_for(lambda: any(b'"online"' in p for p in status.payloads()), 20)
    ui = Outbox(kiosk.state / "outbox.db")
    time.sleep(0.3)
    process = broker.broker.process
    assert process is not None
    process.send_signal(signal.SIGSTOP)
    try:
        ids = append(ui, 3)
        time.sleep(1.6)  # three timeouts without a PUBACK
        assert ui.stats().pending == 3
    finally:
        process.send_signal(signal.SIGCONT)
    wait_for(lambda: set(ids) <= set(received(sub)), 10)
    wait_for(lambda: ui.stats().pending == 0, 5)
    counts = received(sub)
    assert all(counts[i] >= 2 for i in ids), counts  # sent again: duplicates, not losses
    ui.close()


def test_rows_the_hub_never_receipts_stay_and_go_out_again(
    make_kiosk: Callable[..., KioskSetup],
    spawn_agent: Spawn,
    subscriber: Callable[..., Subscriber],
) -> None:
    """The broker acknowledged, but no receipt came (the broker lost them): keep, resend."""
    kiosk = make_kiosk("kiosk-noreceipt", agent={"receipt_timeout_s": 0.5})
    silent = subscriber(kiosk.topic("events"), receipts=False)
    spawn_agent(kiosk.config)
    ui = Outbox(kiosk.state / "outbox.db")
    ids = append(ui, 4)
    wait_for(lambda: all(received(silent)[i] >= 2 for i in ids), 10)  # sent again
    assert ui.stats().pending == 4  # and still kept
    hub = subscriber(kiosk.topic("events"))  # now someone receipts them
    wait_for(lambda: ui.stats().pending == 0, 10)
    assert set(ids) <= set(received(hub))
    ui.close()
