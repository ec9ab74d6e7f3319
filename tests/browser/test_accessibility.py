"""Every staff page passes axe-core (no serious or critical violation) and is usable at
390 px wide (no sideways scroll), in headless Chromium (docs/accessibility.md)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from hub.store import schema
from tests.browser import test_dashboard, test_requests_page
from tests.browser.conftest import LiveHub

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "tools/axe/node_modules/axe-core/axe.min.js"
PASSWORD = "a long enough password"
OPS_PAGES = ["/ops", "/ops/kiosks/marmande-01", "/ops/alerts", "/ops/reports/usage"]
ADVISER_PAGES = ["/console", "/requests"]
WIDTHS = (1280, 390)


def _seed(hub: LiveHub) -> None:
    """The dashboard's kiosks and ops user, the requests page's adviser and requests, and
    an open alert."""
    test_dashboard._seed(hub)
    test_requests_page._seed(hub)
    with hub.engine.begin() as conn:
        conn.execute(
            insert(schema.alerts).values(
                kiosk_id="fumel-01", kind="printer", detail="plus de papier",
                opened_at=time.time() - 600,
            )
        )  # fmt: skip


def _log_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def _violations(page: Any) -> list[dict[str, Any]]:
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def _describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(
            n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
            for n in v["nodes"][:4]
        )
        for v in violations
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_staff_pages_pass_axe_and_fit_a_phone(
    live_hub: LiveHub, browser_page: Any, width: int
) -> None:
    _seed(live_hub)
    page = browser_page
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `make test`, which installs it")
    # Injected by the browser itself into every page, so the hub's CSP (script-src 'self')
    # needs no exception for the test.
    page.add_init_script(path=str(AXE))
    page.set_viewport_size({"width": width, "height": 900})
    base = live_hub.url
    problems: dict[str, str] = {}
    page.goto(f"{base}/login")
    found = _violations(page)
    if found:
        problems["/login"] = _describe(found)
    for email, paths in (("ops@gaia.test", OPS_PAGES), ("conseil@gaia.test", ADVISER_PAGES)):
        page.context.clear_cookies()
        _log_in(page, base, email)
        for path in paths:
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            found = _violations(page)
            if found:
                problems[path] = _describe(found)
            wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if wide > 1:
                problems[f"{path} (scroll)"] = f"{wide} px of sideways scroll at {width} px"
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)
