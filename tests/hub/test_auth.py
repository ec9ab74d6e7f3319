"""Log-in, sessions, roles, CSRF and origin checks, bearer tokens, rate limiting."""

from __future__ import annotations

import logging
import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from hub.accounts import Role, add_api_token, hash_token
from hub.auth import LOGIN_MAX_FAILURES
from hub.store import schema
from tests.hub.helpers import PASSWORD, Staff, add_kiosk, add_user, csrf_from, login_as


def _commands(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(schema.commands)).scalar_one())


def _audit(engine: Engine, action: str) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(select(schema.audit).where(schema.audit.c.action == action))
        return [r._asdict() for r in rows]


@pytest.fixture
def kiosk(engine: Engine) -> str:
    with engine.begin() as conn:
        add_kiosk(conn, "agen-01", site="Mairie d'Agen", territory="Agenais")
    return "agen-01"


def test_anonymous_browser_is_sent_to_login(client: TestClient) -> None:
    response = client.get("/ops/kiosks/agen-01?range=7d")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fops%2Fkiosks%2Fagen-01%3Frange%3D7d"


def test_anonymous_api_call_gets_401_json(client: TestClient) -> None:
    for path in ("/api/v1/kiosks", "/api/v1/alerts", "/ops/fleet.json"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.headers["content-type"].startswith("application/json")
        assert "authentication required" in response.json()["detail"]
    assert client.get("/api/v1/kiosks").headers["www-authenticate"] == "Bearer"


def test_login_with_password_sets_a_strict_http_only_cookie(
    client: TestClient, engine: Engine, password_hash: str
) -> None:
    add_user(engine, "ops@gaia.test", Role.OPS, password_hash)
    page = client.get("/login?next=/ops/alerts")
    assert page.status_code == 200 and 'name="password"' in page.text
    response = client.post(
        "/login", data={"email": " OPS@gaia.test ", "password": PASSWORD, "next": "/ops/alerts"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/ops/alerts"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("gaia_session=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    with engine.connect() as conn:
        stored = conn.execute(select(schema.web_sessions.c.token_hash)).scalars().all()
    assert stored == [hash_token(token)]  # only the hash is stored
    assert client.get("/ops/alerts").status_code == 200
    logins = _audit(engine, "login")
    assert [(a["actor"], a["detail"]) for a in logins] == [("ops@gaia.test", "ip=testclient")]


def test_secure_cookie_over_https(app: FastAPI, engine: Engine, password_hash: str) -> None:
    app.state.services.config.http.secure_cookies = True
    add_user(engine, "ops@gaia.test", Role.OPS, password_hash)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        response = client.post("/login", data={"email": "ops@gaia.test", "password": PASSWORD})
        assert response.status_code == 303
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("__Host-gaia_session=") and "Secure" in cookie
        assert client.get("/ops").status_code == 200


def test_wrong_password_is_refused_and_audited_without_the_password(
    client: TestClient, engine: Engine, password_hash: str, caplog: pytest.LogCaptureFixture
) -> None:
    add_user(engine, "ops@gaia.test", Role.OPS, password_hash)
    caplog.set_level(logging.DEBUG)
    response = client.post("/login", data={"email": "ops@gaia.test", "password": "hunter2-wrong"})
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect" in response.text
    assert "set-cookie" not in response.headers
    assert 'value="ops@gaia.test"' in response.text  # the e-mail is kept, not the password
    assert "hunter2-wrong" not in response.text
    failed = _audit(engine, "login.failed")
    assert len(failed) == 1 and "hunter2" not in str(failed)
    assert "hunter2" not in caplog.text
    unknown = client.post("/login", data={"email": "nobody@gaia.test", "password": PASSWORD})
    assert unknown.status_code == 401
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.web_sessions)).scalar() == 0


def test_disabled_user_cannot_log_in_nor_use_a_session(
    client: TestClient, engine: Engine, password_hash: str
) -> None:
    staff = login_as(client, engine, "ops@gaia.test", Role.OPS, password_hash)
    assert client.get("/ops").status_code == 200
    with engine.begin() as conn:
        conn.execute(update(schema.users).values(disabled=True))
    assert client.get("/ops").status_code == 303
    client.cookies.clear()
    response = client.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 401


def test_login_rate_limit_per_email_and_address(
    app: FastAPI, client: TestClient, engine: Engine, password_hash: str
) -> None:
    add_user(engine, "ops@gaia.test", Role.OPS, password_hash)
    for _ in range(LOGIN_MAX_FAILURES):
        bad = client.post("/login", data={"email": "ops@gaia.test", "password": "wrong-password"})
        assert bad.status_code == 401
    # Even the right password is refused now, kindly, without checking it.
    response = client.post("/login", data={"email": "ops@gaia.test", "password": PASSWORD})
    assert response.status_code == 429
    assert "Trop de tentatives" in response.text and "minutes" in response.text
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60
    assert "set-cookie" not in response.headers
    assert len(_audit(engine, "login.throttled")) == 1
    # Another address is not affected...
    with TestClient(app, follow_redirects=False, client=("10.0.0.9", 4000)) as other:
        ok = other.post("/login", data={"email": "ops@gaia.test", "password": PASSWORD})
        assert ok.status_code == 303
    # ...and failures older than the window no longer count.
    with engine.begin() as conn:
        conn.execute(
            update(schema.audit)
            .where(schema.audit.c.action == "login.failed")
            .values(ts=time.time() - 16 * 60)
        )
    again = client.post("/login", data={"email": "ops@gaia.test", "password": PASSWORD})
    assert again.status_code == 303


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/ops/alerts?x=1", "/ops/alerts?x=1"),
        ("//evil.example/x", "/ops"),
        ("/\\evil.example", "/ops"),
        ("/\t/evil.example", "/ops"),
        ("https://evil.example/", "/ops"),
        ("ops", "/ops"),
    ],
)
def test_login_redirects_only_to_local_paths(
    client: TestClient, engine: Engine, password_hash: str, target: str, location: str
) -> None:
    add_user(engine, "ops@gaia.test", Role.OPS, password_hash)
    data = {"email": "ops@gaia.test", "password": PASSWORD, "next": target}
    response = client.post("/login", data=data)
    assert response.headers["location"] == location


