"""`gaia-kiosk ui`: the composition root of the UI process.

See docs/architecture.md, "Processes" and "Devices".

Builds every port from kiosk.toml (hub client, call engine, printer, speech,
outbox, catalog cache), the controller, the Kivy app, and the local socket the
agent talks to; runs them on one asyncio loop (Kivy's `async_run`); on SIGTERM
or SIGINT closes them in order.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.protocol import DeviceState
from kiosk.config import KioskConfig, load_config
from kiosk.controller import Controller, ControllerSettings

log = logging.getLogger(__name__)


@dataclass
class UiParts:
    """Everything the UI process runs, for the app and for tests."""

    config: KioskConfig
    controller: Controller
    closers: AsyncExitStack


def controller_settings(config: KioskConfig) -> ControllerSettings:
    """The controller's settings from kiosk.toml."""
    ui = config.ui
    return ControllerSettings(
        idle_s=ui.idle_s,
        idle_countdown_s=ui.idle_countdown_s,
        goodbye_s=ui.goodbye_s,
        catalog_refresh_s=ui.catalog_refresh_s,
        ops_pin=ui.ops_pin,
        default_language=ui.language,
        high_contrast=ui.high_contrast,
        reception=ui.reception,
        read_aloud=ui.read_aloud,
        home_commune=ui.commune,
    )


@asynccontextmanager
async def ui_parts(config: KioskConfig) -> AsyncIterator[UiParts]:
    """Build the ports and the controller from config; close them all on exit."""
    from kiosk.call import open_call_service
    from kiosk.catalog_cache import FileCatalogCache
    from kiosk.clock import ClockSync
    from kiosk.hubclient import HubClient
    from kiosk.outbox import Outbox, OutboxRequests
    from kiosk.printing import open_printer
    from kiosk.speech import open_speech
    from kiosk.usage import OutboxEventSink

    config.state_dir.mkdir(parents=True, exist_ok=True)
    _wipe_temporary(config)
    async with AsyncExitStack() as stack:
        outbox = Outbox(config.outbox_path, config.outbox.max_events, config.outbox.max_bytes)
        stack.callback(outbox.close)
        hub = HubClient(config.hub.url, config.hub.token, config.ui.hub_timeout_s)
        stack.push_async_callback(hub.aclose)
        calls = open_call_service(config.call, config.hub, config.ui.hub_timeout_s)
        closer = getattr(calls, "aclose", None)
        if closer is not None:
            stack.push_async_callback(closer)
        printer = open_printer(config.devices.printer, config.devices.printer_profile)
        speech = open_speech(config.ui.speech)
        stack.callback(speech.stop)
        controller = Controller(
            hub=hub,
            calls=calls,
            printer=printer,
            speech=speech,
            events=OutboxEventSink(outbox, ClockSync(config.clock.sync)),
            requests=OutboxRequests(outbox),
            catalog_cache=FileCatalogCache(config.catalog_cache_path),
            settings=controller_settings(config),
            site=config.kiosk_id,
        )
        await controller.start()
        stack.push_async_callback(controller.close)
        yield UiParts(config, controller, stack)


def _wipe_temporary(config: KioskConfig) -> None:
    """Remove what a crashed session could have left (Kivy's home is rebuilt each start)."""
    shutil.rmtree(config.state_dir / "kivy", ignore_errors=True)


class UiLinkHandler:
    """The agent's requests (uilink.UiPort), answered by the controller."""

    def __init__(self, controller: Controller) -> None:
        self.controller = controller

    async def status(self) -> dict[str, DeviceState]:
        """Device states for health."""
        return self.controller.devices()

    async def print_test(self) -> None:
        """A test slip; PrinterError becomes the link's failure code."""
        from kiosk.controller.ports import PrinterError
        from kiosk.uilink import UiRequestFailed

        try:
            await self.controller.print_test()
        except PrinterError as exc:
            raise UiRequestFailed(f"printer-{exc.code}") from None

    async def show_message(self, text: str) -> None:
        """A message from ops staff, shown on the screen."""
        self.controller.show_message(text)


async def serve(config: KioskConfig, *, lock: bool = True) -> None:
    """Run the UI until SIGTERM / SIGINT (the window itself cannot be closed)."""
    from kiosk.ui.kivy_env import prepare_kivy

    prepare_kivy(
        config.state_dir / "kivy",
        config.ui.orientation,
        fullscreen=config.ui.fullscreen,
        lockdown=lock,
    )
    from kiosk.ui.app import KioskApp
    from kiosk.uilink import UiLinkServer

    loop = asyncio.get_running_loop()
    async with ui_parts(config) as parts:
        app = KioskApp(
            parts.controller,
            ops_long_press_s=config.ui.ops_long_press_s,
            lock=lock,
        )

        def _stop(*_: Any) -> None:
            app.stop()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, _stop)
        async with UiLinkServer(config.ui_socket_path, UiLinkHandler(parts.controller)):
            log.info("kiosk UI of %s started", config.kiosk_id)
            await app.async_run(async_lib="asyncio")
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    log.info("kiosk UI of %s stopped", config.kiosk_id)


def run_ui(config_path: str | Path) -> int:
    """Load kiosk.toml and run the UI; raises ConfigError; returns 0."""
    config = load_config(Path(config_path))
    asyncio.run(serve(config))
    return 0
