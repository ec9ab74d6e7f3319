"""Response and request models of the JSON API, and the fast builders of its bodies.

The models document the API in OpenAPI. The list endpoints build plain dicts
with the same shape (`kiosk_body`, `alert_body`) and send them as JSON
directly: validating 5,000 kiosks one by one would cost more than the query.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.fleet import parse_health
from hub.protocol import CommandName, Health


def iso(ts: float | None) -> str | None:
    """ISO 8601 UTC of an epoch time, or None."""
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


class AlertOut(BaseModel):
    """An alert on a kiosk; `closed_at` is null while it is open."""

    id: int
    kiosk_id: str
    kind: str = Field(examples=["offline", "disk"])
    detail: str
    opened_at: str = Field(description="ISO 8601 UTC")
    closed_at: str | None = Field(default=None, description="ISO 8601 UTC, null while open")


class KioskOut(BaseModel):
    """A kiosk as the hub knows it. Unregistered kiosks (`registered` false) are not trusted."""

    id: str
    site: str
    territory: str
    registered: bool
    online: bool
    status_since: str | None = Field(description="ISO 8601 UTC of the last online/offline change")
    last_seen: str | None = Field(description="ISO 8601 UTC of the last message")
    last_health_at: str | None
    app_version: str | None
    cpu_temp_c: float | None
    disk_used_pct: float | None
    printer: str | None = Field(description="printer state: ok, paper-low, paper-out, ...")
    ui: str | None = Field(description="up or down")
    health: Health | None = Field(description="the last Health payload as sent by the kiosk")
    alerts: list[AlertOut] = Field(description="open alerts")


class CommandOut(BaseModel):
    """A remote command and where it stands."""

    id: str
    kiosk_id: str
    name: str
    args: dict[str, str]
    created_at: str
    expires_at: str
    created_by: str
    status: Literal["sent", "acked", "failed", "expired"]
    acked_at: str | None
    result: str | None
    detail: str | None


class KioskDetailOut(KioskOut):
    """A kiosk with its latest commands."""

    commands: list[CommandOut] = Field(description="latest commands, newest first")


class CommandIn(BaseModel):
    """A command to send to a kiosk."""

    model_config = ConfigDict(extra="forbid")

    name: CommandName
    args: dict[Annotated[str, Field(max_length=32)], Annotated[str, Field(max_length=280)]] = Field(
        default_factory=dict, max_length=8, examples=[{"text": "Maintenance à 14 h"}]
    )
    ttl_s: Annotated[int, Field(ge=5, le=7 * 86400)] | None = Field(
        default=None, description="seconds before the kiosk must refuse it (default from config)"
    )


class UsageRowOut(BaseModel):
    """Usage figures of one month x territory x kiosk x topic."""

    month: str
    territory: str
    kiosk_id: str
    site: str
    topic: str
    topic_label: str
    sessions: int
    calls_answered: int
    calls_missed: int
    mean_wait_s: float | None
    mean_call_s: float | None
    slips_printed: int


class UsageFiguresOut(BaseModel):
    """Additive figures with their means."""

    sessions: int
    calls_answered: int
    calls_missed: int
    mean_wait_s: float | None
    mean_call_s: float | None
    slips_printed: int


class TerritoryUsageOut(UsageFiguresOut):
    """Figures of one territory."""

    territory: str


class UsageReportOut(BaseModel):
    """The usage report of a calendar month (local time)."""

    month: str
    timezone: str
    start: str
    end: str
    rows: list[UsageRowOut]
    territories: list[TerritoryUsageOut]
    totals: UsageFiguresOut


class ErrorOut(BaseModel):
    """An error; `detail` says what went wrong."""

    detail: Any


def alert_body(row: dict[str, Any]) -> dict[str, Any]:
    """The AlertOut shape of an alert row."""
    return {
        "id": row["id"],
        "kiosk_id": row["kiosk_id"],
        "kind": row["kind"],
        "detail": row["detail"],
        "opened_at": iso(row["opened_at"]),
        "closed_at": iso(row["closed_at"]),
    }


def kiosk_body(row: dict[str, Any]) -> dict[str, Any]:
    """The KioskOut shape of a row from hub.fleet (with `health_json` and `alerts`)."""
    return {
        "id": row["id"],
        "site": row["site"],
        "territory": row["territory"],
        "registered": bool(row["registered"]),
        "online": bool(row["online"]),
        "status_since": iso(row["status_since"]),
        "last_seen": iso(row["last_seen"]),
        "last_health_at": iso(row["last_health_at"]),
        "app_version": row["app_version"],
        "cpu_temp_c": row["cpu_temp_c"],
        "disk_used_pct": row["disk_used_pct"],
        "printer": row["printer"],
        "ui": row["ui"],
        "health": parse_health(row["health_json"]),
        "alerts": [alert_body(a) for a in row["alerts"]],
    }
