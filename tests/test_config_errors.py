"""Configuration errors, as ops meet them: one line naming the file and the key and what it
expects, a non-zero exit, never a secret, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECRET = "gaia_k_s3cret-never-shown"

HUB_CASES = {
    "port-not-a-number": ('[http]\nport = "eighty"\n', "http.port"),
    "mqtt-url-scheme": (f'[mqtt]\nurl = "tcp://broker:1883"\npassword = "{SECRET}"\n', "mqtt.url"),
    "db-url": ('[db]\nurl = "nonsense"\n', "db.url"),
    "unknown-section": ("[bogus]\nx = 1\n", "bogus"),
    "turn-secret-type": ("[ice]\nturn_secret = 5\n", "ice.turn_secret"),
    "mqtt-password-type": (f'[mqtt]\npassword = ["{SECRET}"]\n', "mqtt.password"),
    "not-toml": ("port = = 3\n", "not valid TOML"),
    "hub-identity": ('[mqtt]\nusername = "k-laplume"\n', "mqtt.username"),
}

KIOSK_BASE = f'kiosk_id = "k-laplume"\nstate_dir = "STATE"\n[hub]\ntoken = "{SECRET}"\n'
KIOSK_CASES = {
    "idle-not-a-number": (KIOSK_BASE + '[ui]\nidle_s = "soon"\n', "ui.idle_s"),
    "bad-kiosk-id": (KIOSK_BASE.replace("k-laplume", "K LAPLUME"), "kiosk_id"),
    "unknown-key": (KIOSK_BASE + "[mqtt]\npasword = 1\n", "mqtt.pasword"),
    "token-type": ('kiosk_id = "k-laplume"\n[hub]\ntoken = 42\n', "hub.token"),
    "not-toml": (KIOSK_BASE + "[ui\n", "not valid TOML"),
}


def _run(command: list[str], config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=config.parent,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.parametrize("case", list(HUB_CASES))
def test_hub_configuration_errors_are_one_line(case: str, tmp_path: Path) -> None:
    text, key = HUB_CASES[case]
    config = tmp_path / "hub.toml"
    config.write_text(text)
    result = _run(["hub", "serve"], config)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(config) in lines[0] and key in lines[0]
    assert SECRET not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("case", list(KIOSK_CASES))
def test_kiosk_configuration_errors_are_one_line(case: str, tmp_path: Path) -> None:
    text, key = KIOSK_CASES[case]
    config = tmp_path / "kiosk.toml"
    config.write_text(text.replace("STATE", str(tmp_path / "state")))
    result = _run(["kiosk", "agent"], config)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(config) in lines[0] and key in lines[0]
    assert SECRET not in result.stderr and "Traceback" not in result.stderr


def test_an_impossible_state_directory_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('state_dir = "/proc/gaia-state"\n')
    result = _run(["hub", "serve"], config)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "gaia-hub: No such file or directory: /proc/gaia-state"
    ]


def test_a_taken_http_port_is_one_line(tmp_path: Path) -> None:
    import socket

    from hub.broker import free_port

    port = free_port()
    config = tmp_path / "hub.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n[http]\nport = {port}\n')
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        result = _run(["hub", "serve"], config)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert f"127.0.0.1:{port}" in line and "[http] port" in line
