"""Fixtures for browser tests: the hub served by uvicorn in a thread over a seeded
database, and Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine

from hub.app import create_app
from hub.config import HubConfig

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class LiveHub:
    """A hub serving HTTP on loopback, and its database."""

    url: str
    engine: Engine


@pytest.fixture
def live_hub(tmp_path: Path) -> Iterator[LiveHub]:
    """The hub (no MQTT) on a free loopback port, in a background thread."""
    app = create_app(HubConfig(state_dir=tmp_path / "hub"), background=False)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield LiveHub(f"http://127.0.0.1:{port}", app.state.services.engine)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        app.state.services.engine.dispose()


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[Any]:
    """A Playwright page in headless Chromium (1280x900, French locale)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed at /usr/bin/chromium: run `make test`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        try:
            yield page
        finally:
            browser.close()
