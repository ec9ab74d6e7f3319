"""Whole-system test harness: the hub and kiosk agents as real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from hub.broker import free_port
from hub.store import connect, schema
from tests.support import HUB_PASSWORD, HUB_USER, TestBroker, wait_for

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


def _terminate(process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM, as systemd stops a service; SIGKILL if it does not exit in 15 s."""
    if process and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class HubProcess:
    """`gaia-hub serve` in a subprocess, on the test's own broker."""

    def __init__(
        self,
        directory: Path,
        broker: TestBroker,
        *,
        ingest_workers: int = 1,
        state_dir: Path | None = None,
        stuck_after_s: float = 30,
        **alerts: Any,
    ) -> None:
        self.directory = directory
        self.broker = broker
        self.port = free_port()
        directory.mkdir(parents=True, exist_ok=True)
        self.config = directory / "hub.toml"
        alert_lines = "\n".join(f"{k} = {v!r}" for k, v in alerts.items())
        self.config.write_text(
            f"""
state_dir = "{state_dir or directory / "state"}"
[http]
port = {self.port}
[mqtt]
url = "{broker.url}"
username = "{HUB_USER}"
password = "{HUB_PASSWORD}"
client_id = "gaia-hub-e2e"
keepalive = 5
[ingest]
stuck_after_s = {stuck_after_s}
max_delay_ms = 20
workers = {ingest_workers}
[alerts]
evaluate_every_s = 0.5
{alert_lines}
"""
        )
        self.state_dir = state_dir or directory / "state"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = directory / "hub.log"
        self._served = False  # started once: its URL is known, its port is kept
        self.cli("migrate")
        self._engine: Engine | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = connect(f"sqlite:///{self.state_dir / 'hub.db'}")
        return self._engine

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """Run `gaia-hub ARGS --config ...`; returns standard output."""
        result = subprocess.run(
            [sys.executable, "-m", "hub", *args, "--config", str(self.config)],
            input=stdin.encode() if stdin is not None else None,
            capture_output=True,
            env=_env(),
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"gaia-hub {args} failed: {result.stderr.decode()}")
        return result.stdout.decode().strip()

    def register(self, kiosk_id: str, site: str = "Mairie", territory: str = "Agenais") -> str:
        """`gaia-hub kiosk add` (its territory added first, as the README's set-up does);
        gives the kiosk its MQTT user on the test broker."""
        slug = unicodedata.normalize("NFKD", territory).encode("ascii", "ignore").decode()
        self.cli("territory", "add", slug.lower().replace(" ", "-"), "--name", territory)
        token = self.cli("kiosk", "add", kiosk_id, "--site", site, "--territory", territory)
        self.broker.add_kiosk(kiosk_id, token)
        return token

    def api_token(self) -> str:
        return self.cli("token", "add", "--role", "ops", "--name", "e2e")

    def start(self) -> None:
        """Serve the hub. On its first start, a port another process took since it was
        picked (free_port closes it before uvicorn binds it) is replaced, up to twice."""
        for attempt in range(3):
            offset = self.log.stat().st_size if self.log.exists() else 0
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "hub", "serve", "--config", str(self.config)],
                    stdout=log,
                    stderr=log,
                    env=_env(),
                )

            def up() -> bool:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise AssertionError(f"hub exited: {self.log.read_text()[-2000:]}")
                try:
                    return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
                except httpx.HTTPError:
                    return False

            try:
                wait_for(up, 20, 0.1)
            except AssertionError:
                taken = "address already in use" in self.log.read_text()[offset:]
                if not taken or self._served or attempt == 2:
                    raise
                old, self.port = self.port, free_port()
                text = self.config.read_text()
                self.config.write_text(text.replace(f"port = {old}\n", f"port = {self.port}\n"))
                continue
            break
        self._served = True
        wait_for(lambda: "connected to the broker" in self.log.read_text(), 10)

    def stop(self) -> None:
        _terminate(self.process)

    def kiosk(self, kiosk_id: str) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(select(schema.kiosks).where(schema.kiosks.c.id == kiosk_id)).first()

    def event_ids(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(schema.events.c.id)).scalars())

    def count(self, table: Any) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


class AgentProcess:
    """`gaia-kiosk agent` in a subprocess, with its own state directory and outbox."""

    def __init__(
        self,
        directory: Path,
        kiosk_id: str,
        token: str,
        broker: TestBroker,
        *,
        keepalive: int = 2,
        health_interval: float = 1,
        outbox_max_events: int = 50_000,
        faketime: str | None = None,
    ) -> None:
        self.directory = directory
        self.faketime = faketime  # libfaketime's -f spec: the agent's clock is wrong
        self.kiosk_id = kiosk_id
        directory.mkdir(parents=True, exist_ok=True)
        self.config = directory / "kiosk.toml"
        self.config.write_text(
            f"""
kiosk_id = "{kiosk_id}"
profile = "sim"
state_dir = "{directory / "state"}"
[hub]
token = "{token}"
[mqtt]
url = "{broker.url}"
keepalive = {keepalive}
backoff_min_s = 0.2
backoff_max_s = 2
[agent]
health_interval_s = {health_interval}
drain_interval_s = 0.1
receipt_timeout_s = 2
[outbox]
max_events = {outbox_max_events}
"""
        )
        self.outbox_path = directory / "state" / "outbox.db"
        self.log = directory / "agent.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "kiosk", "agent", "--config", str(self.config)]
        env = _env()
        if self.faketime is not None:
            command = ["faketime", "-f", self.faketime, *command]
            env["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"  # the wall clock only, as on a Pi
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=log, env=env)

    def kill(self) -> float:
        """SIGKILL, as a power cut would; returns the time it died."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()
        return time.monotonic()

    def stop(self) -> None:
        _terminate(self.process)
