"""Printers without paper: the simulated one (escpos `Dummy`) and the absent one.

`SimPrinter` lays slips out exactly as a real printer would (same escpos commands,
same code pages) into an escpos `Dummy` whose output is cleared after each slip:
nothing of a slip stays after a session, only `last_output_size` for tests.
`set_state()` lets tests and the demo simulate a printer out of paper or unplugged.
"""

from __future__ import annotations

from escpos.printer import Dummy

from hub.protocol import DeviceState
from kiosk.controller.ports import PrinterError, Slip
from kiosk.printing.escpos_printer import EscposPrinter

PRINTABLE = frozenset({DeviceState.OK, DeviceState.PAPER_LOW})


class SimPrinter:
    """The `dummy` printer: a real layout into a discarded buffer, with a settable state."""

    def __init__(self, *, profile: str = "default", code_page: str | None = None) -> None:
        self.dummy = Dummy(profile=profile)
        self._printer = EscposPrinter(
            lambda: self.dummy, profile=profile, code_page=code_page, name="sim printer"
        )
        self._simulated = DeviceState.OK

    def set_state(self, state: DeviceState) -> None:
        """Simulate paper-low, paper-out, offline... (OK again to recover)."""
        self._simulated = state

    def state(self) -> DeviceState:
        """The simulated state."""
        return self._simulated

    @property
    def last_output_size(self) -> int:
        """Bytes the last slip took (0 before the first)."""
        return self._printer.last_output_size

    @property
    def slips_printed(self) -> int:
        """How many slips were printed since start."""
        return self._printer.slips_printed

    async def print_slip(self, slip: Slip) -> None:
        """Lay the slip out and discard it; raises PrinterError when the state forbids."""
        if self._simulated not in PRINTABLE:
            raise PrinterError(self._simulated.value)
        await self._printer.print_slip(slip)

    async def refresh(self) -> DeviceState:
        """The simulated state (as `EscposPrinter.refresh`)."""
        return self._simulated


class AbsentPrinter:
    """No printer on this kiosk (`printer = "none"`): the UI hides the print button."""

    def state(self) -> DeviceState:
        """Always ABSENT."""
        return DeviceState.ABSENT

    async def print_slip(self, slip: Slip) -> None:
        """Always raises PrinterError("absent")."""
        raise PrinterError("absent")

    async def refresh(self) -> DeviceState:
        """Always ABSENT."""
        return DeviceState.ABSENT
