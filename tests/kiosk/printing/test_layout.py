"""How a slip comes out in ESC/POS bytes: accents, sizes, native QR, cut."""

from __future__ import annotations

import pytest

from kiosk.controller.ports import Slip, SlipLine
from kiosk.printing.layout import code_page_for, profile_for, render_slip, wrap_text

ESC, GS = b"\x1b", b"\x1d"
ACCENTS = "é à ç ù œ €"


def slip(*lines: SlipLine, qr: str | None = None, footer: str = "") -> Slip:
    return Slip(kind="test", title="Titre", lines=list(lines), qr=qr, footer=footer)


def body(data: bytes) -> bytes:
    """The bytes after the title (skips the set-up and title commands)."""
    return data.split(b"Titre\n", 1)[1]


def test_accents_in_cp858_switch_page_only_for_what_cp858_lacks() -> None:
    data = render_slip(slip(SlipLine(ACCENTS)), "TM-T88V", "CP858")
    assert data.startswith(ESC + b"@" + ESC + b"t" + bytes([19]))  # init, then CP858 (slot 19)
    # é à ç ù in CP858; œ is not there: the magic encoder switches to CP1252 (slot 16),
    # where € also is.
    expected = b"\x82 \x85 \x87 \x97 " + ESC + b"t" + bytes([16]) + b"\x9c \x80\n"
    assert expected in body(data)
    assert b"?" not in body(data)


def test_euro_alone_stays_in_cp858() -> None:
    data = render_slip(slip(SlipLine("Prix : 30 € à régler")), "TM-T88V", "CP858")
    assert "Prix : 30\u00a0€ à régler".encode("cp858") + b"\n" in body(data)
    assert body(data).count(ESC + b"t") == 0


def test_accents_in_cp1252() -> None:
    data = render_slip(slip(SlipLine(ACCENTS)), "TM-T88V", "CP1252")
    assert data.startswith(ESC + b"@" + ESC + b"t" + bytes([16]))
    assert b"\xe9 \xe0 \xe7 \xf9 \x9c \x80\n" in body(data)
    assert ACCENTS.encode("cp1252") == b"\xe9 \xe0 \xe7 \xf9 \x9c \x80"


def test_default_code_page_is_cp858_when_the_profile_has_it() -> None:
    assert code_page_for(profile_for("TM-T88V")) == "CP858"
    with pytest.raises(ValueError):
        code_page_for(profile_for("TM-T88V"), "CP999")
    with pytest.raises(ValueError):
        profile_for("No-Such-Printer")


def test_title_is_large_bold_and_centred_then_normal_again() -> None:
    data = render_slip(slip(SlipLine("corps")), "TM-T88V", "CP858")
    head, rest = data.split(b"Titre\n", 1)
    assert ESC + b"!\x30" in head  # double width + double height
    assert ESC + b"E\x01" in head and ESC + b"a\x01" in head
    assert ESC + b"E\x00" in rest.split(b"corps")[0]
    assert ESC + b"!\x00" in rest.split(b"corps")[0]


def test_qr_is_native_not_an_image() -> None:
    data = render_slip(slip(qr="https://gaia.example.org/rdv/7K3Q"), "TM-T88V", "CP858")
    assert GS + b"(k" in data
    assert b"https://gaia.example.org/rdv/7K3Q" in data
    assert GS + b"v0" not in data and ESC + b"*" not in data  # no raster or bit image
    assert len(data) < 400


def test_slip_ends_with_feed_and_cut() -> None:
    data = render_slip(slip(SlipLine("x"), footer="Pied de page"), "TM-T88V", "CP858")
    assert data.endswith(ESC + b"d\x06" + GS + b"V\x00")
    assert b"Pied de page" in data


def test_long_lines_wrap_at_words_within_the_columns() -> None:
    text = "Monter un dossier d'aide au loyer et voir les logements sociaux à Nérac."
    lines = wrap_text(text, 42)
    assert len(lines) == 2 and all(len(line) <= 42 for line in lines)
    assert " ".join(lines) == text
    assert wrap_text("", 42) == [""]
    assert wrap_text("de 14 h à 17 h", 13) == ["de 14\u00a0h à", "17\u00a0h"]
