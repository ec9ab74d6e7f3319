"""The requests page: call-back and appointment requests waiting for someone.

Open to every staff role (advisers handle the requests). Each open request
shows when and where it was made, about what, and who to contact; "Traité"
marks it handled (a CSRF-checked POST), which takes it off the list. Handled
and old requests are purged on the retention schedule (hub.runtime.purge_old).
"""

from __future__ import annotations

import time

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from hub import fleet
from hub.contact_requests import mark_handled, open_requests
from hub.web.deps import Adviser, page_router, services_of
from hub.web.render import render

router = page_router()


@router.get("/requests")
def requests_page(request: Request, principal: Adviser, done: str = "") -> Response:
    """Open requests, oldest first."""
    services = services_of(request)
    with services.engine.connect() as conn:
        rows = open_requests(conn)
        open_alerts = fleet.fleet_counts(conn).open_alerts if principal.role != "adviser" else None
    return render(
        request,
        "requests.html",
        principal=principal,
        nav="requests",
        open_alerts=open_alerts,
        requests=rows,
        done=done == "1",
        now=time.time(),
    )


@router.post("/requests/{request_id}/handled")
def request_handled(request: Request, request_id: str, principal: Adviser) -> Response:
    """Mark a request handled, then back to the list (a second click changes nothing)."""
    services = services_of(request)
    with services.engine.begin() as conn:
        mark_handled(conn, request_id[:64], principal.actor)
    return RedirectResponse("/requests?done=1", status_code=303)
