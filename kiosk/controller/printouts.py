"""Printing slips: the person's (agreement, contacts, reminder) and the ops test."""

from __future__ import annotations

import logging

from hub.protocol import EventType
from kiosk.controller import slips
from kiosk.controller.core import Core, machine_code
from kiosk.controller.ports import PrinterError, Slip
from kiosk.controller.view import Notice, NoticeKind

log = logging.getLogger(__name__)


class Printouts:
    """Prints a slip in a task; a printer error is a notice, nothing else is lost."""

    def __init__(self, core: Core) -> None:
        self._core = core

    async def print_test(self) -> None:
        """Print the test slip (for the agent's command); raises PrinterError."""
        slip = slips.ops_test_slip(self._core.site_name(), self._core.language)
        try:
            await self._core.printer.print_slip(slip)
        except PrinterError as exc:
            self._core.usage.record(EventType.ERROR, detail=f"printer-{machine_code(exc.code)}")
            raise
        self._core.usage.record(EventType.SLIP_PRINTED, detail=slip.kind)

    async def print_for(self, session_id: str, slip: Slip) -> None:
        """Print the person's slip: PRINTED, or a printer notice."""
        kind = slip.kind
        try:
            await self._core.printer.print_slip(slip)
        except PrinterError as exc:
            code = machine_code(exc.code)
            self._printer_failed(session_id, code)
            return
        except Exception as exc:
            log.warning("printing failed: %s", type(exc).__name__)
            self._printer_failed(session_id, "error")
            return
        finally:
            del slip
        self._core.usage.record(EventType.SLIP_PRINTED, session=session_id, detail=kind)
        s = self._core.current(session_id)
        if s is not None:
            s.printed = True
            self._core.set_notice(Notice(NoticeKind.PRINTED))
            self._core.publish()

    def _printer_failed(self, session_id: str | None, code: str) -> None:
        self._core.usage.record(EventType.ERROR, session=session_id, detail=f"printer-{code}")
        self._core.set_notice(Notice(NoticeKind.PRINTER_FAILED, text=code))
        self._core.publish()
