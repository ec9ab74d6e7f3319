"""Fixtures for the Kivy UI tests: a real hub process with demo data, and a UI driver.

Kivy runs in the test process under Xvfb, configured once, before its import.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from kiosk.config import KioskConfig
from tests.kiosk.ui.driver import Driver
from tests.kiosk.ui.uihub import UiHub, running_hub


@pytest.fixture(scope="module")
def ui_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiHub]:
    """A hub with the demo catalog, one kiosk and one job seeker; no broker needed."""
    with running_hub(tmp_path_factory.mktemp("hub")) as hub:
        yield hub


@pytest.fixture(scope="session")
def kivy_ready(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Configure Kivy once for the whole run, before anything imports it."""
    from kiosk.ui.kivy_env import prepare_kivy

    prepare_kivy(tmp_path_factory.mktemp("kivy"), "landscape", fullscreen=False, lockdown=True)


@pytest.fixture
async def run_ui(kivy_ready: None) -> AsyncIterator[Any]:
    """`await run_ui(config, orientation)` starts the whole UI process in-process."""
    from kivy.core.window import Window

    from kiosk.ui.app import KioskApp
    from kiosk.ui.kivy_env import SIZES
    from kiosk.ui.main import ui_parts

    started: list[Driver] = []

    async def start(config: KioskConfig, orientation: str = "landscape") -> Driver:
        parts_cm = ui_parts(config)
        parts = await parts_cm.__aenter__()
        app = KioskApp(parts.controller, ops_long_press_s=config.ui.ops_long_press_s, lock=True)
        task = asyncio.create_task(app.async_run(async_lib="asyncio"))
        driver = Driver(app)

        async def close() -> None:
            if driver.closed:
                return
            driver.closed = True
            app.stop()
            await asyncio.wait_for(task, 10)
            await parts_cm.__aexit__(None, None, None)

        driver.close = close  # type: ignore[method-assign]
        started.append(driver)
        await driver.wait(lambda: app.root is not None and app.built is not None, 15, "the app")
        Window.size = SIZES[orientation]
        await asyncio.sleep(0.2)
        return driver

    yield start
    for driver in started:
        await driver.close()
