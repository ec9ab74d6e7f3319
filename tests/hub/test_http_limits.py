"""Slow and greedy HTTP clients against a real hub (uvicorn as `gaia-hub serve` runs it)."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect as ws_connect

from hub.config import HttpConfig, HubConfig
from hub.protocol.signaling import KIOSK_WS_PATH
from tests.hub.signaling.support import HubServer
from tests.support import wait_for


@pytest.fixture
def server(tmp_path: Path, migrated_db: Path) -> Iterator[HubServer]:
    state = tmp_path / "state"
    state.mkdir()
    (state / "hub.db").write_bytes(migrated_db.read_bytes())
    http = HttpConfig(
        max_connections_per_ip=20,
        max_connections=200,
        header_timeout_s=1,
        body_timeout_s=1,
        max_body_bytes=8 * 1024,
    )
    handle = HubServer(HubConfig(state_dir=state, http=http))
    handle.start()
    try:
        yield handle
    finally:
        handle.stop()


def _open(
    port: int, source: str, first: bytes = b"GET /healthz HTTP/1.1\r\nHost: x"
) -> socket.socket:
    """A connection from `source` (any 127.x address is this host) that sends `first`."""
    s = socket.socket()
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    if first:
        s.sendall(first)
    s.settimeout(5)
    return s


def _closed(s: socket.socket) -> bytes | None:
    """What the server sent before closing, or None while it keeps the socket open."""
    s.settimeout(0.05)
    data = b""
    try:
        while chunk := s.recv(4096):
            data += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        return data
    return data


def _refused(server: HubServer, reason: str) -> float:
    metrics = server.app.state.services.metrics
    value = metrics.registry.get_sample_value("gaia_http_refused_total", {"reason": reason})
    return float(value or 0)


def test_slow_headers_get_408_and_are_closed(server: HubServer) -> None:
    sockets = [_open(server.port, "127.0.0.2") for _ in range(10)]
    started = time.monotonic()
    answers = wait_for(lambda: all(_closed(s) is not None for s in sockets) and sockets, 5)
    assert time.monotonic() - started < 3
    for s in answers:
        s.close()
    assert _refused(server, "header-timeout") == 10


def test_slow_clients_from_one_address_cannot_starve_the_others(
    server: HubServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="hub.http_limits")
    held = [_open(server.port, "127.0.0.3") for _ in range(20)]
    extra = [_open(server.port, "127.0.0.3", b"") for _ in range(30)]
    # Past the per-address cap, connections are closed at once, without an answer.
    assert all(_closed(s) == b"" for s in extra)
    assert _refused(server, "connections-per-ip") == 30
    # One line in the log for thirty refusals.
    assert sum("connections-per-ip" in r.getMessage() for r in caplog.records) == 1
    # Everyone else is served meanwhile.
    assert httpx.get(f"{server.http_url}/healthz", timeout=2).status_code == 200
    for s in held + extra:
        s.close()
    # Their places come back: the address is served again.
    wait_for(lambda: _ok_from(server, "127.0.0.3"), 5)


def _ok_from(server: HubServer, source: str) -> bool:
    s = _open(server.port, source, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        return s.recv(100).startswith(b"HTTP/1.1 200")
    except OSError:
        return False
    finally:
        s.close()


def test_websocket_connections_give_their_place_back(server: HubServer) -> None:
    for _ in range(30):  # more than the per-address cap, one after another
        with ws_connect(f"{server.ws_url}{KIOSK_WS_PATH}", open_timeout=5):
            pass
        time.sleep(0.01)
    assert _ok_from(server, "127.0.0.1")
    assert _refused(server, "connections-per-ip") == 0


async def test_a_signaling_socket_outlives_the_header_timeout(server: HubServer) -> None:
    """The header timeout is for requests; an upgraded WebSocket stays open (calls last)."""
    from hub.protocol.signaling import CallEnded, CallRequest
    from tests.hub.signaling.support import kiosk_client

    kiosk = await kiosk_client(server, server.add_kiosk("k-long"))
    await asyncio.sleep(2.5)  # the header timeout is 1 s here
    await kiosk.send(CallRequest(call_id="call-after-the-timeout", topic="housing"))
    assert isinstance(await kiosk.recv(), CallEnded)
    await kiosk.close()
    assert _refused(server, "header-timeout") == 0


def test_oversized_bodies_are_refused_unread(server: HubServer) -> None:
    s = _open(
        server.port,
        "127.0.0.4",
        b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 50000000\r\n\r\n",
    )
    answer = s.recv(1000)
    assert answer.startswith(b"HTTP/1.1 413")
    s.close()
    chunked = httpx.post(
        f"{server.http_url}/login",
        content=(b"a" * 1024 for _ in range(20)),  # a generator: sent chunked
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert chunked.status_code == 413
    assert _refused(server, "body-too-large") == 2


def test_slow_bodies_get_408(server: HubServer) -> None:
    s = _open(
        server.port,
        "127.0.0.5",
        b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 100\r\n\r\nemail=a",
    )
    started = time.monotonic()
    answer = s.recv(1000)
    assert answer.startswith(b"HTTP/1.1 408")
    assert time.monotonic() - started < 3
    s.close()