def test_adviser_is_forbidden_ops_and_admin_allowed(
    app: FastAPI, client: TestClient, engine: Engine, password_hash: str
) -> None:
    login_as(client, engine, "adviser@gaia.test", Role.ADVISER, password_hash)
    page = client.get("/ops")
    assert page.status_code == 403
    assert "Accès refusé" in page.text
    assert client.get("/ops/reports/usage").status_code == 403
    api = client.get("/api/v1/kiosks")
    assert api.status_code == 403 and "adviser" in api.json()["detail"]
    for email, role in (("ops@gaia.test", Role.OPS), ("admin@gaia.test", Role.ADMIN)):
        with TestClient(app, follow_redirects=False) as other:
            login_as(other, engine, email, role, password_hash)
            assert other.get("/ops").status_code == 200
            assert other.get("/api/v1/kiosks").status_code == 200


def test_post_without_or_with_a_wrong_csrf_token_changes_nothing(
    client: TestClient, engine: Engine, ops: Staff, kiosk: str
) -> None:
    url = f"/ops/kiosks/{kiosk}/commands"
    assert client.post(url, data={"name": "print-test"}).status_code == 403
    assert client.post(url, data={"name": "print-test", "csrf_token": "forged"}).status_code == 403
    assert (
        client.post(url, data={"name": "print-test"}, headers={"X-CSRF-Token": ""}).status_code
        == 403
    )
    refused = client.post(
        f"/api/v1/kiosks/{kiosk}/commands", json={"name": "print-test"}
    )  # cookie-authenticated API call without the header
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert _commands(engine) == 0
    ok = client.post(url, data={"name": "print-test", "csrf_token": ops.csrf})
    assert ok.status_code == 303
    api_ok = client.post(
        f"/api/v1/kiosks/{kiosk}/commands",
        json={"name": "print-test"},
        headers={"X-CSRF-Token": ops.csrf},
    )
    assert api_ok.status_code == 202
    assert _commands(engine) == 2


def test_csrf_token_of_another_session_is_refused(
    app: FastAPI, client: TestClient, engine: Engine, ops: Staff, kiosk: str, password_hash: str
) -> None:
    with TestClient(app, follow_redirects=False) as other_client:
        other = login_as(other_client, engine, "other@gaia.test", Role.OPS, password_hash)
    response = client.post(
        f"/ops/kiosks/{kiosk}/commands", data={"name": "print-test", "csrf_token": other.csrf}
    )
    assert response.status_code == 403
    assert _commands(engine) == 0


