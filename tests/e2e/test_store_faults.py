"""The hub's database full (a small filesystem): health tells the truth, SIGTERM exits, the
log does not flood, and nothing a kiosk sent is lost."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.harness import AgentProcess, HubProcess
from tests.e2e.test_fleet_path import Producer
from tests.support import TestBroker, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def small_state(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB filesystem for the hub's state (tmpfs: this machine runs the tests as root)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.fail(f"cannot mount a small filesystem: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _health(hub: HubProcess) -> httpx.Response:
    return httpx.get(f"{hub.url}/healthz", timeout=2)


def test_a_full_hub_disk_is_reported_survived_and_loses_nothing(
    tmp_path: Path, small_state: Path, broker: TestBroker
) -> None:
    hub = HubProcess(tmp_path / "hub", broker, state_dir=small_state / "state", stuck_after_s=2)
    hub.start()
    token = hub.register("k-laplume", "Mairie de Laplume", "Agenais")
    agent = AgentProcess(tmp_path / "kiosk", "k-laplume", token, broker)
    agent.start()
    try:
        with Producer(agent.outbox_path, per_second=20) as producer:
            wait_for(lambda: len(hub.event_ids()) >= 20, 20)
            # The disk fills up.
            filler = small_state / "filler"
            subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True)
            wait_for(lambda: _health(hub).status_code == 503, 20)
            body = _health(hub).json()
            assert body["status"] == "ingest-stuck" and "full" in body["store_error"]
            assert body["ingest_lag_s"] >= 2
            time.sleep(5)
            log = hub.log.read_text()
            assert log.count("cannot write an ingest batch") <= 2, "the log floods"
            assert "hub.db" in log  # the line names the database
            # SIGTERM while it cannot write: it exits within seconds.
            assert hub.process is not None
            stopped = time.monotonic()
            hub.process.send_signal(signal.SIGTERM)
            hub.process.wait(20)
            assert time.monotonic() - stopped < 15
            # Room again, the hub back: everything the kiosk appended gets stored.
            filler.unlink()
            hub.start()
            time.sleep(2)
        wait_for(lambda: set(producer.ids) <= set(hub.event_ids()), 60)
        assert _health(hub).status_code == 200
    finally:
        agent.stop()
        hub.stop()
