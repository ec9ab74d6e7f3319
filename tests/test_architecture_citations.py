"""Code comments cite the repository's own architecture page, and only sections it has."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [
    p
    for folder in ("kiosk", "hub", "provisioning", "scripts", "bench", "tests")
    for p in (ROOT / folder).rglob("*.py")
]
CITE = re.compile(r'docs/architecture\.md,\s*(?:#\s*)?((?:"[^"]+"(?:,\s*|\s+and\s+)?)+)')


def test_no_comment_cites_a_document_outside_the_repository() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in SOURCES
        if p.name != Path(__file__).name and "DESIGN.md" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_every_cited_section_exists() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (.+)$", page, re.MULTILINE))
    cited: dict[str, str] = {}
    for path in SOURCES:
        text = re.sub(r"\s*\n\s*#?\s*", " ", path.read_text(encoding="utf-8"))
        for match in CITE.finditer(text):
            for name in re.findall(r'"([^"]+)"', match.group(1)):
                cited[name] = str(path.relative_to(ROOT))
    assert cited, "no citation found: the pattern is wrong"
    missing = {name: where for name, where in cited.items() if name not in sections}
    assert missing == {}
