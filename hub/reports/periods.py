"""Calendar months as epoch ranges, in the local time of the kiosks' region.

Funders count by calendar month as lived in France, so a month runs from the
1st at 00:00 to the next 1st at 00:00, Europe/Paris time (UTC if the system
has no time-zone data). Bounds are computed here, in Python, so the SQL only
compares epoch seconds and stays portable.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.errors import HubError

LOCAL_TZ_NAME = "Europe/Paris"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

log = logging.getLogger(__name__)


class PeriodError(HubError, ValueError):
    """A month that cannot be read; the message is fit for the user."""


@cache
def local_tz() -> tzinfo:
    """The region's time zone (Europe/Paris), or UTC when tz data is missing."""
    try:
        return ZoneInfo(LOCAL_TZ_NAME)
    except ZoneInfoNotFoundError:
        log.warning("time zone %s not found; using UTC", LOCAL_TZ_NAME)
        return UTC


def parse_month(text: str) -> tuple[int, int]:
    """(year, month) of a `YYYY-MM` string; raises PeriodError."""
    match = _MONTH.match(text.strip())
    if not match:
        raise PeriodError(f"month must look like 2026-03, not {text!r}")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise PeriodError(f"no such month: {text!r}")
    return year, month


def shift_month(month: str, delta: int) -> str:
    """The month `delta` months after `month` (YYYY-MM)."""
    year, mon = parse_month(month)
    index = year * 12 + (mon - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_range(month: str) -> tuple[float, float]:
    """[start, end) epoch seconds of a calendar month in local time."""
    year, mon = parse_month(month)
    tz = local_tz()
    start = datetime(year, mon, 1, tzinfo=tz)
    nyear, nmon = parse_month(shift_month(month, 1))
    end = datetime(nyear, nmon, 1, tzinfo=tz)
    return start.timestamp(), end.timestamp()


def current_month(now: float | None = None) -> str:
    """The local calendar month containing `now` (default: the present), as YYYY-MM."""
    moment = datetime.fromtimestamp(time.time() if now is None else now, local_tz())
    return f"{moment.year:04d}-{moment.month:02d}"
