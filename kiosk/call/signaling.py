"""The kiosk's signaling socket to the hub (`/ws/kiosk/v1`, hub.protocol.signaling).

One WebSocket per UI process, opened when the first call is requested and kept
while it stays up; it is authenticated by the kiosk's hub token on the
handshake. Received messages are validated and handed to the call they name;
when the socket drops, every call on it hears `on_link_lost` (the hub ends
them too, as `kiosk-left`). The next request opens a new socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from typing import Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from hub.protocol.signaling import (
    HUB_TO_KIOSK,
    KIOSK_WS_PATH,
    MAX_MESSAGE_BYTES,
    HubToKiosk,
    SignalingError,
    _Msg,
    dump,
    parse,
)
from kiosk.controller.ports import HubUnreachable

log = logging.getLogger(__name__)


class LinkListener(Protocol):
    """A call that hears its messages from the hub."""

    def on_message(self, message: HubToKiosk) -> None:
        """A message naming this call."""
        ...

    def on_link_lost(self) -> None:
        """The socket to the hub dropped."""
        ...


def ws_url(hub_url: str) -> str:
    """The kiosk socket's URL for the hub's base URL (http → ws, https → wss)."""
    base = hub_url.rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base[len("https://") :]
    elif base.startswith("http://"):
        base = "ws://" + base[len("http://") :]
    return base + KIOSK_WS_PATH


class SignalingLink:
    """The kiosk's socket to the hub, shared by its calls (one at a time, in practice)."""

    def __init__(self, hub_url: str, token: str, timeout_s: float = 8.0) -> None:
        self.url = ws_url(hub_url)
        self._token = token
        self._timeout_s = timeout_s
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._connecting: asyncio.Lock | None = None
        self._calls: dict[str, LinkListener] = {}

    @property
    def connected(self) -> bool:
        """True while the socket is open."""
        return self._ws is not None

    async def _ensure(self) -> ClientConnection:
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self._ws is not None:
                return self._ws
            secure = self.url.startswith("wss://")
            try:
                ws = await connect(
                    self.url,
                    additional_headers={"Authorization": f"Bearer {self._token}"},
                    open_timeout=self._timeout_s,
                    max_size=MAX_MESSAGE_BYTES,
                    ssl=ssl.create_default_context() if secure else None,
                )
            except (OSError, TimeoutError, WebSocketException) as exc:
                # Never the token, nor the URL's query: the class says enough.
                log.warning("signaling socket to the hub failed: %s", type(exc).__name__)
                raise HubUnreachable("signaling socket") from None
            self._ws = ws
            self._reader = asyncio.create_task(self._read(ws), name="signaling-reader")
            log.info("signaling socket to the hub open")
            return ws

    def register(self, call_id: str, listener: LinkListener) -> None:
        """Route messages naming `call_id` to `listener`."""
        self._calls[call_id] = listener

    def unregister(self, call_id: str) -> None:
        """Stop routing `call_id` (its call ended)."""
        self._calls.pop(call_id, None)

    async def send(self, message: _Msg) -> None:
        """Send one message, opening the socket when needed; HubUnreachable if it cannot."""
        ws = await self._ensure()
        try:
            await ws.send(dump(message))
        except ConnectionClosed:
            raise HubUnreachable("signaling socket closed") from None

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for text in ws:
                try:
                    message = parse(HUB_TO_KIOSK, text)
                except SignalingError as exc:
                    log.warning("hub sent an invalid signaling message: %s", exc)
                    continue
                call_id = getattr(message, "call_id", None)
                listener = self._calls.get(call_id) if call_id else None
                if listener is None:
                    if message.type == "error":
                        log.warning("hub refused a message: %s", message.code)
                    continue
                listener.on_message(message)
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd is not None else None
            log.warning("signaling socket closed by the hub (code %s)", code)
        finally:
            if self._ws is ws:
                self._ws = None
                self._reader = None
                for listener in list(self._calls.values()):
                    listener.on_link_lost()

    async def aclose(self) -> None:
        """Close the socket (calls on it hear on_link_lost)."""
        ws, reader = self._ws, self._reader
        if ws is not None:
            await ws.close()
        if reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await reader
