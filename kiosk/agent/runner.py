"""`gaia-kiosk agent`: the composition root of the agent process.

Builds the outbox, the UI link client and the agent from kiosk.toml, and
turns SIGTERM / SIGINT into a clean exit (retained `offline`, DISCONNECT,
exit status 0).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

from kiosk.agent.health import SystemProbe
from kiosk.agent.service import Agent
from kiosk.config import KioskConfig, load_config
from kiosk.outbox import Outbox
from kiosk.uilink import UiLinkClient

log = logging.getLogger(__name__)


async def serve(config: KioskConfig, config_path: Path | None = None) -> None:
    """Run one agent until SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    outbox = Outbox(config.outbox_path, config.outbox.max_events, config.outbox.max_bytes)
    try:
        agent = Agent(
            config,
            outbox=outbox,
            ui=UiLinkClient(config.ui_socket_path, config.agent.ui_timeout_s),
            probe=SystemProbe(config.state_dir),
            config_path=config_path,
        )
        log.info("agent of %s starting (broker %s)", config.kiosk_id, config.mqtt.url)
        await agent.run(stop)
        log.info("agent of %s stopped", config.kiosk_id)
    finally:
        outbox.close()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def run_agent(config_path: str | Path) -> int:
    """Load kiosk.toml and run the agent; raises ConfigError or OutboxError; returns 0."""
    path = Path(config_path)
    config = load_config(path)
    asyncio.run(serve(config, path))
    return 0
