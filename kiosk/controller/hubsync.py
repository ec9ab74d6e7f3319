"""Keeping up with the hub: the catalog refresher and the stored-request flusher."""

from __future__ import annotations

import asyncio
import logging

from hub.protocol import EventType
from kiosk.controller.core import Core
from kiosk.controller.ports import HubRejected, HubThrottled
from kiosk.waits import wait_event

log = logging.getLogger(__name__)


class HubSync:
    """Refreshes the catalog (and `online`); sends requests kept while offline."""

    def __init__(self, core: Core) -> None:
        self._core = core

    async def refresh(self) -> bool:
        """Fetch the catalog; updates `online` and the cache. True when the hub answered."""
        try:
            catalog = await self._core.hub.catalog()
        except HubThrottled:
            return False  # the hub is there, only busy with us: keep what we show
        except Exception as exc:  # unreachable, refused, or a client error: offline
            if self._core.online:
                detail = "hub-rejected" if isinstance(exc, HubRejected) else "hub-unreachable"
                self._core.usage.record(EventType.ERROR, detail=detail)
            self._core.online = False
            self._core.publish()
            return False
        self._core.catalog = catalog
        try:
            self._core.catalog_cache.save(catalog)
        except Exception as exc:
            log.warning("catalog cache not saved: %s", type(exc).__name__)
        if not self._core.online:
            self._core.online = True
            self._core.flush_wake.set()
        self._core.publish()
        return True

    async def refresh_loop(self) -> None:
        """Refresh the catalog every `catalog_refresh_s`, for ever."""
        while True:
            await asyncio.sleep(self._core.settings.catalog_refresh_s)
            await self.refresh()

    async def flush_loop(self) -> None:
        """Send the stored requests every `request_retry_s`, or as soon as the hub is back."""
        while True:
            self._core.flush_wake.clear()
            backoff = await self.flush_once()
            if backoff:  # the hub asked us to slow down: not even a wake-up before then
                await asyncio.sleep(backoff)
            await wait_event(self._core.flush_wake, self._core.settings.request_retry_s)

    async def flush_once(self) -> float:
        """Send the stored requests, oldest first; stop at the first sign the hub is down.

        Returns the seconds the hub asked to wait (429), else 0.
        """
        try:
            pending = self._core.requests.pending()
        except Exception as exc:
            log.warning("request store unreadable: %s", type(exc).__name__)
            return 0
        for request in pending:
            try:
                await self._core.hub.send_request(request)
            except HubThrottled as exc:
                return exc.retry_after_s  # keep it and the rest: the hub will take them later
            except HubRejected as exc:
                if exc.status not in (413, 422):
                    return 0  # keep it: the hub may take it later
                log.warning("dropped a stored contact request the hub refused (%s)", exc.status)
            except Exception:  # unreachable: keep it for the next round
                return 0
            try:
                self._core.requests.delete(request.id)
            except Exception as exc:
                log.warning("request store not updated: %s", type(exc).__name__)
                return 0
        return 0
