"""The kiosk's words, through gettext catalogs (French first, English second).

Message ids are written in English in the code and marked with `_()` /
`ngettext()`; `kiosk/ui/locale/<lang>/LC_MESSAGES/gaia_kiosk.po` holds the
translations (French in plain, easy-to-read words) and the compiled `.mo`
files beside them are what runs. `make locale` re-extracts and recompiles;
a test fails when a message has no French translation or a `.mo` is stale.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

DOMAIN = "gaia_kiosk"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("fr", "en")
"""Offered on the attract screen, the first one by default."""


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog of `language` (English msgids when there is none)."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


class Translator:
    """gettext bound to one language: `t("Hello")`, `t.n("one", "many", n)`."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._catalog = translations(language)

    def __call__(self, message: str) -> str:
        """The translation of `message`."""
        return self._catalog.gettext(message)

    def n(self, singular: str, plural: str, count: int) -> str:
        """The translation of a message that depends on a number."""
        return self._catalog.ngettext(singular, plural, count)


def _(message: str) -> str:
    """Mark a message for extraction without translating it (translated where shown)."""
    return message
