"""Dashboard pages: log-in, fleet (with live updates), kiosk, alerts, usage report.

Pages are rendered on the server (Jinja2, autoescaped); a little JavaScript
refreshes the fleet table. Every state-changing request goes through
`hub.auth.csrf_protect` (router-wide); the pages require the ops role, except
the contact requests page, open to advisers too.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse

from hub.auth import csrf_protect
from hub.web import (
    alerts_page,
    console_page,
    fleet_page,
    kiosk_page,
    login,
    requests_page,
    usage_page,
)
from hub.web.security import WebRoute

router = APIRouter(
    route_class=WebRoute, dependencies=[Depends(csrf_protect)], include_in_schema=False
)


@router.get("/")
def home() -> RedirectResponse:
    """The dashboard's home is the fleet page."""
    return RedirectResponse("/ops", status_code=303)


for _module in (
    login,
    fleet_page,
    kiosk_page,
    alerts_page,
    usage_page,
    requests_page,
    console_page,
):
    router.include_router(_module.router)
