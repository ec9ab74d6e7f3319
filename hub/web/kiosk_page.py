"""One kiosk's page: identity, current health, charts, events, alerts, commands."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse

from hub import fleet
from hub.auth import Principal
from hub.commands import CommandError, get_command
from hub.reports.usage import NO_TOPIC, topic_labels
from hub.services import Services
from hub.web import charts
from hub.web.deps import Ops, page_router, services_of, thresholds
from hub.web.formatting import number
from hub.web.render import render

router = page_router()
RANGES = {"24h": 86400, "7d": 7 * 86400}
"""Chart periods, in seconds."""


def _command_error(message: str) -> str:
    """A French wording of the command errors ops staff meet most."""
    if "non-empty 'text'" in message:
        return "Le message à afficher est vide."
    if message.startswith("no registered kiosk"):
        return "Cette borne n'est pas enregistrée : aucune commande ne peut lui être envoyée."
    if message.startswith("unknown command"):
        return f"Commande inconnue ({message})."
    return f"Commande refusée : {message}"


def _charts(services: Services, kiosk_id: str, range_key: str, now: float) -> list[dict[str, Any]]:
    span = RANGES[range_key]
    start = now - span
    with services.engine.connect() as conn:
        points = fleet.health_series(conn, kiosk_id, start, now, buckets=150)
    th = thresholds(services)
    gap = max(span / 150 * 2.5, 3 * 60)
    specs: list[tuple[str, str, str, dict[str, Any], int]] = [
        ("cpu_temp_c", "Température CPU", "°C", {"threshold": th["temp_bad"]}, 1),
        ("load1", "Charge (1 min)", "", {"y_min": 0.0}, 2),
        ("mem_used_pct", "Mémoire utilisée", "%", {"y_min": 0.0, "y_max": 100.0}, 0),
        (
            "disk_used_pct",
            "Disque utilisé",
            "%",
            {"y_min": 0.0, "y_max": 100.0, "threshold": th["disk_bad"]},
            0,
        ),
    ]
    result = []
    for attr, title, unit, options, digits in specs:
        series = [(p.ts, getattr(p, attr)) for p in points]
        values = [v for _, v in series if v is not None]
        summary = (
            f"dernier {number(values[-1], digits, unit)} · max {number(max(values), digits, unit)}"
            if values
            else "aucune donnée"
        )
        svg = charts.line_chart(
            series,
            start=start,
            end=now,
            title=f"{title} sur {'24 heures' if range_key == '24h' else '7 jours'}",
            unit=unit,
            gap_s=gap,
            digits=digits,
            **options,
        )
        result.append({"title": title, "summary": summary, "svg": svg})
    return result


def _kiosk_response(
    request: Request,
    principal: Principal,
    kiosk_id: str,
    *,
    range_key: str = "24h",
    sent: str = "",
    error: str = "",
    status_code: int = 200,
) -> Response:
    services = services_of(request)
    range_key = range_key if range_key in RANGES else "24h"
    now = time.time()
    with services.engine.connect() as conn:
        kiosk = fleet.get_kiosk(conn, kiosk_id)
        if kiosk is None:
            return render(
                request,
                "error.html",
                principal=principal,
                status_code=404,
                title="Borne inconnue",
                message=f"Aucune borne « {kiosk_id} » n'est connue du hub.",
            )
        alerts = fleet.list_alerts(conn, kiosk_id=kiosk_id, closed_since=now - 30 * 86400, limit=50)
        events = fleet.recent_events(conn, kiosk_id, limit=50)
        commands = fleet.recent_commands(conn, kiosk_id, limit=15)
        topics = topic_labels(conn)
        open_alerts = fleet.fleet_counts(conn).open_alerts
    sent_command = get_command(services.engine, sent) if sent else None
    if sent_command is not None and sent_command["kiosk_id"] != kiosk_id:
        sent_command = None
    return render(
        request,
        "kiosk.html",
        principal=principal,
        status_code=status_code,
        nav="fleet",
        open_alerts=open_alerts,
        kiosk=kiosk,
        health=fleet.parse_health(kiosk["health_json"]),
        th=thresholds(services),
        alerts=alerts,
        events=events,
        commands=commands,
        topics={NO_TOPIC: "—", **topics},
        charts=_charts(services, kiosk_id, range_key, now),
        range=range_key,
        sent=sent_command,
        error=error,
    )


@router.get("/ops/kiosks/{kiosk_id}")
def kiosk_page(
    request: Request, kiosk_id: str, principal: Ops, range: str = "24h", sent: str = ""
) -> Response:
    """One kiosk: identity, current health, charts, events, alerts and commands."""
    return _kiosk_response(request, principal, kiosk_id, range_key=range, sent=sent[:64])


@router.post("/ops/kiosks/{kiosk_id}/commands")
def kiosk_command(
    request: Request,
    kiosk_id: str,
    principal: Ops,
    name: Annotated[str, Form(max_length=40)] = "",
    text: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Send a remote command from the kiosk page, then show it with its status."""
    services = services_of(request)
    with services.engine.connect() as conn:
        known = fleet.get_kiosk(conn, kiosk_id) is not None
    if not known:
        return _kiosk_response(request, principal, kiosk_id)  # the 404 page
    args = {"text": text.strip()} if name == "show-message" else {}
    try:
        command = services.commands.send(kiosk_id, name, args, actor=principal.actor)
    except CommandError as exc:
        return _kiosk_response(
            request, principal, kiosk_id, error=_command_error(str(exc)), status_code=400
        )
    return RedirectResponse(
        f"/ops/kiosks/{kiosk_id}?sent={command['id']}#commands", status_code=303
    )
