"""Drives the running kiosk app with real touch events (the UI tests, bench/ui.py)."""

from __future__ import annotations

import asyncio
import time
from typing import Any


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
