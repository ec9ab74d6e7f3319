"""The hub's composition root: builds the ASGI app and its background services."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine

from hub import __version__
from hub.commands import CommandSender
from hub.config import HubConfig
from hub.files import private_dir
from hub.http_limits import BodyLimits, Refusals
from hub.metrics import Metrics
from hub.server import http_limits, quiet_loop_errors
from hub.services import Services
from hub.store import connect, migrate

log = logging.getLogger(__name__)


def create_app(
    config: HubConfig, *, engine: Engine | None = None, background: bool = True
) -> FastAPI:
    """The hub application.

    With `background=False` no broker, ingest or alert loop starts: the pages and
    the API work on the database alone (commands then fail as `broker unreachable`).
    """
    private_dir(config.state_dir)
    engine = engine or connect(config.db_url)
    migrate(engine)
    metrics = Metrics()
    services = Services(
        config=config,
        engine=engine,
        metrics=metrics,
        commands=CommandSender(engine, None, config.commands.default_ttl_s),
        state_dir=config.state_dir,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from hub.signaling.service import start_signaling

        quiet_loop_errors(asyncio.get_running_loop())
        app.state.signaling = start_signaling(services)
        runner = None
        if background:
            from hub.runtime import Runtime

            runner = Runtime(services)
            app.state.runtime = runner
            await runner.start()
        try:
            yield
        finally:
            if runner is not None:
                await runner.stop()
            await app.state.signaling.stop()
            services.login_guard.close()

    app = FastAPI(
        title="Gaïa hub",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        # No Swagger UI: it loads from a CDN (broken offline, no integrity check, outside
        # the pages' CSP). The OpenAPI JSON is the documentation; any viewer reads it.
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services
    app.add_middleware(BodyLimits, limits=http_limits(config), refusals=Refusals(services.metrics))

    from hub.api.kiosk import router as kiosk_router
    from hub.api.routes import router as api_router
    from hub.signaling.sockets import router as signaling_router
    from hub.web.routes import router as web_router

    app.include_router(api_router)
    app.include_router(kiosk_router)
    app.include_router(signaling_router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(packages=[("hub.web", "static")]), name="static")

    @app.get("/healthz", include_in_schema=False)
    async def healthz(request: Request) -> Response:
        """For load balancers and monitoring: 503 once ingest has been stuck too long."""
        body: dict[str, object] = {"status": "ok", "version": __version__}
        runtime = getattr(request.app.state, "runtime", None)
        ingest = runtime.ingest if runtime is not None else None
        status = 200
        if ingest is not None:
            stuck = ingest.stuck_for()
            body |= {
                "mqtt_connected": ingest.connected,
                "ingest_lag_s": round(ingest.lag_s(), 1),
                "store_error": ingest.last_error if stuck else None,
            }
            if stuck > config.ingest.stuck_after_s:
                body["status"], status = "ingest-stuck", 503
        return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})

    @app.get("/metrics", include_in_schema=False)
    async def prometheus(request: Request) -> Response:
        runtime = getattr(request.app.state, "runtime", None)
        if runtime is not None and runtime.ingest is not None:
            metrics.ingest_lag.set(runtime.ingest.lag_s())
        signaling = getattr(request.app.state, "signaling", None)
        if signaling is not None:  # read on the loop that owns the router
            metrics.calls_active.set(signaling.router.active_calls())
            metrics.advisers_connected.set(signaling.router.connected_advisers())
            metrics.advisers_free.set(signaling.router.free_advisers())
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
