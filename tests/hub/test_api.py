"""The JSON API: shapes of every endpoint, errors, and the OpenAPI document."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from hub.accounts import Role, add_api_token
from hub.store import schema
from tests.hub.helpers import add_alert, add_kiosk, health_json

NOW = time.time()
KIOSK_KEYS = {
    "id",
    "site",
    "territory",
    "registered",
    "online",
    "status_since",
    "last_seen",
    "last_health_at",
    "app_version",
    "cpu_temp_c",
    "disk_used_pct",
    "printer",
    "ui",
    "health",
    "alerts",
}


@pytest.fixture
def api(app: FastAPI, engine: Engine) -> Iterator[TestClient]:
    """A script's client: bearer token of the ops role, over a small fleet."""
    with engine.begin() as conn:
        token = add_api_token(conn, "script", Role.OPS)
        add_kiosk(
            conn,
            "agen-01",
            site="Mairie d'Agen",
            territory="Agenais",
            online=True,
            status_since=NOW - 60,
            last_seen=NOW - 2,
            last_health_at=NOW - 2,
            cpu_temp_c=52.5,
            disk_used_pct=63.0,
            printer="ok",
            ui="up",
            app_version="1.4.2",
            health_json=health_json(),
        )
        add_kiosk(conn, "boe-01", site="Mairie de Boé", territory="Agenais", online=False)
        add_kiosk(conn, "fumel-01", site="Mairie de Fumel", territory="Fumélois", online=True)
        add_kiosk(conn, "pi-rogue", registered=False, online=True)
        add_alert(conn, "boe-01", "offline", NOW - 600, detail="silent 10 min")
        add_alert(conn, "fumel-01", "printer", NOW - 3 * 86400, NOW - 2 * 86400, detail="old")
        add_alert(conn, "fumel-01", "disk", NOW - 30 * 86400, NOW - 29 * 86400, detail="ancient")
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def test_list_kiosks_shape(api: TestClient) -> None:
    response = api.get("/api/v1/kiosks")
    assert response.status_code == 200
    kiosks = response.json()
    assert isinstance(kiosks, list)
    assert [k["id"] for k in kiosks] == ["agen-01", "boe-01", "fumel-01", "pi-rogue"]
    agen = kiosks[0]
    assert set(agen) == KIOSK_KEYS
    assert agen["registered"] is True and agen["online"] is True
    assert datetime.fromisoformat(agen["last_seen"]).timestamp() == pytest.approx(NOW - 2)
    assert agen["last_seen"].endswith("+00:00")
    assert agen["health"]["cpu_temp_c"] == 52.5 and agen["health"]["v"] == 1
    assert agen["health"]["devices"]["printer"] == "ok"
    assert agen["alerts"] == []
    boe = kiosks[1]
    assert boe["health"] is None and boe["last_seen"] is None
    assert boe["alerts"] == [
        {
            "id": 1,
            "kiosk_id": "boe-01",
            "kind": "offline",
            "detail": "silent 10 min",
            "opened_at": boe["alerts"][0]["opened_at"],
            "closed_at": None,
        }
    ]
    assert kiosks[3]["registered"] is False


def test_list_kiosks_filters(api: TestClient) -> None:
    def ids(query: str) -> list[str]:
        response = api.get(f"/api/v1/kiosks?{query}")
        assert response.status_code == 200, response.text
        return [k["id"] for k in response.json()]

    assert ids("state=online") == ["agen-01", "fumel-01"]
    assert ids("state=alerting") == ["boe-01"]
    assert ids("state=unregistered") == ["pi-rogue"]
    assert ids("territory=Agenais&state=offline") == ["boe-01"]
    assert ids("q=fumel") == ["fumel-01"]
    assert ids("limit=2&offset=1") == ["boe-01", "fumel-01"]
    assert api.get("/api/v1/kiosks?state=sleepy").status_code == 422


def test_get_one_kiosk_and_404(api: TestClient) -> None:
    api.post("/api/v1/kiosks/agen-01/commands", json={"name": "print-test"})
    response = api.get("/api/v1/kiosks/agen-01")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == KIOSK_KEYS | {"commands"}
    assert [c["name"] for c in body["commands"]] == ["print-test"]
    missing = api.get("/api/v1/kiosks/nope-1")
    assert missing.status_code == 404 and missing.json() == {"detail": "no kiosk 'nope-1'"}


def test_send_command_and_read_it_back(api: TestClient, engine: Engine) -> None:
    response = api.post(
        "/api/v1/kiosks/agen-01/commands",
        json={"name": "show-message", "args": {"text": "Fermé à 16 h"}, "ttl_s": 60},
    )
    assert response.status_code == 202
    command = response.json()
    assert response.headers["location"] == f"/api/v1/commands/{command['id']}"
    assert command["name"] == "show-message" and command["args"] == {"text": "Fermé à 16 h"}
    assert command["kiosk_id"] == "agen-01" and command["created_by"] == "token:script"
    assert command["status"] == "failed" and command["detail"] == "broker unreachable"
    created = datetime.fromisoformat(command["created_at"])
    expires = datetime.fromisoformat(command["expires_at"])
    assert (expires - created).total_seconds() == pytest.approx(60, abs=1)
    again = api.get(f"/api/v1/commands/{command['id']}")
    assert again.status_code == 200 and again.json() == command


