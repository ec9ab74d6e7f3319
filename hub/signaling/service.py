"""The signaling state of one hub process: the call router and the call recorder.

Built by the app's lifespan (`start_signaling`) on the running loop and kept on
`app.state.signaling`; `stop` ends the calls in progress and writes their records.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from hub.config import HubConfig
from hub.services import Services
from hub.signaling.ice import ice_servers, turn_enabled
from hub.signaling.records import CallRecorder
from hub.signaling.router import CallRouter, RouterSettings

log = logging.getLogger(__name__)


@dataclass
class Signaling:
    """What the WebSocket endpoints use."""

    router: CallRouter
    recorder: CallRecorder

    async def stop(self) -> None:
        """End the calls in progress, then write every pending record."""
        self.router.shutdown()
        await self.recorder.stop()


def router_settings(config: HubConfig) -> RouterSettings:
    """The router's settings from the [calls] section."""
    calls = config.calls
    return RouterSettings(
        ring_timeout_s=calls.ring_timeout_s,
        max_waiting_per_topic=calls.max_waiting_per_topic,
        max_quality_samples=calls.max_quality_samples,
    )


def start_signaling(services: Services) -> Signaling:
    """Create the router and start the recorder (call from the running event loop)."""
    config = services.config
    if config.ice.turn_urls and not turn_enabled(config.ice):
        log.warning("[ice] turn_urls set without turn_secret: TURN is not offered")
    recorder = CallRecorder(services.engine)
    recorder.start()
    router = CallRouter(
        settings=router_settings(config),
        ice=partial(ice_servers, config.ice),
        on_record=recorder.save,
        clock=services.clock,
    )
    return Signaling(router=router, recorder=recorder)
