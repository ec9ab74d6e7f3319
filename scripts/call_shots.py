"""`make screens` (last part): a real call, seen from the kiosk and from the console.

A hub process with the demo catalog; the kiosk's Kivy UI (under Xvfb) with the
real `webrtc` call engine and its synthetic camera; an adviser in headless
Chromium whose fake camera is the adviser's picture. The job seeker (Zéphyrine,
a test seeker) logs in with a code and PIN and calls for housing; Claire answers.

    xvfb-run -a -s "-screen 0 1920x1440x24" .venv/bin/python scripts/call_shots.py
      docs/call-kiosk.png     the kiosk's in-call screen, the adviser's live picture
      docs/call-console.png   the console in the same call, the kiosk's camera
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADVISER, PASSWORD = "claire@habitat.test", "adviser-password-2026"


async def shoot(out: Path) -> list[Path]:
    """Run the call and write the two PNGs."""
    from kiosk.ui.kivy_env import prepare_kivy

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gaia-call-") as tmp:
        prepare_kivy(Path(tmp) / "kivy", "landscape", fullscreen=False, lockdown=False)
        from kivy.core.window import Window

        from kiosk.controller.view import Screen
        from kiosk.ui.app import KioskApp
        from kiosk.ui.kivy_env import SIZES
        from kiosk.ui.main import ui_parts
        from tests.hub.signaling.console import (
            chromium,
            eventually,
            frames_decoded,
            free_advisers_at,
            open_console,
        )
        from tests.kiosk.ui.conftest import Driver
        from tests.kiosk.ui.uihub import SEEKER_CODE, SEEKER_PIN, kiosk_config, running_hub

        with running_hub(Path(tmp) / "hub") as hub:
            hub.cli(
                "adviser", "add", "--email", ADVISER, "--password", PASSWORD, "--name", "Claire",
                "--partner", "habitat-47", "--topics", "housing",
            )  # fmt: skip
            config = kiosk_config(Path(tmp), hub, call={"engine": "webrtc"})
            async with chromium() as browser, ui_parts(config) as parts:
                page = await open_console(browser, hub.url, ADVISER, password=PASSWORD)
                await page.set_viewport_size({"width": 1366, "height": 900})

                async def available() -> bool:
                    return free_advisers_at(hub.url) >= 1

                await eventually(available, "Claire available")
                app = KioskApp(parts.controller, lock=False)
                task = asyncio.create_task(app.async_run(async_lib="asyncio"))
                ui = Driver(app)
                try:
                    await ui.wait(lambda: app.root is not None and app.built is not None, 15)
                    Window.size = SIZES["landscape"]
                    await ui.on(Screen.ATTRACT)
                    await ui.wait(lambda: app.view.catalog is not None, what="the catalog")
                    for gid in ("start", "by-code"):
                        await ui.tap(gid)
                    await ui.on(Screen.CODE)
                    await ui.type(SEEKER_CODE)
                    await ui.tap("key-ok")
                    await ui.on(Screen.PIN)
                    await ui.type(SEEKER_PIN)
                    await ui.tap("key-ok")
                    await ui.on(Screen.TOPICS)
                    await ui.tap("topic-housing")
                    item = page.locator("li.ringing").first
                    await item.wait_for()
                    await item.locator("button.accept").click()
                    await ui.on(Screen.IN_CALL)
                    video = ui.find("remote-video")
                    await ui.wait(lambda: video.frames_shown >= 60, 30, "live video")
                    await ui.wait(lambda: app.view.quality is not None, 15, "a quality grade")

                    async def seen() -> bool:
                        return await frames_decoded(page) > 60

                    await eventually(seen, "the kiosk's camera in the console")
                    await page.fill(
                        "[data-field=next-step]", "Rendez-vous à Agen mardi, apporter le bail"
                    )
                    kiosk_png = out / "call-kiosk.png"
                    Window.screenshot(name=str(kiosk_png))
                    produced = sorted(out.glob(f"{kiosk_png.stem}*.png"))[-1]
                    produced.replace(kiosk_png)
                    console_png = out / "call-console.png"
                    await page.screenshot(path=str(console_png))
                    await page.click("[data-action=hangup]")
                    await ui.on(Screen.AFTER_CALL)
                finally:
                    app.stop()
                    await task
    return [kiosk_png, console_png]


def main(argv: list[str] | None = None) -> int:
    """Write the call's PNGs."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args(argv)
    for path in asyncio.run(shoot(args.out)):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
