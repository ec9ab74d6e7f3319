"""Read queries over the fleet, shared by the dashboard pages and the JSON API.

Everything here reads the database only (several hub replicas may serve the
same fleet), returns plain dicts and dataclasses with epoch-second times, and
runs a fixed, small number of statements whatever the number of kiosks: the
open alerts of a page of kiosks come in one query, never one per row.
"""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Row,
    Select,
    and_,
    case,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from hub.commands import command_dict
from hub.store import schema

STATES = ("online", "offline", "alerting", "unregistered")
"""Values of the state filter."""

SORTS = (
    "severity",
    "id",
    "site",
    "territory",
    "state",
    "since",
    "health",
    "temp",
    "disk",
    "printer",
    "version",
    "alerts",
)
"""Columns the fleet table can be sorted by."""

MAX_PER_PAGE = 200

_k = schema.kiosks.c
_a = schema.alerts.c

ROW_COLUMNS = (
    _k.id,
    _k.site,
    _k.territory,
    _k.registered,
    _k.online,
    _k.status_since,
    _k.last_seen,
    _k.last_health_at,
    _k.app_version,
    _k.cpu_temp_c,
    _k.disk_used_pct,
    _k.printer,
    _k.ui,
    _k.outbox_dropped_recent,
    _k.registered_at,
)
"""The kiosk columns pages and the API show (never the credential hashes)."""

KIOSK_FIELDS = (*(c.name for c in ROW_COLUMNS), "health_json")
"""Field order of the rows kiosk_select(with_health=True) and kiosk_rows return."""


@dataclass(frozen=True)
class FleetFilter:
    """Which kiosks to list: free text on id/site, a territory, a state (see STATES)."""

    q: str = ""
    territory: str = ""
    state: str = ""


@dataclass(frozen=True)
class FleetQuery(FleetFilter):
    """A filter plus sort order and page (1-based) for the fleet table."""

    sort: str = "id"
    desc: bool = False
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class FleetCounts:
    """Header figures of the fleet page."""

    kiosks: int  # registered kiosks
    online: int
    offline: int
    unregistered: int
    open_alerts: int
    alerting: int  # kiosks with at least one open alert


