"""Kiosk clocks that are wrong (a Pi has no real-time clock), against the real hub.

The agent runs under libfaketime (Debian's `faketime`): its wall clock says 1970,
or a day ahead, or a year behind. Events are stamped by that clock, as the UI
would stamp them. Nothing may be lost, and the hub's pages and purges go by the
hub's own clock.
"""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from hub.config import RetentionConfig
from hub.protocol import Event, EventType
from hub.runtime import purge_old
from hub.store import schema
from kiosk.outbox import Outbox
from tests.e2e.harness import AgentProcess, HubProcess
from tests.support import TestBroker, wait_for

pytestmark = pytest.mark.integration

CLOCKS = {
    "1970": ("@1970-01-01 00:00:00", datetime(1970, 1, 1, tzinfo=UTC)),
    "a day ahead": ("+1d", None),
    "a year behind": ("-365d", None),
}


@pytest.fixture(autouse=True)
def _faketime() -> None:
    if shutil.which("faketime") is None:
        pytest.fail("faketime is not installed: run `make test`, which installs it")


@pytest.mark.parametrize("clock", list(CLOCKS))
def test_a_wrong_kiosk_clock_loses_nothing_and_is_alerted(
    clock: str, tmp_path: Path, hub: HubProcess, broker: TestBroker, agents: list[AgentProcess]
) -> None:
    spec, fixed = CLOCKS[clock]
    offset = {"+1d": timedelta(days=1), "-365d": timedelta(days=-365)}.get(spec, timedelta())
    token = hub.register("k-clock", "Mairie de Laplume", "Agenais")
    agent = AgentProcess(tmp_path / "kiosk", "k-clock", token, broker, faketime=spec)
    agents.append(agent)
    # 100 events stamped by the kiosk's wrong clock, waiting in its outbox.
    agent.outbox_path.parent.mkdir(parents=True, exist_ok=True)
    ids = []
    with Outbox(agent.outbox_path) as outbox:
        for i in range(100):
            stamped = (fixed or datetime.now(UTC) + offset) + timedelta(seconds=i)
            event = Event(type=EventType.SESSION_STARTED, session=f"session-{i:04d}", ts=stamped)
            outbox.append(event)
            ids.append(event.id)
    agent.start()
    wait_for(lambda: set(ids) <= set(hub.event_ids()), 30)
    with Outbox(agent.outbox_path) as outbox:  # every one receipted, so forgotten by the kiosk
        wait_for(lambda: outbox.stats().pending == 0, 15)
    # The hub's housekeeping keeps them all: they are aged by their arrival.
    purge_old(hub.engine, RetentionConfig())
    now = time.time()
    with hub.engine.connect() as conn:
        rows = conn.execute(select(schema.events).where(schema.events.c.id.in_(ids))).all()
        kiosk = conn.execute(select(schema.kiosks).where(schema.kiosks.c.id == "k-clock")).one()
    assert len(rows) == 100, f"{100 - len(rows)} of 100 events lost"
    assert all(abs(r.ts - now) < 120 for r in rows), "an event filed away from its arrival"
    assert all(r.kiosk_ts is not None for r in rows)  # the stamp as reported is kept
    # Health is on the hub's clock (the kiosk is seen as live), the skew is measured...
    wait_for(lambda: hub.kiosk("k-clock").last_health_at is not None, 10)
    assert abs(hub.kiosk("k-clock").last_health_at - time.time()) < 10
    expected = (
        (datetime(1970, 1, 1, tzinfo=UTC).timestamp() - now) if fixed else offset.total_seconds()
    )
    assert kiosk.clock_skew_s is not None
    assert abs(hub.kiosk("k-clock").clock_skew_s - expected) < 120
    # ... and alerted, naming the kiosk.
    with hub.engine.connect() as conn:
        wait_for(
            lambda: conn.execute(
                select(schema.alerts.c.detail).where(
                    schema.alerts.c.kiosk_id == "k-clock", schema.alerts.c.kind == "clock"
                )
            ).first(),
            10,
        )
    assert abs(hub.kiosk("k-clock").status_since - time.time()) < 120  # "online since"
    # A remote command is judged on the kiosk's clock: run, not refused as expired.
    token = hub.api_token()
    with httpx.Client(base_url=hub.url, headers={"Authorization": f"Bearer {token}"}) as api:
        sent = api.post("/api/v1/kiosks/k-clock/commands", json={"name": "reload-config"})
        assert sent.status_code == 202, sent.text
        command_id = sent.json()["id"]
        done = wait_for(
            lambda: (
                (s := api.get(f"/api/v1/commands/{command_id}").json())["status"] != "sent" and s
            ),
            15,
        )
    assert (done["status"], done["result"]) == ("acked", "ok"), done
    acked = datetime.fromisoformat(done["acked_at"]).timestamp()
    assert abs(acked - time.time()) < 60  # dated by its arrival, not the kiosk's clock


def test_events_stamped_before_ntp_answered_are_filed_when_they_happened(
    tmp_path: Path, hub: HubProcess, broker: TestBroker, agents: list[AgentProcess]
) -> None:
    """The UI stamped 50 sessions while the Pi still believed it was 1970; NTP has
    answered since, so the agent's clock (and the skew the hub measures) is right.
    The boot clock the UI recorded beside each stamp files them when they happened."""
    from hub.protocol import BootTime
    from kiosk.clock import boot_id, uptime_s

    token = hub.register("k-ntp", "Mairie de Nérac", "Albret")
    agent = AgentProcess(tmp_path / "kiosk", "k-ntp", token, broker)
    agents.append(agent)
    agent.outbox_path.parent.mkdir(parents=True, exist_ok=True)
    age = min(600.0, uptime_s() - 60)  # ten minutes ago (on a machine up that long)
    happened: dict[str, float] = {}
    with Outbox(agent.outbox_path) as outbox:
        for i in range(50):
            at = uptime_s() - age + i
            event = Event(
                type=EventType.SESSION_STARTED,
                session=f"session-{i:04d}",
                ts=datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=at),
                unsynced=BootTime(boot=boot_id(), uptime_s=at),
            )
            outbox.append(event)
            happened[event.id] = time.time() - age + i
    agent.start()
    wait_for(lambda: set(happened) <= set(hub.event_ids()), 30)
    with hub.engine.connect() as conn:
        rows = conn.execute(select(schema.events).where(schema.events.c.id.in_(happened))).all()
    assert len(rows) == 50, f"{50 - len(rows)} of 50 events lost"
    errors = [abs(r.ts - happened[r.id]) for r in rows]
    assert max(errors) < 5, f"filed up to {max(errors):.0f} s away from when they happened"
