"""`[ingest] workers = 2`: two processes share the stream; every event stored once, all counted."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from hub.protocol import Event, EventType
from kiosk.outbox import Outbox
from tests.e2e.harness import AgentProcess, HubProcess
from tests.support import TestBroker, wait_for

pytestmark = pytest.mark.integration


def test_two_ingest_workers_store_every_event_once(tmp_path: Path, broker: TestBroker) -> None:
    hub = HubProcess(tmp_path / "hub", broker, ingest_workers=2)
    hub.start()
    agents = []
    try:
        wait_for(lambda: "extra ingest workers started" in hub.log.read_text(), 10)
        ids: list[str] = []
        for n in range(3):
            kiosk_id = f"k-worker-{n}"
            token = hub.register(kiosk_id)
            agent = AgentProcess(tmp_path / kiosk_id, kiosk_id, token, broker)
            outbox = Outbox(agent.outbox_path)
            for i in range(300):
                event = Event(type=EventType.SESSION_STARTED, session=f"session-{n}-{i:04d}")
                outbox.append(event)
                ids.append(event.id)
            outbox.close()
            agent.start()
            agents.append(agent)
        wait_for(lambda: set(ids) <= set(hub.event_ids()), 30)
        stored = hub.event_ids()
        assert len(stored) == len(set(stored)) == 900
        # Every outbox empties: each event was receipted by whichever worker stored it.
        wait_for(lambda: all(Outbox(a.outbox_path).stats().pending == 0 for a in agents), 15)

        def events_counted() -> float:
            text = httpx.get(f"{hub.url}/metrics").text
            match = re.search(r'gaia_ingest_messages_total\{channel="events"\} (\S+)', text)
            return float(match.group(1)) if match else 0.0

        # The workers' counters reach the main process's /metrics (duplicates count too).
        wait_for(lambda: events_counted() >= 900, 10)
    finally:
        for agent in agents:
            agent.stop()
        hub.stop()
    assert "Traceback" not in hub.log.read_text()