@dataclass
class FleetPage:
    """One page of the fleet table; each row has its open alerts under `alerts`."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    per_page: int
    query: FleetQuery = field(default_factory=FleetQuery)


@dataclass(frozen=True)
class HealthPoint:
    """The mean of one time bucket of health reports."""

    ts: float
    cpu_temp_c: float | None
    load1: float | None
    mem_used_pct: float | None
    disk_used_pct: float | None
    samples: int


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _open_alert_exists() -> ColumnElement[bool]:
    # closed_at IS NULL lets SQLite use the partial unique index ux_alerts_open.
    return exists().where(_a.kiosk_id == _k.id, _a.closed_at.is_(None))


def _open_alert_count() -> ColumnElement[int]:
    return (
        select(func.count())
        .select_from(schema.alerts)
        .where(_a.kiosk_id == _k.id, _a.closed_at.is_(None))
        .scalar_subquery()
    )


def filter_conditions(flt: FleetFilter) -> list[ColumnElement[bool]]:
    """SQL conditions on `kiosks` for a filter (unknown states are ignored)."""
    conds: list[ColumnElement[bool]] = []
    q = flt.q.strip()
    if q:
        pattern = f"%{_escape_like(q)}%"
        conds.append(or_(_k.id.ilike(pattern, escape="\\"), _k.site.ilike(pattern, escape="\\")))
    if flt.territory:  # any spelling of it (hub.territories)
        conds.append(func.lower(func.trim(_k.territory)) == " ".join(flt.territory.split()).lower())
    if flt.state == "online":
        conds += [_k.registered.is_(True), _k.online.is_(True)]
    elif flt.state == "offline":
        conds += [_k.registered.is_(True), _k.online.is_(False)]
    elif flt.state == "unregistered":
        conds.append(_k.registered.is_(False))
    elif flt.state == "alerting":
        conds.append(_open_alert_exists())
    return conds


def _severity() -> ColumnElement[int]:
    """Lower is worse, so that ascending puts the kiosks that need someone first:
    offline, then not registered (a device ops do not know), then with an open alert."""
    return case(
        (_k.registered.is_(False), -3),
        (_k.online.is_(False), -4),
        (_open_alert_exists(), -2),
        else_=0,
    )


def _order_by(sort: str, desc: bool) -> list[Any]:
    keys: dict[str, list[Any]] = {
        # the page's default: worst first, then more open alerts, then the longest so
        "severity": [_severity(), -_open_alert_count(), _k.status_since],
        "id": [_k.id],
        "site": [_k.site],
        "territory": [_k.territory, _k.site],
        # ascending: unregistered, then offline, then online; oldest change first
        "state": [_k.registered, _k.online, _k.status_since],
        "since": [_k.status_since],
        "health": [_k.last_health_at],
        "temp": [_k.cpu_temp_c],
        "disk": [_k.disk_used_pct],
        "printer": [_k.printer],
        "version": [_k.app_version],
        "alerts": [_open_alert_count()],
    }
    columns = keys.get(sort, keys["id"])
    order = [(c.desc() if desc else c.asc()).nulls_last() for c in columns]
    if sort != "id":
        order.append(_k.id.asc())  # stable pages
    return order


def fleet_counts(conn: Connection) -> FleetCounts:
    """Counts for the fleet header (two aggregate queries)."""
    reg = _k.registered.is_(True)
    row = conn.execute(
        select(
            func.coalesce(func.sum(case((reg, 1), else_=0)), 0).label("kiosks"),
            func.coalesce(func.sum(case((and_(reg, _k.online.is_(True)), 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(reg, _k.online.is_(False)), 1), else_=0)), 0),
            func.coalesce(func.sum(case((_k.registered.is_(False), 1), else_=0)), 0),
        )
    ).one()
    alerts = conn.execute(
        select(func.count(), func.count(func.distinct(_a.kiosk_id))).where(_a.closed_at.is_(None))
    ).one()
    return FleetCounts(
        kiosks=int(row[0]),
        online=int(row[1]),
        offline=int(row[2]),
        unregistered=int(row[3]),
        open_alerts=int(alerts[0]),
        alerting=int(alerts[1]),
    )


def fleet_page(conn: Connection, query: FleetQuery) -> FleetPage:
    """One sorted, filtered page of kiosks with their open alerts (three queries)."""
    conds = filter_conditions(query)
    total = int(
        conn.execute(select(func.count()).select_from(schema.kiosks).where(*conds)).scalar_one()
    )
    per_page = max(1, min(query.per_page, MAX_PER_PAGE))
    pages = max(1, math.ceil(total / per_page))
    page = max(1, min(query.page, pages))
    stmt = (
        select(*ROW_COLUMNS)
        .where(*conds)
        .order_by(*_order_by(query.sort, query.desc))
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = [r._asdict() for r in conn.execute(stmt)]
    alerts = open_alerts_by_kiosk(conn, [r["id"] for r in rows])
    for r in rows:
        r["alerts"] = alerts.get(r["id"], [])
    return FleetPage(rows, total, page, pages, per_page, query)


def kiosk_select(flt: FleetFilter | None = None, *, with_health: bool = True) -> Select[Any]:
    """SELECT of kiosk rows (optionally with `health_json`) matching a filter, by id."""
    columns = [*ROW_COLUMNS, _k.health_json] if with_health else list(ROW_COLUMNS)
    stmt = select(*columns).order_by(_k.id)
    if flt is not None:
        stmt = stmt.where(*filter_conditions(flt))
    return stmt


def kiosk_rows(
    conn: Connection, flt: FleetFilter | None = None, *, limit: int | None = None, offset: int = 0
) -> tuple[list[Row[Any]], dict[str, list[dict[str, Any]]]]:
    """Kiosks matching `flt` by id (with `health_json`), and their open alerts by kiosk.

    Two queries whatever the number of kiosks. Rows are SQLAlchemy Rows whose
    fields are KIOSK_FIELDS; index access is the cheapest for thousands of rows.
    """
    stmt = kiosk_select(flt)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    rows = list(conn.execute(stmt))
    # A short list asks for its own alerts; a long one reads all open alerts (few) at once.
    ids = [r.id for r in rows] if len(rows) <= 500 else None
    return rows, open_alerts_by_kiosk(conn, ids)


def list_kiosks(
    conn: Connection, flt: FleetFilter | None = None, *, limit: int | None = None, offset: int = 0
) -> list[dict[str, Any]]:
    """Kiosks matching `flt` by id as dicts, with `health_json` and open `alerts`."""
    rows, alerts = kiosk_rows(conn, flt, limit=limit, offset=offset)
    result = []
    for row in rows:
        kiosk = row._asdict()
        kiosk["alerts"] = alerts.get(row.id, [])
        result.append(kiosk)
    return result


def get_kiosk(conn: Connection, kiosk_id: str) -> dict[str, Any] | None:
    """One kiosk with `health_json` and its open `alerts`, or None when unknown."""
    row = conn.execute(kiosk_select().where(_k.id == kiosk_id)).first()
    if row is None:
        return None
    kiosk = row._asdict()
    kiosk["alerts"] = open_alerts_by_kiosk(conn, [kiosk_id]).get(kiosk_id, [])
    return kiosk


def parse_health(text: str | None) -> dict[str, Any] | None:
    """The last Health payload stored on a kiosk, or None when absent or unreadable."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def open_alerts_by_kiosk(
    conn: Connection, kiosk_ids: Sequence[str] | None
) -> dict[str, list[dict[str, Any]]]:
    """Open alerts grouped by kiosk, oldest first; None means every kiosk (one query)."""
    if kiosk_ids is not None and not kiosk_ids:
        return {}
    stmt = (
        select(_a.id, _a.kiosk_id, _a.kind, _a.detail, _a.opened_at, _a.closed_at)
        .where(_a.closed_at.is_(None))
        .order_by(_a.opened_at, _a.id)
    )
    if kiosk_ids is not None:
        stmt = stmt.where(_a.kiosk_id.in_(list(kiosk_ids)))
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in conn.execute(stmt):
        grouped[r.kiosk_id].append(r._asdict())
    return dict(grouped)


