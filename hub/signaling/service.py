"""The signaling state of one hub process: the call router and the call recorder.

Built by the app's lifespan (`start_signaling`) on the running loop and kept on
`app.state.signaling`; `stop` ends the calls in progress and writes their records.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import Engine, select

from hub.accounts import credentials_version
from hub.config import HubConfig
from hub.protocol.signaling import CLOSE_UNAUTHENTICATED
from hub.services import Services
from hub.signaling.ice import ice_servers, turn_enabled
from hub.signaling.records import CallRecorder
from hub.signaling.router import CallRouter, RouterSettings
from hub.store import schema

log = logging.getLogger(__name__)


REVOCATION_CHECK_S = 2.0
"""How often open kiosk sockets are checked against revocations (`gaia-hub kiosk revoke`
runs in another process: the database is how it tells this one)."""


@dataclass
class Signaling:
    """What the WebSocket endpoints use."""

    router: CallRouter
    recorder: CallRecorder
    engine: Engine
    kiosk_tokens: dict[str, str] = field(default_factory=dict)
    """Open kiosk sockets: kiosk id -> the hash of the token it connected with."""
    _watcher: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start watching for revoked kiosks."""
        self._watcher = asyncio.create_task(self._watch(), name="kiosk-revocations")

    async def _watch(self) -> None:
        seen = ""
        while True:
            try:
                version = await asyncio.to_thread(self._credentials_version)
                if version != seen:
                    seen = version
                    await self.cut_off_revoked()
            except Exception:
                log.exception("revocation check failed")
            await asyncio.sleep(REVOCATION_CHECK_S)

    def _credentials_version(self) -> str:
        with self.engine.connect() as conn:
            return credentials_version(conn)

    async def cut_off_revoked(self) -> list[str]:
        """Close the sockets of kiosks whose token is no longer theirs; returns their ids."""
        open_ = {k: self.kiosk_tokens[k] for k in self.router.kiosk_ids() if k in self.kiosk_tokens}
        if not open_:
            return []
        valid = await asyncio.to_thread(self._valid_tokens, list(open_))
        cut = [k for k, token_hash in open_.items() if valid.get(k) != token_hash]
        for kiosk_id in cut:
            self.router.cut_off_kiosk(kiosk_id, CLOSE_UNAUTHENTICATED, "kiosk revoked")
            self.kiosk_tokens.pop(kiosk_id, None)
            log.warning("kiosk %s: revoked, its signaling socket is closed", kiosk_id)
        return cut

    def _valid_tokens(self, kiosk_ids: list[str]) -> dict[str, str]:
        k = schema.kiosks.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(k.id, k.token_hash).where(k.id.in_(kiosk_ids), k.registered.is_(True))
            )
            return {r.id: r.token_hash for r in rows}

    async def stop(self) -> None:
        """End the calls in progress, then write every pending record."""
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        self.router.shutdown()
        await self.recorder.stop()


def router_settings(config: HubConfig) -> RouterSettings:
    """The router's settings from the [calls] section."""
    calls = config.calls
    return RouterSettings(
        ring_timeout_s=calls.ring_timeout_s,
        queue_wait_s=calls.queue_wait_s,
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
    signaling = Signaling(router=router, recorder=recorder, engine=services.engine)
    signaling.start()
    return signaling
