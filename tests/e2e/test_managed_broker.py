"""The hub's managed Mosquitto belongs to the hub: orphans are stopped, a taken port is an
exit with one clear line, never a silent reuse or a loop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
import pytest

from hub.broker import free_port
from tests.support import wait_for

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


class ManagedHub:
    """`gaia-hub serve` with its own broker, as the README's real set-up runs it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.http_port, self.broker_port = free_port(), free_port()
        self.config = directory / "hub.toml"
        directory.mkdir(parents=True, exist_ok=True)
        self.config.write_text(
            f'state_dir = "{directory / "state"}"\n[http]\nport = {self.http_port}\n'
            f"[broker]\nport = {self.broker_port}\n"
        )
        self.log = directory / "hub.log"
        self.process: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        if args[:2] == ("kiosk", "add"):  # in a territory that exists, as in the README
            self.cli("territory", "add", "agenais", "--name", "Agenais")
        result = subprocess.run(
            [sys.executable, "-m", "hub", *args, "--config", str(self.config)],
            capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def start(self) -> subprocess.Popen[bytes]:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hub", "serve", "--config", str(self.config)],
                stdout=out, stderr=out, env={**os.environ, "PYTHONPATH": str(ROOT)},
            )  # fmt: skip
        return self.process

    def up(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.http_port}/healthz", timeout=1).is_success
        except httpx.HTTPError:
            return False


def _connects(port: int, user: str, password: str) -> bool:
    result: list[bool] = []
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=user)
    client.username_pw_set(user, password)
    client.on_connect = lambda *a: result.append(not a[3].is_failure)
    try:
        client.connect("127.0.0.1", port)
    except OSError:
        return False
    client.loop_start()
    deadline = time.monotonic() + 3
    while not result and time.monotonic() < deadline:
        time.sleep(0.05)
    client.loop_stop()
    client.disconnect()
    return bool(result and result[0])


def test_a_killed_hubs_orphan_broker_is_stopped_and_credentials_are_current(
    tmp_path: Path,
) -> None:
    hub = ManagedHub(tmp_path / "hub")
    old_token = hub.cli("kiosk", "add", "k-old", "--site", "Mairie", "--territory", "Agenais")
    first = hub.start()
    try:
        wait_for(hub.up, 30)
        wait_for(lambda: _connects(hub.broker_port, "k-old", old_token), 10)
        first.send_signal(signal.SIGKILL)  # the broker lives on, in its own session
        first.wait()
        orphan = int((tmp_path / "hub" / "state" / "broker" / "mosquitto.pid").read_text())
        assert Path(f"/proc/{orphan}").exists()
        # Meanwhile ops revoke one kiosk and add another.
        hub.cli("kiosk", "revoke", "k-old")
        new_token = hub.cli("kiosk", "add", "k-new", "--site", "Mairie", "--territory", "Agenais")
        hub.start()
        wait_for(hub.up, 30)
        assert not Path(f"/proc/{orphan}").exists() or _zombie(orphan)
        assert "earlier run left behind" in hub.log.read_text()
        wait_for(lambda: _connects(hub.broker_port, "k-new", new_token), 10)
        assert not _connects(hub.broker_port, "k-old", old_token)
    finally:
        if hub.process is not None:
            hub.process.terminate()
            hub.process.wait(30)


def _zombie(pid: int) -> bool:
    try:
        return "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return True


def test_a_taken_broker_port_is_one_line_and_an_exit(tmp_path: Path) -> None:
    hub = ManagedHub(tmp_path / "hub")
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", hub.broker_port))
    squatter.listen()
    try:
        started = time.monotonic()
        process = hub.start()
        assert process.wait(30) == 2
        assert time.monotonic() - started < 20
        lines = [line for line in hub.log.read_text().splitlines() if line.strip()]
        assert len(lines) == 1, lines
        assert str(hub.broker_port) in lines[0] and "taken" in lines[0]
    finally:
        squatter.close()


class _BrokerAt:
    """What AgentProcess needs of a broker: its URL."""

    def __init__(self, port: int) -> None:
        self.url = f"mqtt://127.0.0.1:{port}"


def test_a_cloned_kiosk_is_alerted_and_rotating_its_credentials_cuts_both_copies(
    tmp_path: Path,
) -> None:
    from sqlalchemy import select

    from hub.store import connect, schema
    from tests.e2e.harness import AgentProcess

    hub = ManagedHub(tmp_path / "hub")
    (tmp_path / "hub" / "hub.toml").write_text(
        hub.config.read_text() + "[alerts]\nevaluate_every_s = 0.5\n"
    )
    token = hub.cli("kiosk", "add", "k-cloned", "--site", "Mairie", "--territory", "Agenais")
    hub.start()
    copies = [
        AgentProcess(tmp_path / f"copy-{n}", "k-cloned", token, _BrokerAt(hub.broker_port))  # type: ignore[arg-type]
        for n in (1, 2)
    ]
    engine = connect(f"sqlite:///{tmp_path / 'hub' / 'state' / 'hub.db'}")

    def clone_alert() -> str | None:
        with engine.connect() as conn:
            return conn.execute(
                select(schema.alerts.c.detail).where(
                    schema.alerts.c.kiosk_id == "k-cloned",
                    schema.alerts.c.kind == "clone",
                    schema.alerts.c.closed_at.is_(None),
                )
            ).scalar()

    try:
        wait_for(hub.up, 30)
        for copy in copies:
            copy.start()
        detail = wait_for(clone_alert, 40)
        assert "rotate" in detail
        new_token = hub.cli("kiosk", "rotate", "k-cloned")
        assert new_token.startswith("gaia_k_") and new_token != token
        time.sleep(4)  # the managed broker reloads its users within 2 s
        assert not _connects(hub.broker_port, "k-cloned", token)
        assert _connects(hub.broker_port, "k-cloned", new_token)
    finally:
        for copy in copies:
            copy.stop()
        if hub.process is not None:
            hub.process.terminate()
            hub.process.wait(30)
        engine.dispose()