def list_alerts(
    conn: Connection,
    *,
    closed_since: float | None = None,
    kiosk_id: str | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Open alerts, plus those closed after `closed_since` when given; newest first.

    Rows carry the kiosk's `site` and `territory` (empty for an unknown kiosk).
    """
    state: ColumnElement[bool] = _a.closed_at.is_(None)
    if closed_since is not None:
        state = or_(state, _a.closed_at >= closed_since)
    stmt = (
        select(
            _a.id,
            _a.kiosk_id,
            _a.kind,
            _a.detail,
            _a.opened_at,
            _a.closed_at,
            _a.acked_at,
            _a.acked_by,
            _a.ack_note,
            func.coalesce(_k.site, "").label("site"),
            func.coalesce(_k.territory, "").label("territory"),
        )
        .select_from(schema.alerts.outerjoin(schema.kiosks, _k.id == _a.kiosk_id))
        .where(state)
        .order_by(_a.opened_at.desc(), _a.id.desc())
        .limit(limit)
    )
    if kiosk_id is not None:
        stmt = stmt.where(_a.kiosk_id == kiosk_id)
    return [r._asdict() for r in conn.execute(stmt)]


def health_series(
    conn: Connection, kiosk_id: str, start: float, end: float, buckets: int = 150
) -> list[HealthPoint]:
    """Health reports of `kiosk_id` in [start, end) averaged into about `buckets` points.

    Bucketing happens in SQL (bucket = floor((ts - start) / width)); each point's
    time is the mean time of its samples.
    """
    h = schema.health.c
    width = max((end - start) / max(buckets, 1), 1.0)
    bucket = floor_nonneg((h.ts - start) / width)
    stmt = (
        select(
            func.avg(h.ts),
            func.avg(h.cpu_temp_c),
            func.avg(h.load1),
            func.avg(h.mem_used_pct),
            func.avg(h.disk_used_pct),
            func.count(),
        )
        .where(h.kiosk_id == kiosk_id, h.ts >= start, h.ts < end)
        .group_by(bucket)
        .order_by(func.min(h.ts))
    )
    return [
        HealthPoint(
            ts=float(r[0]),
            cpu_temp_c=_float(r[1]),
            load1=_float(r[2]),
            mem_used_pct=_float(r[3]),
            disk_used_pct=_float(r[4]),
            samples=int(r[5]),
        )
        for r in conn.execute(stmt)
    ]


class floor_nonneg(FunctionElement[int]):
    """FLOOR() of a non-negative number, portable: SQLite has no FLOOR() unless built
    with its math functions, and there CAST(x AS INTEGER) truncates, which is the
    same for x >= 0 (PostgreSQL's CAST rounds, so it needs the real FLOOR)."""

    type = Integer()
    inherit_cache = True
    name = "floor"


@compiles(floor_nonneg)
def _floor_default(element: floor_nonneg, compiler: SQLCompiler, **kw: Any) -> str:
    return f"FLOOR({compiler.process(element.clauses, **kw)})"


@compiles(floor_nonneg, "sqlite")
def _floor_sqlite(element: floor_nonneg, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def recent_events(conn: Connection, kiosk_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The kiosk's latest usage events, newest first (no personal data in them)."""
    e = schema.events.c
    stmt = (
        select(e.id, e.ts, e.type, e.session, e.topic, e.value, e.detail)
        .where(e.kiosk_id == kiosk_id)
        .order_by(e.ts.desc())
        .limit(limit)
    )
    return [r._asdict() for r in conn.execute(stmt)]


def recent_commands(conn: Connection, kiosk_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """The kiosk's latest commands, newest first, in their public form (command_dict)."""
    c = schema.commands.c
    stmt = (
        select(schema.commands)
        .where(c.kiosk_id == kiosk_id)
        .order_by(c.created_at.desc())
        .limit(limit)
    )
    return [command_dict(r._asdict()) for r in conn.execute(stmt)]


def territories(conn: Connection) -> list[str]:
    """The territories kiosks belong to, sorted, each once whatever its spellings (the
    most used one shown: hub.territories); empty ones left out."""
    from hub.territories import key

    stmt = select(_k.territory, func.count()).where(_k.territory != "").group_by(_k.territory)
    best: dict[str, tuple[int, str]] = {}
    for spelling, count in conn.execute(stmt):
        k = key(spelling)
        if k and (k not in best or (count, spelling) > best[k]):
            best[k] = (count, spelling)
    return sorted((spelling for _, spelling in best.values()), key=key)


ACK_NOTE_MAX = 300


def acknowledge(
    conn: Connection, alert_id: int, actor: str, note: str, now: float | None = None
) -> bool:
    """Record that `actor` took an open alert on, with a note (a later one replaces it);
    audited. False when the alert is unknown or already closed."""
    from hub.accounts import audit

    now = time.time() if now is None else now
    note = " ".join(note.split())[:ACK_NOTE_MAX]
    result = conn.execute(
        update(schema.alerts)
        .where(_a.id == alert_id, _a.closed_at.is_(None))
        .values(acked_at=now, acked_by=actor[:200], ack_note=note)
    )
    if result.rowcount == 0:
        return False
    audit(conn, actor, "alert.ack", str(alert_id), note[:200])
    return True
