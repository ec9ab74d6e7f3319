"""The requests page: call-back and appointment requests waiting for someone.

Open to every staff role (advisers handle the requests); an adviser sees and
acts on their own partner's requests only, for the topics they handle
(hub.contact_requests.visible_topics). Each open request shows when and where
it was made, about what, and who to contact (each phone shown is audited);
"Traité" marks it handled (a CSRF-checked POST), which takes it off the list. Handled
and old requests are purged on the retention schedule (hub.runtime.purge_old).
"""

from __future__ import annotations

import time

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import Connection, select

from hub import fleet
from hub.contact_requests import audit_phones_shown, mark_handled, open_requests, visible_topics
from hub.store import schema
from hub.web.deps import Adviser, page_router, services_of
from hub.web.render import render

router = page_router()


@router.get("/requests")
def requests_page(request: Request, principal: Adviser, done: str = "") -> Response:
    """Open requests, oldest first."""
    services = services_of(request)
    with services.engine.begin() as conn:
        rows = open_requests(conn, visible_topics(conn, principal))
        audit_phones_shown(conn, principal.actor, rows)
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
    """Mark a request handled, then back to the list (a second click changes nothing).

    Another partner's request is answered as an unknown one (404): nothing changes.
    """
    services = services_of(request)
    with services.engine.begin() as conn:
        topics = visible_topics(conn, principal)
        done = mark_handled(conn, request_id[:64], principal.actor, topics=topics)
        exists = done or _exists(conn, request_id[:64], topics)
    if not exists:
        return render(
            request,
            "error.html",
            principal=principal,
            status_code=404,
            title="Demande introuvable",
            message="Cette demande n'existe pas ou ne relève pas de votre structure.",
        )
    return RedirectResponse("/requests?done=1", status_code=303)


def _exists(conn: Connection, request_id: str, topics: frozenset[str] | None) -> bool:
    """True when the request exists (handled or not) and is within `topics`."""
    c = schema.contact_requests.c
    where = [c.id == request_id, *([c.topic.in_(topics)] if topics is not None else [])]
    return conn.execute(select(c.id).where(*where)).first() is not None
