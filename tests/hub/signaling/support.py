"""A real hub (uvicorn on a loopback port, in a thread) and WebSocket clients for it.

Kiosks are registered like `gaia-hub kiosk add` does; advisers are created like
`gaia-hub adviser add` and log in by POSTing to /login, as a browser would.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from pydantic import TypeAdapter
from sqlalchemy import Engine
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from hub.accounts import register_kiosk
from hub.app import create_app
from hub.broker import free_port
from hub.config import HubConfig
from hub.demo import load_data, seed_catalog
from hub.protocol.signaling import (
    ADVISER_WS_PATH,
    HUB_TO_ADVISER,
    HUB_TO_KIOSK,
    KIOSK_WS_PATH,
    _Msg,
    dump,
    parse,
)
from hub.server import server_config
from hub.signaling.advisers import add_adviser

ADVISER_PASSWORD = "adviser-password-2026"
TIMEOUT = 10.0


class HubServer:
    """The hub app served by uvicorn in a background thread."""

    def __init__(self, config: HubConfig) -> None:
        self.port = free_port()
        self.app = create_app(config, background=False)
        self.engine: Engine = self.app.state.services.engine
        # Served as `gaia-hub serve` serves it: the same limits and protocols.
        self.server = uvicorn.Server(
            server_config(self.app, config, log_level="warning", port=self.port)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        with self.engine.begin() as conn:
            seed_catalog(conn, load_data())

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Serve, and wait until the port answers."""
        self.thread.start()
        deadline = time.monotonic() + TIMEOUT
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the hub did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop serving (the lifespan ends the calls and writes their records)."""
        self.server.should_exit = True
        self.thread.join(TIMEOUT)
        self.engine.dispose()

    def add_kiosk(self, kiosk_id: str, site: str = "Mairie de Laplume") -> str:
        """Register a kiosk; returns its token."""
        with self.engine.begin() as conn:
            return register_kiosk(conn, kiosk_id, site, "agenais").token

    def add_adviser(self, email: str, name: str, partner: str, topics: list[str]) -> int:
        """Create an adviser account with its profile; returns the user id."""
        with self.engine.begin() as conn:
            return add_adviser(conn, email, ADVISER_PASSWORD, name, partner, topics).user_id

    def login(self, email: str, password: str = ADVISER_PASSWORD) -> str:
        """POST /login as a browser would; returns the session cookie's value."""
        response = httpx.post(
            f"{self.http_url}/login",
            data={"email": email, "password": password, "next": "/console"},
            headers={"Origin": self.http_url},
            follow_redirects=False,
            timeout=TIMEOUT,
        )
        assert response.status_code == 303, response.text
        cookie = response.cookies.get("gaia_session")
        assert cookie, "no session cookie"
        return cookie


@dataclass
class Client:
    """One WebSocket client; received messages are parsed with the socket's adapter."""

    ws: ClientConnection
    adapter: TypeAdapter[Any]
    seen: list[Any] = field(default_factory=list)

    async def send(self, message: _Msg) -> None:
        """Send one protocol message."""
        await self.ws.send(dump(message))

    async def send_raw(self, data: str | bytes) -> None:
        """Send a frame as is."""
        await self.ws.send(data)

    async def recv(self, timeout: float = TIMEOUT) -> Any:
        """The next message (fails the test when none comes in time)."""
        text = await asyncio.wait_for(self.ws.recv(), timeout)
        message = parse(self.adapter, text)
        self.seen.append(message)
        return message

    async def expect(self, kind: type[_Msg], timeout: float = TIMEOUT) -> Any:
        """Skip messages until one of `kind` arrives (fails the test when none comes)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(f"no {kind.__name__} within {timeout}s; saw {self.seen}")
            message = await self.recv(left)
            if isinstance(message, kind):
                return message

    async def closed(self, timeout: float = TIMEOUT) -> tuple[int, str]:
        """Wait until the hub closes the socket; returns (code, reason)."""
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout)
        except ConnectionClosed as exc:
            assert exc.rcvd is not None, "closed without a close frame"
            return exc.rcvd.code, exc.rcvd.reason

    async def close(self) -> None:
        """Close from this side."""
        await self.ws.close()


async def kiosk_client(
    hub: HubServer, token: str | None, headers: dict[str, str] | None = None
) -> Client:
    """A kiosk socket with `Authorization: Bearer <token>` (none when token is None)."""
    extra = dict(headers or {})
    if token is not None:
        extra["Authorization"] = f"Bearer {token}"
    ws = await connect(f"{hub.ws_url}{KIOSK_WS_PATH}", additional_headers=extra)
    return Client(ws, HUB_TO_KIOSK)


async def adviser_client(
    hub: HubServer,
    cookie: str | None,
    origin: str | None = "same",
    headers: dict[str, str] | None = None,
) -> Client:
    """An adviser socket with the session cookie and an Origin (default: the hub's own)."""
    extra = dict(headers or {})
    if cookie is not None:
        extra["Cookie"] = f"gaia_session={cookie}"
    origin_header = Origin(hub.http_url) if origin == "same" else Origin(origin) if origin else None
    ws = await connect(
        f"{hub.ws_url}{ADVISER_WS_PATH}", origin=origin_header, additional_headers=extra
    )
    return Client(ws, HUB_TO_ADVISER)