@pytest.mark.parametrize(
    ("kiosk", "body", "status", "message"),
    [
        ("agen-01", {"name": "self-destruct"}, 422, "print-test"),
        ("agen-01", {"name": "show-message"}, 400, "non-empty 'text'"),
        ("agen-01", {"name": "print-test", "ttl_s": 1}, 422, "greater than or equal to 5"),
        ("agen-01", {"name": "print-test", "colour": "red"}, 422, "Extra inputs"),
        ("nope-1", {"name": "print-test"}, 404, "no kiosk 'nope-1'"),
        ("pi-rogue", {"name": "print-test"}, 400, "no registered kiosk pi-rogue"),
    ],
)
def test_send_command_errors(
    api: TestClient, engine: Engine, kiosk: str, body: dict[str, object], status: int, message: str
) -> None:
    response = api.post(f"/api/v1/kiosks/{kiosk}/commands", json=body)
    assert response.status_code == status
    assert message in str(response.json()["detail"])
    with engine.connect() as conn:
        assert conn.execute(select(schema.commands)).first() is None


def test_command_status_sent_acked_expired_and_404(api: TestClient, engine: Engine) -> None:
    base = {"kiosk_id": "agen-01", "name": "print-test", "args_json": "{}", "created_by": "x"}
    with engine.begin() as conn:
        for row in (
            {**base, "id": "c-sent-0001", "created_at": NOW, "expires_at": NOW + 600},
            {**base, "id": "c-late-0001", "created_at": NOW - 900, "expires_at": NOW - 300},
            {
                **base,
                "id": "c-done-0001",
                "created_at": NOW - 60,
                "expires_at": NOW + 540,
                "status": "acked",
                "acked_at": NOW - 58,
                "result": "ok",
            },
        ):
            conn.execute(insert(schema.commands).values(**row))
    statuses = {
        cid: api.get(f"/api/v1/commands/{cid}").json()["status"]
        for cid in ("c-sent-0001", "c-late-0001", "c-done-0001")
    }
    assert statuses == {"c-sent-0001": "sent", "c-late-0001": "expired", "c-done-0001": "acked"}
    done = api.get("/api/v1/commands/c-done-0001").json()
    assert done["result"] == "ok" and done["acked_at"] is not None
    assert api.get("/api/v1/commands/nope").status_code == 404


def test_alerts_open_and_recent(api: TestClient) -> None:
    open_only = api.get("/api/v1/alerts").json()
    assert [(a["kiosk_id"], a["kind"], a["closed_at"]) for a in open_only] == [
        ("boe-01", "offline", None)
    ]
    assert set(open_only[0]) == {"id", "kiosk_id", "kind", "detail", "opened_at", "closed_at"}
    recent = api.get("/api/v1/alerts?all=1").json()
    assert [a["detail"] for a in recent] == ["silent 10 min", "old"]  # not the 30-day-old one
    assert recent[1]["closed_at"] is not None


def test_openapi_documents_the_api(api: TestClient) -> None:
    doc = api.get("/api/openapi.json").json()
    paths = doc["paths"]
    assert set(paths) >= {
        "/api/v1/kiosks",
        "/api/v1/kiosks/{kiosk_id}",
        "/api/v1/kiosks/{kiosk_id}/commands",
        "/api/v1/commands/{command_id}",
        "/api/v1/alerts",
        "/api/v1/reports/usage",
    }
    assert not any(p.startswith("/ops") or p == "/login" for p in paths)
    listing = paths["/api/v1/kiosks"]["get"]["responses"]["200"]["content"]["application/json"]
    assert listing["schema"]["items"]["$ref"].endswith("/KioskOut")
    kiosk_schema = doc["components"]["schemas"]["KioskOut"]["properties"]
    assert set(kiosk_schema) == KIOSK_KEYS
    post = paths["/api/v1/kiosks/{kiosk_id}/commands"]["post"]
    assert "202" in post["responses"] and "404" in post["responses"]
    status = doc["components"]["schemas"]["CommandOut"]["properties"]["status"]
    assert status["enum"] == ["sent", "acked", "failed", "expired"]
    usage = paths["/api/v1/reports/usage"]["get"]["responses"]["200"]["content"]
    assert set(usage) == {"application/json", "text/csv"}


def test_no_swagger_ui_from_a_cdn(api: TestClient) -> None:
    """The OpenAPI JSON is the documentation; no page loads scripts from elsewhere."""
    assert api.get("/api/docs").status_code == 404
    assert api.get("/api/openapi.json").status_code == 200


def test_a_revoked_api_token_stops_at_once_and_is_listed_as_revoked(
    app: FastAPI, engine: Engine
) -> None:
    from hub.accounts import AccountError, list_api_tokens, revoke_api_token

    with engine.begin() as conn:
        token = add_api_token(conn, "reporting", Role.OPS)
        add_api_token(conn, "twin", Role.OPS)
        add_api_token(conn, "twin", Role.OPS)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as api:
        assert api.get("/api/v1/kiosks").status_code == 200
        with engine.begin() as conn:
            revoked = revoke_api_token(conn, "reporting")
        assert api.get("/api/v1/kiosks").status_code == 401  # no cache keeps it alive
    with engine.begin() as conn:
        with pytest.raises(AccountError, match="several tokens are called 'twin'"):
            revoke_api_token(conn, "twin")
        with pytest.raises(AccountError, match="no API token 'nope'"):
            revoke_api_token(conn, "nope")
        listed = {t.id: (t.name, t.revoked) for t in list_api_tokens(conn)}
        actions = conn.execute(
            select(schema.audit.c.action).where(schema.audit.c.action == "token.revoke")
        ).all()
    assert listed[revoked.id] == ("reporting", True)
    assert sum(1 for name, gone in listed.values() if name == "twin" and not gone) == 2
    assert len(actions) == 1
