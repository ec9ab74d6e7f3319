"""Printer URLs from kiosk.toml (docs/architecture.md, "Devices") to a `Printer`.

    dummy                                  simulated (escpos Dummy), nothing kept
    none                                   no printer: state ABSENT
    file:var/slips.bin                     raw ESC/POS appended to a file (debugging: keeps slips)
    serial:/dev/ttyUSB0?baudrate=38400     serial line (also timeout=, dsrdtr=0|1, xonxoff=0|1)
    usb:0x04b8:0x0e15                      USB vendor:product (needs pyusb)
    network:10.0.0.5[:9100]                raw TCP, port 9100 by default (also ?timeout=)

Any form takes `codepage=` (e.g. `dummy?codepage=CP1252`) to override the code page
slips start on (default: CP858, else CP1252, when the profile has them).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs

from escpos.escpos import Escpos
from escpos.printer import Network, Serial, Usb

from kiosk.controller.ports import Printer
from kiosk.errors import KioskError
from kiosk.printing.escpos_printer import AppendFile, EscposPrinter, TransportUnavailable
from kiosk.printing.layout import code_page_for, profile_for
from kiosk.printing.sim import AbsentPrinter, SimPrinter

DEFAULT_NETWORK_PORT = 9100
DEFAULT_TIMEOUT_S = 5.0
"""Network and serial I/O timeout: a silent printer must not hold a slip for a minute."""


class PrinterUrlError(KioskError, ValueError):
    """A printer URL that cannot be understood; the message says why."""


def open_printer(url: str, profile: str = "default") -> Printer:
    """The printer for `url` with the escpos capability profile `profile` (e.g. "TM-T88V").

    Nothing is opened here: each slip opens the device (see EscposPrinter).
    Raises PrinterUrlError for a malformed URL, an unknown profile or code page.
    """
    scheme, _, rest = url.strip().partition(":")
    rest, _, query = rest.partition("?")
    if "?" in scheme:
        scheme, _, query = scheme.partition("?")
    options = {key: values[-1] for key, values in parse_qs(query).items()}
    try:
        code_page = code_page_for(profile_for(profile), options.pop("codepage", None))
    except ValueError as exc:
        raise PrinterUrlError(f"printer {url!r}: {exc}") from None
    scheme = scheme.lower()
    if scheme == "none" and not rest:
        return AbsentPrinter()
    if scheme == "dummy" and not rest:
        return SimPrinter(profile=profile, code_page=code_page)
    connect = _transport(scheme, rest, options, profile, url)
    return EscposPrinter(connect, profile=profile, code_page=code_page, name=f"{scheme} printer")


def _transport(
    scheme: str, rest: str, options: dict[str, str], profile: str, url: str
) -> Callable[[], Escpos]:
    """A function making a fresh transport for the URL's scheme."""
    if not rest:
        raise PrinterUrlError(f"printer {url!r}: nothing after {scheme!r}")
    timeout = _number(options, "timeout", DEFAULT_TIMEOUT_S, url)
    if scheme == "file":
        return lambda: AppendFile(rest, profile=profile)
    if scheme == "serial":
        baudrate = int(_number(options, "baudrate", 9600, url))
        dsrdtr = options.get("dsrdtr", "1") != "0"
        xonxoff = options.get("xonxoff", "0") == "1"
        return lambda: Serial(
            rest, baudrate=baudrate, timeout=timeout, dsrdtr=dsrdtr, xonxoff=xonxoff,
            profile=profile,
        )  # fmt: skip
    if scheme == "usb":
        vendor, _, product = rest.partition(":")
        try:
            vid, pid = int(vendor, 16), int(product, 16)
        except ValueError:
            raise PrinterUrlError(f"printer {url!r}: expected usb:0xVVVV:0xPPPP") from None

        def usb() -> Escpos:
            if not Usb.is_usable():
                raise TransportUnavailable("USB printing needs pyusb (python-escpos[usb])")
            return Usb(vid, pid, timeout=int(timeout * 1000), profile=profile)

        return usb
    if scheme == "network":
        host, _, port_text = rest.rpartition(":") if rest.count(":") == 1 else (rest, "", "")
        host = host or rest
        try:
            port = int(port_text) if port_text else DEFAULT_NETWORK_PORT
        except ValueError:
            raise PrinterUrlError(f"printer {url!r}: bad port {port_text!r}") from None
        return lambda: Network(host, port=port, timeout=timeout, profile=profile)
    raise PrinterUrlError(
        f"printer {url!r}: expected dummy, none, file:, serial:, usb: or network:"
    )


def _number(options: dict[str, str], key: str, default: float, url: str) -> float:
    """A positive number option."""
    if key not in options:
        return default
    try:
        value = float(options[key])
    except ValueError:
        value = -1
    if value <= 0:
        raise PrinterUrlError(f"printer {url!r}: {key} must be a positive number")
    return value
