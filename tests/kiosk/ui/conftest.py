"""Fixtures for the Kivy UI tests: a real hub process with demo data, and a UI driver.

Kivy runs in the test process under Xvfb, configured once, before its import.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from kiosk.config import KioskConfig
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


class Driver:
    """Drives the running app with real touch events, as a finger would."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.closed = False

    async def close(self) -> None:
        """Stop the app and close the UI process's parts (set by the fixture)."""

    def widgets(self) -> list[Any]:
        """Every widget on screen (screen, top bar and overlays)."""
        found = []
        stack = [self.app.root]
        while stack:
            widget = stack.pop()
            found.append(widget)
            stack.extend(widget.children)
        return found

    def find(self, gid: str) -> Any | None:
        """The widget with this gid, or None."""
        for widget in self.widgets():
            if getattr(widget, "gid", "") == gid:
                return widget
        return None

    def texts(self) -> list[str]:
        """Every text shown."""
        return [str(w.text) for w in self.widgets() if hasattr(w, "text") and w.text]

    async def wait(self, predicate: Any, timeout: float = 10, what: str = "") -> None:
        """Wait until `predicate()` is true (polling the loop Kivy runs on)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                view = self.app.controller.view
                raise AssertionError(
                    f"timed out waiting for {what}: screen {view.screen}, "
                    f"notice {view.notice}, texts {self.texts()[:12]}"
                )
            await asyncio.sleep(0.02)

    async def on(self, screen: Any, timeout: float = 10) -> None:
        """Wait until the screen is shown."""
        await self.wait(
            lambda: (
                self.app.view is not None
                and self.app.view.screen == screen
                and self.app.built is not None
            ),
            timeout,
            f"screen {screen}",
        )
        await asyncio.sleep(0.05)  # one frame, so the layout has sizes

    async def tap(self, gid: str, timeout: float = 5) -> None:
        """Touch and release the centre of the widget with this gid, once it is laid out."""
        from kivy.tests.common import UnitTestTouch

        widget = await self.settled(gid, timeout)
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        await asyncio.sleep(0.03)

    async def settled(self, gid: str, timeout: float = 5) -> Any:
        """The enabled widget with this gid, once its place on screen stopped changing."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            widget = self.find(gid)
            if widget is not None and not widget.disabled:
                # A new widget sits at (0, 0) with size 100×100 until the layout runs.
                where = (*widget.to_window(*widget.pos), *widget.size)
                fresh = tuple(widget.pos) == (0, 0) and tuple(widget.size) == (100, 100)
                if where == last and not fresh:
                    return widget
                last = where
            if time.monotonic() > deadline:
                view = self.app.controller.view
                raise AssertionError(
                    f"no enabled, laid out {gid!r}: screen {view.screen}, texts {self.texts()[:12]}"
                )
            await asyncio.sleep(0.03)

    async def press(self, gid: str, hold_s: float) -> None:
        """Touch, hold, release."""
        from kivy.tests.common import UnitTestTouch

        widget = self.find(gid) if gid else None
        x, y = widget.to_window(*widget.center) if widget else (20, self.app.root.height - 20)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        await asyncio.sleep(hold_s)
        touch.touch_up()
        await asyncio.sleep(0.03)

    async def type(self, keys: str) -> None:
        """Tap keypad or keyboard keys one by one."""
        for key in keys:
            await self.tap(f"key-{key}")


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
