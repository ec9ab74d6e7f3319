"""JSON API for ops tools and scripts (`/api/v1`, documented at /api/openapi.json).

Authentication: `Authorization: Bearer gaia_t_...` (an API token) or the
dashboard's session cookie (then state-changing calls need `X-CSRF-Token`).
Every endpoint needs the ops or admin role. Errors are JSON: {"detail": ...}.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from hub import fleet
from hub.accounts import Role
from hub.api.encoding import kiosks_json
from hub.api.models import (
    AlertOut,
    CommandIn,
    CommandOut,
    ErrorOut,
    KioskDetailOut,
    KioskOut,
    UsageReportOut,
    alert_body,
    kiosk_body,
)
from hub.auth import AuthError, CsrfRejected, Forbidden, Principal, csrf_protect, require
from hub.commands import CommandError, get_command
from hub.reports.periods import PeriodError, current_month
from hub.reports.usage import usage_csv, usage_report
from hub.services import Services

RECENT_CLOSED_S = 7 * 86400
MAX_OFFSET = 10**9
"""Larger offsets overflow the database's 64-bit OFFSET: 422, not 500."""
KioskIdPath = Annotated[str, Path(max_length=64, description="kiosk id")]
CommandIdPath = Annotated[str, Path(max_length=64, description="command id")]


def _auth_error(exc: AuthError) -> JSONResponse:
    if isinstance(exc, Forbidden):
        return JSONResponse(
            {"detail": f"the role {exc.principal.role} may not use this endpoint (ops or admin)"},
            status_code=403,
        )
    if isinstance(exc, CsrfRejected):
        return JSONResponse({"detail": f"CSRF check failed: {exc}"}, status_code=403)
    return JSONResponse(
        {"detail": "authentication required: a bearer API token or a dashboard session"},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


class ApiRoute(APIRoute):
    """Route class of the API: auth errors become JSON 401/403; responses are not cached."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler to translate hub.auth errors."""
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except AuthError as exc:
                response = _auth_error(exc)
            response.headers.setdefault("Cache-Control", "no-store")
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            return response

        return route_handler


router = APIRouter(
    prefix="/api/v1",
    route_class=ApiRoute,
    dependencies=[Depends(csrf_protect)],
    responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}},
)

Ops = Annotated[Principal, Depends(require(Role.OPS))]


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _error(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


@router.get("/kiosks", response_model=list[KioskOut], tags=["kiosks"])
def list_kiosks(
    request: Request,
    principal: Ops,
    q: Annotated[str, Query(max_length=80, description="text in the id or site")] = "",
    territory: Annotated[str, Query(max_length=80)] = "",
    state: Literal["online", "offline", "alerting", "unregistered"] | None = None,
    limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    """Every kiosk (or those matching the filters), by id, with its last health and open alerts."""
    flt = fleet.FleetFilter(q=q, territory=territory, state=state or "")
    with _services(request).engine.connect() as conn:
        rows, alerts = fleet.kiosk_rows(conn, flt, limit=limit, offset=offset)
    return Response(kiosks_json(rows, alerts), media_type="application/json")


@router.get(
    "/kiosks/{kiosk_id}",
    response_model=KioskDetailOut,
    responses={404: {"model": ErrorOut}},
    tags=["kiosks"],
)
def get_kiosk(request: Request, kiosk_id: KioskIdPath, principal: Ops) -> Response:
    """One kiosk with its last health, open alerts and latest commands."""
    with _services(request).engine.connect() as conn:
        row = fleet.get_kiosk(conn, kiosk_id)
        commands = fleet.recent_commands(conn, kiosk_id, limit=20) if row else []
    if row is None:
        return _error(404, f"no kiosk {kiosk_id!r}")
    return JSONResponse({**kiosk_body(row), "commands": commands})


@router.post(
    "/kiosks/{kiosk_id}/commands",
    status_code=202,
    response_model=CommandOut,
    responses={400: {"model": ErrorOut}, 404: {"model": ErrorOut}},
    tags=["commands"],
)
def send_command(
    request: Request, kiosk_id: KioskIdPath, body: CommandIn, principal: Ops
) -> Response:
    """Send a remote command; 202 with the command (poll GET /commands/{id} for its status)."""
    services = _services(request)
    with services.engine.connect() as conn:
        known = fleet.get_kiosk(conn, kiosk_id) is not None
    if not known:
        return _error(404, f"no kiosk {kiosk_id!r}")
    try:
        command = services.commands.send(
            kiosk_id, body.name.value, body.args, actor=principal.actor, ttl_s=body.ttl_s
        )
    except CommandError as exc:
        return _error(400, str(exc))
    return JSONResponse(
        command, status_code=202, headers={"Location": f"/api/v1/commands/{command['id']}"}
    )


@router.get(
    "/commands/{command_id}",
    response_model=CommandOut,
    responses={404: {"model": ErrorOut}},
    tags=["commands"],
)
def read_command(request: Request, command_id: CommandIdPath, principal: Ops) -> Response:
    """A command with its status: sent, acked, failed or expired."""
    command = get_command(_services(request).engine, command_id)
    if command is None:
        return _error(404, f"no command {command_id!r}")
    return JSONResponse(command)


@router.get("/alerts", response_model=list[AlertOut], tags=["alerts"])
def list_alerts(
    request: Request,
    principal: Ops,
    all: Annotated[bool, Query(description="also alerts closed in the last 7 days")] = False,
) -> Response:
    """Open alerts, newest first (with `all=1`, recently closed ones too)."""
    closed_since = time.time() - RECENT_CLOSED_S if all else None
    with _services(request).engine.connect() as conn:
        rows = fleet.list_alerts(conn, closed_since=closed_since)
    return JSONResponse([alert_body(r) for r in rows])


@router.get(
    "/reports/usage",
    response_model=UsageReportOut,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        422: {"model": ErrorOut},
    },
    tags=["reports"],
)
def usage(
    request: Request,
    principal: Ops,
    month: Annotated[
        str | None, Query(max_length=7, description="YYYY-MM; default: this month")
    ] = None,
    format: Literal["json", "csv", "csv-plain"] = "json",
) -> Response:
    """The usage report of a month, as JSON or CSV (one row per territory x kiosk x topic):
    `csv` for French spreadsheets (French headers, `;`, minutes, UTF-8 BOM), `csv-plain`
    for programs (English names, commas, seconds)."""
    month = month or current_month()
    try:
        with _services(request).engine.connect() as conn:
            report = usage_report(conn, month)
    except PeriodError as exc:
        return _error(422, str(exc))
    if format in ("csv", "csv-plain"):
        return Response(
            usage_csv(report, "fr" if format == "csv" else "plain"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="gaia-usage-{month}.csv"'},
        )
    return JSONResponse(report.as_dict())
