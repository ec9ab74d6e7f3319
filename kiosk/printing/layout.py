"""How a `Slip` is set on an 80 mm ESC/POS printer, as bytes (python-escpos's commands).

The layout is drawn on an in-memory escpos `Dummy` and handed to the transport in
one write: a slip is either sent whole or not at all, and the transport only moves
bytes (docs/architecture.md, "Devices", like python-escpos's own printers). Text
goes through escpos's
`magic` encoder starting on the profile's code page (CP858 or CP1252 for French,
docs/architecture.md, "Pitfalls"): characters the page lacks (œ is not in CP858)
switch the printer to
another page that has them, instead of printing "?". QR codes use the printer's
native command, never a raster image (~25× fewer bytes on a serial line).
"""

from __future__ import annotations

import re
import textwrap

from escpos.capabilities import BaseProfile, get_profile
from escpos.escpos import Escpos
from escpos.printer import Dummy

from kiosk.controller.ports import Slip, SlipLine

FRENCH_CODE_PAGES = ("CP858", "CP1252")
"""Code pages with the French accents and €, in order of preference."""

QR_DOT_SIZE = 6
"""Module size of the native QR code, in dots: about 2 cm wide for a short URL at 180 dpi."""


def profile_for(name: str | None) -> BaseProfile:
    """The escpos capability profile named `name` (e.g. "TM-T88V"), or the default one.

    Raises ValueError for a name escpos does not know.
    """
    try:
        return get_profile(name or "default")
    except KeyError:
        raise ValueError(f"unknown printer profile {name!r}") from None


def code_page_for(profile: BaseProfile, wanted: str | None = None) -> str | None:
    """The code page slips start on: `wanted` if the profile has it, else the first French one.

    None when the profile lists neither (the magic encoder then picks per character).
    Raises ValueError when `wanted` is not a code page of the profile.
    """
    pages = {name.upper(): name for name in profile.get_code_pages()}
    if wanted is not None:
        if wanted.upper() not in pages:
            raise ValueError(f"code page {wanted!r} is not in this printer's profile")
        return pages[wanted.upper()]
    for name in FRENCH_CODE_PAGES:
        if name in pages:
            return pages[name]
    return None


def render_slip(slip: Slip, profile: str, code_page: str | None) -> bytes:
    """The ESC/POS bytes that print `slip` and cut the paper, for the profile named `profile`."""
    profile_for(profile)  # a clear error for an unknown name
    out = Dummy(profile=profile)
    lay_out(out, slip, code_page)
    return out.output


def lay_out(printer: Escpos, slip: Slip, code_page: str | None) -> None:
    """Send the commands of `slip` to an escpos printer object (any transport)."""
    columns = columns_for(printer.profile)
    printer.hw("INIT")  # ESC @: known state (also resets the printer's code page)
    printer.magic.encoding = None
    if code_page:
        printer.magic.write_with_encoding(code_page, None)  # emits ESC t n
    _write(printer, SlipLine(slip.title, bold=True, large=True, center=True), columns)
    printer.ln()
    for line in slip.lines:
        _write(printer, line, columns)
    if slip.qr:
        printer.ln()
        printer.set(align="center")
        printer.qr(slip.qr, native=True, size=QR_DOT_SIZE)
        printer.ln()
    if slip.footer:
        printer.ln()
        printer.set(align="center", bold=False, normal_textsize=True, font="b")
        for part in wrap_text(slip.footer, columns_for(printer.profile, "b")):
            printer.textln(part)
        printer.set(font="a")
    printer.cut()


def _write(printer: Escpos, line: SlipLine, columns: int) -> None:
    """One slip line: size, weight and alignment, wrapped at word boundaries."""
    printer.set(
        align="center" if line.center else "left",
        bold=line.bold,
        double_width=line.large,
        double_height=line.large,
        normal_textsize=not line.large,
    )
    for part in wrap_text(line.text, columns // 2 if line.large else columns):
        printer.textln(part)
    if line.large or line.bold:
        printer.set(bold=False, normal_textsize=True)


_UNIT_AFTER_NUMBER = re.compile(r"(?<=\d) (?=(?:h|min|€|%|km)(?:\W|$))")


def wrap_text(text: str, columns: int) -> list[str]:
    """Lines of at most `columns` characters; an empty text is one empty line.

    As French typography wants, a unit never starts a line ("17 h", "30 €"): the
    space before it becomes a no-break space (printed as a space).
    """
    text = _UNIT_AFTER_NUMBER.sub("\u00a0", text)
    parts: list[str] = []
    for paragraph in text.splitlines() or [""]:
        parts.extend(textwrap.wrap(paragraph, columns, break_on_hyphens=False) or [""])
    return parts


def columns_for(profile: BaseProfile, font: str = "a") -> int:
    """Characters per line in `font` (42 for font A on an 80 mm printer)."""
    try:
        return int(profile.get_columns(font))
    except (KeyError, ValueError, TypeError):
        return 42 if font == "a" else 56
