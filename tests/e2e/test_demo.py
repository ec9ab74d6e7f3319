"""`make demo` runs the whole system: hub, managed broker, simulated fleet with history,
and writes a kiosk.toml for the UI kiosk that works against the demo hub."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from hub.broker import free_port
from hub.demo import DEMO_EMAIL, DEMO_PASSWORD, UI_KIOSK
from hub.protocol import DeviceState
from hub.protocol.kiosk_api import KIOSK_API_PREFIX, Catalog
from hub.store import connect, schema
from kiosk.config import KioskConfig, load_config
from kiosk.uilink import UiLinkClient
from tests.e2e.harness import _env
from tests.support import wait_for

pytestmark = pytest.mark.integration


def test_demo_runs_the_whole_fleet_path_and_stops_cleanly(tmp_path: Path) -> None:
    port, broker_port = free_port(), free_port()
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        demo = subprocess.Popen(
            [sys.executable, "-m", "hub", "demo", "--dir", str(tmp_path / "demo"), "--kiosks", "6",
             "--port", str(port), "--broker-port", str(broker_port), "--no-ui"],
            stdout=out, stderr=subprocess.STDOUT, env=_env(),
        )  # fmt: skip
    try:
        wait_for(lambda: "Gaïa demo is running" in log.read_text(), 30)
        engine = connect(f"sqlite:///{tmp_path / 'demo' / 'hub' / 'hub.db'}")

        def online() -> int:
            with engine.connect() as conn:
                stmt = select(func.count()).select_from(schema.kiosks).where(schema.kiosks.c.online)
                return int(conn.execute(stmt).scalar_one())

        def events() -> int:
            with engine.connect() as conn:
                return int(
                    conn.execute(select(func.count()).select_from(schema.events)).scalar_one()
                )

        wait_for(lambda: online() == 6, 30)
        wait_for(lambda: events() > 500, 60)  # six weeks of history arrive through MQTT
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            page = client.get("/login")
            assert page.status_code == 200
            # The printed log-in works and the dashboard lists the demo's town halls.
            client.post(
                "/login",
                data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD},
                headers={"Origin": f"http://127.0.0.1:{port}"},
            )
            fleet = client.get("/ops")
            assert fleet.status_code == 200
            assert "Mairie d&#39;Agen" in fleet.text or "Mairie d'Agen" in fleet.text
            assert client.get("/requests").status_code == 200

        # The UI kiosk's generated kiosk.toml reaches the demo hub with its own token.
        banner = log.read_text()
        assert "code 123456 PIN 1234 (Camille" in banner and "code 654321 PIN 4321" in banner
        kiosk = load_config(tmp_path / "demo" / "kiosk-ui.toml")
        assert kiosk.kiosk_id == UI_KIOSK.id and kiosk.profile == "sim"
        assert not kiosk.ui.fullscreen
        assert kiosk.mqtt.url == f"mqtt://127.0.0.1:{broker_port}"
        assert kiosk.state_dir == tmp_path / "demo" / "kiosk-ui"
        headers = {"Authorization": f"Bearer {kiosk.hub.token}"}
        with httpx.Client(base_url=kiosk.hub.url, headers=headers) as api:
            response = api.get(f"{KIOSK_API_PREFIX}/catalog")
            assert response.status_code == 200, response.text
            catalog = Catalog.model_validate(response.json())
            assert catalog.site == "Mairie de Laplume"
            assert catalog.communes[0] == "Agen" and "Fumel" in catalog.communes
            assert len(catalog.topics) == 6
            assert all(t.partners and t.partners[0].hours for t in catalog.topics)
            identified = api.post(
                f"{KIOSK_API_PREFIX}/identify",
                json={"method": "code", "code": "123456", "pin": "1234"},
            )
            assert identified.json()["result"] == "ok"
            assert identified.json()["first_name"] == "Camille"
        # A call from the demo kiosk (its engine, its token) answered by demo Claire in
        # the console: the kiosk makes real calls through the demo hub.
        assert kiosk.call.engine == "webrtc"
        asyncio.run(_call_claire(kiosk))
    finally:
        demo.send_signal(signal.SIGINT)
        code = demo.wait(30)
    assert code == 0, log.read_text()[-3000:]


async def _call_claire(kiosk: KioskConfig) -> None:
    from kiosk.call import open_call_service
    from kiosk.controller.ports import CallerInfo
    from tests.hub.signaling.console import (
        answer_first_call,
        chromium,
        eventually,
        frames_decoded,
        free_advisers_at,
        open_console,
    )
    from tests.hub.signaling.peers import Updates
    from tests.hub.signaling.test_kiosk_engine import until

    async with chromium() as browser:
        page = await open_console(
            browser, kiosk.hub.url, "claire@gaia.demo", password="demo-claire-2026"
        )

        async def available() -> bool:
            return free_advisers_at(kiosk.hub.url) >= 1

        await eventually(available, "Claire available")
        service = open_call_service(kiosk.call, kiosk.hub)
        updates = Updates()
        call = await service.request("housing", CallerInfo(first_name="Camille"), updates)
        await answer_first_call(page)
        assert (await updates.wait("answered")).adviser_name == "Claire"
        await until(lambda: call.remote_frame() is not None, "Claire's picture at the kiosk")

        async def seen() -> bool:
            return await frames_decoded(page) > 5

        await eventually(seen, "the kiosk's picture in the console")
        await call.hang_up()
        await service.aclose()  # type: ignore[attr-defined]


def test_demo_opens_the_kiosk_ui_on_a_screen_and_closes_it_on_ctrl_c(tmp_path: Path) -> None:
    """With a display (Xvfb here, the screen on a real machine), `make demo` also
    starts the UI kiosk's touch interface and agent, wired to the demo hub."""
    assert os.environ.get("DISPLAY"), "run under xvfb-run (make test does)"
    port, broker_port = free_port(), free_port()
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        demo = subprocess.Popen(
            [sys.executable, "-m", "hub", "demo", "--dir", str(tmp_path / "demo"), "--kiosks", "2",
             "--port", str(port), "--broker-port", str(broker_port)],
            stdout=out, stderr=subprocess.STDOUT, env=_env(),
        )  # fmt: skip
    try:
        wait_for(lambda: "Gaïa demo is running" in log.read_text(), 30)
        kiosk = load_config(tmp_path / "demo" / "kiosk-ui.toml")
        socket = kiosk.ui_socket_path

        async def status() -> dict[str, DeviceState]:
            return await UiLinkClient(socket, timeout=5).status()

        # The touch interface is up: its controller answers the agent's link with the
        # state of its (simulated) devices, and it fetched the catalog from the hub.
        wait_for(socket.exists, 60)
        states = asyncio.run(status())
        assert states.get("printer") is DeviceState.OK, states
        cached = kiosk.catalog_cache_path
        wait_for(cached.exists, 30)
        assert "Mairie de Laplume" in cached.read_text(encoding="utf-8")
        engine = connect(f"sqlite:///{tmp_path / 'demo' / 'hub' / 'hub.db'}")

        def ui_kiosk_online() -> bool:
            with engine.connect() as conn:
                row = conn.execute(
                    select(schema.kiosks.c.online).where(schema.kiosks.c.id == UI_KIOSK.id)
                ).first()
                return bool(row and row.online)

        wait_for(ui_kiosk_online, 30)  # its agent reports through the demo's broker
    finally:
        demo.send_signal(signal.SIGINT)
        code = demo.wait(40)
    assert code == 0, log.read_text()[-3000:]
    text = log.read_text()
    assert "kiosk UI exited" not in text, text[-3000:]
    assert not socket.exists()  # the UI closed its link on the way out
