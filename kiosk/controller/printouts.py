"""Printing slips: the person's (agreement, contacts, reminder) and the ops test."""

from __future__ import annotations

import logging

from hub.protocol import EventType
from kiosk.controller import slips
from kiosk.controller.core import ControllerCore, machine_code
from kiosk.controller.ports import PrinterError, Slip
from kiosk.controller.view import Notice, NoticeKind

log = logging.getLogger(__name__)


class Printouts(ControllerCore):
    """Prints a slip in a task; a printer error is a notice, nothing else is lost."""

    async def print_test(self) -> None:
        """Print the test slip (for the agent's command); raises PrinterError."""
        slip = slips.ops_test_slip(self._site_name(), self._language)
        try:
            await self._printer.print_slip(slip)
        except PrinterError as exc:
            self._usage.record(EventType.ERROR, detail=f"printer-{machine_code(exc.code)}")
            raise
        self._usage.record(EventType.SLIP_PRINTED, detail=slip.kind)

    async def _print(self, session_id: str, slip: Slip) -> None:
        kind = slip.kind
        try:
            await self._printer.print_slip(slip)
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
        self._usage.record(EventType.SLIP_PRINTED, session=session_id, detail=kind)
        s = self._current(session_id)
        if s is not None:
            s.printed = True
            self._set_notice(Notice(NoticeKind.PRINTED))
            self._publish()

    def _printer_failed(self, session_id: str | None, code: str) -> None:
        self._usage.record(EventType.ERROR, session=session_id, detail=f"printer-{code}")
        self._set_notice(Notice(NoticeKind.PRINTER_FAILED, text=code))
        self._publish()
