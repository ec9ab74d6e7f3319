"""HTTP limits against slow and greedy clients, below FastAPI.

- Connections: at most `per_ip` open at once from one address (trusted proxies
  exempt: everyone behind them shares their address) and `total` in all; one
  more is closed at once, before a byte is read. The hub raises its open-file
  limit at start (hub.server) so the total cap, not the kernel, refuses first.
- Headers: a request's headers must arrive within `header_timeout_s` of its
  first byte (or of the connection), else 408 and the connection is closed.
  Idle keep-alive connections close after uvicorn's `timeout_keep_alive`.
- Bodies (`BodyLimits`, an ASGI middleware): at most `max_body_bytes` (413,
  refused on its Content-Length before reading, or as soon as a chunked body
  passes it), read whole within `body_timeout_s` (408).

Every refusal counts in `gaia_http_refused_total{reason}` and is logged once
per interval, never once per connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from hub.logs import RateLimitedLog
from hub.metrics import Metrics

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TIMEOUT_408 = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


@dataclass(frozen=True)
class HttpLimits:
    """The limits (from [http] in hub.toml)."""

    per_ip: int = 64
    total: int = 2000
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    max_body_bytes: int = 256 * 1024
    exempt: tuple[str, ...] = ()  # trusted proxies


class Refusals:
    """Counts refusals in /metrics and logs each reason at most once per interval."""

    def __init__(self, metrics: Metrics, period: float = 10.0) -> None:
        self.metrics = metrics
        self._log = RateLimitedLog(log, period)

    def __call__(self, reason: str, detail: str) -> None:
        """Record one refusal."""
        self.metrics.http_refused.labels(reason=reason).inc()
        self._log.warning(reason, "refused %s: %s", reason, detail)


class ConnectionCounter:
    """Open connections per address and in total (one event loop, no lock needed)."""

    def __init__(self, limits: HttpLimits) -> None:
        self.limits = limits
        self._exempt = tuple(ipaddress.ip_network(n, strict=False) for n in limits.exempt)
        self.per_ip: dict[str, int] = {}
        self.total = 0
        self._slots: dict[int, str] = {}

    def _is_exempt(self, ip: str) -> bool:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in n for n in self._exempt)

    def acquire(self, transport: asyncio.BaseTransport) -> str | None:
        """Count a new connection; the reason it is refused, or None."""
        peer = transport.get_extra_info("peername")
        ip = str(peer[0]) if isinstance(peer, tuple) and peer else "unix"
        if self.total >= self.limits.total:
            return "connections-total"
        if not self._is_exempt(ip) and self.per_ip.get(ip, 0) >= self.limits.per_ip:
            return "connections-per-ip"
        self.total += 1
        self.per_ip[ip] = self.per_ip.get(ip, 0) + 1
        self._slots[id(transport)] = ip
        return None

    def release(self, transport: asyncio.BaseTransport) -> None:
        """Forget a closed connection (idempotent)."""
        ip = self._slots.pop(id(transport), None)
        if ip is None:
            return
        self.total -= 1
        left = self.per_ip.pop(ip, 1) - 1
        if left > 0:
            self.per_ip[ip] = left


def guarded_protocols(
    limits: HttpLimits, refusals: Refusals
) -> tuple[type[H11Protocol], type[WebSocketsSansIOProtocol]]:
    """uvicorn's HTTP and WebSocket protocol classes with the connection limits applied."""
    counter = ConnectionCounter(limits)

    class GuardedWebSocket(WebSocketsSansIOProtocol):
        """Releases the connection's slot when an upgraded socket closes."""

        def connection_lost(self, exc: Exception | None) -> None:
            counter.release(self.transport)
            super().connection_lost(exc)

    class GuardedHttp(H11Protocol):
        """Counts connections and times out slow headers."""

        _refused = False
        _upgraded = False  # a WebSocket now owns the connection: no header timeout
        _header_timer: asyncio.TimerHandle | None = None
        _last_cycle: object = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            reason = counter.acquire(transport)
            if reason is not None:
                self._refused = True
                refusals(reason, str(transport.get_extra_info("peername")))
                transport.abort()
                return
            super().connection_made(transport)
            self._start_header_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._refused:
                return
            self._stop_header_timer()
            counter.release(self.transport)
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            super().data_received(data)
            if self._upgraded:
                self._stop_header_timer()
            elif self.cycle is not self._last_cycle:  # a request's headers are complete
                self._last_cycle = self.cycle
                self._stop_header_timer()
            elif self.cycle is None or self.cycle.response_complete:
                self._start_header_timer()  # the next request has begun

        def _start_header_timer(self) -> None:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(
                    limits.header_timeout_s, self._headers_too_slow
                )

        def _stop_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if self._upgraded or self.transport.is_closing():
                return
            refusals("header-timeout", str(self.client))
            self.transport.write(TIMEOUT_408)
            self.transport.close()

        def handle_websocket_upgrade(self, event: Any) -> None:
            self._upgraded = True
            self._stop_header_timer()
            super().handle_websocket_upgrade(event)

    return GuardedHttp, GuardedWebSocket


class BodyLimits:
    """ASGI middleware: a size cap and a read deadline on every request body."""

    def __init__(self, app: ASGIApp, limits: HttpLimits, refusals: Refusals) -> None:
        self.app = app
        self.limits = limits
        self.refusals = refusals

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the body within the limits, then hand it to the app in one message."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is None and b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)  # no body
            return
        cap = self.limits.max_body_bytes
        try:
            if declared is not None and int(declared) > cap:
                await self._refuse(send, 413, "body-too-large", f"over {cap} bytes")
                return
        except ValueError:
            await self._refuse(send, 400, "bad-content-length", "invalid Content-Length")
            return
        body = bytearray()
        try:
            async with asyncio.timeout(self.limits.body_timeout_s):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    body += message.get("body", b"")
                    if len(body) > cap:
                        await self._refuse(send, 413, "body-too-large", f"over {cap} bytes")
                        return
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            await self._refuse(send, 408, "body-timeout", "body not sent in time")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, status: int, reason: str, detail: str) -> None:
        self.refusals(reason, detail)
        payload = ('{"detail": "' + detail + '"}').encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
