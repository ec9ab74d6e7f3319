"""Fixtures for the printer tests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from tests.kiosk.printing.fakes import FakeNetworkPrinter, serve


@pytest.fixture
def network_printer() -> Iterator[FakeNetworkPrinter]:
    """A fake printer listening on a free loopback port, stopped after the test."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    printer = FakeNetworkPrinter(port=server.getsockname()[1])
    stop = threading.Event()
    thread = threading.Thread(target=serve, args=(server, printer, stop), daemon=True)
    thread.start()
    yield printer
    stop.set()
    thread.join(5)
    server.close()
