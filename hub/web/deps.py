"""What the dashboard pages share: role dependencies, services, thresholds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from hub.accounts import Role
from hub.auth import Principal, require
from hub.services import Services
from hub.web.security import WebRoute

Ops = Annotated[Principal, Depends(require(Role.OPS))]
"""A route parameter admitting the ops and admin roles only."""

Adviser = Annotated[Principal, Depends(require(Role.ADVISER))]
"""A route parameter admitting every staff role (adviser, ops, admin)."""


def page_router() -> APIRouter:
    """A router for dashboard pages (auth errors as pages, security headers)."""
    return APIRouter(route_class=WebRoute, include_in_schema=False)


def services_of(request: Request) -> Services:
    """The hub's services (hub.services.Services) behind a request."""
    services: Services = request.app.state.services
    return services


def thresholds(services: Services) -> dict[str, float]:
    """Where measures turn to warning and critical on the pages (from [alerts])."""
    alerts = services.config.alerts
    return {
        "temp_bad": alerts.cpu_temp_c,
        "temp_warn": alerts.cpu_temp_c - 10,
        "disk_bad": alerts.disk_used_pct,
        "disk_warn": alerts.disk_used_pct - 10,
        "stale_s": alerts.offline_after_s,
    }
