"""The whole fleet path seen by a person: simulated kiosks -> MQTT -> hub -> dashboard.

A real hub process and Mosquitto, `gaia-kiosk simulate` with known faults, and
headless Chromium logging in to see every kiosk with its state, then a kiosk
going offline without anyone reloading the page.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.harness import HubProcess, _env
from tests.support import TestBroker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.browser]

FLEET = {
    "k-laplume": ("Mairie de Laplume", "Agenais", "paper-out"),
    "k-fumel": ("Mairie de Fumel", "Fumélois", "hot-cpu"),
    "k-lauzun": ("Mairie de Lauzun", "Miramontais", None),
}


def test_ops_sees_the_simulated_fleet_live(
    tmp_path: Path, hub: HubProcess, broker: TestBroker
) -> None:
    from playwright.sync_api import expect, sync_playwright

    kiosks = []
    for kiosk_id, (site, territory, _fault) in FLEET.items():
        token = hub.register(kiosk_id, site, territory)
        kiosks.append({"id": kiosk_id, "token": token, "site": site, "territory": territory})
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps({"mqtt_url": broker.url, "kiosks": kiosks}))
    faults = [f"--fault={k}={f}" for k, (_s, _t, f) in FLEET.items() if f]
    simulator = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "simulate", "--fleet", str(fleet), "--health-interval",
         "1", "--state-dir", str(tmp_path / "sim"), *faults],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(),
    )  # fmt: skip
    hub.cli("user", "add", "--role", "ops", "--email", "ops@gaia.test", "--password-stdin",
            stdin="a long enough password\n")  # fmt: skip
    try:
        wait_for(lambda: all((r := hub.kiosk(k)) and r.online and r.health_json for k in FLEET), 30)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 800}, locale="fr-FR")
            page.goto(f"{hub.url}/ops")
            page.fill("input[name=email]", "ops@gaia.test")
            page.fill("input[name=password]", "a long enough password")
            page.click("button[type=submit]")
            page.wait_for_url(f"{hub.url}/ops**")
            for kiosk_id, (site, _t, _f) in FLEET.items():
                row = page.locator("tr", has_text=kiosk_id)
                expect(row).to_contain_text(site)
                expect(row).to_contain_text("En ligne")
            expect(page.locator("tr", has_text="k-laplume")).to_contain_text("Plus de papier")
            # The hot kiosk's alert is opened by the hub and shown without a reload.
            expect(page.locator("tr", has_text="k-fumel")).to_contain_text(
                "Température", timeout=15_000
            )
            page.screenshot(path=str(tmp_path / "fleet-live.png"), full_page=True)
            # The fleet stops: the broker publishes each kiosk's will, the page follows.
            simulator.send_signal(signal.SIGTERM)
            simulator.wait(30)
            expect(page.locator("tr", has_text="k-lauzun")).to_contain_text(
                "Hors ligne", timeout=15_000
            )
            browser.close()
    finally:
        if simulator.poll() is None:
            simulator.kill()
            simulator.wait()
    assert (tmp_path / "fleet-live.png").stat().st_size > 10_000
