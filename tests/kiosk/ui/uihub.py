"""A hub process for UI tests and the UI benchmark: demo catalog, one kiosk, one seeker.

The hub runs as a subprocess (`python -m hub serve`), so the calling process
holds only the kiosk's memory (the session-wipe tests scan it). Its MQTT side
points at a closed port: the UI never talks MQTT, and the hub serves HTTP
regardless.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from hub.broker import free_port
from kiosk.config import KioskConfig

ROOT = Path(__file__).resolve().parents[3]

# A seeker only these tests know: unique strings the wipe test looks for in memory.
SEEKER_CODE = "918273"
SEEKER_PIN = "5647"
SEEKER_NAME = "Zéphyrine"
SEEKER_PHONE = "0611223344"

SEED = """
import sys
from hub.config import load_config
from hub.demo import load_data, seed_catalog
from hub.store import connect
data = load_data()
for p in data["partners"]:
    # Tests must not depend on the hour: every partner open, except business never.
    p["opening"] = "" if p["topic"] == "business" else "mon-sun 00:00-24:00"
engine = connect(load_config(sys.argv[1]).db_url)
with engine.begin() as conn:
    seed_catalog(conn, data)
engine.dispose()
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


@dataclass
class UiHub:
    """A hub process and the token of the kiosk registered on it."""

    url: str
    token: str
    kiosk_id: str
    config: Path
    process: subprocess.Popen[bytes]

    def cli(self, *args: str) -> str:
        """Run `gaia-hub ARGS --config ...`; returns its standard output."""
        result = subprocess.run(
            [sys.executable, "-m", "hub", *args, "--config", str(self.config)],
            capture_output=True,
            text=True,
            env=_env(),
            check=True,
            timeout=60,
        )
        return result.stdout

    def contact_requests(self) -> list[dict[str, Any]]:
        """The call-back and appointment requests the hub stored (read in a subprocess)."""
        out = subprocess.run(
            [sys.executable, "-c", READ_REQUESTS, str(self.config)],
            capture_output=True,
            text=True,
            env=_env(),
            check=True,
            timeout=60,
        ).stdout
        return list(json.loads(out))


READ_REQUESTS = """
import json, sys
from sqlalchemy import select
from hub.config import load_config
from hub.store import connect, schema
engine = connect(load_config(sys.argv[1]).db_url)
with engine.connect() as conn:
    rows = conn.execute(select(schema.contact_requests)).mappings().all()
print(json.dumps([dict(r) for r in rows], default=str))
"""


@contextmanager
def running_hub(directory: Path) -> Iterator[UiHub]:
    """A hub with the demo catalog, one kiosk and one job seeker; no broker needed."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = directory / "hub.toml"
    config.write_text(
        f"""
state_dir = "{directory / "state"}"
[http]
port = {port}
[mqtt]
url = "mqtt://127.0.0.1:{free_port()}"
password = "unused"
"""
    )

    def run(*args: str) -> str:
        return subprocess.run(
            [sys.executable, *args],
            capture_output=True,
            text=True,
            env=_env(),
            check=True,
            timeout=60,
        ).stdout

    run("-m", "hub", "migrate", "--config", str(config))
    run("-c", SEED, str(config))
    token = (
        run(
            "-m",
            "hub",
            "kiosk",
            "add",
            "k-laplume-ui",
            "--site",
            "Mairie de Laplume",
            "--territory",
            "agenais",
            "--config",
            str(config),
        )
        .strip()
        .splitlines()[-1]
    )
    run(
        "-m",
        "hub",
        "seeker",
        "add",
        "--code",
        SEEKER_CODE,
        "--pin",
        SEEKER_PIN,
        "--first-name",
        SEEKER_NAME,
        "--phone",
        SEEKER_PHONE,
        "--config",
        str(config),
    )
    log = (directory / "hub.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", "serve", "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=_env(),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert process.poll() is None, (directory / "hub.log").read_text()
        assert time.monotonic() < deadline, "hub did not start"
        time.sleep(0.1)
    try:
        yield UiHub(url, token, "k-laplume-ui", config, process)
    finally:
        process.terminate()
        process.wait(15)
        log.close()


def kiosk_config(tmp_path: Path, hub: UiHub | None, **ui: Any) -> KioskConfig:
    """A sim kiosk's config with short timeouts, for one test."""
    call = ui.pop("call", {})
    return KioskConfig.model_validate(
        {
            "kiosk_id": hub.kiosk_id if hub else "k-laplume-ui",
            "profile": "sim",
            "state_dir": str(tmp_path / "kiosk"),
            "hub": {
                "url": hub.url if hub else f"http://127.0.0.1:{free_port()}",
                "token": hub.token if hub else "gaia_k_unused",
            },
            "ui": {
                "fullscreen": False,
                "goodbye_s": 0.5,
                "idle_s": 30,
                "hub_timeout_s": 2,
                "catalog_refresh_s": 0.5,
                "ops_long_press_s": 0.3,
                "read_aloud": False,  # espeak-ng is here: the tests that want it say so
                **ui,
            },
            "call": {"sim_answer_after_s": 0.5, "ring_timeout_s": 1.5, **call},
            "devices": {"printer": "dummy"},
        }
    )
