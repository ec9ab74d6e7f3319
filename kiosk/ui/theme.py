"""Colours, sizes and pictograms of the kiosk screens (no Kivy import here).

Sizes are in pixels at the reference 1280×800 (or 800×1280) screen of a 10.1"
kiosk, about 150 pixels per inch: 15 mm is 89 px, so every touch target is at
least TOUCH_MIN = 100 px in both directions, and body text is 30 px.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

Rgba = tuple[float, float, float, float]

ASSETS = Path(__file__).parent / "assets"
ICON_FONT = str(ASSETS / "fonts" / "fa-solid-900.ttf")
"""Font Awesome Free 6 (solid), SIL OFL 1.1: the pictograms beside every word."""

TOUCH_MIN = 100
"""Smallest touch target side in px (15 mm at ~150 ppi is 89 px)."""
BODY = 30
"""Body text size in px."""
SMALL = 28
"""The smallest text anywhere (kiosk.ui.layout_check refuses less at 1280×800)."""
TITLE = 48
BIG = 64
BUTTON_TEXT = 34
ICON = 56
PADDING = 24
SPACING = 20


def _hex(value: str, alpha: float = 1.0) -> Rgba:
    value = value.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, alpha)


@dataclass(frozen=True, slots=True)
class Theme:
    """One colour scheme: text is at least 7:1 (WCAG AAA) on what it is drawn on, which
    kiosk.ui.layout_check checks on every screen. `disabled` draws an inactive button's
    outline and words, on the page's background."""

    name: str
    background: Rgba
    surface: Rgba
    text: Rgba
    muted: Rgba
    primary: Rgba
    on_primary: Rgba
    secondary: Rgba
    on_secondary: Rgba
    danger: Rgba
    on_danger: Rgba
    ok: Rgba
    warning: Rgba
    border: Rgba
    disabled: Rgba


NORMAL = Theme(
    name="normal",
    background=_hex("#f4f1ea"),
    surface=_hex("#ffffff"),
    text=_hex("#1d2433"),
    muted=_hex("#3f4656"),
    primary=_hex("#094a8c"),
    on_primary=_hex("#ffffff"),
    secondary=_hex("#e3ebf6"),
    on_secondary=_hex("#0b3d73"),
    danger=_hex("#8f1d17"),
    on_danger=_hex("#ffffff"),
    ok=_hex("#13521f"),
    warning=_hex("#6f3c00"),
    border=_hex("#c9cfda"),
    disabled=_hex("#3f4656"),
)

HIGH_CONTRAST = Theme(
    name="high-contrast",
    background=_hex("#000000"),
    surface=_hex("#000000"),
    text=_hex("#ffffff"),
    muted=_hex("#ffffff"),
    primary=_hex("#ffe600"),
    on_primary=_hex("#000000"),
    secondary=_hex("#000000"),
    on_secondary=_hex("#ffe600"),
    danger=_hex("#ff6b6b"),
    on_danger=_hex("#000000"),
    ok=_hex("#7dff8a"),
    warning=_hex("#ffe600"),
    border=_hex("#ffffff"),
    disabled=_hex("#b4b4b4"),
)


def theme_for(high_contrast: bool) -> Theme:
    """The theme to draw with."""
    return HIGH_CONTRAST if high_contrast else NORMAL


ICONS: dict[str, str] = {
    # topics (the catalog's pictogram names)
    "house": "\uf015",
    "car": "\uf1b9",
    "coins": "\uf51e",
    "briefcase": "\uf0b1",
    "lightbulb": "\uf0eb",
    "heart": "\uf004",
    # actions and states
    "start": "\uf25a",  # hand-pointer
    "phone": "\uf095",
    "hang-up": "\uf3dd",  # phone-slash
    "print": "\uf02f",
    "speak": "\uf028",  # volume-high
    "speak-off": "\uf6a9",  # volume-xmark
    "contrast": "\uf042",
    "language": "\uf1ab",
    "qrcode": "\uf029",
    "keypad": "\uf11c",
    "user": "\uf007",
    "new-user": "\uf234",
    "close": "\uf00d",
    "check": "\uf00c",
    "back": "\uf060",
    "next": "\uf061",  # arrow-right
    "erase": "\uf55a",  # delete-left
    "happy": "\uf118",
    "neutral": "\uf11a",
    "unhappy": "\uf119",
    "mic": "\uf130",
    "mic-off": "\uf131",
    "video": "\uf03d",
    "video-off": "\uf4e2",  # video-slash
    "offline": "\uf127",  # link-slash
    "online": "\uf1eb",  # wifi
    "clock": "\uf017",
    "lock": "\uf023",
    "privacy": "\uf3ed",  # shield-halved
    "signal": "\uf012",
    "calendar": "\uf274",
    "hourglass": "\uf254",
    "place": "\uf3c5",
    "card": "\uf2c2",
    "done": "\uf2f5",  # right-from-bracket
    "gear": "\uf013",
    "warning": "\uf071",
    "info": "\uf05a",
    "adviser": "\uf590",  # headset
    "callback": "\uf2a0",  # phone-volume
    "skip": "\uf051",  # forward-step
    "help": "\uf059",  # circle-question
}


def icon(name: str) -> str:
    """The glyph of a pictogram (a neutral circle-info for an unknown name)."""
    return ICONS.get(name, ICONS["info"])
