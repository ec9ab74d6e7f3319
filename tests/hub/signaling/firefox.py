"""Debian's Firefox ESR, headless, driven over Marionette (Mozilla's own remote protocol).

Playwright can only drive its own patched Firefox builds, and geckodriver is not
packaged for Debian 12; `marionette_driver` talks to the stock browser directly.
Its calls block, so async tests run them in a thread (`asyncio.to_thread`).
Fake media: a test pattern and a tone, no permission prompt.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.hub.signaling.support import ADVISER_PASSWORD

FIREFOX = Path("/usr/bin/firefox-esr")
PREFS = {
    "media.navigator.streams.fake": True,
    "media.navigator.permission.disabled": True,
    "media.autoplay.default": 0,
    "browser.shell.checkDefaultBrowser": False,
    "app.update.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
}


class Firefox:
    """One headless Firefox with one tab; every method blocks."""

    def __init__(self, port: int, log: Path) -> None:
        from marionette_driver.marionette import Marionette

        if not FIREFOX.exists():
            raise RuntimeError(f"{FIREFOX} is missing: `make system-deps-test` installs it")
        self.m = Marionette(
            bin=str(FIREFOX), headless=True, port=port, prefs=PREFS, gecko_log=str(log)
        )
        self.m.start_session()

    @property
    def version(self) -> str:
        """The browser's version."""
        return str(self.m.session_capabilities.get("browserVersion", ""))

    def js(self, script: str, *args: Any) -> Any:
        """Run `script` in the page (arguments as `arguments[i]`)."""
        return self.m.execute_script(script, script_args=list(args))

    def wait(self, expression: str, what: str, timeout: float = 20, *args: Any) -> Any:
        """Poll the JavaScript `expression` until it is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.js(f"return ({expression});", *args)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"Firefox: timed out waiting for {what}")
            time.sleep(0.1)

    def click(self, selector: str) -> None:
        """Click the element (it must exist)."""
        self.wait("document.querySelector(arguments[0])", selector, 10, selector)
        self.js("document.querySelector(arguments[0]).click();", selector)

    def attr(self, selector: str, name: str) -> str | None:
        """An attribute of the element."""
        value = self.js(
            "const e = document.querySelector(arguments[0]);"
            " return e ? e.getAttribute(arguments[1]) : null;",
            selector,
            name,
        )
        return None if value is None else str(value)

    def text(self, selector: str) -> str:
        """The element's visible text."""
        return str(self.js("return document.querySelector(arguments[0]).innerText;", selector))

    def console(self, base_url: str, email: str, password: str = ADVISER_PASSWORD) -> None:
        """Log in at /console and switch to available."""
        self.m.navigate(f"{base_url}/login?next=/console")
        self.m.find_element("css selector", "input[name=email]").send_keys(email)
        self.m.find_element("css selector", "input[name=password]").send_keys(password)
        self.m.find_element("css selector", "button[type=submit]").click()  # waits for the load
        self.wait("document.querySelector('#console')", "the console page")
        self.wait(
            "((document.querySelector('[data-field=link]') || {}).textContent || '')"
            ".includes('Connecté')",
            "the console's socket",
        )
        self.click("[data-action=availability]")
        self.wait(
            "document.querySelector('[data-action=availability]')"
            ".getAttribute('aria-pressed') === 'true'",
            "available",
        )

    def close(self) -> None:
        """Quit the browser and remove its profile."""
        try:
            self.m.delete_session()
        finally:
            self.m.cleanup()
