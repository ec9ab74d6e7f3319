"""End to end on loopback: a real hub, the kiosk's aiortc call engine with synthetic
media, and advisers answering from the console in headless Chromium."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hub.protocol.signaling import CallOutcome, EndReason
from kiosk.controller.ports import CallEndReason, CallerInfo
from tests.hub.signaling.conftest import Scene, _scene
from tests.hub.signaling.console import (
    chromium,
    eventually,
    frames_decoded,
    free_advisers,
    open_console,
)
from tests.hub.signaling.peers import Updates, kiosk_engine
from tests.hub.signaling.support import HubServer
from tests.hub.signaling.test_calls import record
from tests.hub.signaling.test_kiosk_engine import until

pytestmark = pytest.mark.browser

CALLER = CallerInfo(first_name="Léa", commune="Layrac")


async def test_kiosk_to_console_video_both_ways_then_the_kiosk_hangs_up(scene: Scene) -> None:
    hub = scene.hub
    async with chromium() as browser:
        page = await open_console(browser, hub.http_url, "claire@habitat.test")
        await free_advisers(hub, 1)
        service = kiosk_engine(hub, scene.kiosk_token, quality_every_s=1)
        updates = Updates()
        call = await service.request("housing", CALLER, updates)

        item = page.locator(f"li[data-call={call.id}]")
        await item.wait_for()
        text = await item.inner_text()
        assert "Logement" in text and "Léa" in text and "Layrac" in text
        assert await page.get_attribute("#console", "data-ringing") == "1"
        await item.locator("button.accept").click()
        assert (await updates.wait("answered")).adviser_name == "Claire"

        # The kiosk decodes the adviser's fake camera and beep; Chromium decodes the kiosk.
        await until(
            lambda: call.frames_decoded > 15 and call.audio_frames > 50 and call.audio_peak > 0,
            "the kiosk decodes video and sound from Chromium",
            timeout=20,
        )
        await eventually(lambda: _more_than(page, 10), "Chromium decodes the kiosk's video")
        picture = call.remote_frame()
        assert picture is not None and picture.width > 0 and len(picture.pixels) > 0
        assert await page.get_attribute("#console", "data-connection") == "connected"
        assert (await page.inner_text("[data-field=rtt]")).endswith("ms")
        await updates.wait("quality")

        await call.hang_up()
        await page.wait_for_selector("[data-panel=after]:not([hidden])")
        assert "La personne a raccroché" in await page.inner_text("[data-field=after-summary]")
        await service.aclose()

    rec = record(scene, call.id)
    assert rec.outcome == CallOutcome.ANSWERED and rec.end_reason == EndReason.KIOSK_HUNG_UP
    assert rec.adviser_id == scene.claire
    assert rec.requested_at <= rec.rang_at <= rec.answered_at <= rec.ended_at  # type: ignore[operator]
    assert rec.quality.samples >= 2


async def _more_than(page: object, count: int) -> bool:
    return await frames_decoded(page) > count  # type: ignore[arg-type]


async def test_two_advisers_ring_and_only_the_first_to_accept_gets_the_call(
    scene: Scene,
) -> None:
    hub = scene.hub
    async with chromium() as browser:
        claire = await open_console(browser, hub.http_url, "claire@habitat.test")
        paul = await open_console(browser, hub.http_url, "paul@habitat.test")
        await free_advisers(hub, 2)
        service = kiosk_engine(hub, scene.kiosk_token)
        updates = Updates()
        call = await service.request("housing", CALLER, updates)
        selector = f"li[data-call={call.id}]"
        await claire.locator(selector).wait_for()
        await paul.locator(selector).wait_for()

        await paul.locator(f"{selector} button.accept").click()
        assert (await updates.wait("answered")).adviser_name == "Paul"
        await claire.locator(selector).wait_for(state="detached")
        await claire.wait_for_selector("#console[data-ringing='0']")
        assert await claire.get_attribute("#console", "data-call") in ("", None)
        await until(lambda: call.frames_decoded > 5, "video from Paul")
        await eventually(lambda: _more_than(paul, 5), "Paul sees the kiosk")

        await paul.click("[data-action=hangup]")
        assert (await updates.wait("ended")).reason is CallEndReason.REMOTE_HUNG_UP
        await service.aclose()
    assert record(scene, call.id).adviser_id == scene.paul


async def test_nobody_accepts_the_console_stops_ringing_and_the_kiosk_hears_missed(
    make_hub: Callable[..., HubServer],
) -> None:
    scene = _scene(make_hub(ring_timeout_s=2))
    async with chromium() as browser:
        page = await open_console(browser, scene.hub.http_url, "claire@habitat.test")
        await free_advisers(scene.hub, 1)
        service = kiosk_engine(scene.hub, scene.kiosk_token)
        updates = Updates()
        call = await service.request("housing", CALLER, updates)
        await page.locator(f"li[data-call={call.id}]").wait_for()
        assert (await updates.wait("ended")).reason is CallEndReason.MISSED
        await page.locator(f"li[data-call={call.id}]").wait_for(state="detached")
        assert await page.get_attribute("#console", "data-ringing") == "0"
        await service.aclose()
    assert record(scene, call.id).outcome == CallOutcome.MISSED


async def test_the_kiosk_cancels_while_the_console_rings(scene: Scene) -> None:
    async with chromium() as browser:
        page = await open_console(browser, scene.hub.http_url, "claire@habitat.test")
        await free_advisers(scene.hub, 1)
        service = kiosk_engine(scene.hub, scene.kiosk_token)
        updates = Updates()
        call = await service.request("housing", CALLER, updates)
        await page.locator(f"li[data-call={call.id}]").wait_for()
        await call.cancel()
        await page.locator(f"li[data-call={call.id}]").wait_for(state="detached")
        await page.wait_for_selector("#console[data-ringing='0']")
        assert updates.last("ended").reason is CallEndReason.CANCELLED  # type: ignore[union-attr]
        await service.aclose()
    assert record(scene, call.id).outcome == CallOutcome.CANCELLED


async def test_the_adviser_closes_the_tab_mid_call_and_the_kiosk_ends_cleanly(
    scene: Scene,
) -> None:
    async with chromium() as browser:
        page = await open_console(browser, scene.hub.http_url, "claire@habitat.test")
        await free_advisers(scene.hub, 1)
        service = kiosk_engine(scene.hub, scene.kiosk_token)
        updates = Updates()
        call = await service.request("housing", CALLER, updates)
        await page.locator(f"li[data-call={call.id}] button.accept").click()
        await until(lambda: call.frames_decoded > 5, "video from the console")

        await page.context.close()  # the tab (and its socket) goes away
        ended = await updates.wait("ended")
        assert ended.reason is CallEndReason.REMOTE_HUNG_UP
        assert updates.kinds().count("ended") == 1
        assert call.remote_frame() is None and call.local_frame() is None
        assert service.calls == {}
        await service.aclose()
    rec = record(scene, call.id)
    assert rec.outcome == CallOutcome.ANSWERED and rec.end_reason == EndReason.ADVISER_LEFT


async def test_the_adviser_switches_to_sound_only_and_the_kiosk_follows(scene: Scene) -> None:
    async with chromium() as browser:
        page = await open_console(browser, scene.hub.http_url, "claire@habitat.test")
        await free_advisers(scene.hub, 1)
        service = kiosk_engine(scene.hub, scene.kiosk_token)
        updates = Updates()
        call = await service.request("housing", CALLER, updates)
        await page.locator(f"li[data-call={call.id}] button.accept").click()
        await until(lambda: call.frames_decoded > 5, "video from the console")

        await page.click("[data-action=audio-only]")
        media = await updates.wait("media")
        assert media.audio_only is True and call.audio_only
        assert call.remote_frame() is None and call.local_frame() is None
        frames_then = call.audio_frames
        await until(lambda: call.audio_frames > frames_then + 25, "sound goes on")

        # The kiosk switches back; the console shows the picture again.
        call.set_audio_only(False)
        await page.wait_for_selector("[data-action=audio-only][aria-pressed=false]")
        await call.hang_up()
        await service.aclose()
