"""The two signaling WebSockets: KIOSK_WS_PATH and ADVISER_WS_PATH.

- Kiosk: `Authorization: Bearer gaia_k_...` on the handshake, the kiosk's own hub
  token; missing, unknown or revoked -> closed with CLOSE_UNAUTHENTICATED. An API
  token or a console cookie is not a kiosk token.
- Adviser: an Origin of the hub itself or one of `[http] allowed_origins`
  (else CLOSE_FORBIDDEN), a valid console session cookie (else
  CLOSE_UNAUTHENTICATED) and an adviser profile (else CLOSE_FORBIDDEN).

Refusals accept the handshake, then close with the code and a reason, so the
client learns why. Each frame must be one text message of the socket's own
kind, at most MAX_MESSAGE_BYTES: anything else closes that socket with
CLOSE_PROTOCOL and a reason; the others carry on. Outgoing messages go through
a per-socket queue and writer task, so the router never waits for a slow peer.
Nothing personal and no token is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket
from fastapi.concurrency import run_in_threadpool
from pydantic import TypeAdapter
from starlette.websockets import WebSocketDisconnect, WebSocketState

from hub.accounts import hash_token, kiosk_for_token
from hub.auth import cookie_name, session_principal
from hub.kiosk_limits import Budget
from hub.protocol.signaling import (
    ADVISER_TO_HUB,
    ADVISER_WS_PATH,
    CLOSE_FORBIDDEN,
    CLOSE_PROTOCOL,
    CLOSE_UNAUTHENTICATED,
    KIOSK_TO_HUB,
    KIOSK_WS_PATH,
    CallRequest,
    ErrorMessage,
    SignalingError,
    _Msg,
    dump,
    parse,
)
from hub.services import Services
from hub.signaling.advisers import (
    AdviserProfile,
    adviser_profile,
    kiosk_site,
    kiosk_territory,
    topic_label,
    topic_wait_limit,
)
from hub.signaling.service import Signaling

log = logging.getLogger(__name__)

router = APIRouter()

MAX_QUEUED = 256
"""Messages waiting for a slow socket before it is closed (1013, try again later)."""
CLOSE_TRY_AGAIN = 1013
_T = TypeVar("_T")


@dataclass(frozen=True)
class _Close:
    code: int
    reason: str


class Connection:
    """One accepted WebSocket: a queue of outgoing frames and the task that writes them."""

    def __init__(self, websocket: WebSocket, label: str) -> None:
        self.websocket = websocket
        self.label = label  # for logs: "kiosk k-..." or "adviser #12"
        self._queue: asyncio.Queue[str | _Close | None] = asyncio.Queue()
        self._closing = False
        self._writer: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the writer task."""
        self._writer = asyncio.create_task(self._write(), name=f"ws-writer {self.label}")

    def send(self, message: _Msg) -> None:
        """Queue a message (dropped once the socket is closing)."""
        if self._closing:
            return
        if self._queue.qsize() >= MAX_QUEUED:
            log.warning("%s: too many messages waiting; closing its socket", self.label)
            self.close(CLOSE_TRY_AGAIN, "too slow: too many messages waiting")
            return
        self._queue.put_nowait(dump(message))

    def close(self, code: int, reason: str) -> None:
        """Queue a close frame with `code` and `reason`; nothing more is sent."""
        if self._closing:
            return
        self._closing = True
        self._queue.put_nowait(_Close(code, reason.encode()[:120].decode(errors="ignore")))

    async def finish(self) -> None:
        """Stop the writer once what is queued has gone (or the peer has)."""
        if not self._closing:
            self._closing = True
            self._queue.put_nowait(None)
        if self._writer is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._writer, 10)

    async def _write(self) -> None:
        ws = self.websocket
        while True:
            item = await self._queue.get()
            if item is None:
                return
            try:
                if isinstance(item, _Close):
                    if ws.application_state is WebSocketState.CONNECTED:
                        await ws.close(item.code, item.reason)
                    return
                await ws.send_text(item)
            except (WebSocketDisconnect, RuntimeError, OSError):
                return  # the peer went away; the reader notices too


async def refuse(websocket: WebSocket, code: int, reason: str) -> None:
    """Accept the handshake and close at once with `code` and `reason`."""
    await websocket.accept()
    await websocket.close(code, reason)


def _signaling(websocket: WebSocket) -> Signaling:
    signaling: Signaling = websocket.app.state.signaling
    return signaling


def _services(websocket: WebSocket) -> Services:
    services: Services = websocket.app.state.services
    return services


async def _read(
    websocket: WebSocket,
    conn: Connection,
    adapter: TypeAdapter[_T],
    handle: Callable[[_T], Awaitable[None]],
) -> None:
    """Read frames until the peer leaves or sends something that is not its message."""
    while True:
        event = await websocket.receive()
        if event["type"] == "websocket.disconnect":
            return
        text: Any = event.get("text")
        if text is None:
            conn.close(CLOSE_PROTOCOL, "text frames only: one JSON message each")
            return
        try:
            message = parse(adapter, text)
        except SignalingError as exc:
            log.info("%s: closed, %s", conn.label, exc)
            conn.close(CLOSE_PROTOCOL, str(exc))
            return
        await handle(message)