def test_foreign_origin_or_referer_is_refused_even_with_the_token(
    app: FastAPI, client: TestClient, engine: Engine, ops: Staff, kiosk: str
) -> None:
    url = f"/ops/kiosks/{kiosk}/commands"
    data = {"name": "print-test", "csrf_token": ops.csrf}
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/page"},
    ):
        response = client.post(url, data=data, headers=headers)
        assert response.status_code == 403, headers
        assert "Requête refusée" in response.text
    assert _commands(engine) == 0
    assert client.post(url, data=data, headers={"Origin": "http://testserver"}).status_code == 303
    app.state.services.config.http.allowed_origins = ["https://hub.gaia.example"]
    allowed = client.post(url, data=data, headers={"Origin": "https://hub.gaia.example"})
    assert allowed.status_code == 303
    assert _commands(engine) == 2


def test_login_form_from_a_foreign_origin_is_refused(
    client: TestClient, engine: Engine, password_hash: str
) -> None:
    add_user(engine, "ops@gaia.test", Role.OPS, password_hash)
    response = client.post(
        "/login",
        data={"email": "ops@gaia.test", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


def test_bearer_token_works_and_is_exempt_from_csrf(
    app: FastAPI, engine: Engine, kiosk: str
) -> None:
    with engine.begin() as conn:
        token = add_api_token(conn, "grafana", Role.OPS)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as api:
        assert api.get("/api/v1/kiosks").status_code == 200
        response = api.post(
            f"/api/v1/kiosks/{kiosk}/commands",
            json={"name": "print-test"},
            headers={"Origin": "https://elsewhere.example"},
        )
        assert response.status_code == 202
        assert response.json()["created_by"] == "token:grafana"
    audit = _audit(engine, "command.send")
    assert [a["actor"] for a in audit] == ["token:grafana"]


def test_revoked_wrong_or_underprivileged_tokens_are_refused(app: FastAPI, engine: Engine) -> None:
    with engine.begin() as conn:
        revoked = add_api_token(conn, "old", Role.OPS)
        adviser = add_api_token(conn, "adviser-script", Role.ADVISER)
        conn.execute(
            update(schema.api_tokens).where(schema.api_tokens.c.name == "old").values(revoked=True)
        )
    with TestClient(app) as api:
        for header in (f"Bearer {revoked}", "Bearer gaia_t_nope", "Basic b3BzOnB3", "Bearer "):
            response = api.get("/api/v1/kiosks", headers={"Authorization": header})
            assert response.status_code == 401, header
        response = api.get("/api/v1/kiosks", headers={"Authorization": f"Bearer {adviser}"})
        assert response.status_code == 403


def test_bad_bearer_header_does_not_fall_back_to_the_cookie(client: TestClient, ops: Staff) -> None:
    response = client.get("/api/v1/kiosks", headers={"Authorization": "Bearer gaia_t_wrong"})
    assert response.status_code == 401


def test_logout_invalidates_the_session(client: TestClient, engine: Engine, ops: Staff) -> None:
    page = client.get("/ops")
    assert page.status_code == 200
    assert client.post("/logout").status_code == 403  # CSRF applies to log-out too
    assert client.get("/ops").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert (
        'gaia_session=""' in response.headers["set-cookie"]
        or "Max-Age=0" in response.headers["set-cookie"]
    )
    client.cookies.set("gaia_session", ops.token)  # replaying the old cookie does not work
    assert client.get("/ops").status_code == 303
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.web_sessions)).scalar() == 0
    assert len(_audit(engine, "logout")) == 1


def test_expired_session_is_refused(client: TestClient, engine: Engine, ops: Staff) -> None:
    with engine.begin() as conn:
        conn.execute(update(schema.web_sessions).values(expires_at=time.time() - 1))
    assert client.get("/ops").status_code == 303


def test_pages_carry_security_headers(client: TestClient, ops: Staff) -> None:
    for path in ("/ops", "/login", "/ops/alerts"):
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["x-content-type-options"] == "nosniff"
    forbidden = client.get("/ops/kiosks/none")
    assert "content-security-policy" in forbidden.headers
