"""The /requests page for the people who call job seekers back, and the requests' purge."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from hub.accounts import Role
from hub.auth import create_session
from hub.config import RetentionConfig
from hub.runtime import purge_old
from hub.seekers import add_seeker
from hub.signaling.advisers import add_adviser
from hub.store import connect, migrate, schema
from tests.hub.helpers import PASSWORD, Staff, add_kiosk, csrf_from, login_as


def seed_requests(engine: Engine, now: float) -> None:
    """Two open requests (a call-back, an appointment) and a handled one."""
    with engine.begin() as conn:
        add_kiosk(conn, "k-laplume", site="Mairie de Laplume", territory="Agenais")
        conn.execute(
            insert(schema.topics).values(
                id="housing", label_fr="Logement", label_en="Housing", pictogram="house"
            )
        )
        # executemany takes its columns from the first row: every row names them all
        base = {"kiosk_id": "k-laplume", "topic": "housing", "received_at": now,
                "handled_at": None, "handled_by": None}  # fmt: skip
        conn.execute(
            insert(schema.contact_requests),
            [
                {**base, "id": "req-callback-1", "kind": "callback", "reason": "no-answer",
                 "first_name": "Léa", "commune": "Layrac", "phone": "0611223344",
                 "created_at": now - 3600},
                {**base, "id": "req-appointment-2", "kind": "appointment",
                 "reason": "unavailable", "first_name": "Karim", "commune": None, "phone": None,
                 "created_at": now - 600},
                {**base, "id": "req-done-3", "kind": "callback", "reason": "offline",
                 "first_name": "Paul", "commune": "Agen", "phone": "0600000000",
                 "created_at": now - 7200, "handled_at": now - 60, "handled_by": "x@gaia.test"},
            ],
        )  # fmt: skip


def test_open_requests_are_listed_oldest_first(
    client: TestClient, engine: Engine, ops: Staff
) -> None:
    seed_requests(engine, time.time())
    page = client.get("/requests")
    assert page.status_code == 200
    html = page.text
    assert html.index('data-request="req-callback-1"') < html.index(
        'data-request="req-appointment-2"'
    )
    assert "req-done-3" not in html and "Paul" not in html
    for text in ("Mairie de Laplume", "Logement", "Rappel", "Rendez-vous", "Léa", "Layrac",
                 "06 11 22 33 44", "Personne n&#39;a répondu", "Karim"):  # fmt: skip
        assert text in html, text
    assert 'href="/requests" aria-current="page"' in html  # in the dashboard's navigation
    assert page.headers["cache-control"] == "no-store"


def test_marking_a_request_handled_needs_the_csrf_token_and_removes_it(
    client: TestClient, engine: Engine, ops: Staff
) -> None:
    seed_requests(engine, time.time())
    refused = client.post("/requests/req-callback-1/handled", data={"csrf_token": "wrong"})
    assert refused.status_code == 403
    assert 'data-request="req-callback-1"' in client.get("/requests").text
    token = csrf_from(client.get("/requests").text)
    done = client.post("/requests/req-callback-1/handled", data={"csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == "/requests?done=1"
    after = client.get(done.headers["location"]).text
    assert "req-callback-1" not in after and "req-appointment-2" in after
    assert "marquée comme traitée" in after
    again = client.post("/requests/req-callback-1/handled", data={"csrf_token": token})
    assert again.status_code == 303  # a double click changes nothing
    with engine.connect() as conn:
        row = conn.execute(
            select(schema.contact_requests).where(schema.contact_requests.c.id == "req-callback-1")
        ).one()
        audit = conn.execute(select(schema.audit.c.action, schema.audit.c.target)).all()
    assert row.handled_by == "ops@gaia.test" and row.handled_at is not None
    handled = [tuple(a) for a in audit if a.action == "request.handled"]
    assert handled == [("request.handled", "req-callback-1")]


def test_every_phone_shown_to_staff_is_audited(
    client: TestClient, engine: Engine, ops: Staff
) -> None:
    seed_requests(engine, time.time())
    assert "06 11 22 33 44" in client.get("/requests").text
    client.get("/requests")
    with engine.connect() as conn:
        shown = conn.execute(
            select(schema.audit.c.actor, schema.audit.c.target).where(
                schema.audit.c.action == "request.phone-shown"
            )
        ).all()
    # Two displays of the one open request with a phone (Karim's has none).
    assert [tuple(r) for r in shown] == [("ops@gaia.test", "req-callback-1")] * 2


def _advisers(client: TestClient, engine: Engine) -> dict[str, Staff]:
    """Claire (the housing partner), Nadia (the mobility partner), and an adviser account
    with no profile; each logged in on a client of its own (cookies differ)."""
    with engine.begin() as conn:
        conn.execute(
            insert(schema.topics).values(
                id="mobility", label_fr="Mobilité", label_en="Mobility", pictogram="car"
            )
        )
        conn.execute(
            insert(schema.partners),
            [
                {"id": "habitat-47", "name": "Habitat 47", "topic_id": "housing"},
                {"id": "mobilite-47", "name": "Mobilité 47", "topic_id": "mobility"},
            ],
        )
        conn.execute(
            insert(schema.contact_requests).values(
                id="req-mobility-4", kiosk_id="k-laplume", kind="callback", reason="no-answer",
                topic="mobility", first_name="Inès", commune="Astaffort", phone="0699887766",
                created_at=time.time() - 60, received_at=time.time(),
            )
        )  # fmt: skip
        claire = add_adviser(conn, "claire@habitat.test", PASSWORD, "Claire", "habitat-47",
                             ["housing", "mobility"])  # fmt: skip
        nadia = add_adviser(conn, "nadia@mobilite.test", PASSWORD, "Nadia", "mobilite-47",
                            ["mobility"])  # fmt: skip
        ids = {"claire": claire.user_id, "nadia": nadia.user_id}
    staff = {}
    for name, user_id in ids.items():
        with engine.begin() as conn:
            token, csrf = create_session(conn, user_id, hours=1)
        staff[name] = Staff(name, user_id, token, csrf)
    return staff


def _as(client: TestClient, who: Staff) -> TestClient:
    client.cookies.set("gaia_session", who.token)
    return client


def test_an_adviser_sees_and_handles_only_their_partners_requests(
    client: TestClient, engine: Engine, password_hash: str
) -> None:
    seed_requests(engine, time.time())
    staff = _advisers(client, engine)
    # Claire's partner serves housing: she sees its requests, not the mobility one, even
    # though she also answers mobility calls.
    page = _as(client, staff["claire"]).get("/requests")
    assert page.status_code == 200 and "Léa" in page.text and "06 11 22 33 44" in page.text
    assert "Inès" not in page.text and "06 99 88 77 66" not in page.text
    assert 'href="/ops/alerts"' not in page.text  # the ops navigation is not theirs
    refused = client.post(
        "/requests/req-mobility-4/handled", data={"csrf_token": staff["claire"].csrf}
    )
    assert refused.status_code == 404
    done = client.post(
        "/requests/req-appointment-2/handled", data={"csrf_token": staff["claire"].csrf}
    )
    assert done.status_code == 303
    assert "req-appointment-2" not in client.get("/requests").text
    assert client.get("/ops").status_code == 403
    # Nadia sees only mobility; the housing requests are not hers to close.
    page = _as(client, staff["nadia"]).get("/requests")
    assert "Inès" in page.text and "Léa" not in page.text and "Karim" not in page.text
    refused = client.post(
        "/requests/req-callback-1/handled", data={"csrf_token": staff["nadia"].csrf}
    )
    assert refused.status_code == 404
    with engine.connect() as conn:
        open_ids = set(
            conn.execute(
                select(schema.contact_requests.c.id).where(
                    schema.contact_requests.c.handled_at.is_(None)
                )
            ).scalars()
        )
    assert open_ids == {"req-callback-1", "req-mobility-4"}


def test_an_adviser_without_a_profile_sees_no_request(
    client: TestClient, engine: Engine, password_hash: str
) -> None:
    seed_requests(engine, time.time())
    adviser = login_as(client, engine, "conseil@gaia.test", Role.ADVISER, password_hash)
    page = client.get("/requests")
    assert page.status_code == 200 and "Léa" not in page.text and "Karim" not in page.text
    refused = client.post("/requests/req-callback-1/handled", data={"csrf_token": adviser.csrf})
    assert refused.status_code == 404


def test_an_adviser_logging_in_lands_on_the_call_console(
    client: TestClient, engine: Engine, password_hash: str
) -> None:
    from tests.hub.helpers import add_user

    add_user(engine, "conseil@gaia.test", Role.ADVISER, password_hash)
    response = client.post("/login", data={"email": "conseil@gaia.test", "password": PASSWORD})
    assert response.status_code == 303 and response.headers["location"] == "/console"
    console = client.get("/console")
    assert console.status_code == 200
    # this page alone may use the camera and the microphone
    assert console.headers["permissions-policy"].startswith("camera=(self), microphone=(self)")
    assert "camera=()" in client.get("/requests").headers["permissions-policy"]


def test_anonymous_visitors_are_sent_to_log_in(client: TestClient, engine: Engine) -> None:
    seed_requests(engine, time.time())
    page = client.get("/requests")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Frequests"
    post = client.post("/requests/req-callback-1/handled")
    assert post.status_code == 303 and post.headers["location"].startswith("/login")
    with engine.connect() as conn:
        assert (
            conn.execute(
                select(schema.contact_requests.c.handled_at).where(
                    schema.contact_requests.c.id == "req-callback-1"
                )
            ).scalar()
            is None
        )


def test_handled_and_old_requests_and_expired_refs_are_purged(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'hub.db'}")
    migrate(engine)
    now = time.time()
    day = 86400
    base = {"kiosk_id": "k-a", "kind": "callback", "reason": "no-answer", "received_at": now,
            "handled_at": None}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            insert(schema.contact_requests),
            [
                {**base, "id": "open-recent", "created_at": now - day},
                {**base, "id": "handled-yesterday", "created_at": now - 2 * day,
                 "handled_at": now - day},
                {**base, "id": "handled-long-ago", "created_at": now - 9 * day,
                 "handled_at": now - 8 * day},
                {**base, "id": "open-too-old", "created_at": now - 70 * day,
                 "received_at": now - 70 * day},
            ],
        )  # fmt: skip
        add_seeker(conn, "123456", "1234", "Camille")
        conn.execute(
            insert(schema.seeker_refs),
            [
                {"ref_hash": "a" * 64, "code": "123456", "kiosk_id": "k-a",
                 "expires_at": now - 1},
                {"ref_hash": "b" * 64, "code": "123456", "kiosk_id": "k-a",
                 "expires_at": now + 3600},
            ],
        )  # fmt: skip
    purge_old(engine, RetentionConfig(handled_requests_days=7, requests_days=60), now)
    with engine.connect() as conn:
        ids = sorted(conn.execute(select(schema.contact_requests.c.id)).scalars())
        refs = conn.execute(select(schema.seeker_refs.c.ref_hash)).scalars().all()
    assert ids == ["handled-yesterday", "open-recent"]
    assert refs == ["b" * 64]
