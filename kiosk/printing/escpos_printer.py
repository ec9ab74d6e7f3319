"""The thermal printer (the controller's `Printer` port) over any python-escpos transport.

`EscposPrinter` lays a `Slip` out in memory (kiosk.printing.layout), then, in a
worker thread (`asyncio.to_thread`: escpos and pyserial block), opens the
transport, asks for the paper status when the transport can read answers
(serial, USB, network), sends the whole slip in one write, and closes the
transport again, so an unplugged and replugged printer just works on the next
slip. States: ok / paper-low / paper-out from `paper_status()`, offline when the
device cannot be opened or a write fails, error for a transport that cannot work
here. Slip bytes are dropped after each print; only their size is kept.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from escpos.escpos import Escpos
from escpos.printer import Dummy, File

from hub.protocol import DeviceState
from kiosk.controller.ports import PrinterError, Slip
from kiosk.errors import KioskError
from kiosk.printing.layout import render_slip

log = logging.getLogger(__name__)

PAPER_STATES = {2: DeviceState.OK, 1: DeviceState.PAPER_LOW, 0: DeviceState.PAPER_OUT}
"""escpos `paper_status()` answers: 2 adequate, 1 near end, 0 none."""


class TransportUnavailable(KioskError):
    """The transport cannot work on this machine (e.g. USB without pyusb)."""


class AppendFile(File):
    """escpos's `File` transport, appending instead of truncating (a debugging sink).

    Unlike every other printer, this keeps each slip in the file: use it only to
    inspect output, never on a kiosk in service.
    """

    def open(self, raise_not_found: bool = True) -> None:
        """Open the file for appending (escpos's File opens it with "wb")."""
        self.device = open(self.devfile, "ab")  # noqa: SIM115 - closed by close()


def reads_status(transport: Escpos) -> bool:
    """True when the transport can read the printer's answers (it overrides `_read`)."""
    return type(transport)._read is not Escpos._read


class EscposPrinter:
    """One printer class for every transport; `connect` makes a fresh transport per slip.

    `connect` runs in the worker thread and may raise `TransportUnavailable`.
    Slips are printed one at a time, in the order asked.
    """

    def __init__(
        self,
        connect: Callable[[], Escpos],
        *,
        profile: str = "default",
        code_page: str | None = None,
        name: str = "printer",
    ) -> None:
        self._connect = connect
        self.profile = profile
        self.code_page = code_page
        self.name = name
        self._state = DeviceState.UNKNOWN
        self._lock = asyncio.Lock()
        self.last_output_size = 0
        """Bytes sent for the last slip (the bytes themselves are not kept)."""
        self.slips_printed = 0

    def state(self) -> DeviceState:
        """The last known state; UNKNOWN until the first print or `refresh()`."""
        return self._state

    async def print_slip(self, slip: Slip) -> None:
        """Print and cut `slip`; raises PrinterError("paper-out" | "offline" | "error")."""
        async with self._lock:
            await asyncio.to_thread(self._print_blocking, slip)

    async def refresh(self) -> DeviceState:
        """Open the printer and ask for its paper status, without printing (for health)."""
        async with self._lock:
            return await asyncio.to_thread(self._refresh_blocking)

    # -- worker thread -------------------------------------------------------------

    def _print_blocking(self, slip: Slip) -> None:
        data = render_slip(slip, self.profile, self.code_page)
        transport = self._open()
        try:
            state = self._paper(transport)
            if state is DeviceState.PAPER_OUT:
                self._fail(DeviceState.PAPER_OUT, "paper-out")
            try:
                transport._raw(data)
                if isinstance(transport, File):
                    transport.flush()
            except Exception as exc:  # OSError, serial/usb errors: the device went away
                log.warning("%s write failed: %s", self.name, type(exc).__name__)
                self._fail(DeviceState.OFFLINE, "offline")
            self._state = state
            self.last_output_size = len(data)
            self.slips_printed += 1
        finally:
            del data
            self._close(transport)

    def _refresh_blocking(self) -> DeviceState:
        try:
            transport = self._open()
        except PrinterError:
            return self._state
        try:
            self._state = self._paper(transport)
        finally:
            self._close(transport)
        return self._state

    def _open(self) -> Escpos:
        """A connected transport; sets the state and raises PrinterError when there is none."""
        try:
            transport = self._connect()
        except TransportUnavailable as exc:
            log.error("%s unusable here: %s", self.name, exc)
            self._fail(DeviceState.ERROR, "error")
        try:
            transport.open()
        except Exception as exc:  # DeviceNotFoundError, OSError, RuntimeError...
            log.warning("%s cannot be opened: %s", self.name, type(exc).__name__)
            self._close(transport)
            self._fail(DeviceState.OFFLINE, "offline")
        return transport

    def _paper(self, transport: Escpos) -> DeviceState:
        """The paper state when the transport can tell, else OK (it opened fine)."""
        if not reads_status(transport):
            return DeviceState.OK
        try:
            answer = transport.paper_status()
        except Exception as exc:  # no answer (model or firmware without it): not fatal
            log.info("%s paper status unavailable: %s", self.name, type(exc).__name__)
            return DeviceState.OK
        return PAPER_STATES.get(answer, DeviceState.OK)

    def _close(self, transport: Escpos) -> None:
        if isinstance(transport, Dummy):
            transport.clear()  # nothing of the slip stays in memory
            return
        try:
            transport.close()
        except Exception as exc:  # closing a vanished device may fail too
            log.debug("%s close failed: %s", self.name, type(exc).__name__)

    def _fail(self, state: DeviceState, code: str) -> None:
        self._state = state
        raise PrinterError(code)
