"""The local link between the UI process and the agent (docs/architecture.md, "Processes").

The UI owns every device a person touches; the agent asks it, over a Unix
socket, for device states and for what only the UI can do (a test print, a
message on screen). The wire format is JSON lines, one request then one
response per line:

    -> {"op": "status"}                      <- {"ok": true, "devices": {"printer": "ok", ...}}
    -> {"op": "print-test"}                  <- {"ok": true}
    -> {"op": "show-message", "text": "..."} <- {"ok": false, "error": "printer-paper-out"}

`UiLinkServer` runs in the UI process around any `UiPort` (the UI's own
implementation, or `SimUi`); `UiLinkClient` is the agent's side and is itself
a `UiPort`, so the agent can be given a `SimUi` directly (the fleet simulator).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from hub.protocol import DeviceState
from kiosk.errors import KioskError

log = logging.getLogger(__name__)

DEVICES = ("printer", "camera", "microphone", "scanner", "panel")
"""The devices the UI reports on (the fields of hub.protocol's device states)."""

MAX_LINE = 64 * 1024
IDLE_TIMEOUT_S = 30.0


class UiLinkError(KioskError):
    """Base of the UI link's errors."""


class UiUnavailable(UiLinkError):
    """The UI process does not answer: no socket, refused, timed out or garbled."""


class UiRequestFailed(UiLinkError):
    """The UI answered but could not do it; `code` is a short machine code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class UiPort(Protocol):
    """What the agent needs from the UI; the UI (or SimUi) implements it for the server."""

    async def status(self) -> dict[str, DeviceState]:
        """The state of each device in DEVICES."""
        ...

    async def print_test(self) -> None:
        """Print a test slip; raise UiRequestFailed when the printer cannot."""
        ...

    async def show_message(self, text: str) -> None:
        """Show a message from ops staff on the screen."""
        ...


def _device_states(raw: Any) -> dict[str, DeviceState]:
    """Every device of DEVICES with a known state; anything else reads as unknown."""
    raw = raw if isinstance(raw, Mapping) else {}
    states = {}
    for name in DEVICES:
        try:
            states[name] = DeviceState(raw.get(name))
        except ValueError:
            states[name] = DeviceState.UNKNOWN
    return states


class UiLinkServer:
    """Serves a `UiPort` on a Unix socket (mode 0600, removed on close)."""

    def __init__(self, path: str | Path, handler: UiPort) -> None:
        self.path = Path(path)
        self.handler = handler
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        """Bind the socket (replacing a stale one) and start answering."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.is_socket():
            self.path.unlink()
        self._server = await asyncio.start_unix_server(self._serve, path=self.path, limit=MAX_LINE)
        os.chmod(self.path, 0o600)

    async def close(self) -> None:
        """Stop answering and remove the socket file."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def __aenter__(self) -> UiLinkServer:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                async with asyncio.timeout(IDLE_TIMEOUT_S):
                    line = await reader.readline()
                if not line:
                    break
                answer = await self._answer(line)
                writer.write(json.dumps(answer).encode() + b"\n")
                await writer.drain()
        except (TimeoutError, ConnectionError, ValueError):  # ValueError: line over the limit
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
            op = request["op"]
        except (ValueError, TypeError, KeyError):
            return {"ok": False, "error": "bad-request"}
        try:
            if op == "status":
                states = await self.handler.status()
                return {"ok": True, "devices": {k: str(v) for k, v in states.items()}}
            if op == "print-test":
                await self.handler.print_test()
                return {"ok": True}
            if op == "show-message" and isinstance(request.get("text"), str):
                await self.handler.show_message(request["text"])
                return {"ok": True}
        except UiRequestFailed as exc:
            return {"ok": False, "error": exc.code}
        except UiUnavailable:
            return {"ok": False, "error": "unavailable"}
        except Exception:
            log.exception("UI link handler failed on %r", op)
            return {"ok": False, "error": "internal-error"}
        return {"ok": False, "error": "bad-request"}


class UiLinkClient:
    """The agent's side: one short connection per request, bounded by a timeout."""

    def __init__(self, path: str | Path, timeout: float = 2.0, print_timeout: float = 15.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.print_timeout = print_timeout

    async def _request(
        self, request: dict[str, Any], timeout: float | None = None
    ) -> dict[str, Any]:
        try:
            async with asyncio.timeout(timeout or self.timeout):
                reader, writer = await asyncio.open_unix_connection(self.path, limit=MAX_LINE)
                try:
                    writer.write(json.dumps(request).encode() + b"\n")
                    await writer.drain()
                    line = await reader.readline()
                finally:
                    writer.close()
                    with contextlib.suppress(OSError):
                        await writer.wait_closed()
        except (OSError, TimeoutError, ValueError) as exc:
            raise UiUnavailable(type(exc).__name__) from None
        try:
            answer = json.loads(line)
        except ValueError:
            raise UiUnavailable("garbled answer") from None
        if not isinstance(answer, dict):
            raise UiUnavailable("garbled answer")
        if not answer.get("ok"):
            code = str(answer.get("error") or "failed")[:40]
            raise UiUnavailable(code) if code == "unavailable" else UiRequestFailed(code)
        return answer

    async def status(self) -> dict[str, DeviceState]:
        """Device states as the UI sees them; raises UiUnavailable."""
        return _device_states((await self._request({"op": "status"})).get("devices"))

    async def print_test(self) -> None:
        """Ask the UI for a test print; raises UiUnavailable or UiRequestFailed."""
        await self._request({"op": "print-test"}, self.print_timeout)

    async def show_message(self, text: str) -> None:
        """Ask the UI to show `text`; raises UiUnavailable or UiRequestFailed."""
        await self._request({"op": "show-message", "text": text})


class SimUi:
    """A simulated UI for the fleet simulator and tests: devices with injectable faults.

    `fault("printer", "paper-out")` changes what `status()` reports and makes
    `print_test()` fail; `up = False` makes every call raise UiUnavailable.
    It records what it was asked (`messages`, `print_tests`).
    """

    def __init__(self, devices: Mapping[str, DeviceState | str] | None = None) -> None:
        self.devices: dict[str, DeviceState] = dict.fromkeys(DEVICES, DeviceState.OK)
        for name, state in (devices or {}).items():
            self.fault(name, state)
        self.up = True
        self.messages: list[str] = []
        self.print_tests = 0

    def fault(self, device: str, state: DeviceState | str) -> None:
        """Put `device` in `state` (paper-low, paper-out, offline, error, ok...)."""
        if device not in DEVICES:
            raise ValueError(f"unknown device {device!r}; one of {', '.join(DEVICES)}")
        self.devices[device] = DeviceState(state)

    def clear_faults(self) -> None:
        """Every device back to ok."""
        self.devices = dict.fromkeys(DEVICES, DeviceState.OK)

    def printer_usable(self) -> bool:
        """True when a slip would come out (ok or paper-low)."""
        return self.devices["printer"] in (DeviceState.OK, DeviceState.PAPER_LOW)

    def _check_up(self) -> None:
        if not self.up:
            raise UiUnavailable("simulated UI is down")

    async def status(self) -> dict[str, DeviceState]:
        """The simulated device states."""
        self._check_up()
        return dict(self.devices)

    async def print_test(self) -> None:
        """Count a test print, or fail as the printer's state says."""
        self._check_up()
        if not self.printer_usable():
            raise UiRequestFailed(f"printer-{self.devices['printer']}")
        self.print_tests += 1

    async def show_message(self, text: str) -> None:
        """Record the message."""
        self._check_up()
        self.messages.append(text)
