"""The adviser console in headless Chromium answers a call from an aiortc peer
standing in for the kiosk: ring, accept, video both ways, next step, hang up."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack
from sqlalchemy import select

from hub.protocol.signaling import (
    CallAccepted,
    CallEnded,
    Caller,
    CallQueued,
    CallRequest,
    SdpAnswer,
    SdpOffer,
)
from hub.store import schema
from tests.hub.signaling.conftest import Scene
from tests.hub.signaling.support import ADVISER_PASSWORD, kiosk_client

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]


async def _wait(predicate: Any, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def test_an_adviser_answers_in_the_browser_with_video_both_ways(
    scene: Scene, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright

    hub = scene.hub
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = await browser.new_page(locale="fr-FR")
            await page.goto(f"{hub.http_url}/login?next=/console")
            await page.fill("input[name=email]", "claire@habitat.test")
            await page.fill("input[name=password]", ADVISER_PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_url("**/console")
            await page.wait_for_selector("[data-field=link]:has-text('Connecté')")
            assert "Claire" in await page.inner_text("[data-field=who]")
            await page.click("[data-action=availability]")
            assert await page.get_attribute("[data-action=availability]", "aria-pressed") == "true"

            # The kiosk (an aiortc peer here) asks for housing: the console rings.
            kiosk = await kiosk_client(hub, scene.kiosk_token)
            await asyncio.sleep(0.3)  # the availability reached the hub
            await kiosk.send(
                CallRequest(
                    call_id="call-browser-1",
                    topic="housing",
                    caller=Caller(first_name="Léa", commune="Layrac"),
                )
            )
            assert (await kiosk.expect(CallQueued)).ringing >= 1
            item = page.locator("li[data-call=call-browser-1]")
            await item.wait_for()
            text = await item.inner_text()
            assert "Logement" in text and "Léa" in text and "Layrac" in text
            assert await page.get_attribute("#console", "data-ringing") == "1"

            await item.locator("button.accept").click()
            accepted = await kiosk.expect(CallAccepted)
            assert accepted.adviser_name == "Claire"
            # The console stops ringing once its CallAssigned arrives (just after the kiosk's).
            await page.wait_for_selector("#console[data-ringing='0']", timeout=5000)

            pc = RTCPeerConnection()
            frames = {"video": 0}
            pulls: list[asyncio.Task[None]] = []

            @pc.on("track")
            def on_track(track: Any) -> None:
                async def pull() -> None:
                    try:
                        while True:
                            await track.recv()
                            frames[track.kind] = frames.get(track.kind, 0) + 1
                    except MediaStreamError:
                        return

                pulls.append(asyncio.ensure_future(pull()))

            pc.addTrack(AudioStreamTrack())
            pc.addTrack(VideoStreamTrack())
            await pc.setLocalDescription(await pc.createOffer())
            await kiosk.send(SdpOffer(call_id="call-browser-1", sdp=pc.localDescription.sdp))
            answer = await kiosk.expect(SdpAnswer)
            await pc.setRemoteDescription(RTCSessionDescription(answer.sdp, "answer"))

            async def both_ways() -> bool:
                decoded = int(await page.get_attribute("#console", "data-frames-decoded") or 0)
                return decoded > 5 and frames["video"] > 5

            await _wait(both_ways, "frames decoded by Chromium and by the kiosk peer")
            rtt = await page.inner_text("[data-field=rtt]")
            assert rtt.endswith("ms"), rtt

            await page.fill("[data-field=next-step]", "Apporter le bail au rendez-vous")
            await page.click("[data-action=hangup]")
            ended = await kiosk.expect(CallEnded)
            assert ended.reason == "adviser-hung-up"
            assert ended.agreement is not None
            assert ended.agreement.next_step == "Apporter le bail au rendez-vous"
            await page.wait_for_selector("[data-panel=after]:not([hidden])")
            await page.screenshot(path=str(tmp_path / "after.png"))
            await pc.close()
            await kiosk.close()
        finally:
            await browser.close()

    with hub.engine.connect() as conn:
        row = conn.execute(select(schema.calls).where(schema.calls.c.id == "call-browser-1")).one()
    assert row.outcome == "answered"
    assert row.requested_at <= row.answered_at <= row.ended_at
