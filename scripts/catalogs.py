"""`make locale`: extract the kiosk's messages, update the .po catalogs, compile the .mo files.

Messages are the string literals passed to `_()`, `t()` (a Translator) and
`t.n()` in kiosk/ui. New messages enter each catalog untranslated (and a test
fails until French has them); messages no longer used are dropped.

    .venv/bin/python scripts/catalogs.py           # extract, update, compile
    .venv/bin/python scripts/catalogs.py --check   # exit 1 if anything is out of date
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "kiosk" / "ui"
LOCALE = SOURCE / "locale"
DOMAIN = "gaia_kiosk"
LANGUAGES = ("fr", "en")
KEYWORDS = {"_": None, "t": None, "n": (1, 2)}
STABLE_DATE = datetime(2026, 1, 1, tzinfo=UTC)
"""Headers carry this date, so the files change only when the messages do."""


def extract() -> Catalog:
    """Every message of kiosk/ui, with where it is used."""
    template = Catalog(project="gaia-kiosk", domain=DOMAIN, creation_date=STABLE_DATE)
    found = extract_from_dir(
        str(SOURCE),
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    )
    for filename, lineno, message, comments, context in found:
        path = str((SOURCE / filename).relative_to(ROOT))
        template.add(message, None, [(path, lineno)], auto_comments=comments, context=context)
    return template


def po_path(language: str) -> Path:
    """Where a language's catalog lives."""
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def updated(language: str, template: Catalog) -> Catalog:
    """The language's catalog with the template's messages (translations kept)."""
    path = po_path(language)
    if path.exists():
        with path.open("rb") as f:
            catalog = read_po(f, locale=language, domain=DOMAIN)
    else:
        catalog = Catalog(locale=language, domain=DOMAIN, project="gaia-kiosk")
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    return catalog


def po_bytes(catalog: Catalog) -> bytes:
    """The .po text (stable: no dates, sorted by message)."""
    catalog.creation_date = STABLE_DATE
    catalog.revision_date = STABLE_DATE
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, omit_header=False, sort_output=True, include_lineno=False)
    return buffer.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    """The compiled catalog."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Update (or, with --check, verify) the catalogs."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    template = extract()
    stale = []
    for language in LANGUAGES:
        catalog = updated(language, template)
        outputs = {po_path(language): po_bytes(catalog)}
        outputs[po_path(language).with_suffix(".mo")] = mo_bytes(catalog)
        for path, data in outputs.items():
            if path.exists() and path.read_bytes() == data:
                continue
            stale.append(path)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    for path in stale:
        print(("stale: " if args.check else "wrote: ") + str(path.relative_to(ROOT)))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
