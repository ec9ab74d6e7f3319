"""The usage report page for funders (the CSV comes from the API)."""

from __future__ import annotations

from fastapi import Request, Response

from hub import fleet
from hub.reports.periods import PeriodError, current_month, parse_month, shift_month
from hub.reports.usage import NO_TOPIC, usage_report
from hub.web import charts
from hub.web.deps import Ops, page_router, services_of
from hub.web.render import render

router = page_router()


@router.get("/ops/reports/usage")
def usage_page(request: Request, principal: Ops, month: str = "") -> Response:
    """The funders' usage report of a month, with a chart and a CSV link."""
    services = services_of(request)
    month = month.strip() or current_month()
    try:
        parse_month(month)
    except PeriodError as exc:
        bad = month
        month = current_month()
        return render(
            request,
            "usage.html",
            principal=principal,
            nav="usage",
            status_code=400,
            month=month,
            prev_month=shift_month(month, -1),
            next_month=shift_month(month, 1),
            report=None,
            chart="",
            error=f"Mois invalide « {bad[:20]} » : {exc}",
        )
    with services.engine.connect() as conn:
        report = usage_report(conn, month)
        open_alerts = fleet.fleet_counts(conn).open_alerts
    totals_by_topic: dict[str, int] = {}
    for (_territory, topic), sessions in report.by_territory_topic.items():
        totals_by_topic[topic] = totals_by_topic.get(topic, 0) + sessions
    order = sorted(totals_by_topic, key=lambda t: (t == NO_TOPIC, -totals_by_topic[t], t))
    bars = [
        (
            territory or "(sans territoire)",
            [(t, report.by_territory_topic.get((territory, t), 0)) for t in order],
        )
        for territory in sorted(report.by_territory)
    ]
    chart = charts.stacked_bars(
        bars,
        labels=report.topics,
        colours=charts.topic_colours(order),
        title=f"Sessions par territoire et par thème, {month}",
    )
    return render(
        request,
        "usage.html",
        principal=principal,
        nav="usage",
        open_alerts=open_alerts,
        month=month,
        prev_month=shift_month(month, -1),
        next_month=shift_month(month, 1),
        report=report,
        chart=chart,
        error="",
    )
