"""The usage report stays compact for a whole fleet: one row per territory, the kiosks
folded under each, one unit per measure, in headless Chromium."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert

from hub.accounts import Role, add_user
from hub.store import schema
from tests.browser.conftest import LiveHub
from tests.hub.helpers import add_event, add_kiosk

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "ops@gaia.test", "a long enough password"
MONTH = "2026-03"
T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp()
TERRITORIES = 20
KIOSKS_EACH = 3
TOPICS = ["emploi", "logement", "mobilite", "microcredit", "creation", "droits"]


def _seed(hub: LiveHub) -> None:
    """Gaïa's scale: 20 territories of 3 kiosks, each used on every topic in March."""
    with hub.engine.begin() as conn:
        add_user(conn, EMAIL, PASSWORD, Role.OPS)
        conn.execute(
            insert(schema.topics),
            [{"id": t, "label_fr": t.capitalize(), "label_en": t} for t in TOPICS],
        )
        n = 0
        for territory in range(TERRITORIES):
            for k in range(KIOSKS_EACH):
                kiosk = f"k{territory:02d}-{k}"
                add_kiosk(conn, kiosk, site=f"Mairie {kiosk}", territory=f"Territoire {territory}")
                for topic in TOPICS:
                    n += 1
                    ts = T + n * 60
                    session = f"s{n}"
                    add_event(conn, kiosk, ts, "session.started", session=session)
                    add_event(conn, kiosk, ts + 5, "topic.chosen", session=session, topic=topic)
                    add_event(conn, kiosk, ts + 40, "call.answered", session, topic, value=35)
                    add_event(conn, kiosk, ts + 400, "call.ended", session, topic, value=360)


def _log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/ops")


def test_a_fleet_month_fits_a_few_screens_and_unfolds_by_territory(
    live_hub: LiveHub, browser_page: Any
) -> None:
    _seed(live_hub)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 800})
    _log_in(page, live_hub.url)
    page.goto(f"{live_hub.url}/ops/reports/usage?month={MONTH}")
    rows = page.locator("#by-territory tbody tr")
    assert rows.count() == TERRITORIES
    folded = page.evaluate("document.documentElement.scrollHeight")
    # 20 territories × 3 kiosks × 6 topics: 360 detail rows, all folded away
    assert folded < 2800, f"{folded} px for a month of 60 kiosks"
    detail = page.locator("details.detail").first
    assert not detail.locator("table").is_visible()
    detail.locator("summary").click()
    assert detail.locator("tbody tr").count() == KIOSKS_EACH * len(TOPICS)
    assert detail.locator("tbody tr").first.is_visible()
    # one unit per measure: both durations in minutes, in the totals and the table
    total = page.locator("#by-territory tfoot td")
    assert total.nth(3).inner_text() == "0,6" and total.nth(4).inner_text() == "6,0"
    assert page.get_by_text("min d'attente moyenne").is_visible()
    page.set_viewport_size({"width": 390, "height": 800})
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 1, f"{wide} px of sideways scroll at 390 px"
