"""The ops dashboard in a real browser: log in, live fleet updates, filters, kiosk page."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, update

from hub.accounts import Role, add_user
from hub.protocol import DeviceState, Health, encode
from hub.protocol.messages import Devices
from hub.store import schema
from tests.browser.conftest import LiveHub

pytestmark = pytest.mark.browser

EMAIL = "ops@gaia.test"
PASSWORD = "a long enough password"


def _health(cpu: float, printer: DeviceState = DeviceState.OK) -> str:
    health = Health(
        uptime_s=3600,
        load1=0.3,
        cpu_temp_c=cpu,
        mem_used_pct=40,
        disk_used_pct=50,
        app_version="1.4.2",
        ui="up",
        devices=Devices(printer=printer),
    )
    return encode(health).decode()


def _seed(hub: LiveHub) -> None:
    now = time.time()
    kiosks = [
        # id, site, territory, online, cpu, printer
        ("agen-01", "Mairie d'Agen", "Agenais", True, 51.0, DeviceState.OK),
        ("boe-01", "Mairie de Boé", "Agenais", False, 48.0, DeviceState.OK),
        ("fumel-01", "Mairie de Fumel", "Fumélois", True, 55.0, DeviceState.PAPER_OUT),
        ("marmande-01", "Mairie de Marmande", "Marmandais", True, 86.0, DeviceState.OK),
    ]
    with hub.engine.begin() as conn:
        add_user(conn, EMAIL, PASSWORD, Role.OPS)
        for kid, site, territory, online, cpu, printer in kiosks:
            conn.execute(
                insert(schema.kiosks).values(
                    id=kid,
                    site=site,
                    territory=territory,
                    registered=True,
                    online=online,
                    status_since=now - 3600,
                    last_seen=now - 5,
                    last_health_at=now - 5,
                    cpu_temp_c=cpu,
                    disk_used_pct=50.0,
                    printer=printer.value,
                    ui="up",
                    app_version="1.4.2",
                    health_json=_health(cpu, printer),
                )
            )
        conn.execute(
            insert(schema.kiosks).values(
                id="pi-rogue", registered=False, online=True, last_seen=now - 3
            )
        )
        conn.execute(
            insert(schema.health),
            [
                {
                    "kiosk_id": "marmande-01",
                    "ts": now - i * 300,
                    "cpu_temp_c": 70.0 + i % 20,
                    "load1": 0.5,
                    "mem_used_pct": 40.0,
                    "disk_used_pct": 50.0,
                }
                for i in range(288)
            ],
        )


def _row(page: Any, kiosk_id: str) -> Any:
    return page.locator(f'tr[data-kiosk="{kiosk_id}"]')


def test_dashboard_in_a_browser(
    live_hub: LiveHub, browser_page: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect

    monkeypatch.setattr("hub.web.fleet_page.LIVE_INTERVAL_S", 1)
    _seed(live_hub)
    page = browser_page
    base = live_hub.url

    # log in (the dashboard sends an anonymous browser to the log-in page)
    page.goto(f"{base}/ops")
    expect(page).to_have_url(f"{base}/login?next=%2Fops")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/ops")

    # every kiosk with its state, in words and not only in colour
    expect(page.locator("#fleet-rows tr")).to_have_count(5)
    expect(_row(page, "agen-01")).to_contain_text("En ligne")
    expect(_row(page, "boe-01")).to_contain_text("Hors ligne")
    expect(_row(page, "fumel-01")).to_contain_text("Plus de papier")
    expect(_row(page, "marmande-01").locator(".val.bad")).to_contain_text("86,0")
    expect(_row(page, "pi-rogue")).to_contain_text("Non enregistrée")
    expect(_row(page, "pi-rogue")).to_have_class("unregistered")
    expect(page.locator('[data-count="online"]')).to_have_text("3")

    # a kiosk goes offline: the row changes without a reload
    page.evaluate("window.__noReload = true")
    with live_hub.engine.begin() as conn:
        conn.execute(
            update(schema.kiosks)
            .where(schema.kiosks.c.id == "agen-01")
            .values(online=False, status_since=time.time())
        )
    expect(_row(page, "agen-01")).to_contain_text("Hors ligne", timeout=8000)
    expect(page.locator('[data-count="online"]')).to_have_text("2")
    assert page.evaluate("window.__noReload") is True
    page.screenshot(path=str(tmp_path / "fleet.png"))

    # filters: the state select applies at once, the search box on submit
    page.select_option("select[name=state]", "offline")
    expect(page).to_have_url(f"{base}/ops?q=&territory=&state=offline&sort=severity&dir=asc")
    expect(page.locator("#fleet-rows tr")).to_have_count(2)
    page.fill("input[name=q]", "boé")
    page.click("form.filters button[type=submit]")
    expect(page.locator("#fleet-rows tr")).to_have_count(1)
    expect(_row(page, "boe-01")).to_be_visible()

    # a kiosk's page, with its charts, and a confirmed reboot command
    page.goto(f"{base}/ops")
    page.click('tr[data-kiosk="marmande-01"] a')
    expect(page).to_have_url(f"{base}/ops/kiosks/marmande-01")
    expect(page.locator("h1")).to_contain_text("marmande-01")
    expect(page.locator("svg.chart")).to_have_count(4)
    asked: list[str] = []

    def confirm(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", confirm)
    page.click("button.btn-danger")
    expect(page.locator("#commands .notice")).to_contain_text("Redémarrer la borne")
    expect(page.locator("#history tbody tr")).to_have_count(1)
    assert asked == ["Redémarrer la borne marmande-01 ? Une session en cours serait interrompue."]
    page.screenshot(path=str(tmp_path / "kiosk.png"), full_page=True)
    assert (tmp_path / "fleet.png").stat().st_size > 10_000
