"""A real coturn (Debian's `turnserver`) on loopback, in the `use-auth-secret` scheme.

The hub mints credentials with the same shared secret (`hub.signaling.ice`);
coturn checks them itself: HMAC over "<expiry>:<name>", refused once expired.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REALM = "gaia.test"
SECRET = "coturn-test-secret-7f3a"


@dataclass
class Coturn:
    """A running coturn: its UDP/TCP port, shared secret and log."""

    port: int
    secret: str
    log: Path

    @property
    def url(self) -> str:
        """The TURN url over UDP, as the hub's [ice] turn_urls holds it."""
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    def log_text(self) -> str:
        """What coturn logged so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _free_port() -> int:
    """A port free for both TCP and UDP on loopback."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = int(tcp.getsockname()[1])
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            try:
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.fixture
def coturn(tmp_path: Path) -> Iterator[Coturn]:
    """Start coturn on a free loopback port; stop it after the test."""
    binary = shutil.which("turnserver")
    if binary is None:
        pytest.fail("coturn is not installed: run `make system-deps-test` (Debian package coturn)")
    port = _free_port()
    relay_low = random.randrange(20000, 30000, 200)
    log = tmp_path / "turnserver.log"
    command = [
        binary,
        "-n",
        "--listening-ip", "127.0.0.1",
        "--relay-ip", "127.0.0.1",
        "--listening-port", str(port),
        "--min-port", str(relay_low),
        "--max-port", str(relay_low + 199),
        "--use-auth-secret",
        "--static-auth-secret", SECRET,
        "--realm", REALM,
        "--allow-loopback-peers",
        "--no-tls", "--no-dtls", "--no-cli", "--no-multicast-peers",
        "--pidfile", str(tmp_path / "turnserver.pid"),
        "--log-file", str(log), "--simple-log", "--no-stdout-log",
        "--verbose",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while not _listening(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"coturn did not start on port {port}:\n{log.read_text()[-2000:]}")
        time.sleep(0.05)
    try:
        yield Coturn(port, SECRET, log)
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
