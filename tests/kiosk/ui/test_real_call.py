"""The whole kiosk UI with the real call engine: a job seeker calls from the touch screen
and an adviser answers from the console in headless Chromium, through a real hub.

Touches on the Kivy app (under Xvfb) pick the topic; the console rings; the adviser
accepts; the adviser's camera (Chromium's fake device) is drawn into the kiosk's
texture while Chromium decodes the kiosk's synthetic camera; the job seeker hangs up.
Afterwards nothing of the person is left in the UI process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.controller.view import Screen
from tests.hub.signaling.console import (
    chromium,
    eventually,
    frames_decoded,
    free_advisers_at,
    open_console,
)
from tests.kiosk.ui.test_journey import outbox_events, personal_strings_in_memory
from tests.kiosk.ui.uihub import (
    SEEKER_CODE,
    SEEKER_NAME,
    SEEKER_PHONE,
    SEEKER_PIN,
    UiHub,
    kiosk_config,
)

pytestmark = [pytest.mark.ui, pytest.mark.browser]

ADVISER = "claire@habitat.test"
PASSWORD = "adviser-password-2026"


async def test_a_call_from_the_touch_screen_answered_in_the_console(
    ui_hub: UiHub, run_ui: Any, tmp_path: Path
) -> None:
    ui_hub.cli(
        "adviser", "add", "--email", ADVISER, "--password", PASSWORD, "--name", "Claire",
        "--partner", "habitat-47", "--topics", "housing",
    )  # fmt: skip
    config = kiosk_config(tmp_path, ui_hub, call={"engine": "webrtc", "quality_every_s": 1})
    async with chromium() as browser:
        page = await open_console(browser, ui_hub.url, ADVISER, password=PASSWORD)

        async def available() -> bool:
            return free_advisers_at(ui_hub.url) >= 1

        await eventually(available, "Claire available at the hub")

        ui = await run_ui(config)
        await ui.on(Screen.ATTRACT)
        await ui.wait(lambda: ui.app.view.catalog is not None, what="the catalog")
        await ui.tap("start")
        await ui.on(Screen.IDENTIFY)
        await ui.tap("by-code")
        await ui.on(Screen.CODE)
        await ui.type(SEEKER_CODE)
        await ui.tap("key-ok")
        await ui.on(Screen.PIN)
        await ui.type(SEEKER_PIN)
        await ui.tap("key-ok")
        await ui.on(Screen.TOPICS)
        await ui.tap("topic-housing")
        await ui.on(Screen.WAITING)

        item = page.locator("li.ringing")
        await item.wait_for()
        assert SEEKER_NAME in await item.inner_text()
        await item.locator("button.accept").click()
        await ui.on(Screen.IN_CALL)
        assert "Claire" in " ".join(ui.texts())
        video = ui.find("remote-video")
        await ui.wait(lambda: video.frames_shown >= 10, 20, "the adviser's picture on screen")
        assert video.texture is not None and video.texture.size[0] > 0
        mirror = ui.find("self-view")
        await ui.wait(lambda: mirror.frames_shown >= 5, 10, "the self-view on screen")
        assert mirror.texture is not None and mirror.texture.colorfmt == "rgba"
        assert tuple(mirror.texture.size) == (320, 240)

        async def console_sees_kiosk() -> bool:
            return await frames_decoded(page) > 10

        await eventually(console_sees_kiosk, "Chromium decodes the kiosk's camera")
        await ui.wait(lambda: ui.app.view.quality is not None, 10, "a quality grade")

        # The adviser writes the next step and hangs up: the kiosk shows it and prints it.
        await page.fill("[data-field=next-step]", "Apporter le bail au rendez-vous")
        await page.click("[data-action=hangup]")
        await ui.on(Screen.AFTER_CALL)
        await ui.wait(
            lambda: any("Apporter le bail" in t for t in ui.texts()), 10, "the next step shown"
        )
        await ui.tap("print")
        await ui.wait(lambda: ui.app.view.printed, what="the slip printed")
        await ui.tap("next")
        await ui.on(Screen.SURVEY)
        await ui.tap("survey-3")
        await ui.on(Screen.ATTRACT, timeout=15)

    types = [e["type"] for e in outbox_events(config)]
    assert "call.answered" in types and "call.ended" in types and "call.quality" in types
    states = ui.app.controller.devices()
    assert (states["camera"], states["microphone"]) == ("ok", "ok")
    assert personal_strings_in_memory((SEEKER_NAME, SEEKER_PHONE)) == []
