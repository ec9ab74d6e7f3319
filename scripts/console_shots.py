"""`make screenshots` (second part): the adviser console, ringing and in a call.

A real hub with the demo catalog serves the console to headless Chromium (fake
camera); an aiortc peer stands in for the kiosk, so the call shows real video.

    .venv/bin/python scripts/console_shots.py [--out docs]
      docs/console-ringing.png   a call waiting, with the caller's topic and commune
      docs/console-call.png      in the call: video both ways, live quality, next step
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
]


async def shoot(out: Path) -> list[Path]:
    """Run the scene and write the two PNGs."""
    from aiortc import RTCPeerConnection, RTCSessionDescription
    from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack
    from playwright.async_api import async_playwright

    from hub.config import HubConfig
    from hub.protocol.signaling import CallAccepted, Caller, CallRequest, SdpAnswer, SdpOffer
    from tests.hub.signaling.support import ADVISER_PASSWORD, HubServer, kiosk_client

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gaia-console-") as tmp:
        hub = HubServer(HubConfig(state_dir=Path(tmp)))
        hub.start()
        try:
            token = hub.add_kiosk("k-laplume")
            hub.add_adviser(
                "claire@habitat47.fr", "Claire", "habitat-47", ["housing", "employment"]
            )
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                page = await browser.new_page(
                    viewport={"width": 1366, "height": 900}, locale="fr-FR"
                )
                await page.goto(f"{hub.http_url}/login?next=/console")
                await page.fill("input[name=email]", "claire@habitat47.fr")
                await page.fill("input[name=password]", ADVISER_PASSWORD)
                await page.click("button[type=submit]")
                await page.wait_for_selector("[data-field=link]:has-text('Connecté')")
                await page.click("[data-action=availability]")
                await asyncio.sleep(0.5)
                kiosk = await kiosk_client(hub, token)
                await kiosk.send(
                    CallRequest(
                        call_id="call-docs-0001",
                        topic="housing",
                        caller=Caller(first_name="Camille", commune="Layrac"),
                    )
                )
                await page.wait_for_selector("li[data-call=call-docs-0001]")
                await asyncio.sleep(2.2)  # the waited time ticks
                ringing = out / "console-ringing.png"
                await page.screenshot(path=str(ringing))

                await page.click("li[data-call=call-docs-0001] button.accept")
                await kiosk.expect(CallAccepted)
                pc = RTCPeerConnection()
                pc.addTrack(AudioStreamTrack())
                pc.addTrack(VideoStreamTrack())
                await pc.setLocalDescription(await pc.createOffer())
                await kiosk.send(SdpOffer(call_id="call-docs-0001", sdp=pc.localDescription.sdp))
                answer = await kiosk.expect(SdpAnswer)
                await pc.setRemoteDescription(RTCSessionDescription(answer.sdp, "answer"))
                deadline = time.monotonic() + 20
                while int(await page.get_attribute("#console", "data-frames-decoded") or 0) < 30:
                    if time.monotonic() > deadline:
                        raise RuntimeError("no video decoded in the console")
                    await asyncio.sleep(0.2)
                await page.fill(
                    "[data-field=next-step]", "Rendez-vous à Agen mardi, apporter le bail"
                )
                while "kbit" not in await page.inner_text("[data-field=bitrate]"):
                    await asyncio.sleep(0.2)
                await page.mouse.wheel(0, -2000)
                in_call = out / "console-call.png"
                await page.screenshot(path=str(in_call))
                await page.click("[data-action=hangup]")
                await pc.close()
                await kiosk.close()
                await browser.close()
        finally:
            hub.stop()
    return [ringing, in_call]


def main(argv: list[str] | None = None) -> int:
    """Write the console's PNGs."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args(argv)
    for path in asyncio.run(shoot(args.out)):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
