"""French formatting of times, durations and numbers for the dashboard (Jinja filters)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from hub.reports.periods import local_tz

WEEKDAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
NBSP = "\u00a0"


def to_epoch(value: float | str | None) -> float | None:
    """Epoch seconds from a float or an ISO 8601 string (as in command_dict); None stays."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError:
            return None
    return float(value)


def iso(value: float | str | None) -> str:
    """ISO 8601 UTC, for `<time datetime>` attributes; empty for None."""
    ts = to_epoch(value)
    return "" if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def duration(seconds: float) -> str:
    """A short French duration: "12 s", "5 min", "2 h 05", "3 j 4 h"."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}{NBSP}s"
    if s < 3600:
        return f"{s // 60}{NBSP}min"
    if s < 86400:
        hours, minutes = s // 3600, s % 3600 // 60
        return f"{hours}{NBSP}h{NBSP}{minutes:02d}" if minutes else f"{hours}{NBSP}h"
    days, hours = s // 86400, s % 86400 // 3600
    return f"{days}{NBSP}j{NBSP}{hours}{NBSP}h" if hours else f"{days}{NBSP}j"


def ago(value: float | str | None, now: float | None = None) -> str:
    """Relative time in French: "il y a 5 min", "à l'instant", or "jamais" for None."""
    ts = to_epoch(value)
    if ts is None:
        return "jamais"
    delta = (time.time() if now is None else now) - ts
    if delta < 45:
        return "à l'instant"
    return f"il y a {duration(delta)}"


def local_time(value: float | str | None, style: str = "full") -> str:
    """Local (Paris) time: style "full" 23/11/2026 14:05, "short" 23/11 14:05, "time" 14:05:07."""
    ts = to_epoch(value)
    if ts is None:
        return "—"
    moment = datetime.fromtimestamp(ts, local_tz())
    if style == "time":
        return moment.strftime("%H:%M:%S")
    if style == "short":
        return moment.strftime("%d/%m %H:%M")
    return moment.strftime("%d/%m/%Y %H:%M")


def month_label(month: str) -> str:
    """French month name: "2026-03" -> "mars 2026"."""
    year, _, mon = month.partition("-")
    try:
        return f"{MONTHS[int(mon) - 1]} {year}"
    except (ValueError, IndexError):
        return month


def number(value: float | int | None, digits: int = 1, unit: str = "") -> str:
    """French number: decimal comma, thin-space thousands; "—" for None."""
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")
    return f"{text}{NBSP}{unit}" if unit else text
