"""Serving the hub: uvicorn with the HTTP limits, a raised open-file limit, quiet refusals."""

from __future__ import annotations

import asyncio
import logging
import resource
from dataclasses import replace
from typing import Any

import uvicorn
from fastapi import FastAPI

from hub.config import HubConfig
from hub.http_limits import HttpLimits, Refusals, guarded_protocols
from hub.logs import RateLimitedLog

log = logging.getLogger(__name__)

WS_MAX_FRAME = 1024 * 1024
"""Signaling frames over MAX_MESSAGE_BYTES get a 1008 with a reason from the hub; far
larger ones are cut by uvicorn (1009) before they are buffered."""
BACKLOG = 128
"""The listen backlog, which is also how many connections asyncio accepts in one go
before any of them is looked at (and refused): it bounds a burst's file descriptors."""
SPARE_FILES = 3 * BACKLOG + 100
"""Open files kept free beyond the connection cap: a burst's accepted sockets live a loop
turn or two before their refusal closes them (measured: up to three backlogs), then the
database, the broker, logs and sockets."""


def http_limits(config: HubConfig) -> HttpLimits:
    """The [http] limits as hub.http_limits takes them."""
    http = config.http
    return HttpLimits(
        per_ip=http.max_connections_per_ip,
        total=http.max_connections,
        header_timeout_s=http.header_timeout_s,
        body_timeout_s=http.body_timeout_s,
        max_body_bytes=http.max_body_bytes,
        exempt=tuple(http.trusted_proxies),
    )


def raise_open_files(wanted: int) -> int:
    """Raise the soft open-file limit towards `wanted` (up to the hard limit); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return int(soft)


def server_config(
    app: FastAPI, config: HubConfig, *, log_level: str = "info", port: int | None = None
) -> uvicorn.Config:
    """The uvicorn configuration of a hub (hub.cli serve, the demo, the tests' live hubs);
    `port` overrides [http] port."""
    limits = http_limits(config)
    files = raise_open_files(limits.total + SPARE_FILES)
    if files < limits.total + SPARE_FILES:
        # The connection cap must refuse before the kernel does (EMFILE on accept).
        capped = max(10, files - SPARE_FILES)
        log.warning(
            "open-file limit %d is below [http] max_connections %d + %d: serving at most %d "
            "connections (raise LimitNOFILE)",
            files,
            limits.total,
            SPARE_FILES,
            capped,
        )
        limits = replace(limits, total=capped)
    http_class, ws_class = guarded_protocols(limits, Refusals(app.state.services.metrics))
    return uvicorn.Config(
        app,
        host=config.http.host,
        port=config.http.port if port is None else port,
        log_level=log_level,
        access_log=False,
        proxy_headers=False,  # [http] trusted_proxies decides whom to believe (hub.auth)
        http=http_class,
        ws=ws_class,
        ws_max_size=WS_MAX_FRAME,
        backlog=BACKLOG,
        timeout_keep_alive=int(max(1, config.http.keepalive_timeout_s)),
        lifespan="on",
    )


def quiet_loop_errors(loop: asyncio.AbstractEventLoop) -> None:
    """Log the event loop's errors (accept() failing with EMFILE, say) once per interval,
    not once per connection attempt."""
    limited = RateLimitedLog(logging.getLogger("hub.loop"), 10.0)
    default = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = str(context.get("message", "event loop error"))
        if "accept" in message or isinstance(context.get("exception"), OSError):
            exc = context.get("exception")
            limited.warning(message, "%s: %s", message, exc)
            return
        if default is not None:
            default(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
