"""The requests page in a real browser: an adviser logs in, calls back, marks it handled."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from hub.signaling.advisers import add_adviser
from hub.store import schema
from tests.browser.conftest import LiveHub

pytestmark = pytest.mark.browser

EMAIL = "conseil@gaia.test"
PASSWORD = "a long enough password"


def _seed(hub: LiveHub) -> None:
    now = time.time()
    with hub.engine.begin() as conn:
        conn.execute(
            insert(schema.kiosks).values(
                id="k-laplume", site="Mairie de Laplume", territory="Agenais", registered=True
            )
        )
        conn.execute(
            insert(schema.topics).values(
                id="housing", label_fr="Logement", label_en="Housing", pictogram="house"
            )
        )
        # An adviser of the partner serving housing: these requests are theirs to see.
        conn.execute(
            insert(schema.partners).values(id="habitat-47", name="Habitat 47", topic_id="housing")
        )
        add_adviser(conn, EMAIL, PASSWORD, "Claire", "habitat-47", ["housing"])
        base = {"kiosk_id": "k-laplume", "topic": "housing", "received_at": now}
        conn.execute(
            insert(schema.contact_requests),
            [
                {**base, "id": "req-lea", "kind": "callback", "reason": "no-answer",
                 "first_name": "Léa", "commune": "Layrac", "phone": "0611223344",
                 "created_at": now - 1800},
                {**base, "id": "req-karim", "kind": "appointment", "reason": "unavailable",
                 "first_name": "Karim", "commune": None, "phone": None,
                 "created_at": now - 300},
            ],
        )  # fmt: skip


def test_an_adviser_handles_a_request_in_a_browser(
    live_hub: LiveHub, browser_page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    _seed(live_hub)
    page = browser_page
    base = live_hub.url

    page.goto(f"{base}/requests")
    expect(page).to_have_url(f"{base}/login?next=%2Frequests")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/requests")

    rows = page.locator("tr[data-request]")
    expect(rows).to_have_count(2)
    lea = page.locator('tr[data-request="req-lea"]')
    for text in ("Mairie de Laplume", "Logement", "Rappel", "Personne n'a répondu", "Léa",
                 "Layrac", "06 11 22 33 44"):  # fmt: skip
        expect(lea).to_contain_text(text)
    expect(page.locator('tr[data-request="req-karim"]')).to_contain_text("Rendez-vous")
    expect(page.locator("nav.mainnav a")).to_have_text(["Appels", "Demandes"])  # an adviser's
    expect(lea.locator("a[href='tel:0611223344']")).to_be_visible()
    page.screenshot(path=str(tmp_path / "requests.png"), full_page=True)

    lea.locator("button", has_text="Traité").click()
    expect(page).to_have_url(f"{base}/requests?done=1")
    expect(page.locator(".notice.ok")).to_contain_text("traitée")
    expect(rows).to_have_count(1)
    expect(page.locator('tr[data-request="req-lea"]')).to_have_count(0)

    page.locator('tr[data-request="req-karim"] button').click()
    expect(page.locator(".empty-state")).to_contain_text("Aucune demande en attente")
    assert (tmp_path / "requests.png").stat().st_size > 10_000