def _bearer(websocket: WebSocket) -> str | None:
    header = websocket.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _kiosk_lookup(services: Services, token: str) -> tuple[str, str, str | None] | None:
    with services.engine.connect() as db:
        kiosk_id = kiosk_for_token(db, token)
        if kiosk_id is None:
            return None
        return kiosk_id, kiosk_site(db, kiosk_id), kiosk_territory(db, kiosk_id)


def _topic_label(services: Services, topic: str) -> tuple[str | None, float | None]:
    with services.engine.connect() as db:
        return topic_label(db, topic), topic_wait_limit(db, topic)


@router.websocket(KIOSK_WS_PATH)
async def kiosk_socket(websocket: WebSocket) -> None:
    """A kiosk's signaling socket (see the module docstring)."""
    services = _services(websocket)
    token = _bearer(websocket)
    if token is None:
        await refuse(websocket, CLOSE_UNAUTHENTICATED, "kiosk token required (Bearer gaia_k_...)")
        return
    found = await run_in_threadpool(_kiosk_lookup, services, token)
    if found is None:
        await refuse(websocket, CLOSE_UNAUTHENTICATED, "unknown or revoked kiosk token")
        return
    kiosk_id, site, territory = found
    await websocket.accept()
    signaling = _signaling(websocket)
    router_ = signaling.router
    conn = Connection(websocket, f"kiosk {kiosk_id}")
    conn.start()
    router_.connect_kiosk(kiosk_id, site, conn, territory)
    signaling.kiosk_tokens[kiosk_id] = hash_token(token)  # checked against revocations
    log.info("kiosk %s: signaling connected", kiosk_id)

    async def handle(message: Any) -> None:
        label, limit = None, None
        if isinstance(message, CallRequest):
            wait = services.spend(kiosk_id, Budget.CALLS)
            if wait:  # refused before the router: no ring, no call record
                services.metrics.http_refused.labels(reason="kiosk-calls").inc()
                conn.send(
                    ErrorMessage(
                        code="rate-limited",
                        detail=f"too many calls from this kiosk: retry in {wait} s",
                        call_id=message.call_id,
                    )
                )
                return
            label, limit = await run_in_threadpool(_topic_label, services, message.topic)
        router_.kiosk_message(kiosk_id, message, topic_label=label, wait_limit_s=limit)

    try:
        await _read(websocket, conn, KIOSK_TO_HUB, handle)
    finally:
        router_.disconnect_kiosk(kiosk_id, conn)
        await conn.finish()
        log.info("kiosk %s: signaling disconnected", kiosk_id)


def ws_origin_allowed(websocket: WebSocket, allowed: list[str]) -> bool:
    """True when the handshake's Origin is this host (any scheme) or one of `allowed`.

    Browsers always send Origin on a WebSocket handshake: none is refused.
    """
    origin = (websocket.headers.get("origin") or "").strip().lower()
    if not origin or origin == "null":
        return False
    own_host = (websocket.headers.get("host") or websocket.url.netloc).lower()
    if urlsplit(origin).netloc == own_host:
        return True
    return origin.rstrip("/") in {a.strip().rstrip("/").lower() for a in allowed}


def _adviser_lookup(services: Services, cookie: str) -> AdviserProfile | str | None:
    """The session's adviser profile; None without a valid session, "" without a profile."""
    with services.engine.connect() as db:
        principal = session_principal(db, cookie)
        if principal is None or principal.user_id is None:
            return None
        return adviser_profile(db, principal.user_id) or ""


@router.websocket(ADVISER_WS_PATH)
async def adviser_socket(websocket: WebSocket) -> None:
    """An adviser console's signaling socket (see the module docstring)."""
    services = _services(websocket)
    http = services.config.http
    if not ws_origin_allowed(websocket, http.allowed_origins):
        await refuse(websocket, CLOSE_FORBIDDEN, "origin")  # the console matches this word
        return
    cookie = websocket.cookies.get(cookie_name(http))
    if not cookie:
        await refuse(websocket, CLOSE_UNAUTHENTICATED, "log in to the console first")
        return
    found = await run_in_threadpool(_adviser_lookup, services, cookie)
    if found is None:
        await refuse(websocket, CLOSE_UNAUTHENTICATED, "session expired or unknown: log in again")
        return
    if found == "":
        await refuse(websocket, CLOSE_FORBIDDEN, "no adviser profile for this account")
        return
    assert isinstance(found, AdviserProfile)
    profile = found
    await websocket.accept()
    router_ = _signaling(websocket).router
    conn = Connection(websocket, f"adviser #{profile.user_id}")
    conn.start()
    router_.connect_adviser(profile, conn)
    log.info("adviser #%s: signaling connected", profile.user_id)

    async def handle(message: Any) -> None:
        router_.adviser_message(profile.user_id, message)

    try:
        await _read(websocket, conn, ADVISER_TO_HUB, handle)
    finally:
        router_.disconnect_adviser(profile.user_id, conn)
        await conn.finish()
        log.info("adviser #%s: signaling disconnected", profile.user_id)
