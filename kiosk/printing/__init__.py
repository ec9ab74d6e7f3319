"""The kiosk's thermal printer: real (python-escpos transports) and simulated, side by side.

`open_printer(url, profile)` turns the `printer` URL of kiosk.toml into a `Printer`
(the controller's port); `preview.render_png` draws a slip as a PNG for docs.
"""

from kiosk.printing.escpos_printer import AppendFile, EscposPrinter
from kiosk.printing.layout import render_slip
from kiosk.printing.sim import AbsentPrinter, SimPrinter
from kiosk.printing.url import PrinterUrlError, open_printer

__all__ = [
    "AbsentPrinter",
    "AppendFile",
    "EscposPrinter",
    "PrinterUrlError",
    "SimPrinter",
    "open_printer",
    "render_slip",
]
