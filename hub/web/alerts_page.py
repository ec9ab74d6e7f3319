"""The alerts page: open alerts and those closed recently."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse

from hub import fleet
from hub.web.deps import Ops, page_router, services_of
from hub.web.render import render

router = page_router()
ALERTS_CLOSED_DAYS = 7


@router.get("/ops/alerts")
def alerts_page(request: Request, principal: Ops, acked: str = "") -> Response:
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
        acked=acked == "1",
        note_max=fleet.ACK_NOTE_MAX,
    )


@router.post("/ops/alerts/{alert_id}/ack")
def alert_ack(
    request: Request,
    alert_id: int,
    principal: Ops,
    note: Annotated[str, Form(max_length=fleet.ACK_NOTE_MAX)] = "",
) -> Response:
    """Take an open alert on, with a note (who and when are recorded and audited)."""
    services = services_of(request)
    with services.engine.begin() as conn:
        done = fleet.acknowledge(conn, alert_id, principal.actor, note)
    if not done:
        return render(
            request,
            "error.html",
            principal=principal,
            status_code=404,
            title="Alerte introuvable",
            message="Cette alerte n'existe pas ou elle est déjà fermée.",
        )
    return RedirectResponse(f"/ops/alerts?acked=1#alert-{alert_id}", status_code=303)
