"""Schemathesis over the hub's whole OpenAPI: whatever the input, never a 5xx.

Every operation gets generated requests (valid and invalid: huge integers, long
strings, odd bodies) with credentials good enough to reach the handler: an ops
API token for /api/v1, a kiosk token for /kiosk/v1 (with a budget large enough
for the fuzzer).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine

from hub.accounts import Role, add_api_token, register_kiosk
from hub.app import create_app
from hub.config import HubConfig, KioskApiConfig
from hub.demo import load_data, seed_catalog

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def fuzz_app(config: HubConfig) -> Any:
    roomy = config.model_copy(
        update={"kiosk_api": KioskApiConfig(api_per_minute=100_000, requests_per_minute=10_000)}
    )
    application = create_app(roomy, background=False)
    yield application
    application.state.services.engine.dispose()


@pytest.fixture
def tokens(fuzz_app: FastAPI) -> dict[str, str]:
    engine: Engine = fuzz_app.state.services.engine
    with engine.begin() as conn:
        seed_catalog(conn, load_data())
        kiosk = register_kiosk(conn, "k-fuzz", "Mairie", "Agenais").token
        api = add_api_token(conn, "fuzz", Role.ADMIN)
    return {"kiosk": kiosk, "api": api}


@pytest.fixture
def api_schema(fuzz_app: FastAPI, tokens: dict[str, str]) -> Any:
    return schemathesis.openapi.from_asgi("/api/openapi.json", fuzz_app)


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_input_makes_the_hub_fail(case: Any, tokens: dict[str, str]) -> None:
    token = tokens["kiosk"] if case.path.startswith("/kiosk/") else tokens["api"]
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/kiosks?offset=9223372036854775808&limit=5",
        "/api/v1/kiosks?offset=-1",
        "/api/v1/kiosks?limit=99999999999999999999",
        "/api/v1/kiosks/" + "k" * 5000,
        "/api/v1/commands/" + "c" * 5000,
        "/api/v1/reports/usage?month=" + "9" * 5000,
    ],
)
def test_out_of_range_parameters_get_422_or_404(fuzz_app: FastAPI, tokens: dict[str, str],
                                                path: str) -> None:  # fmt: skip
    from fastapi.testclient import TestClient

    with TestClient(fuzz_app) as client:
        response = client.get(path, headers={"Authorization": f"Bearer {tokens['api']}"})
    assert response.status_code in (404, 422), response.text[:200]
    assert "detail" in response.json()


def test_a_huge_fleet_page_number_is_not_an_error(
    fuzz_app: FastAPI, tokens: dict[str, str]
) -> None:
    from fastapi.testclient import TestClient

    with TestClient(fuzz_app) as client:
        response = client.get(
            "/ops/fleet.json?page=9223372036854775808999",
            headers={"Authorization": f"Bearer {tokens['api']}"},
        )
    assert response.status_code == 200
