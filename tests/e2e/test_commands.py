"""Remote commands end to end: ops API -> hub -> MQTT -> kiosk agent -> UI socket -> ack -> API.

Real hub and agent processes, a real Mosquitto, and the UI's side of the local
socket served here by `UiLinkServer` over the simulated devices (`SimUi`), as
the Kivy UI will serve it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.protocol import Command, encode, kiosk_topic, utcnow
from kiosk.uilink import SimUi, UiLinkServer
from tests.e2e.harness import AgentProcess, HubProcess
from tests.support import TestBroker, tester_client, wait_for

pytestmark = pytest.mark.integration


class UiThread:
    """The UI's end of the local socket, in a background event loop."""

    def __init__(self, path: Path) -> None:
        self.ui = SimUi()
        self.loop = asyncio.new_event_loop()
        self.server = UiLinkServer(path, self.ui)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(5)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.close(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def kiosk(tmp_path: Path, hub: HubProcess, broker: TestBroker) -> Iterator[AgentProcess]:
    token = hub.register("k-laplume", "Mairie de Laplume", "Agenais")
    agent = AgentProcess(tmp_path / "k-laplume", "k-laplume", token, broker)
    agent.start()
    wait_for(lambda: (r := hub.kiosk("k-laplume")) is not None and r.online, 15)
    yield agent
    agent.stop()


@pytest.fixture
def api(hub: HubProcess) -> Iterator[httpx.Client]:
    token = hub.api_token()
    with httpx.Client(base_url=hub.url, headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def send(api: httpx.Client, name: str, **body: Any) -> str:
    response = api.post("/api/v1/kiosks/k-laplume/commands", json={"name": name, **body})
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def status(api: httpx.Client, command_id: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/commands/{command_id}")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def settled(api: httpx.Client, command_id: str) -> dict[str, Any]:
    return wait_for(lambda: (s := status(api, command_id))["status"] != "sent" and s, 15)


def test_round_trips_with_and_without_the_ui(kiosk: AgentProcess, api: httpx.Client) -> None:
    # The UI is not running: the agent says so, and the command fails with that reason.
    result = settled(api, send(api, "print-test"))
    assert (result["status"], result["result"]) == ("failed", "ui-unavailable")
    # The agent alone can reload its configuration.
    result = settled(api, send(api, "reload-config"))
    assert (result["status"], result["result"]) == ("acked", "ok")
    # With the UI up, a test print and a message reach it.
    ui = UiThread(kiosk.directory / "state" / "ui.sock")
    try:
        result = settled(api, send(api, "print-test"))
        assert (result["status"], result["result"]) == ("acked", "ok")
        assert ui.ui.print_tests == 1
        text = "Borne en maintenance ce matin"
        assert settled(api, send(api, "show-message", args={"text": text}))["status"] == "acked"
        assert ui.ui.messages == [text]
    finally:
        ui.close()


def test_expired_command_is_refused_and_not_run(
    kiosk: AgentProcess, api: httpx.Client, hub: HubProcess
) -> None:
    ui = UiThread(kiosk.directory / "state" / "ui.sock")
    try:
        kiosk.stop()  # away: the broker keeps the command for the kiosk's session
        wait_for(lambda: not hub.kiosk("k-laplume").online, 10)
        command_id = send(api, "show-message", args={"text": "trop tard"}, ttl_s=5)
        time.sleep(6)
        kiosk.start()
        result = wait_for(lambda: (s := status(api, command_id))["result"] and s, 20)
        assert (result["status"], result["result"]) == ("expired", "expired")
        assert ui.ui.messages == []
    finally:
        ui.close()


def test_a_command_delivered_twice_runs_once(
    kiosk: AgentProcess, api: httpx.Client, broker: TestBroker
) -> None:
    ui = UiThread(kiosk.directory / "state" / "ui.sock")
    try:
        command_id = send(api, "show-message", args={"text": "une seule fois"})
        assert settled(api, command_id)["status"] == "acked"
        # The broker delivers the same command again (QoS 1 is at least once).
        same = Command(
            id=command_id,
            name="show-message",
            args={"text": "une seule fois"},
            expires=utcnow().replace(year=utcnow().year + 1),
        )
        acks = []
        client = tester_client(broker.port)
        client.message_callback_add(
            kiosk_topic("k-laplume", "acks"), lambda _c, _u, m: acks.append(m.payload)
        )
        client.subscribe(kiosk_topic("k-laplume", "acks"), 1)
        time.sleep(0.3)
        client.publish(kiosk_topic("k-laplume", "commands"), encode(same), qos=1)
        wait_for(lambda: any(b'"duplicate"' in a for a in acks), 10)
        client.loop_stop()
        assert ui.ui.messages == ["une seule fois"]
        assert status(api, command_id)["status"] == "acked"
    finally:
        ui.close()
