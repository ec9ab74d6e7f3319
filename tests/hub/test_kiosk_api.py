"""The kiosk API over HTTP: kiosk tokens only, identify with lockouts, catalog, requests."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

import hub.seekers
from hub.accounts import Role, add_api_token, register_kiosk, revoke_kiosk
from hub.config import KioskApiConfig
from hub.protocol.kiosk_api import KIOSK_API_PREFIX, MAX_BODY_BYTES, Catalog, IdentifyResult
from hub.seekers import add_seeker
from hub.store import schema
from tests.hub.helpers import Staff, serve_everywhere

CATALOG = f"{KIOSK_API_PREFIX}/catalog"
IDENTIFY = f"{KIOSK_API_PREFIX}/identify"
REQUESTS = f"{KIOSK_API_PREFIX}/requests"
MONDAY_16 = 1_795_446_000.0  # Monday 2026-11-23, 16:00 in Paris
TUESDAY_16 = MONDAY_16 + 86400


class Clock:
    """The hub's clock, moved by the test."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Kiosks:
    """Two registered kiosks' auth headers, and the clock."""

    laplume: dict[str, str]
    agen: dict[str, str]
    clock: Clock


@pytest.fixture
def kiosks(app: FastAPI, engine: Engine) -> Kiosks:
    services = app.state.services
    services.config.kiosk_api = KioskApiConfig(
        pin_attempts=5, lock_minutes=1, kiosk_unknown_codes=6, kiosk_lock_minutes=2
    )
    clock = Clock(MONDAY_16)
    services.clock = clock
    with engine.begin() as conn:
        laplume = register_kiosk(conn, "k-laplume", "Mairie de Laplume", "agenais")
        agen = register_kiosk(conn, "k-agen", "Mairie d'Agen", "agenais")
        add_seeker(conn, "123456", "1234", "Camille", "0612345678")
        add_seeker(conn, "654321", "4321", "Karim")
        conn.execute(
            insert(schema.territories).values(
                id="agenais", name="Agenais", communes_json=json.dumps(["Layrac", "Agen"])
            )
        )
        conn.execute(
            insert(schema.topics),
            [
                {"id": "housing", "label_fr": "Logement", "label_en": "Housing",
                 "pictogram": "house"},
                {"id": "business", "label_fr": "Créer son activité",
                 "label_en": "Starting a business", "pictogram": "lightbulb"},
            ],
        )  # fmt: skip
        conn.execute(
            insert(schema.partners),
            [
                {"id": "habitat", "name": "Habitat 47", "topic_id": "housing",
                 "phone": "05 53 00 00 01", "hours": "lundi–vendredi 9 h–17 h",
                 "opening": "mon-fri 09:00-17:00"},
                {"id": "creation", "name": "Initiative Création", "topic_id": "business",
                 "phone": "05 53 00 00 05", "hours": "mardi et jeudi 14 h–17 h",
                 "opening": "tue,thu 14:00-17:00"},
            ],
        )  # fmt: skip
        serve_everywhere(conn)
    return Kiosks(
        {"Authorization": f"Bearer {laplume.token}"},
        {"Authorization": f"Bearer {agen.token}"},
        clock,
    )


def _identify(client: TestClient, headers: dict[str, str], code: str, pin: str) -> IdentifyResult:
    response = client.post(IDENTIFY, headers=headers, json={"method": "code", "code": code,
                                                             "pin": pin})  # fmt: skip
    assert response.status_code == 200, response.text
    return IdentifyResult.model_validate(response.json())


def test_good_code_and_pin_greet_the_seeker_with_a_ref(client: TestClient, kiosks: Kiosks) -> None:
    camille = _identify(client, kiosks.laplume, "123456", "1234")
    assert camille.result == "ok" and camille.first_name == "Camille" and camille.has_phone
    assert camille.ref and len(camille.ref) >= 16
    qr = client.post(IDENTIFY, headers=kiosks.laplume,
                     json={"method": "qr", "code": "654321", "pin": "4321"})  # fmt: skip
    karim = IdentifyResult.model_validate(qr.json())
    assert karim.result == "ok" and karim.first_name == "Karim" and not karim.has_phone
    assert qr.headers["cache-control"] == "no-store"


