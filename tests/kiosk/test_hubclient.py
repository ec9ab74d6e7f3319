"""The kiosk's hub client against a small real HTTP server (uvicorn on loopback)."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from hub.broker import free_port
from hub.protocol import new_id
from hub.protocol.kiosk_api import (
    Catalog,
    ContactKind,
    ContactReason,
    ContactRequest,
    IdentifyMethod,
    IdentifyOutcome,
    IdentifyRequest,
)
from kiosk.controller.ports import HubRejected, HubThrottled, HubUnreachable
from kiosk.hubclient import HubClient

TOKEN = "gaia_k_test-token"
CATALOG = {
    "v": 1,
    "generated_at": "2026-03-02T09:00:00Z",
    "site": "Mairie de Nérac",
    "communes": ["Nérac", "Agen"],
    "topics": [
        {
            "id": "housing",
            "label_fr": "Logement",
            "label_en": "Housing",
            "pictogram": "house",
            "available_now": True,
            "partners": [
                {
                    "id": "adil47",
                    "name": "ADIL 47",
                    "phone": "05 53 00 00 00",
                    "hours": "lundi–vendredi 9 h – 12 h",
                    "open_now": True,
                }
            ],
        }
    ],
}


@dataclass
class FakeHub:
    """What the fake hub answers, and what it saw."""

    mode: str = "ok"
    seen: list[tuple[str, str, str | None, bytes]] = field(default_factory=list)
    url: str = ""


def make_app(hub: FakeHub) -> FastAPI:
    app = FastAPI()

    async def answer(request: Request, ok: Any, status: int = 200) -> Response:
        body = await request.body()
        hub.seen.append(
            (request.method, request.url.path, request.headers.get("authorization"), body)
        )
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse({"detail": "unknown kiosk token"}, status_code=401)
        if hub.mode == "slow":
            await asyncio.sleep(2)
        if hub.mode == "500":
            return JSONResponse({"detail": "boom"}, status_code=500)
        if hub.mode == "garbage":
            return Response(b"{not json", media_type="application/json")
        if hub.mode == "wrong-shape":
            return JSONResponse({"result": "ok", "first_name": "Zoé", "extra": 1})
        if hub.mode == "422":
            return JSONResponse(
                {
                    "detail": [
                        {"loc": ["body", "pin"], "msg": "bad", "input": "1234"},
                        {"loc": ["body", "code"], "msg": "bad", "input": "12345678"},
                    ]
                },
                status_code=422,
            )
        return JSONResponse(ok, status_code=status)

    @app.get("/kiosk/v1/catalog")
    async def catalog(request: Request) -> Response:
        return await answer(request, CATALOG)

    @app.post("/kiosk/v1/identify")
    async def identify(request: Request) -> Response:
        return await answer(
            request,
            {"result": "ok", "first_name": "Zoé", "ref": "r" * 20, "has_phone": True},
        )

    @app.post("/kiosk/v1/requests")
    async def requests(request: Request) -> Response:
        body = await request.json()
        reply_id = "0" * 32 if hub.mode == "other-id" else body["id"]
        return await answer(request, {"id": reply_id, "duplicate": False}, status=201)

    return app


@pytest.fixture
def fake_hub() -> Iterator[FakeHub]:
    """The fake hub served by uvicorn on a free loopback port, in a thread."""
    hub = FakeHub()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(make_app(hub), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    hub.url = f"http://127.0.0.1:{port}"
    try:
        yield hub
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture
async def client(fake_hub: FakeHub) -> AsyncIterator[HubClient]:
    async with HubClient(fake_hub.url, TOKEN, timeout_s=1.0) as hub_client:
        yield hub_client


def identify_request() -> IdentifyRequest:
    return IdentifyRequest(method=IdentifyMethod.CODE, code="12345678", pin="4321")


def contact_request() -> ContactRequest:
    return ContactRequest(
        id=new_id(),
        kind=ContactKind.CALLBACK,
        reason=ContactReason.OFFLINE,
        topic="housing",
        created_at=datetime.now(UTC),
        first_name="Zoé",
        commune="Nérac",
        phone="0612345678",
    )


async def test_catalog_identify_and_request_round_trip(
    client: HubClient, fake_hub: FakeHub
) -> None:
    catalog = await client.catalog()
    assert isinstance(catalog, Catalog)
    assert catalog.topics[0].partners[0].name == "ADIL 47"
    result = await client.identify(identify_request())
    assert result.result is IdentifyOutcome.OK and result.first_name == "Zoé"
    request = contact_request()
    await client.send_request(request)
    # The bearer token goes with every call; the body is the protocol's JSON.
    assert {auth for _, _, auth, _ in fake_hub.seen} == {f"Bearer {TOKEN}"}
    method, path, _, body = fake_hub.seen[-1]
    assert (method, path) == ("POST", "/kiosk/v1/requests")
    assert ContactRequest.model_validate_json(body) == request


async def test_hub_down_is_unreachable() -> None:
    async with HubClient(f"http://127.0.0.1:{free_port()}", TOKEN, timeout_s=1.0) as hub:
        with pytest.raises(HubUnreachable):
            await hub.catalog()
        with pytest.raises(HubUnreachable):
            await hub.send_request(contact_request())


async def test_slow_hub_times_out_as_unreachable(fake_hub: FakeHub) -> None:
    fake_hub.mode = "slow"
    async with HubClient(fake_hub.url, TOKEN, timeout_s=0.3) as hub:
        with pytest.raises(HubUnreachable):
            await hub.identify(identify_request())


async def test_server_error_is_unreachable(client: HubClient, fake_hub: FakeHub) -> None:
    fake_hub.mode = "500"
    with pytest.raises(HubUnreachable):
        await client.catalog()


async def test_wrong_token_is_rejected_with_the_hub_detail(fake_hub: FakeHub) -> None:
    async with HubClient(fake_hub.url, "gaia_k_wrong", timeout_s=1.0) as hub:
        with pytest.raises(HubRejected) as caught:
            await hub.catalog()
    assert caught.value.status == 401
    assert caught.value.detail == "unknown kiosk token"


async def test_validation_error_detail_names_fields_without_their_values(
    client: HubClient, fake_hub: FakeHub, caplog: pytest.LogCaptureFixture
) -> None:
    fake_hub.mode = "422"
    with (
        caplog.at_level(logging.DEBUG, logger="kiosk.hubclient"),
        pytest.raises(HubRejected) as caught,
    ):
        await client.identify(identify_request())
    assert caught.value.status == 422
    assert "body.pin" in caught.value.detail
    assert "1234" not in caught.value.detail and "12345678" not in caught.value.detail
    assert "1234" not in caplog.text


async def test_garbage_json_is_unreachable_and_logged_without_the_body(
    client: HubClient, fake_hub: FakeHub, caplog: pytest.LogCaptureFixture
) -> None:
    fake_hub.mode = "garbage"
    with caplog.at_level(logging.DEBUG, logger="kiosk.hubclient"), pytest.raises(HubUnreachable):
        await client.catalog()
    assert "invalid answer" in caplog.text
    fake_hub.mode = "wrong-shape"
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="kiosk.hubclient"), pytest.raises(HubUnreachable):
        await client.catalog()
    assert "invalid answer" in caplog.text
    assert "Zoé" not in caplog.text


async def test_acknowledgement_of_another_request_is_not_taken_as_delivery(
    client: HubClient, fake_hub: FakeHub
) -> None:
    fake_hub.mode = "other-id"
    with pytest.raises(HubUnreachable):
        await client.send_request(contact_request())


async def test_no_personal_data_in_logs_on_success_or_failure(
    client: HubClient, fake_hub: FakeHub, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        await client.identify(identify_request())
        await client.send_request(contact_request())
        fake_hub.mode = "500"
        with pytest.raises(HubUnreachable):
            await client.send_request(contact_request())
    for secret in ("4321", "12345678", "Zoé", "Nérac", "0612345678"):
        assert secret not in caplog.text


async def test_a_real_hub_past_the_kiosk_budget_is_throttled_not_refused(
    tmp_path: Path,
) -> None:
    """Against the real hub: the 4th call in a minute is HubThrottled with the hub's wait."""
    from hub.config import HubConfig, KioskApiConfig
    from tests.hub.signaling.support import HubServer

    server = HubServer(HubConfig(state_dir=tmp_path, kiosk_api=KioskApiConfig(api_per_minute=3)))
    token = server.add_kiosk("k-budget")
    server.start()
    try:
        async with HubClient(server.http_url, token, timeout_s=5.0) as hub:
            for _ in range(3):
                await hub.catalog()
            with pytest.raises(HubThrottled) as caught:
                await hub.catalog()
        assert caught.value.status == 429 and 1 <= caught.value.retry_after_s <= 20
    finally:
        server.stop()
