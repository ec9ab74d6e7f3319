"""Times, durations and dates in the session's language (through the gettext catalogs)."""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

from kiosk.ui.i18n import Translator, _

LOCAL_TZ = ZoneInfo("Europe/Paris")

WEEKDAYS = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)
MONTHS = (
    _("January"),
    _("February"),
    _("March"),
    _("April"),
    _("May"),
    _("June"),
    _("July"),
    _("August"),
    _("September"),
    _("October"),
    _("November"),
    _("December"),
)


def format_duration(seconds: float) -> str:
    """`1:05` for 65 seconds (the same in every language)."""
    whole = max(0, int(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def minutes_label(t: Translator, seconds: float) -> str:
    """ "About 3 minutes" (at least one)."""
    minutes = max(1, math.ceil(seconds / 60))
    return t.n("About {n} minute", "About {n} minutes", minutes).format(n=minutes)


def format_when(t: Translator, when: datetime) -> str:
    """ "Tuesday 1 December at 10:00" in local time, in the session's language."""
    local = when.astimezone(LOCAL_TZ) if when.tzinfo else when
    return t("{weekday} {day} {month} at {time}").format(
        weekday=t(WEEKDAYS[local.weekday()]),
        day=local.day,
        month=t(MONTHS[local.month - 1]),
        time=t("{hour}:{minute:02d}").format(hour=local.hour, minute=local.minute),
    )
