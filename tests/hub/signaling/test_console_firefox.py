"""The adviser console in Firefox (Debian's ESR, headless, over Marionette) answers
the kiosk's aiortc call engine: ring, accept, video and sound both ways, hang up."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hub.broker import free_port
from hub.protocol.signaling import CallOutcome
from kiosk.controller.ports import CallEndReason, CallerInfo
from tests.hub.signaling.conftest import Scene
from tests.hub.signaling.console import free_advisers
from tests.hub.signaling.firefox import Firefox
from tests.hub.signaling.peers import Updates, kiosk_engine
from tests.hub.signaling.test_calls import record
from tests.hub.signaling.test_kiosk_engine import until

pytestmark = pytest.mark.browser


async def test_firefox_answers_a_kiosk_call_with_video_both_ways(
    scene: Scene, tmp_path: Path
) -> None:
    hub = scene.hub
    firefox = await asyncio.to_thread(Firefox, free_port(), tmp_path / "gecko.log")
    try:
        await asyncio.to_thread(firefox.console, hub.http_url, "claire@habitat.test")
        await free_advisers(hub, 1)
        service = kiosk_engine(hub, scene.kiosk_token)
        updates = Updates()
        call = await service.request("housing", CallerInfo(first_name="Léa"), updates)
        selector = f"li[data-call={call.id}]"
        await asyncio.to_thread(
            firefox.wait, "document.querySelector(arguments[0])", "the ring", 20, selector
        )
        assert "Léa" in await asyncio.to_thread(firefox.text, selector)
        await asyncio.to_thread(firefox.click, f"{selector} button.accept")
        assert (await updates.wait("answered")).adviser_name == "Claire"

        await until(
            lambda: call.frames_decoded > 10 and call.audio_frames > 50 and call.audio_peak > 0,
            "the kiosk decodes Firefox's video and sound",
            timeout=30,
        )
        decoded = await asyncio.to_thread(
            firefox.wait,
            "Number(document.querySelector('#console').dataset.framesDecoded || 0) > 10",
            "Firefox decodes the kiosk's video",
            30,
        )
        assert decoded
        await call.hang_up()
        await asyncio.to_thread(
            firefox.wait,
            "!document.querySelector('[data-panel=after]').hidden",
            "the after-call panel",
        )
        assert updates.last("ended").reason is CallEndReason.HUNG_UP  # type: ignore[union-attr]
        await service.aclose()
    finally:
        await asyncio.to_thread(firefox.close)
    assert record(scene, call.id).outcome == CallOutcome.ANSWERED
