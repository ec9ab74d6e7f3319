"""Slip previews: 576 px wide PNGs with the text and a readable QR code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import qrcode
from PIL import Image

from kiosk.controller.ports import Slip, SlipLine
from kiosk.printing.preview import QR_MODULE_PX, WIDTH_PX, render_image, render_png

ROOT = Path(__file__).resolve().parents[3]


def test_preview_is_80mm_wide_and_grows_with_the_text(tmp_path: Path) -> None:
    short = Slip(kind="test", title="Test", lines=[SlipLine("une ligne")])
    long = Slip(kind="test", title="Test", lines=[SlipLine("une ligne")] * 10)
    path = render_png(short, tmp_path / "short.png")
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width == WIDTH_PX
        short_height = image.height
    assert render_image(long).height > short_height


def test_preview_qr_matches_the_encoded_text() -> None:
    text = "https://gaia.example.org/rdv/7K3Q-9PXA"
    image = render_image(Slip(kind="appointment", title="RDV", qr=text))
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_L)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix) * QR_MODULE_PX
    # Find the QR block: the centred square at the bottom, above the cut line.
    left = (WIDTH_PX - size) // 2
    top = (
        next(
            y
            for y in range(image.height)
            if image.getpixel((left + 4 * QR_MODULE_PX + 1, y)) == 0  # finder pattern's corner
        )
        - 4 * QR_MODULE_PX
    )
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            centre = (left + x * QR_MODULE_PX + QR_MODULE_PX // 2, top + y * QR_MODULE_PX + 3)
            assert (image.getpixel(centre) == 0) == dark, (x, y)


def test_slips_script_writes_the_three_examples(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("slips", ROOT / "scripts" / "slips.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main([str(tmp_path)]) == 0
    for name in ("appointment", "contacts", "test"):
        with Image.open(tmp_path / f"{name}.png") as image:
            assert image.width == WIDTH_PX and image.height > 400