def test_wrong_pins_count_down_lock_the_code_then_it_works_again(
    client: TestClient, kiosks: Kiosks, engine: Engine
) -> None:
    left = [_identify(client, kiosks.laplume, "123456", "0000").attempts_left for _ in range(4)]
    assert left == [4, 3, 2, 1]
    locked = _identify(client, kiosks.laplume, "123456", "0000")
    assert locked.result == "locked" and locked.retry_after_s == 60
    assert locked.first_name is None and locked.ref is None
    kiosks.clock.now += 30
    still = _identify(client, kiosks.agen, "123456", "1234")  # right PIN, any kiosk: refused
    assert still.result == "locked" and 0 < (still.retry_after_s or 0) <= 31
    kiosks.clock.now += 31
    assert _identify(client, kiosks.laplume, "123456", "1234").result == "ok"
    with engine.connect() as conn:
        audit = conn.execute(select(schema.audit.c.action, schema.audit.c.target)).all()
    assert ("seeker.locked" in [a.action for a in audit]) and all(
        "123456" not in a.target for a in audit
    )


def test_an_unknown_code_answers_exactly_as_a_wrong_pin(
    client: TestClient, kiosks: Kiosks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No oracle for valid codes: same bodies, the same count-down and lock, one hash each."""
    hashes: list[str] = []
    real = hub.seekers.verify_password
    monkeypatch.setattr(hub.seekers, "verify_password", lambda h, p: hashes.append(h) or real(h, p))

    def answers(code: str, kiosk: dict[str, str]) -> list[bytes]:
        out = []
        for _ in range(6):
            body = {**IDENTIFY_BODY, "code": code, "pin": "0000"}
            response = client.post(IDENTIFY, json=body, headers=kiosk)
            out.append(response.content)
        return out

    known, unknown = answers("123456", kiosks.laplume), answers("999999", kiosks.agen)
    assert known == unknown
    assert b'"attempts_left":4' in known[0] and b'"attempts_left":1' in known[3]
    assert b'"locked"' in known[4] and b'"locked"' in known[5]
    assert len(hashes) == 10  # five checks each; none once locked


def test_a_kiosk_trying_many_unknown_codes_gets_locked_answers(
    client: TestClient, kiosks: Kiosks
) -> None:
    answers = [_identify(client, kiosks.laplume, f"10000{i}", "1234").result for i in range(6)]
    # (each unknown code is tried once: its own count-down has not run out)
    assert answers == ["wrong"] * 5 + ["locked"]
    locked = _identify(client, kiosks.laplume, "123456", "1234")  # even a real code
    assert locked.result == "locked" and locked.retry_after_s == 121
    assert _identify(client, kiosks.agen, "123456", "1234").result == "ok"  # other kiosks work
    kiosks.clock.now += 121
    assert _identify(client, kiosks.laplume, "123456", "1234").result == "ok"
    assert _identify(client, kiosks.laplume, "100009", "1234").result == "wrong"  # count anew


def test_pins_are_stored_hashed(client: TestClient, kiosks: Kiosks, engine: Engine) -> None:
    with engine.connect() as conn:
        rows = conn.execute(select(schema.seekers)).all()
    for row in rows:
        assert row.pin_hash.startswith("$argon2id$")
        assert "1234" not in [str(v) for v in row] and "4321" not in [str(v) for v in row]


@pytest.fixture
def revoked_token(engine: Engine) -> str:
    with engine.begin() as conn:
        token = register_kiosk(conn, "k-old", "Mairie de Boé", "agenais").token
        revoke_kiosk(conn, "k-old")
    return token


@pytest.fixture
def api_token(engine: Engine) -> str:
    with engine.begin() as conn:
        return add_api_token(conn, "scripts", Role.ADMIN)


IDENTIFY_BODY = {"method": "code", "code": "123456", "pin": "1234"}


@pytest.mark.parametrize("who", ["nobody", "garbage", "basic", "revoked", "api-token"])
@pytest.mark.parametrize(("method", "path"), [("GET", CATALOG), ("POST", IDENTIFY)])
def test_anything_but_a_registered_kiosk_token_gets_401(
    client: TestClient,
    kiosks: Kiosks,
    revoked_token: str,
    api_token: str,
    who: str,
    method: str,
    path: str,
) -> None:
    headers = {
        "nobody": {},
        "garbage": {"Authorization": "Bearer gaia_k_not-a-token"},
        "basic": {"Authorization": "Basic a2lvc2s6MTIzNA=="},
        "revoked": {"Authorization": f"Bearer {revoked_token}"},
        "api-token": {"Authorization": f"Bearer {api_token}"},
    }[who]
    response = client.request(method, path, headers=headers, json=IDENTIFY_BODY)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert isinstance(response.json()["detail"], str)


def test_a_dashboard_session_cookie_does_not_make_a_kiosk(
    client: TestClient, kiosks: Kiosks, ops: Staff
) -> None:
    assert client.get("/ops").status_code == 200  # the cookie works on the dashboard
    assert client.get(CATALOG).status_code == 401
    response = client.post(IDENTIFY, json=IDENTIFY_BODY, headers={"X-CSRF-Token": ops.csrf})
    assert response.status_code == 401


def test_a_body_naming_a_kiosk_is_refused(client: TestClient, kiosks: Kiosks) -> None:
    response = client.post(IDENTIFY, headers=kiosks.laplume,
                           json={**IDENTIFY_BODY, "kiosk_id": "k-agen"})  # fmt: skip
    assert response.status_code == 422
    assert "kiosk_id" in response.json()["detail"]


def test_invalid_bodies_get_422_without_echoing_what_was_sent(
    client: TestClient, kiosks: Kiosks
) -> None:
    response = client.post(IDENTIFY, headers=kiosks.laplume,
                           json={"method": "code", "code": "123456", "pin": "12ab56"})  # fmt: skip
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str) and "pin" in detail and "12ab56" not in detail


def test_an_oversized_body_gets_413(client: TestClient, kiosks: Kiosks) -> None:
    big = b"{" + b" " * MAX_BODY_BYTES + b"}"
    declared = client.post(IDENTIFY, headers={**kiosks.laplume, "Content-Type":
                                              "application/json"}, content=big)  # fmt: skip
    assert declared.status_code == 413 and "detail" in declared.json()

    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BODY_BYTES // 512 + 4):
            yield b" " * 512

    streamed = client.post(IDENTIFY, headers={**kiosks.laplume, "Content-Type":
                                              "application/json"}, content=chunks())  # fmt: skip
    assert streamed.status_code == 413
    assert client.get(CATALOG, headers=kiosks.laplume).status_code == 200


def test_malformed_json_gets_422_and_the_hub_keeps_serving(
    client: TestClient, kiosks: Kiosks
) -> None:
    for body in (b'{"method": "code", "code": ', b"\xff\xfe", b"[]", b""):
        response = client.post(IDENTIFY, headers={**kiosks.laplume, "Content-Type":
                                                  "application/json"}, content=body)  # fmt: skip
        assert response.status_code == 422, body
        assert isinstance(response.json()["detail"], str)
    assert _identify(client, kiosks.laplume, "123456", "1234").result == "ok"


def test_the_catalog_for_a_kiosk_at_the_hubs_time(client: TestClient, kiosks: Kiosks) -> None:
    monday = Catalog.model_validate(client.get(CATALOG, headers=kiosks.laplume).json())
    assert monday.site == "Mairie de Laplume"
    assert monday.communes == ["Agen", "Layrac"]
    assert {t.id: t.open_now for t in monday.topics} == {"business": False, "housing": True}
    assert not any(t.available_now for t in monday.topics)  # no adviser signed in
    kiosks.clock.now = TUESDAY_16
    tuesday = Catalog.model_validate(client.get(CATALOG, headers=kiosks.agen).json())
    assert tuesday.site == "Mairie d'Agen"
    assert {t.id: t.open_now for t in tuesday.topics} == {"business": True, "housing": True}


def _request(**fields: object) -> dict[str, object]:
    return {
        "id": "req-0001-abcdef",
        "kind": "callback",
        "reason": "no-answer",
        "topic": "housing",
        "created_at": "2026-11-23T14:02:00+00:00",
        **fields,
    }


def test_a_first_visit_request_is_stored_once_when_replayed(
    client: TestClient, kiosks: Kiosks, engine: Engine
) -> None:
    body = _request(first_name="Léa", commune="Layrac", phone="0611223344")
    first = client.post(REQUESTS, headers=kiosks.laplume, json=body)
    assert first.status_code == 201 and first.json() == {"id": "req-0001-abcdef",
                                                         "duplicate": False}  # fmt: skip
    again = client.post(REQUESTS, headers=kiosks.laplume, json=body)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    with engine.connect() as conn:
        rows = conn.execute(select(schema.contact_requests)).all()
    assert len(rows) == 1
    row = rows[0]
    assert (row.kiosk_id, row.first_name, row.commune, row.phone) == (
        "k-laplume", "Léa", "Layrac", "0611223344"
    )  # fmt: skip
    assert row.seeker_code is None and row.received_at == MONDAY_16
    assert row.created_at == 1_795_442_520.0 and row.handled_at is None


def test_a_request_with_a_ref_is_resolved_to_the_seeker(
    client: TestClient, kiosks: Kiosks, engine: Engine
) -> None:
    ref = _identify(client, kiosks.laplume, "123456", "1234").ref
    response = client.post(REQUESTS, headers=kiosks.laplume,
                           json=_request(ref=ref, reason="unavailable"))  # fmt: skip
    assert response.status_code == 201
    other_kiosk = _request(id="req-0002-abcdef", ref=ref, kind="appointment")
    stolen = client.post(REQUESTS, headers=kiosks.agen, json=other_kiosk)
    assert stolen.status_code == 201  # kept, but another kiosk's ref names nobody
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(schema.contact_requests))}
    mine = rows["req-0001-abcdef"]
    assert (mine.seeker_code, mine.first_name, mine.phone) == ("123456", "Camille", "0612345678")
    other = rows["req-0002-abcdef"]
    assert (other.seeker_code, other.first_name, other.phone) == (None, None, None)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"first_name": "Léa"}, "commune"),
        ({"commune": "Layrac", "first_name": "Léa"}, "phone"),
        ({"first_name": "Léa", "commune": "Layrac", "phone": "06 11"}, "phone"),
        ({"first_name": "Léa", "commune": "Layrac", "created_at": "2026-11-23T14:02:00"},
         "created_at"),
        ({"ref": "short", "first_name": "Léa"}, "ref"),
    ],
)  # fmt: skip
def test_incomplete_requests_are_refused_with_a_reason(
    client: TestClient, kiosks: Kiosks, engine: Engine, fields: dict[str, object], message: str
) -> None:
    response = client.post(REQUESTS, headers=kiosks.laplume, json=_request(**fields))
    assert response.status_code == 422
    assert message in response.json()["detail"]
    with engine.connect() as conn:
        assert conn.execute(select(schema.contact_requests.c.id)).first() is None


def test_no_personal_data_in_the_logs(
    client: TestClient, kiosks: Kiosks, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ref = _identify(client, kiosks.laplume, "123456", "1234").ref
    _identify(client, kiosks.laplume, "123456", "9876")
    client.post(REQUESTS, headers=kiosks.laplume, json=_request(ref=ref))
    client.post(REQUESTS, headers=kiosks.laplume,
                json=_request(id="req-0003-abcdef", first_name="Léa", commune="Layrac",
                              phone="0611223344"))  # fmt: skip
    logged = caplog.text
    assert "identify from k-laplume" in logged  # the API does log, but nothing personal
    for secret in ("123456", "1234", "9876", "Camille", "Léa", "Layrac", "0611223344",
                   "0612345678", str(ref)):  # fmt: skip
        assert secret not in logged
