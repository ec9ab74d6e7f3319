"""Alerts: opened and closed from kiosks' state, listed once, sent to a webhook."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import Engine, select, update

from hub.accounts import register_kiosk
from hub.alerts import AlertEvaluator
from hub.config import AlertsConfig
from hub.metrics import Metrics
from hub.store import connect, migrate, schema


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    eng = connect(f"sqlite:///{tmp_path / 'hub.db'}")
    migrate(eng)
    with eng.begin() as conn:
        for kid in ("k-agen", "k-fumel", "k-lauzun"):
            register_kiosk(conn, kid, f"Mairie {kid}", "Agenais")
    return eng


def set_state(engine: Engine, kiosk_id: str, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(update(schema.kiosks).where(schema.kiosks.c.id == kiosk_id).values(**values))


def open_alerts(engine: Engine) -> set[tuple[str, str]]:
    a = schema.alerts.c
    with engine.connect() as conn:
        return {
            (r.kiosk_id, r.kind)
            for r in conn.execute(select(schema.alerts).where(a.closed_at.is_(None)))
        }


HEALTHY = {
    "online": True,
    "printer": "ok",
    "disk_used_pct": 40.0,
    "cpu_temp_c": 55.0,
    "ui": "up",
    "outbox_dropped_recent": 0,
}


def test_each_threshold_opens_and_closes_an_alert(engine: Engine) -> None:
    now = time.time()
    evaluator = AlertEvaluator(engine, AlertsConfig(), Metrics())
    set_state(engine, "k-agen", **HEALTHY, status_since=now - 3600)
    set_state(engine, "k-fumel", **HEALTHY, status_since=now - 3600)
    set_state(engine, "k-lauzun", online=False, status_since=now - 60)  # offline for 1 min only
    assert evaluator.evaluate(now) == ([], [])

    set_state(engine, "k-agen", printer="paper-out", disk_used_pct=93.0, cpu_temp_c=82.0)
    set_state(engine, "k-fumel", ui="down", outbox_dropped_recent=12)
    opened, closed = evaluator.evaluate(now + 90)  # k-lauzun now offline for 2.5 min
    assert {(a["kiosk_id"], a["kind"]) for a in opened} == {
        ("k-agen", "printer"),
        ("k-agen", "disk"),
        ("k-agen", "temperature"),
        ("k-fumel", "ui-down"),
        ("k-fumel", "outbox-dropping"),
        ("k-lauzun", "offline"),
    }
    assert closed == []
    # A second pass opens nothing new: one open alert per kiosk and kind.
    assert evaluator.evaluate(now + 95) == ([], [])
    assert len(open_alerts(engine)) == 6

    set_state(engine, "k-agen", **HEALTHY)
    set_state(engine, "k-lauzun", online=True, status_since=now + 100)
    opened, closed = evaluator.evaluate(now + 120)
    assert opened == []
    assert {(a["kiosk_id"], a["kind"]) for a in closed} == {
        ("k-agen", "printer"),
        ("k-agen", "disk"),
        ("k-agen", "temperature"),
        ("k-lauzun", "offline"),
    }
    assert open_alerts(engine) == {("k-fumel", "ui-down"), ("k-fumel", "outbox-dropping")}


def test_two_replicas_open_an_alert_once(engine: Engine) -> None:
    now = time.time()
    set_state(engine, "k-agen", **{**HEALTHY, "printer": "paper-low"}, status_since=now)
    first = AlertEvaluator(engine, AlertsConfig(), Metrics())
    second = AlertEvaluator(engine, AlertsConfig(), Metrics())
    opened_first, _ = first.evaluate(now)
    opened_second, _ = second.evaluate(now)
    assert len(opened_first) + len(opened_second) == 1
    assert open_alerts(engine) == {("k-agen", "printer")}


def test_unregistered_kiosks_raise_no_alert(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            schema.kiosks.insert().values(
                id="k-stranger", registered=False, online=False, status_since=time.time() - 9999
            )
        )
    assert AlertEvaluator(engine, AlertsConfig(), Metrics()).evaluate() == ([], [])


class Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []
    fail_first = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if Receiver.fail_first > 0:
            Receiver.fail_first -= 1
            self.send_response(503)
        else:
            Receiver.received.append(json.loads(body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[str]:
    Receiver.received = []
    Receiver.fail_first = 1  # the first delivery fails: it must be retried
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/gaia"
    server.shutdown()


async def test_webhook_gets_opened_and_closed_alerts(engine: Engine, webhook: str) -> None:
    now = time.time()
    set_state(engine, "k-agen", **{**HEALTHY, "printer": "paper-out"}, status_since=now)
    evaluator = AlertEvaluator(engine, AlertsConfig(webhook_url=webhook), Metrics())
    deliver = asyncio.create_task(evaluator.deliver())
    try:
        await asyncio.to_thread(evaluator.evaluate, now)
        set_state(engine, "k-agen", printer="ok")
        await asyncio.to_thread(evaluator.evaluate, now + 10)
        for _ in range(100):
            if len(Receiver.received) == 2:
                break
            await asyncio.sleep(0.1)
    finally:
        deliver.cancel()
    assert [b["event"] for b in Receiver.received] == ["alert.opened", "alert.closed"]
    alert = Receiver.received[0]["alert"]
    assert alert["kiosk_id"] == "k-agen"
    assert alert["kind"] == "printer"
    assert alert["detail"] == "plus de papier"
    assert alert["site"] == "Mairie k-agen"
