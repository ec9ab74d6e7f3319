"""The fleet path end to end: kiosk agent -> Mosquitto -> hub ingest -> database.

Every part is real and runs as its own process: Mosquitto, `gaia-hub serve`,
`gaia-kiosk agent`. Events are appended to the agent's outbox as the UI does.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.protocol import Event, EventType
from hub.store import schema
from kiosk.outbox import Outbox
from tests.e2e.harness import AgentProcess, HubProcess
from tests.support import TestBroker, wait_for

pytestmark = pytest.mark.integration


class Producer:
    """Appends usage events to a kiosk's outbox at a steady pace, like the UI."""

    def __init__(self, outbox_path: Path, per_second: float = 25) -> None:
        self.outbox = Outbox(outbox_path)
        self.interval = 1 / per_second
        self.ids: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        n = 0
        while not self._stop.wait(self.interval):
            event = Event(type=EventType.SESSION_STARTED, session=f"session-{n:06d}")
            self.outbox.append(event)
            self.ids.append(event.id)
            n += 1

    def __enter__(self) -> Producer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.outbox.close()


def start_agent(
    tmp_path: Path,
    hub: HubProcess,
    broker: TestBroker,
    agents: list[AgentProcess],
    kiosk_id: str = "k-laplume",
    **options: object,
) -> AgentProcess:
    token = hub.register(kiosk_id, "Mairie de Laplume", "Agenais")
    agent = AgentProcess(tmp_path / kiosk_id, kiosk_id, token, broker, **options)  # type: ignore[arg-type]
    agent.start()
    agents.append(agent)
    return agent


def test_online_then_offline_within_one_and_a_half_keepalives(
    tmp_path: Path, hub: HubProcess, broker: TestBroker, agents: list[AgentProcess]
) -> None:
    keepalive = 2
    agent = start_agent(tmp_path, hub, broker, agents, keepalive=keepalive)
    row = wait_for(lambda: (r := hub.kiosk("k-laplume")) is not None and r.online and r, 15)
    assert row.registered
    wait_for(lambda: hub.kiosk("k-laplume").health_json, 10)  # health flows too
    died = agent.kill()
    wait_for(lambda: not hub.kiosk("k-laplume").online, 3 * keepalive)
    elapsed = time.monotonic() - died
    # The broker publishes the will at 1.5x keepalive; ingest adds its batch delay.
    assert elapsed <= 1.5 * keepalive + 0.5, f"offline seen after {elapsed:.2f}s"
    agent.start()
    wait_for(lambda: hub.kiosk("k-laplume").online, 15)


def test_broker_killed_and_restarted_loses_no_event(
    tmp_path: Path, hub: HubProcess, broker: TestBroker, agents: list[AgentProcess]
) -> None:
    agent = start_agent(tmp_path, hub, broker, agents)
    wait_for(lambda: (r := hub.kiosk("k-laplume")) is not None and r.online, 15)
    with Producer(agent.outbox_path) as producer:
        time.sleep(2)
        broker.kill()  # SIGKILL: no clean shutdown
        time.sleep(2)
        broker.broker.start()
        time.sleep(3)
    ids = producer.ids
    assert len(ids) > 100
    wait_for(lambda: set(ids) <= set(hub.event_ids()), 30)
    stored = hub.event_ids()
    assert len(stored) == len(set(stored)) == len(ids)  # every event, exactly once
    wait_for(lambda: Outbox(agent.outbox_path).stats().pending == 0, 10)


@pytest.mark.slow
def test_hub_stopped_for_a_minute_loses_no_event(
    tmp_path: Path, hub: HubProcess, broker: TestBroker, agents: list[AgentProcess]
) -> None:
    agent = start_agent(tmp_path, hub, broker, agents)
    wait_for(lambda: (r := hub.kiosk("k-laplume")) is not None and r.online, 15)
    with Producer(agent.outbox_path, per_second=20) as producer:
        time.sleep(1)
        hub.stop()
        time.sleep(60)
        hub.start()
        time.sleep(1)
    ids = producer.ids
    assert len(ids) > 1000
    wait_for(lambda: set(ids) <= set(hub.event_ids()), 30)
    stored = hub.event_ids()
    assert len(stored) == len(set(stored)) == len(ids)


def test_full_outbox_drops_the_oldest_and_reports_it(
    tmp_path: Path, hub: HubProcess, broker: TestBroker, agents: list[AgentProcess]
) -> None:
    agent = start_agent(tmp_path, hub, broker, agents, outbox_max_events=10)
    wait_for(lambda: (r := hub.kiosk("k-laplume")) is not None and r.online, 15)
    broker.stop()  # the kiosk cannot send: its outbox fills up
    outbox = Outbox(agent.outbox_path, max_events=10)
    events = [Event(type=EventType.SESSION_STARTED, session=f"session-{i:04d}") for i in range(25)]
    for event in events:
        outbox.append(event)
    outbox.close()
    broker.broker.start()
    newest = {e.id for e in events[-10:]}
    wait_for(lambda: newest <= set(hub.event_ids()), 20)
    assert set(hub.event_ids()) == newest  # the 15 oldest were dropped

    def dropped_total() -> int:
        return int(
            json.loads(hub.kiosk("k-laplume").health_json or "{}").get("outbox_dropped_total", 0)
        )

    wait_for(lambda: dropped_total() == 15, 15)
    wait_for(lambda: ("k-laplume", "outbox-dropping") in open_alerts(hub), 10)


def open_alerts(hub: HubProcess) -> set[tuple[str, str]]:
    with hub.engine.connect() as conn:
        rows = conn.execute(select(schema.alerts).where(schema.alerts.c.closed_at.is_(None)))
        return {(r.kiosk_id, r.kind) for r in rows}
