"""The staff log-in against floods: limits counted before the hash, in a pool of its own."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select

import hub.auth
from hub.accounts import Role, hash_password, register_kiosk, verify_password
from hub.auth import forwarded_client
from hub.config import HttpConfig, HubConfig
from hub.login_guard import GuardSettings, LoginGuard, Refused
from hub.store import schema
from tests.hub.helpers import PASSWORD, add_user
from tests.hub.signaling.support import HubServer


def _audit(engine: Engine, action: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).where(schema.audit.c.action == action)).scalar_one()
        )


class ConcurrencyProbe:
    """Wraps the password check to record how many run at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0
        self.calls = 0

    def __call__(self, password_hash: str, password: str) -> bool:
        with self.lock:
            self.now += 1
            self.calls += 1
            self.peak = max(self.peak, self.now)
        try:
            return verify_password(password_hash, password)
        finally:
            with self.lock:
                self.now -= 1


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> ConcurrencyProbe:
    p = ConcurrencyProbe()
    monkeypatch.setattr(hub.auth, "verify_password", p)
    return p


@pytest.fixture
def server(tmp_path: Path, migrated_db: Path) -> Iterator[HubServer]:
    """A real hub (uvicorn) behind a trusted proxy on loopback, with one admin."""
    state = tmp_path / "state"
    state.mkdir()
    (state / "hub.db").write_bytes(migrated_db.read_bytes())
    config = HubConfig(state_dir=state, http=HttpConfig(trusted_proxies=["127.0.0.1"]))
    handle = HubServer(config)
    add_user(handle.engine, "ops@gaia.test", Role.OPS, hash_password(PASSWORD))
    handle.start()
    try:
        yield handle
    finally:
        handle.stop()


async def _login(client: httpx.AsyncClient, email: str, password: str, ip: str) -> httpx.Response:
    return await client.post(
        "/login",
        data={"email": email, "password": password},
        headers={"X-Forwarded-For": ip, "Origin": str(client.base_url).rstrip("/")},
    )


async def test_parallel_wrong_passwords_get_five_checks_not_sixty(
    server: HubServer, probe: ConcurrencyProbe
) -> None:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=60) as client:
        answers = await asyncio.gather(
            *(_login(client, "ops@gaia.test", f"wrong-{i}", "203.0.113.7") for i in range(60))
        )
    codes = [a.status_code for a in answers]
    assert set(codes) <= {401, 429, 503}
    assert probe.calls <= 5, f"{probe.calls} password checks for one account and address"
    assert _audit(server.engine, "login.failed") == probe.calls
    assert probe.peak <= GuardSettings().hashes
    refused = [a for a in answers if a.status_code in (429, 503)]
    assert refused and all(int(a.headers["Retry-After"]) >= 1 for a in refused)
    assert "patientez" in refused[0].text


async def test_random_emails_flood_is_bounded_and_kiosks_stay_fast(
    server: HubServer, probe: ConcurrencyProbe
) -> None:
    with server.engine.begin() as conn:
        token = register_kiosk(conn, "k-agen", "Mairie d'Agen", "Agenais").token
    kiosk = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=server.http_url, timeout=60) as client:
        at_rest = []
        for _ in range(10):
            t0 = time.perf_counter()
            assert (await client.get("/kiosk/v1/catalog", headers=kiosk)).status_code == 200
            at_rest.append(time.perf_counter() - t0)

        async def flood() -> list[httpx.Response]:
            return await asyncio.gather(
                *(
                    _login(client, f"nobody-{i}@x.test", "whatever-pass", f"198.51.100.{i}")
                    for i in range(40)
                )
            )

        async def catalog_during() -> list[float]:
            times = []
            for _ in range(10):
                t0 = time.perf_counter()
                assert (await client.get("/kiosk/v1/catalog", headers=kiosk)).status_code == 200
                times.append(time.perf_counter() - t0)
            return times

        answers, during = await asyncio.gather(flood(), catalog_during())
    assert probe.peak <= GuardSettings().hashes, "more argon2 hashes at once than allowed"
    assert sum(1 for a in answers if a.status_code == 503) > 0
    # Loose bound here (the benchmark measures it): the kiosk API does not wait on hashes.
    assert max(during) < max(1.0, 20 * statistics.median(at_rest))


def test_an_attacker_slows_an_account_down_but_cannot_lock_its_owner_out() -> None:
    now = [1000.0]
    guard = LoginGuard(GuardSettings(account_burst=3, account_every_s=30), clock=lambda: now[0])
    for i in range(3):
        asyncio.run(guard.run("ops@gaia.test", f"10.0.0.{i}", lambda: None))
    with pytest.raises(Refused) as refused:
        asyncio.run(guard.run("ops@gaia.test", "192.0.2.1", lambda: None))
    assert refused.value.reason == "account"
    assert 1 <= refused.value.retry_after_s <= 30
    now[0] += 30  # the owner waits as the page says, and is let in
    assert asyncio.run(guard.run("ops@gaia.test", "192.0.2.1", lambda: "checked")) == "checked"
    # Another account from the attacker's addresses is unaffected.
    assert asyncio.run(guard.run("other@gaia.test", "10.0.0.1", lambda: "checked")) == "checked"
    guard.close()


def test_one_address_cannot_try_every_account() -> None:
    guard = LoginGuard(GuardSettings(ip_burst=5, ip_every_s=10))
    for i in range(5):
        asyncio.run(guard.run(f"user-{i}@gaia.test", "203.0.113.9", lambda: None))
    with pytest.raises(Refused) as refused:
        asyncio.run(guard.run("user-99@gaia.test", "203.0.113.9", lambda: None))
    assert refused.value.reason == "address"
    guard.close()


def test_client_address_comes_from_trusted_proxies_only() -> None:
    proxies = ("127.0.0.1", "10.0.0.0/8")
    assert forwarded_client("127.0.0.1", "198.51.100.4", proxies) == "198.51.100.4"
    # A client cannot pretend: the right-most untrusted hop is the one the proxy saw.
    assert forwarded_client("127.0.0.1", "1.2.3.4, 198.51.100.4, 10.1.2.3", proxies) == (
        "198.51.100.4"
    )
    assert forwarded_client("192.0.2.50", "198.51.100.4", proxies) == "192.0.2.50"
    assert forwarded_client("127.0.0.1", "not-an-ip", proxies) == "127.0.0.1"
    assert forwarded_client("127.0.0.1", "198.51.100.4", ()) == "127.0.0.1"


def test_trusted_proxies_must_be_addresses() -> None:
    with pytest.raises(ValueError, match="not an IP"):
        HttpConfig(trusted_proxies=["proxy.example"])
