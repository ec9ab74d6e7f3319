"""A picture of a slip as the 80 mm printer would print it (576 dots wide), for docs and review.

The layout follows kiosk.printing.layout (same wrapping, sizes and alignment); the
QR code is drawn from the pure-Python `qrcode` encoder that python-escpos already
depends on, so the picture shows a scannable code like the printer's native one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from kiosk.controller.ports import Slip, SlipLine
from kiosk.printing.layout import columns_for, profile_for, wrap_text

WIDTH_PX = 576
"""Printable width of an 80 mm printer at 203 dpi."""
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_PX = 22
"""DejaVu Sans Mono at 22 px advances 13.2 px: 42 columns fill the width like font A."""
MARGIN_PX = 10
QR_MODULE_PX = 6  # like layout.QR_DOT_SIZE
CUT_PX = 60  # the feed before the cut


@dataclass(frozen=True)
class _Row:
    text: str
    bold: bool
    large: bool
    center: bool
    small: bool = False


def render_image(slip: Slip, profile: str = "TM-T88V") -> Image.Image:
    """The slip as a white, 576 px wide, black-printed image."""
    prof = profile_for(profile)
    body, footer = _rows(slip, columns_for(prof), columns_for(prof, "b"))
    fonts = _Fonts()
    blank = fonts.line_height(_Row("", False, False, False))
    qr = _qr_image(slip.qr) if slip.qr else None
    height = MARGIN_PX * 2 + CUT_PX + sum(fonts.line_height(r) for r in body + footer)
    if qr is not None:
        height += qr.height + blank
    image = Image.new("L", (WIDTH_PX, height), 255)
    draw = ImageDraw.Draw(image)

    def write(rows: list[_Row], y: int) -> int:
        for row in rows:
            font = fonts.get(row)
            width = draw.textlength(row.text, font=font)
            x = (WIDTH_PX - width) / 2 if row.center else MARGIN_PX
            draw.text((x, y), row.text, font=font, fill=0)
            y += fonts.line_height(row)
        return y

    y = write(body, MARGIN_PX)
    if qr is not None:
        y += blank
        image.paste(qr, ((WIDTH_PX - qr.width) // 2, y))
        y += qr.height
    write(footer, y)
    # Where the cutter cuts.
    for x in range(0, WIDTH_PX, 16):
        draw.line((x, height - 4, x + 8, height - 4), fill=160, width=2)
    return image


def render_png(slip: Slip, path: str | Path, profile: str = "TM-T88V") -> Path:
    """Write the slip's picture to `path` (PNG) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    render_image(slip, profile).save(path, format="PNG", optimize=True)
    return path


def _rows(slip: Slip, columns: int, footer_columns: int) -> tuple[list[_Row], list[_Row]]:
    """The printed lines before the QR code and after it, wrapped like the printer's layout."""
    body: list[_Row] = []

    def add(line: SlipLine) -> None:
        for part in wrap_text(line.text, columns // 2 if line.large else columns):
            body.append(_Row(part, line.bold, line.large, line.center))

    add(SlipLine(slip.title, bold=True, large=True, center=True))
    body.append(_Row("", False, False, False))
    for line in slip.lines:
        add(line)
    footer: list[_Row] = []
    if slip.footer:
        footer.append(_Row("", False, False, False))
        footer.extend(
            _Row(part, False, False, True, small=True)
            for part in wrap_text(slip.footer, footer_columns)
        )
    return body, footer


class _Fonts:
    """DejaVu Sans Mono in the sizes the printer has (normal, double, font B)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[bool, int], ImageFont.FreeTypeFont] = {}

    def size(self, row: _Row) -> int:
        if row.large:
            return FONT_PX * 2
        return FONT_PX * 3 // 4 if row.small else FONT_PX

    def get(self, row: _Row) -> ImageFont.FreeTypeFont:
        key = (row.bold, self.size(row))
        if key not in self._cache:
            name = "DejaVuSansMono-Bold.ttf" if row.bold else "DejaVuSansMono.ttf"
            self._cache[key] = ImageFont.truetype(str(FONT_DIR / name), key[1])
        return self._cache[key]

    def line_height(self, row: _Row) -> int:
        return int(self.size(row) * 1.35)


def _qr_image(text: str) -> Image.Image:
    """The QR code's modules drawn in black on white, with a 4-module quiet zone."""
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_L)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix) * QR_MODULE_PX
    image = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                x0, y0 = x * QR_MODULE_PX, y * QR_MODULE_PX
                draw.rectangle((x0, y0, x0 + QR_MODULE_PX - 1, y0 + QR_MODULE_PX - 1), fill=0)
    return image
