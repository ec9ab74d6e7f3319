"""The alerts page: open alerts and those closed recently."""

from __future__ import annotations

import time

from fastapi import Request, Response

from hub import fleet
from hub.web.deps import Ops, page_router, services_of
from hub.web.render import render

router = page_router()
ALERTS_CLOSED_DAYS = 7


@router.get("/ops/alerts")
def alerts_page(request: Request, principal: Ops) -> Response:
    """Open alerts, and those closed in the last days."""
    services = services_of(request)
    now = time.time()
    with services.engine.connect() as conn:
        rows = fleet.list_alerts(conn, closed_since=now - ALERTS_CLOSED_DAYS * 86400)
    open_alerts = [a for a in rows if a["closed_at"] is None]
    closed = sorted((a for a in rows if a["closed_at"] is not None), key=lambda a: -a["closed_at"])
    return render(
        request,
        "alerts.html",
        principal=principal,
        nav="alerts",
        open_alerts=len(open_alerts),
        open=open_alerts,
        closed=closed,
        closed_days=ALERTS_CLOSED_DAYS,
    )
