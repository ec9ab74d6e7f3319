"""Kiosk clocks: the hub orders, ages and purges by its own time.

A Raspberry Pi has no real-time clock: until NTP answers it may believe it is
1970, or the time of its last shutdown; a clock can also run a day ahead or a
year behind. So:

- Health reports are sent live (QoS 0): each one measures the kiosk's skew
  (its `ts` minus the hub's arrival time), kept on the kiosk's row and alerted
  past `[alerts] clock_skew_s`. Health rows, "last report" and staleness are
  on the hub's clock: a report dated 2099 freezes nothing.
- Usage events may arrive late from the outbox: their time is the kiosk's
  stamp corrected by the skew measured now, unless that lands in the future or
  further back than an outbox can hold (`MAX_EVENT_AGE_S`): the clock was wrong
  when it stamped (1970 before NTP), so the arrival time stands. The stamp as
  reported is kept beside it (`events.kiosk_ts`).
- An event stamped before the kiosk's clock was synchronised says so, with the
  moment on the kiosk's boot clock (`Event.unsynced`, kiosk.clock): the skew
  measured now does not apply to it (the clock jumped since). Health reports
  carry the boot's id and uptime, which place that boot on the hub's clock
  (`kiosks.booted_at`); an unsynced event of that boot is timed from it. One of
  an earlier boot falls back to the rule above.
- Events are purged by their arrival time: a kiosk at 1970 no longer sees its
  events deleted as 56 years old the moment they are stored.
"""

from __future__ import annotations

MAX_AHEAD_S = 60.0
"""An event cannot have happened after it arrived (beyond network and clock noise)."""

MAX_EVENT_AGE_S = 60 * 86400.0
"""Older than this on arrival, an event's stamp is not believed (an outbox holds days)."""


def skew_of(reported_ts: float, received_at: float) -> float:
    """The kiosk's clock minus the hub's, from a message sent live."""
    return reported_ts - received_at


def event_time(
    kiosk_ts: float, received_at: float, skew: float | None, booted_at: float | None = None
) -> float:
    """When an event happened on the hub's clock (see the module docstring).

    `booted_at` is given for an unsynced event of the kiosk's current boot: then
    `kiosk_ts` is its uptime when stamped, not a wall-clock time."""
    if booted_at is not None:
        return min(booted_at + kiosk_ts, received_at)
    corrected = kiosk_ts - (skew or 0.0)
    if corrected > received_at + MAX_AHEAD_S or corrected < received_at - MAX_EVENT_AGE_S:
        return received_at
    return corrected


def since_time(kiosk_ts: float, received_at: float, skew: float | None) -> float:
    """A kiosk-stamped moment in the past (a connection's birth), on the hub's clock:
    corrected by the skew and never after its arrival."""
    return min(kiosk_ts - (skew or 0.0), received_at)
