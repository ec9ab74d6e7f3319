"""The adviser console in headless Chromium: launch, log in, go available.

Debian's Chromium driven by Playwright (never a downloaded browser), with a fake
camera and microphone (a moving test picture and a beep).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.hub.signaling.support import ADVISER_PASSWORD, HubServer

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

CALL_ARGS = [
    *CHROMIUM_ARGS,
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Headless Chromium with fake media devices, closed on exit."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CALL_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


async def open_console(
    browser: Browser, base_url: str, email: str, query: str = "", password: str = ADVISER_PASSWORD
) -> Page:
    """A new browser context for `email` on the hub at `base_url`: logged in at /console,
    connected and available."""
    context = await browser.new_context(locale="fr-FR")
    page = await context.new_page()
    await page.goto(f"{base_url}/login?next=/console{query}")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/console*")
    await page.wait_for_selector("[data-field=link]:has-text('Connecté')")
    await page.click("[data-action=availability]")
    await page.wait_for_selector("[data-action=availability][aria-pressed=true]")
    return page


async def eventually(
    predicate: Callable[[], Awaitable[bool]], what: str, timeout: float = 20
) -> None:
    """Wait until the async `predicate` holds."""
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def free_advisers(hub: HubServer, count: int, topic: str = "housing") -> None:
    """Wait until the hub's router counts `count` free advisers for `topic`."""

    async def enough() -> bool:
        try:  # the router lives on the hub's thread: a read may race a change
            return bool(hub.app.state.signaling.router.free_advisers(topic) >= count)
        except RuntimeError:
            return False

    await eventually(enough, f"{count} free adviser(s) for {topic}", timeout=10)


def free_advisers_at(base_url: str) -> float:
    """The gaia_advisers_free gauge of the hub at `base_url` (a hub in another process)."""
    import re

    import httpx

    text = httpx.get(f"{base_url}/metrics", timeout=5).text
    found = re.search(r"^gaia_advisers_free (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def answer_first_call(page: Page) -> None:
    """Accept the first call ringing on the console."""
    item = page.locator("li.ringing").first
    await item.wait_for()
    await item.locator("button.accept").click()


async def frames_decoded(page: Page) -> int:
    """The video frames the console decoded (from getStats, sampled every 2 s)."""
    return int(await page.get_attribute("#console", "data-frames-decoded") or 0)
