"""What each keypad or keyboard accepts, and how a finished entry is checked.

The rules follow the hub's wire contract (hub.protocol.kiosk_api): a personal
code is 6 to 10 digits, a PIN 4 to 6, a first name at most 40 characters, a
phone number 10 digits (French) or `+` and up to 15 digits.
"""

from __future__ import annotations

import re

from kiosk.controller.view import Screen

CODE_MIN, CODE_MAX = 6, 10
PIN_MIN, PIN_MAX = 4, 6
OPS_PIN_MAX = 10
NAME_MAX = 40
PHONE_MAX_FR = 10
PHONE_MAX_INTL = 16  # "+" and 15 digits

FRENCH_LETTERS = "ÀÂÄÆÇÉÈÊËÎÏÔÖŒÙÛÜŸàâäæçéèêëîïôöœùûüÿ"
NAME_SIGNS = " -'’"
_ASCII_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_NAME_CHARS = frozenset(_ASCII_LETTERS + FRENCH_LETTERS + NAME_SIGNS)
_DIGITS = frozenset("0123456789")

_FRENCH_PHONE = re.compile(r"0[0-9]{9}")
_INTL_PHONE = re.compile(r"\+[0-9]{9,15}")

KEYPAD_SCREENS = (Screen.CODE, Screen.PIN, Screen.FIRST_NAME, Screen.PHONE, Screen.OPS_PIN)


def entry_min(screen: Screen) -> int:
    """How many characters the current screen's entry needs before OK (0: no minimum)."""
    if screen is Screen.CODE:
        return CODE_MIN
    if screen is Screen.PIN:
        return PIN_MIN
    return 0


def entry_max(screen: Screen, entry: str) -> int:
    """How many characters the current screen's entry may hold (0: no keypad)."""
    if screen is Screen.CODE:
        return CODE_MAX
    if screen is Screen.PIN:
        return PIN_MAX
    if screen is Screen.OPS_PIN:
        return OPS_PIN_MAX
    if screen is Screen.FIRST_NAME:
        return NAME_MAX
    if screen is Screen.PHONE:
        return PHONE_MAX_INTL if entry.startswith("+") else PHONE_MAX_FR
    return 0


def accepts(screen: Screen, entry: str, char: str) -> bool:
    """True when `char` may be added to `entry` on this screen."""
    if len(char) != 1 or len(entry) >= entry_max(screen, entry):
        return False
    if screen in (Screen.CODE, Screen.PIN, Screen.OPS_PIN):
        return char in _DIGITS
    if screen is Screen.PHONE:
        return char in _DIGITS or (char == "+" and entry == "")
    if screen is Screen.FIRST_NAME:
        return char in _NAME_CHARS and not (char == " " and (entry == "" or entry.endswith(" ")))
    return False


def masked(screen: Screen) -> bool:
    """True on screens whose entry is shown as dots."""
    return screen in (Screen.PIN, Screen.OPS_PIN)


def ready(screen: Screen, entry: str) -> bool:
    """True when the entry can be submitted as it is: the OK key is shown active."""
    if screen is Screen.FIRST_NAME:
        return clean_first_name(entry) is not None
    if screen is Screen.PHONE:
        return clean_phone(entry) is not None
    return complete(screen, entry)


def missing(screen: Screen, entry: str) -> int | None:
    """What a code or PIN still lacks, in digits (for "type N more"), else None."""
    if screen is Screen.CODE and len(entry) < CODE_MIN:
        return CODE_MIN - len(entry)
    if screen is Screen.PIN and len(entry) < PIN_MIN:
        return PIN_MIN - len(entry)
    return None


def complete(screen: Screen, entry: str) -> bool:
    """True when a code or PIN entry is long enough to submit."""
    if screen is Screen.CODE:
        return CODE_MIN <= len(entry) <= CODE_MAX
    if screen is Screen.PIN:
        return PIN_MIN <= len(entry) <= PIN_MAX
    if screen is Screen.OPS_PIN:
        return len(entry) > 0
    return bool(entry)


def clean_first_name(text: str) -> str | None:
    """The first name as sent to the hub and shown: trimmed, single spaces, straight
    apostrophes, and in usual case ("JEAN-PIERRE" typed in capitals becomes "Jean-Pierre").

    None when it has no letter or a character the keyboard does not offer.
    """
    name = " ".join(text.replace("’", "'").split())
    if not name or len(name) > NAME_MAX or any(ch not in _NAME_CHARS for ch in name):
        return None
    if not any(ch not in NAME_SIGNS for ch in name):
        return None
    return name.title()


def clean_phone(text: str) -> str | None:
    """The phone number without spaces when valid (10 French digits or `+` and 9–15), else None."""
    number = "".join(text.split())
    if _FRENCH_PHONE.fullmatch(number) or _INTL_PHONE.fullmatch(number):
        return number
    return None
