"""The kiosk API (hub.protocol.kiosk_api): catalog, identify, contact requests.

Authenticated by the kiosk's own bearer token only (`gaia-hub kiosk add`); a
dashboard session cookie or an API token is not a kiosk, and no body can name
another kiosk. There is no CSRF check: no cookie is ever accepted here.

Every refusal is JSON `{"detail": "..."}`: 401 (with `WWW-Authenticate:
Bearer`) for a missing, unknown or revoked token, before the body is read;
429 (with `Retry-After`) past the kiosk's budget of calls or of contact
requests per minute (hub.kiosk_limits); 413 for a body over MAX_BODY_BYTES,
refused without reading it all; 422 for an invalid body (the message names
the field, never the value sent).

Endpoints are plain `def`: FastAPI runs them in its thread pool, so argon2's
deliberate slowness never blocks the event loop. Nothing personal is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import Engine

from hub.accounts import kiosk_for_token
from hub.catalog import build_catalog
from hub.contact_requests import RequestRefused, store_request
from hub.kiosk_limits import Budget
from hub.protocol.kiosk_api import (
    KIOSK_API_PREFIX,
    MAX_BODY_BYTES,
    Catalog,
    ContactRequest,
    ContactRequestAccepted,
    IdentifyRequest,
    IdentifyResult,
)
from hub.seekers import identify
from hub.services import Services

log = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _unauthorized(detail: str) -> JSONResponse:
    return _error(401, detail, {"WWW-Authenticate": "Bearer"})


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _lookup(engine: Engine, token: str) -> str | None:
    with engine.connect() as conn:
        return kiosk_for_token(conn, token)


async def authenticate(request: Request) -> str | JSONResponse:
    """The kiosk id behind the request's bearer token, or the 401 answer."""
    header = request.headers.get("authorization")
    if header is None:
        return _unauthorized("kiosk token required (Authorization: Bearer gaia_k_...)")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _unauthorized("kiosk token required (Authorization: Bearer gaia_k_...)")
    kiosk_id = await run_in_threadpool(_lookup, _services(request).engine, token.strip())
    if kiosk_id is None:
        return _unauthorized("unknown or revoked kiosk token")
    return kiosk_id


async def read_limited_body(request: Request, limit: int = MAX_BODY_BYTES) -> JSONResponse | None:
    """Read the body up to `limit` bytes and keep it for FastAPI; a 413 answer past it.

    A declared Content-Length over the limit is refused before reading anything;
    a chunked body is read only until it passes the limit.
    """
    too_large = _error(413, f"request body over {limit} bytes")
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                return too_large
        except ValueError:
            return _error(400, "invalid Content-Length")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return too_large
    request._body = bytes(body)  # what Request.body() returns from now on
    return None


def _validation_detail(exc: RequestValidationError) -> str:
    """A short description of what is wrong, naming fields but never echoing values."""
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "invalid body: " + "; ".join(parts) if parts else "invalid body"


class KioskRoute(APIRoute):
    """Route class of the kiosk API: token first, then body size, then validation."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler (see the module docstring)."""
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            response: Response
            kiosk = await authenticate(request)
            if isinstance(kiosk, JSONResponse):
                response = kiosk
            else:
                request.state.kiosk_id = kiosk
                refused = _over_budget(request, kiosk)
                if refused is None and request.method not in SAFE_METHODS:
                    refused = await read_limited_body(request)
                if refused is not None:
                    response = refused
                else:
                    try:
                        response = await handler(request)
                    except RequestValidationError as exc:
                        response = _error(422, _validation_detail(exc))
            response.headers.setdefault("Cache-Control", "no-store")
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            return response

        return route_handler


def _over_budget(request: Request, kiosk_id: str) -> JSONResponse | None:
    """The 429 answer when this call is past the kiosk's budget, else None."""
    services = _services(request)
    wait = services.spend(kiosk_id, Budget.API)
    if not wait and request.method == "POST" and request.url.path.endswith("/requests"):
        wait = services.spend(kiosk_id, Budget.REQUESTS)
    if not wait:
        return None
    services.metrics.http_refused.labels(reason="kiosk-rate").inc()
    return _error(
        429, f"too many requests from this kiosk: retry in {wait} s", {"Retry-After": str(wait)}
    )


def _kiosk_id(request: Request) -> str:
    kiosk_id: str = request.state.kiosk_id
    return kiosk_id


KioskId = Annotated[str, Depends(_kiosk_id)]
"""The authenticated kiosk (set by KioskRoute before the endpoint runs)."""

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing, unknown or revoked kiosk token"},
    429: {"description": "past this kiosk's budget per minute; see Retry-After"},
    413: {"description": f"body over {MAX_BODY_BYTES} bytes"},
    422: {"description": "invalid body"},
}

router = APIRouter(
    prefix=KIOSK_API_PREFIX, route_class=KioskRoute, tags=["kiosk"], responses=_ERRORS
)


@router.get("/catalog", response_model=Catalog)
def get_catalog(request: Request, kiosk_id: KioskId) -> Catalog:
    """Topics, partners (open now or not) and communes for this kiosk."""
    services = _services(request)
    signaling = getattr(request.app.state, "signaling", None)
    free = signaling.router.free_pairs() if signaling is not None else frozenset()
    with services.engine.connect() as conn:
        return build_catalog(conn, kiosk_id, services.clock(), free)


@router.post("/identify", response_model=IdentifyResult)
def post_identify(request: Request, body: IdentifyRequest, kiosk_id: KioskId) -> IdentifyResult:
    """Check a personal code and PIN (200 whatever the outcome)."""
    services = _services(request)
    result = identify(
        services.engine, kiosk_id, body.code, body.pin, services.config.kiosk_api, services.clock()
    )
    log.info("identify from %s (%s): %s", kiosk_id, body.method.value, result.result.value)
    return result


@router.post(
    "/requests",
    status_code=201,
    response_model=ContactRequestAccepted,
    responses={200: {"model": ContactRequestAccepted, "description": "a replay"}},
)
def post_request(request: Request, body: ContactRequest, kiosk_id: KioskId) -> Response:
    """Store a call-back or appointment request: 201, or 200 with `duplicate` for a replay."""
    services = _services(request)
    try:
        with services.engine.begin() as conn:
            stored = store_request(conn, kiosk_id, body, services.clock())
    except RequestRefused as exc:
        return _error(422, str(exc))
    log.info(
        "contact request from %s: %s (%s)%s",
        kiosk_id,
        body.kind.value,
        body.reason.value,
        "" if stored.created else ", a replay",
    )
    accepted = ContactRequestAccepted(id=stored.id, duplicate=not stored.created)
    status = 201 if stored.created else 200
    return JSONResponse(accepted.model_dump(mode="json"), status_code=status)
