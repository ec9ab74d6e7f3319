"""The fleet page and its live-update endpoint (polled by static/fleet.js).

The endpoint reads the database on every call, so any hub replica can answer,
and returns the rows rendered by the same template as the page.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from hub import fleet
from hub.web.deps import Ops, page_router, services_of, thresholds
from hub.web.formatting import local_time
from hub.web.render import render, render_fragment

router = page_router()
LIVE_INTERVAL_S = 5
"""Seconds between two refreshes of the fleet table in the browser."""


DEFAULT_SORT = "severity"
"""Faulty kiosks first: ops see what needs them above the fold."""

MAX_PAGE = 100_000
"""Beyond any fleet; a bigger number would overflow the database's OFFSET."""


def fleet_query(params: Mapping[str, str]) -> fleet.FleetQuery:
    """A FleetQuery from the page's query string; unknown values fall back to defaults."""
    try:
        page = min(max(1, int(params.get("page", "1")[:12])), MAX_PAGE)
    except ValueError:
        page = 1
    sort = params.get("sort", DEFAULT_SORT)
    state = params.get("state", "")
    return fleet.FleetQuery(
        q=params.get("q", "")[:80],
        territory=params.get("territory", "")[:80],
        state=state if state in fleet.STATES else "",
        sort=sort if sort in fleet.SORTS else DEFAULT_SORT,
        desc=params.get("dir") == "desc",
        page=page,
    )


def _query_params(query: fleet.FleetQuery, page: int) -> dict[str, Any]:
    return {
        "q": query.q,
        "territory": query.territory,
        "state": query.state,
        "sort": query.sort,
        "dir": "desc" if query.desc else "asc",
        "page": page if page > 1 else None,
    }


def _fleet_context(request: Request) -> dict[str, Any]:
    services = services_of(request)
    query = fleet_query(request.query_params)
    with services.engine.connect() as conn:
        counts = fleet.fleet_counts(conn)
        page = fleet.fleet_page(conn, query)
        territories = fleet.territories(conn)
    return {
        "counts": counts,
        "page": page,
        "territories": territories,
        "params": _query_params(query, page.page),
        "th": thresholds(services),
        "now": time.time(),
    }


@router.get("/ops")
def fleet_page(request: Request, principal: Ops) -> Response:
    """The fleet table: counts, filters, sortable columns, pages; refreshed live."""
    context = _fleet_context(request)
    return render(
        request,
        "fleet.html",
        principal=principal,
        nav="fleet",
        open_alerts=context["counts"].open_alerts,
        live_interval=LIVE_INTERVAL_S,
        **context,
    )


@router.get("/ops/fleet.json")
def fleet_live(request: Request, principal: Ops) -> JSONResponse:
    """Live update of the fleet page: counts, rows and pager for the same query string."""
    context = _fleet_context(request)
    counts = context["counts"]
    page = context["page"]
    return JSONResponse(
        {
            "counts": {
                "kiosks": counts.kiosks,
                "online": counts.online,
                "offline": counts.offline,
                "unregistered": counts.unregistered,
                "open_alerts": counts.open_alerts,
            },
            "total": page.total,
            "page": page.page,
            "pages": page.pages,
            "ids": [r["id"] for r in page.rows],
            "rows_html": render_fragment("_fleet_rows.html", **context),
            "pager_html": render_fragment("_pager.html", **context),
            "updated": local_time(context["now"], "time"),
        },
        headers={"Cache-Control": "no-store"},
    )
