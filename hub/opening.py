"""Partners' weekly opening schedules, machine-readable: is a partner open now?

A schedule is a `;`-separated list of clauses, each a set of days and a set of
time ranges in local (Europe/Paris) time:

    "mon-fri 09:00-12:00,14:00-17:00; sat 09:00-12:00"
    "tue,thu 14:00-17:00"

Days are `mon tue wed thu fri sat sun`, alone, in ranges (`mon-fri`, `fri-mon`
wraps) or listed with commas. A range's end is excluded; `24:00` is midnight at
the end of the day. An empty schedule is never open (hours unknown).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

from hub.errors import HubError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]?[0-9]|2[0-4]):([0-5][0-9])$")


class OpeningError(HubError, ValueError):
    """A schedule that cannot be read; the message says what is wrong."""


@dataclass(frozen=True)
class Schedule:
    """A parsed weekly schedule: for each weekday (0 = Monday), minute ranges [start, end)."""

    text: str
    days: tuple[tuple[tuple[int, int], ...], ...]

    def is_open(self, moment: datetime, tz: tzinfo | None = None) -> bool:
        """True when `moment` (aware; converted to `tz` when given) falls in an opening."""
        local = moment.astimezone(tz) if tz is not None else moment
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.days[local.weekday()])


def _minutes(text: str, clause: str) -> int:
    match = _TIME.match(text)
    if not match:
        raise OpeningError(f"not a time (HH:MM) in {clause!r}: {text!r}")
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if minutes > 24 * 60:
        raise OpeningError(f"time past 24:00 in {clause!r}: {text!r}")
    return minutes


def _day(text: str, clause: str) -> int:
    try:
        return DAYS.index(text)
    except ValueError:
        raise OpeningError(f"unknown day {text!r} in {clause!r} (use {', '.join(DAYS)})") from None


def _days(spec: str, clause: str) -> set[int]:
    result: set[int] = set()
    for item in spec.split(","):
        first, dash, last = item.strip().partition("-")
        start = _day(first.strip(), clause)
        end = _day(last.strip(), clause) if dash else start
        day = start
        while True:
            result.add(day)
            if day == end:
                break
            day = (day + 1) % 7
    return result


def parse_opening(text: str) -> Schedule:
    """Parse a schedule (see the module docstring); raises OpeningError."""
    days: list[list[tuple[int, int]]] = [[] for _ in DAYS]
    for raw in text.lower().split(";"):
        clause = raw.strip()
        if not clause:
            continue
        day_spec, _, range_spec = clause.partition(" ")
        if not range_spec.strip():
            raise OpeningError(f"no hours after the days in {clause!r}")
        ranges = []
        for item in range_spec.replace(" ", "").split(","):
            start_text, dash, end_text = item.partition("-")
            if not dash:
                raise OpeningError(f"not a time range (HH:MM-HH:MM) in {clause!r}: {item!r}")
            start, end = _minutes(start_text, clause), _minutes(end_text, clause)
            if end <= start:
                raise OpeningError(f"a range must end after it starts in {clause!r}: {item!r}")
            ranges.append((start, end))
        for day in _days(day_spec, clause):
            days[day].extend(ranges)
    return Schedule(text, tuple(tuple(sorted(d)) for d in days))


__all__ = ["DAYS", "OpeningError", "Schedule", "parse_opening"]
