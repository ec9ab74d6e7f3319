"""A hub under a low open-file limit: its connection cap refuses first, quietly."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from hub.broker import free_port
from tests.support import wait_for

ROOT = Path(__file__).resolve().parents[2]


def _low_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))  # a common default


def test_many_connections_under_a_low_file_limit_are_refused_without_a_log_flood(
    tmp_path: Path,
) -> None:
    port = free_port()
    config = tmp_path / "hub.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[http]\nport = {port}\nheader_timeout_s = 30\n'
        f'[mqtt]\nurl = "mqtt://127.0.0.1:{free_port()}"\npassword = "unused"\n'
    )
    log = tmp_path / "hub.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(log, "wb") as out:
        hub = subprocess.Popen(
            [sys.executable, "-m", "hub", "serve", "--config", str(config)],
            stdout=out, stderr=out, env=env, preexec_fn=_low_files,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    held: list[socket.socket] = []
    try:
        wait_for(lambda: _up(url), 30)
        assert "serving at most 540 connections" in log.read_text()
        # 800 connections from 16 addresses (50 each, under the per-address cap): past
        # the total cap they are closed at once, and the hub never runs out of files.
        for i in range(800):
            s = socket.socket()
            s.bind((f"127.0.9.{1 + i % 16}", 0))
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x")
            held.append(s)
        time.sleep(1.5)
        text = log.read_text()
        assert "out of system resource" not in text and "Too many open files" not in text
        assert text.count("connections-total") <= 2, "a log line per refused connection"
        for s in held:
            s.close()
        held.clear()
        wait_for(lambda: _up(url), 10)  # served again once they are gone
        assert hub.poll() is None
    finally:
        for s in held:
            s.close()
        hub.terminate()
        hub.wait(20)


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
