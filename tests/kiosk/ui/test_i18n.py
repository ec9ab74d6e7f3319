"""The kiosk's words: every message translated to French, catalogs compiled and current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.ui.i18n import LANGUAGES, Translator, translations

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts"))

import catalogs  # noqa: E402


def test_catalogs_are_current_with_the_code() -> None:
    """`make locale` leaves nothing to change: .po match the code, .mo match the .po."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "catalogs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_message_has_a_french_translation() -> None:
    template = catalogs.extract()
    french = translations("fr")
    untranslated = []
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id
            if (
                french.ngettext(singular, plural, 1) == singular
                and french.ngettext(singular, plural, 2) == plural
            ):
                untranslated.append(singular)
        elif french.gettext(message.id) == message.id and message.id not in {"Maintenance"}:
            untranslated.append(message.id)
    assert untranslated == []


def test_french_plurals_and_english_fallback() -> None:
    fr, en = Translator("fr"), Translator("en")
    one = "That code or secret code is not right. You have {n} try left."
    many = "That code or secret code is not right. You have {n} tries left."
    assert fr.n(one, many, 1).format(n=1).endswith("Il vous reste 1 essai.")
    assert fr.n(one, many, 2).format(n=2).endswith("Il vous reste 2 essais.")
    assert en.n(one, many, 2).format(n=2).endswith("You have 2 tries left.")
    assert fr("Start") == "Commencer"
    assert en("Start") == "Start"


def test_placeholders_survive_translation() -> None:
    """A translation that drops or renames {name} would crash or mislead at run time."""
    template = catalogs.extract()
    for language in LANGUAGES:
        t = Translator(language)
        for message in template:
            if not message.id or isinstance(message.id, tuple):
                continue
            fields = {
                "name": "X",
                "time": "1:00",
                "n": 1,
                "hour": 9,
                "minute": 5,
                "weekday": "w",
                "day": 1,
                "month": "m",
                "letter": "A",
                "low": 4,
                "high": 6,
                "commune": "Laplume",
            }
            t(message.id).format(**fields)  # raises KeyError on an unknown placeholder


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError):
        translations("de")


def test_the_french_catalog_follows_the_glossary() -> None:
    """One word for one thing (kiosk/ui/locale/glossary.toml): a message naming a thing
    in English names it with the glossary's French word, and no screen uses a word the
    glossary avoids."""
    import re
    import tomllib

    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[3] / "kiosk" / "ui" / "locale"
    glossary = tomllib.loads((root / "glossary.toml").read_text(encoding="utf-8"))
    with (root / "fr" / "LC_MESSAGES" / "gaia_kiosk.po").open("rb") as f:
        catalog = read_po(f)
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if ids[0] in glossary["ops_only"]:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english, french in zip((ids[0], ids[-1]), strings, strict=False):
            rest = english
            for term in glossary["term"]:
                if term.get("whole"):
                    found = rest.strip(" .!?") == term["en"]
                else:
                    pattern = rf"\b{re.escape(term['en'])}\b"
                    found = re.search(pattern, rest, re.IGNORECASE) is not None
                    rest = re.sub(pattern, "", rest, flags=re.IGNORECASE)
                if found and term["fr"].lower() not in french.lower():
                    wrong.append(f"{english!r} -> {french!r}: wants {term['fr']!r}")
            for word in glossary["avoid"]:
                if word.lower() in french.lower():
                    wrong.append(f"{french!r} uses {word!r}")
    assert not wrong, "\n".join(wrong)
