"""The fast kiosk-list JSON writes what the documented model says."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import Engine, delete, update

from hub import fleet
from hub.api.encoding import kiosks_json
from hub.api.models import KioskOut, kiosk_body
from hub.store import schema
from tests.hub.helpers import add_alert, add_kiosk, health_json

NOW = time.time()


def _seed(engine: Engine) -> None:
    with engine.begin() as conn:
        add_kiosk(
            conn,
            "agen-01",
            site='Mairie d\'Agen "centre" \\ é ✓',
            territory="Agenais",
            online=True,
            status_since=NOW - 61.25,
            last_seen=NOW,
            last_health_at=NOW - 1,
            cpu_temp_c=84,
            disk_used_pct=50.5,
            printer="paper-out",
            ui="up",
            app_version="1.4.2",
            health_json=health_json(cpu_temp_c=84.0, net_iface="wlan0"),
        )
        add_kiosk(conn, "boe-01", registered=False, health_json="not json")
        add_alert(conn, "agen-01", "temperature", NOW - 5, detail='CPU at 84 °C "hot"')
        add_alert(conn, "agen-01", "printer", NOW - 4, detail="printer paper-out")


def _decoded(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows, alerts = fleet.kiosk_rows(conn)
    result: list[dict[str, Any]] = json.loads(kiosks_json(rows, alerts))
    return result


def test_fast_json_equals_the_model_shape(engine: Engine) -> None:
    _seed(engine)
    with engine.connect() as conn:
        expected = [kiosk_body(r) for r in fleet.list_kiosks(conn)]
    expected[1]["health"] = None  # unreadable stored health becomes null in both
    decoded = _decoded(engine)
    assert decoded == expected
    assert decoded[0]["cpu_temp_c"] == 84.0 and decoded[0]["site"].endswith("é ✓")
    for kiosk in decoded:
        KioskOut.model_validate(kiosk)  # valid against the documented model


def test_json_follows_changes(engine: Engine) -> None:
    _seed(engine)
    with engine.begin() as conn:
        conn.execute(
            update(schema.kiosks).where(schema.kiosks.c.id == "agen-01").values(online=False)
        )
        conn.execute(
            update(schema.alerts).where(schema.alerts.c.kind == "printer").values(closed_at=NOW)
        )
    changed = _decoded(engine)
    assert changed[0]["online"] is False
    assert [a["kind"] for a in changed[0]["alerts"]] == ["temperature"]
    with engine.begin() as conn:
        conn.execute(delete(schema.kiosks).where(schema.kiosks.c.id == "boe-01"))
    assert [k["id"] for k in _decoded(engine)] == ["agen-01"]
