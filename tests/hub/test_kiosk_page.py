"""The kiosk page: identity, health, charts, events, alerts, commands; the alerts page."""

from __future__ import annotations

import json
import re
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from hub.protocol import DeviceState
from hub.protocol.messages import Devices
from hub.store import schema
from tests.hub.helpers import Staff, add_alert, add_event, add_kiosk, health_json

NOW = time.time()


@pytest.fixture
def kiosk(engine: Engine) -> str:
    with engine.begin() as conn:
        add_kiosk(
            conn,
            "fumel-01",
            site="Mairie de Fumel <b>",
            territory="Fumélois",
            online=True,
            status_since=NOW - 7200,
            last_seen=NOW - 5,
            last_health_at=NOW - 5,
            cpu_temp_c=83.5,
            disk_used_pct=40.0,
            printer="paper-out",
            app_version="1.4.2",
            health_json=health_json(
                cpu_temp_c=83.5,
                devices=Devices(printer=DeviceState.PAPER_OUT, camera=DeviceState.OK),
                outbox_dropped_recent=4,
            ),
        )
        conn.execute(
            insert(schema.health),
            [
                {
                    "kiosk_id": "fumel-01",
                    "ts": NOW - i * 600,
                    "cpu_temp_c": 60.0 + i % 5,
                    "load1": 0.5,
                    "mem_used_pct": 40.0,
                    "disk_used_pct": 40.0,
                }
                for i in range(400)
            ],
        )
        conn.execute(
            insert(schema.topics).values(
                id="logement", label_fr="Logement", label_en="Housing", pictogram="house"
            )
        )
        add_event(conn, "fumel-01", NOW - 100, "session.started", session="s1")
        add_event(conn, "fumel-01", NOW - 90, "topic.chosen", session="s1", topic="logement")
        add_event(
            conn, "fumel-01", NOW - 80, "call.answered", session="s1", topic="logement", value=42
        )
        add_alert(conn, "fumel-01", "printer", NOW - 300, detail="plus de papier")
        add_alert(conn, "fumel-01", "offline", NOW - 86400, NOW - 86000, detail="coupure")
        conn.execute(
            insert(schema.commands).values(
                id="cmd-acked-0001",
                kiosk_id="fumel-01",
                name="print-test",
                args_json="{}",
                created_at=NOW - 3600,
                expires_at=NOW - 3000,
                created_by="ops@gaia.test",
                status="acked",
                acked_at=NOW - 3590,
                result="ok",
            )
        )
    return "fumel-01"


def test_kiosk_page_shows_identity_health_events_alerts_and_commands(
    client: TestClient, kiosk: str, ops: Staff
) -> None:
    response = client.get(f"/ops/kiosks/{kiosk}")
    assert response.status_code == 200
    html = response.text
    assert "Mairie de Fumel &lt;b&gt;" in html and "<b>" not in html  # escaped
    assert "Fumélois" in html and "1.4.2" in html
    assert "83,5" in html and 'class="val bad"' in html  # hot, with icon and colour
    assert "Plus de papier" in html and "4 perdus récemment" in html
    assert "Appel décroché" in html and "Logement" in html and ">42<" in html
    assert "plus de papier" in html and "coupure" in html  # open and closed alerts
    assert 'data-command="cmd-acked-0001"' in html and "Exécutée" in html
    assert html.count('<svg class="chart"') == 4
    assert "Température CPU sur 24 heures" in html and "seuil 80" in html
    assert re.search(r'<path class="series" d="M[\d.]+,[\d.]+ L', html)
    assert 'data-confirm="Redémarrer la borne fumel-01' in html
    for name in ("print-test", "restart-ui", "reload-config", "reboot", "show-message"):
        assert f'name="name" value="{name}"' in html
    week = client.get(f"/ops/kiosks/{kiosk}?range=7d").text
    assert "Santé sur 7 jours" in week and week.count('<svg class="chart"') == 4


def test_unknown_kiosk_is_404(client: TestClient, ops: Staff) -> None:
    response = client.get("/ops/kiosks/nope-99")
    assert response.status_code == 404 and "Borne inconnue" in response.text


def test_unregistered_kiosk_is_flagged_and_offers_no_commands(
    client: TestClient, engine: Engine, ops: Staff
) -> None:
    with engine.begin() as conn:
        add_kiosk(conn, "pi-rogue", registered=False, online=True, last_seen=NOW)
    html = client.get("/ops/kiosks/pi-rogue").text
    assert "non enregistrée" in html and "Aucune commande possible" in html
    assert 'value="print-test"' not in html
    response = client.post(
        "/ops/kiosks/pi-rogue/commands", data={"name": "print-test", "csrf_token": ops.csrf}
    )
    assert response.status_code == 400 and "pas enregistrée" in response.text


def test_sending_a_command_from_the_page_records_it(
    client: TestClient, engine: Engine, kiosk: str, ops: Staff
) -> None:
    response = client.post(
        f"/ops/kiosks/{kiosk}/commands", data={"name": "restart-ui", "csrf_token": ops.csrf}
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"/ops/kiosks/{kiosk}?sent=") and location.endswith("#commands")
    with engine.connect() as conn:
        row = conn.execute(
            select(schema.commands).where(schema.commands.c.name == "restart-ui")
        ).one()
        audit = conn.execute(
            select(schema.audit).where(schema.audit.c.action == "command.send")
        ).one()
    assert row.created_by == "ops@gaia.test" and row.kiosk_id == kiosk
    assert row.status == "failed" and row.detail == "broker unreachable"  # no MQTT here
    assert audit.actor == "ops@gaia.test" and audit.target == kiosk
    page = client.get(location).text
    assert "Commande « Redémarrer l&#39;interface » enregistrée" in page
    assert "Échec" in page and "broker unreachable" in page


def test_show_message_sends_its_text_and_refuses_an_empty_one(
    client: TestClient, engine: Engine, kiosk: str, ops: Staff
) -> None:
    url = f"/ops/kiosks/{kiosk}/commands"
    empty = client.post(url, data={"name": "show-message", "text": "  ", "csrf_token": ops.csrf})
    assert empty.status_code == 400
    assert "Le message à afficher est vide" in empty.text
    bad = client.post(url, data={"name": "self-destruct", "csrf_token": ops.csrf})
    assert bad.status_code == 400 and "Commande inconnue" in bad.text
    ok = client.post(
        url, data={"name": "show-message", "text": "Fermé à 16 h", "csrf_token": ops.csrf}
    )
    assert ok.status_code == 303
    with engine.connect() as conn:
        rows = conn.execute(
            select(schema.commands.c.name, schema.commands.c.args_json).order_by(
                schema.commands.c.created_at
            )
        ).all()
    assert [(r.name, json.loads(r.args_json)) for r in rows] == [
        ("print-test", {}),
        ("show-message", {"text": "Fermé à 16 h"}),
    ]


def test_alerts_page_lists_open_and_recently_closed(
    client: TestClient, engine: Engine, kiosk: str, ops: Staff
) -> None:
    with engine.begin() as conn:
        add_alert(conn, "boe-01", "disk", NOW - 30 * 86400, NOW - 20 * 86400, detail="ancienne")
    html = client.get("/ops/alerts").text
    open_part, closed_part = html.split("Fermées récemment")
    assert "plus de papier" in open_part and "Imprimante" in open_part
    assert "coupure" in closed_part
    assert "ancienne" not in html  # closed more than 7 days ago
    assert '<a href="/ops/kiosks/fumel-01">' in open_part
