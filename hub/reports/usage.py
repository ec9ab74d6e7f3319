"""The funders' usage report: month x territory x kiosk x topic.

A *session* is one random session id seen on a kiosk's events in the month.
It is attributed to the topic found on its events (session.started carries
none; when a person changed their mind, the alphabetically last topic wins),
or to "none". Per group the report gives:

- sessions;
- calls answered and calls missed (call.answered / call.missed events);
- mean wait in seconds, over answered *and* missed calls (both carry the wait);
- mean call length in seconds (call.ended values);
- slips printed (slip.printed events).

The SQL is portable (SQLite and PostgreSQL): one pass over the month's events,
filtered on an epoch range computed in Python, grouped per session and then
per kiosk and topic. Sums and counts come back, not averages, so totals over
several rows keep exact means.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, and_, case, func, select

from hub.reports.periods import local_tz, month_range
from hub.store import schema

NO_TOPIC = "none"
NO_TOPIC_LABEL = "Sans thème"

CSV_COLUMNS = (
    "month",
    "territory",
    "kiosk_id",
    "site",
    "topic",
    "topic_label",
    "sessions",
    "calls_answered",
    "calls_missed",
    "mean_wait_s",
    "mean_call_s",
    "slips_printed",
)
"""Header of the CSV export, one row per month x territory x kiosk x topic."""

_WAIT_TYPES = ("call.answered", "call.missed")


@dataclass
class UsageFigures:
    """Additive usage figures; means are derived from sums and counts."""

    sessions: int = 0
    calls_answered: int = 0
    calls_missed: int = 0
    wait_sum_s: float = 0.0
    waits: int = 0
    call_sum_s: float = 0.0
    calls_ended: int = 0
    slips_printed: int = 0

    @property
    def mean_wait_s(self) -> float | None:
        """Mean wait of answered and missed calls, or None without calls."""
        return self.wait_sum_s / self.waits if self.waits else None

    @property
    def mean_call_s(self) -> float | None:
        """Mean call length, or None without ended calls."""
        return self.call_sum_s / self.calls_ended if self.calls_ended else None

    def add(self, other: UsageFigures) -> None:
        """Accumulate `other` into these figures."""
        self.sessions += other.sessions
        self.calls_answered += other.calls_answered
        self.calls_missed += other.calls_missed
        self.wait_sum_s += other.wait_sum_s
        self.waits += other.waits
        self.call_sum_s += other.call_sum_s
        self.calls_ended += other.calls_ended
        self.slips_printed += other.slips_printed

    def as_dict(self) -> dict[str, Any]:
        """The public figures (means rounded to 0.1 s)."""
        return {
            "sessions": self.sessions,
            "calls_answered": self.calls_answered,
            "calls_missed": self.calls_missed,
            "mean_wait_s": _round(self.mean_wait_s),
            "mean_call_s": _round(self.mean_call_s),
            "slips_printed": self.slips_printed,
        }


@dataclass
class UsageRow(UsageFigures):
    """Figures of one territory x kiosk x topic in the month."""

    territory: str = ""
    kiosk_id: str = ""
    site: str = ""
    topic: str = NO_TOPIC
    topic_label: str = NO_TOPIC_LABEL


@dataclass
class UsageReport:
    """A month's report: rows sorted by territory, kiosk and topic, with totals."""

    month: str
    start: float
    end: float
    rows: list[UsageRow]
    totals: UsageFigures
    by_territory: dict[str, UsageFigures]
    by_territory_topic: dict[tuple[str, str], int]  # sessions
    topics: dict[str, str] = field(default_factory=dict)  # topic id -> label, as seen

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of the report."""
        return {
            "month": self.month,
            "timezone": str(local_tz()),
            "start": datetime.fromtimestamp(self.start, UTC).isoformat(),
            "end": datetime.fromtimestamp(self.end, UTC).isoformat(),
            "rows": [row_dict(self.month, r) for r in self.rows],
            "territories": [
                {"territory": t, **f.as_dict()} for t, f in sorted(self.by_territory.items())
            ],
            "totals": self.totals.as_dict(),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def row_dict(month: str, row: UsageRow) -> dict[str, Any]:
    """One report row as a dict with the CSV columns."""
    return {
        "month": month,
        "territory": row.territory,
        "kiosk_id": row.kiosk_id,
        "site": row.site,
        "topic": row.topic,
        "topic_label": row.topic_label,
        **row.as_dict(),
    }


def topic_labels(conn: Connection) -> dict[str, str]:
    """French topic labels from the `topics` table."""
    t = schema.topics.c
    return {r.id: r.label_fr for r in conn.execute(select(t.id, t.label_fr))}


def usage_report(conn: Connection, month: str) -> UsageReport:
    """Compute the usage report of a calendar month (YYYY-MM, local time)."""
    start, end = month_range(month)
    e, k = schema.events.c, schema.kiosks.c
    is_wait = and_(e.type.in_(_WAIT_TYPES), e.value.is_not(None))
    is_call = and_(e.type == "call.ended", e.value.is_not(None))
    per_session = (
        select(
            e.kiosk_id.label("kiosk_id"),
            func.max(e.topic).label("topic"),
            func.sum(case((e.type == "call.answered", 1), else_=0)).label("answered"),
            func.sum(case((e.type == "call.missed", 1), else_=0)).label("missed"),
            func.sum(case((is_wait, e.value), else_=0.0)).label("wait_sum"),
            func.sum(case((is_wait, 1), else_=0)).label("waits"),
            func.sum(case((is_call, e.value), else_=0.0)).label("call_sum"),
            func.sum(case((is_call, 1), else_=0)).label("calls"),
            func.sum(case((e.type == "slip.printed", 1), else_=0)).label("slips"),
        )
        .where(e.ts >= start, e.ts < end, e.session.is_not(None))
        .group_by(e.kiosk_id, e.session)
        .subquery("per_session")
    )
    s = per_session.c
    stmt = (
        select(
            k.territory,
            s.kiosk_id,
            k.site,
            s.topic,
            func.count().label("sessions"),
            func.sum(s.answered),
            func.sum(s.missed),
            func.sum(s.wait_sum),
            func.sum(s.waits),
            func.sum(s.call_sum),
            func.sum(s.calls),
            func.sum(s.slips),
        )
        .select_from(per_session.outerjoin(schema.kiosks, k.id == s.kiosk_id))
        .group_by(k.territory, s.kiosk_id, k.site, s.topic)
    )
    labels = topic_labels(conn)
    rows: list[UsageRow] = []
    for r in conn.execute(stmt):
        topic = r.topic or NO_TOPIC
        rows.append(
            UsageRow(
                territory=r.territory or "",
                kiosk_id=r.kiosk_id,
                site=r.site or "",
                topic=topic,
                topic_label=NO_TOPIC_LABEL if topic == NO_TOPIC else labels.get(topic, topic),
                sessions=int(r.sessions),
                calls_answered=int(r[5] or 0),
                calls_missed=int(r[6] or 0),
                wait_sum_s=float(r[7] or 0),
                waits=int(r[8] or 0),
                call_sum_s=float(r[9] or 0),
                calls_ended=int(r[10] or 0),
                slips_printed=int(r[11] or 0),
            )
        )
    rows.sort(key=lambda r: (r.territory, r.kiosk_id, r.topic == NO_TOPIC, r.topic))
    totals = UsageFigures()
    by_territory: dict[str, UsageFigures] = {}
    by_territory_topic: dict[tuple[str, str], int] = {}
    topics: dict[str, str] = {}
    for row in rows:
        totals.add(row)
        by_territory.setdefault(row.territory, UsageFigures()).add(row)
        key = (row.territory, row.topic)
        by_territory_topic[key] = by_territory_topic.get(key, 0) + row.sessions
        topics[row.topic] = row.topic_label
    return UsageReport(month, start, end, rows, totals, by_territory, by_territory_topic, topics)


CSV_COLUMNS_FR = {
    "month": "Mois",
    "territory": "Territoire",
    "kiosk_id": "Borne",
    "site": "Lieu",
    "topic": "Code du thème",
    "topic_label": "Thème",
    "sessions": "Sessions",
    "calls_answered": "Appels aboutis",
    "calls_missed": "Appels sans réponse",
    "mean_wait_s": "Attente moyenne (min)",
    "mean_call_s": "Durée moyenne d'appel (min)",
    "slips_printed": "Tickets imprimés",
}
"""The French header of each column; the two durations are in minutes there."""

_MINUTES = frozenset({"mean_wait_s", "mean_call_s"})


def usage_csv(report: UsageReport, dialect: Literal["fr", "plain"] = "fr") -> str:
    """The report as CSV: a header row, then one row per territory x kiosk x topic.

    "fr" is what French spreadsheets open as columns: French headers, `;` between
    fields, decimal commas, durations in minutes, and a UTF-8 byte-order mark (without
    it Excel reads the accents as Latin-1). "plain" is for programs: English column
    names, commas, seconds, no mark."""
    out = io.StringIO()
    french = dialect == "fr"
    writer = csv.writer(out, delimiter=";" if french else ",", lineterminator="\r\n")
    if french:
        out.write("\ufeff")
        writer.writerow([CSV_COLUMNS_FR[c] for c in CSV_COLUMNS])
    else:
        writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        values = row_dict(report.month, row)
        writer.writerow([_cell(c, values[c], french) for c in CSV_COLUMNS])
    return out.getvalue()


def _cell(column: str, value: Any, french: bool) -> str:
    if value is None:
        return ""
    if not french or not isinstance(value, float):
        return str(value)
    if column in _MINUTES:
        value = value / 60
    return f"{value:.1f}".replace(".", ",")
