"""The adviser's console: answer kiosk calls in the browser, no install.

The page is a shell; everything live goes through the adviser WebSocket
(hub.protocol.signaling, ADVISER_WS_PATH), authenticated by the same session
cookie and checked against the page's Origin. The browser asks for the camera
and the microphone, so this page alone relaxes the Permissions-Policy for them.
"""

from __future__ import annotations

from fastapi import Request, Response

from hub import fleet
from hub.protocol.signaling import ADVISER_WS_PATH
from hub.web.deps import Adviser, page_router, services_of
from hub.web.render import render

router = page_router()

CONSOLE_PERMISSIONS = "camera=(self), microphone=(self), geolocation=()"


@router.get("/console")
def console_page(request: Request, principal: Adviser, relay: str = "") -> Response:
    """The console shell (availability, incoming calls, the call itself)."""
    services = services_of(request)
    open_alerts = None
    if principal.role != "adviser":
        with services.engine.connect() as conn:
            open_alerts = fleet.fleet_counts(conn).open_alerts
    response = render(
        request,
        "console.html",
        principal=principal,
        nav="console",
        open_alerts=open_alerts,
        ws_path=ADVISER_WS_PATH,
        force_relay=relay == "1",
    )
    response.headers["Permissions-Policy"] = CONSOLE_PERMISSIONS
    return response
