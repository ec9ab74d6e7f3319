"""Writes one batch of validated messages in a single transaction.

Idempotent: health and events are keyed by their message id, so a message the
broker delivers twice (after a reconnect, or to a restarted hub) is a no-op.
Kiosks are known by the topic they publish on; an id never registered gets a
row flagged `registered = false` and is shown as such, never trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    Engine,
    Float,
    String,
    bindparam,
    case,
    func,
    select,
    update,
)

from hub.commands import apply_acks
from hub.ingest.clock import event_time, since_time, skew_of
from hub.ingest.clones import CloneWatch
from hub.protocol import Channel, Event, Health, Status
from hub.store import schema, upsert_ignore
from hub.store.bulk import BulkStatement, insert_ignore


@dataclass(slots=True)
class Inbound:
    """One validated message, as the consumer hands it to the writer."""

    kiosk_id: str
    channel: Channel
    message: Any
    received_at: float
    retained: bool = False


@dataclass(slots=True)
class BatchResult:
    """What a batch wrote, by channel (duplicates are not counted as new)."""

    counts: dict[str, int]
    new_events: int
    new_kiosks: int


class BatchWriter:
    """Persists batches; keeps a cache of the kiosk ids that have a row."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._known: set[str] = set()
        self.clones = CloneWatch()

    def write(self, batch: list[Inbound]) -> BatchResult:
        """Write `batch` in one transaction."""
        counts: dict[str, int] = {}
        for item in batch:
            counts[item.channel.value] = counts.get(item.channel.value, 0) + 1
        with self.engine.begin() as conn:
            new_kiosks = self._ensure_kiosks(conn, {item.kiosk_id for item in batch})
            self._health(conn, [i for i in batch if i.channel is Channel.HEALTH])
            statuses = [i for i in batch if i.channel is Channel.STATUS]
            events = [i for i in batch if i.channel is Channel.EVENTS]
            clocks = _clocks(conn, {i.kiosk_id for i in statuses + events})
            skews = {k: c.skew for k, c in clocks.items() if c.skew is not None}
            self._statuses(conn, statuses, skews)
            new_events = EVENTS_INSERT.execute_rows(
                conn, [_event_row(i, clocks.get(i.kiosk_id)) for i in events]
            )
            apply_acks(
                conn,
                [
                    (i.kiosk_id, i.message, i.received_at)
                    for i in batch
                    if i.channel is Channel.ACKS
                ],
            )
            self._last_seen(conn, batch)
        return BatchResult(counts, new_events, new_kiosks)

    def _ensure_kiosks(self, conn: Connection, ids: set[str]) -> int:
        missing = ids - self._known
        if not missing:
            return 0
        existing = set(
            conn.execute(
                select(schema.kiosks.c.id).where(schema.kiosks.c.id.in_(missing))
            ).scalars()
        )
        unknown = missing - existing
        upsert_ignore(
            conn, schema.kiosks, [{"id": k, "registered": False, "online": False} for k in unknown]
        )
        self._known |= ids
        return len(unknown)

    def forget(self, kiosk_id: str) -> None:
        """Drop a kiosk id from the cache (after it was deleted)."""
        self._known.discard(kiosk_id)

    def _statuses(self, conn: Connection, items: list[Inbound], skews: dict[str, float]) -> None:
        if not items:
            return
        cloned = {
            i.kiosk_id: i.received_at
            for i in items
            if i.message.state == "online"
            and not i.retained
            and self.clones.birth(i.kiosk_id, i.message.instance, i.received_at)
        }
        if cloned:
            conn.execute(
                update(schema.kiosks).where(schema.kiosks.c.id == bindparam("kid")),
                [{"kid": kid, "clone_seen_at": at} for kid, at in cloned.items()],
            )
        k = schema.kiosks.c
        stmt = (
            update(schema.kiosks)
            .where(k.id == bindparam("kid"))
            .values(
                status_since=case(
                    (k.status_since.is_(None), bindparam("since", type_=Float)),
                    (
                        k.online != bindparam("is_online", type_=Boolean),
                        bindparam("since", type_=Float),
                    ),
                    else_=k.status_since,
                ),
                online=bindparam("is_online", type_=Boolean),
                app_version=func.coalesce(bindparam("version", type_=String), k.app_version),
            )
        )
        rows = []
        for item in sorted(items, key=lambda i: i.received_at):
            status: Status = item.message
            online = status.state == "online"
            # A birth heard live happened now. A retained one (the hub restarted) dates
            # from the kiosk's connection, on its clock: corrected by its skew, never
            # later than its arrival. A will's is stale (set at connect time), so an
            # offline transition dates from when we learnt it.
            since = (
                since_time(status.ts.timestamp(), item.received_at, skews.get(item.kiosk_id))
                if online and item.retained
                else item.received_at
            )
            rows.append(
                {
                    "kid": item.kiosk_id,
                    "is_online": online,
                    "since": since,
                    "version": status.app_version,
                }
            )
        conn.execute(stmt, rows)

    @staticmethod
    def _health(conn: Connection, items: list[Inbound]) -> None:
        if not items:
            return
        HEALTH_INSERT.execute_rows(conn, [_health_row(i) for i in items])
        latest: dict[str, Inbound] = {}
        for item in items:  # the last to arrive is the current state (hub.ingest.clock)
            current = latest.get(item.kiosk_id)
            if current is None or item.received_at >= current.received_at:
                latest[item.kiosk_id] = item
        KIOSK_HEALTH_UPDATE.execute(
            conn,
            [
                {
                    "kid": kid,
                    "hts": item.received_at,
                    "skew": skew_of((h := item.message).ts.timestamp(), item.received_at),
                    "boot": h.boot,
                    "booted": None if h.boot is None else item.received_at - h.uptime_s,
                    "version": h.app_version,
                    "temp": h.cpu_temp_c,
                    "disk": h.disk_used_pct,
                    "printer_state": h.devices.printer.value,
                    "ui_state": h.ui,
                    "dropped": h.outbox_dropped_recent,
                    "hjson": h.model_dump_json(),
                }
                for kid, item in latest.items()
            ],
        )

    @staticmethod
    def _last_seen(conn: Connection, batch: list[Inbound]) -> None:
        seen: dict[str, float] = {}
        for item in batch:
            seen[item.kiosk_id] = max(seen.get(item.kiosk_id, 0.0), item.received_at)
        LAST_SEEN_UPDATE.execute(conn, [{"kid": kid, "seen": ts} for kid, ts in seen.items()])


_k = schema.kiosks.c
HEALTH_KEYS = (
    "kiosk_id", "ts", "cpu_temp_c", "load1", "mem_used_pct", "disk_used_pct",
    "printer", "ui", "outbox_pending",
)  # fmt: skip
EVENT_KEYS = (
    "id", "kiosk_id", "ts", "received_at", "type", "session", "topic", "value", "detail",
    "kiosk_ts",
)  # fmt: skip
HEALTH_INSERT = BulkStatement(insert_ignore(schema.health), HEALTH_KEYS)
EVENTS_INSERT = BulkStatement(insert_ignore(schema.events), EVENT_KEYS)
KIOSK_HEALTH_UPDATE = BulkStatement(
    update(schema.kiosks)
    .where(_k.id == bindparam("kid"))
    # Never let an earlier arrival (another replica's late batch) overwrite a later one.
    .where((_k.last_health_at.is_(None)) | (_k.last_health_at <= bindparam("hts", type_=Float)))
    .values(
        last_health_at=bindparam("hts"),
        clock_skew_s=bindparam("skew"),
        boot_id=bindparam("boot"),
        booted_at=bindparam("booted"),
        app_version=bindparam("version"),
        cpu_temp_c=bindparam("temp"),
        disk_used_pct=bindparam("disk"),
        printer=bindparam("printer_state"),
        ui=bindparam("ui_state"),
        outbox_dropped_recent=bindparam("dropped"),
        health_json=bindparam("hjson"),
    )
)
LAST_SEEN_UPDATE = BulkStatement(
    update(schema.kiosks)
    .where(_k.id == bindparam("kid"))
    .values(
        last_seen=case(
            (_k.last_seen.is_(None), bindparam("seen", type_=Float)),
            (_k.last_seen < bindparam("seen", type_=Float), bindparam("seen", type_=Float)),
            else_=_k.last_seen,
        )
    )
)


@dataclass(frozen=True, slots=True)
class KioskClock:
    """What the hub measured of a kiosk's clocks (hub.ingest.clock)."""

    skew: float | None
    boot: str | None
    booted_at: float | None


def _clocks(conn: Connection, kiosk_ids: set[str]) -> dict[str, KioskClock]:
    """The measured clocks of these kiosks."""
    if not kiosk_ids:
        return {}
    rows = conn.execute(
        select(_k.id, _k.clock_skew_s, _k.boot_id, _k.booted_at).where(_k.id.in_(kiosk_ids))
    )
    return {r.id: KioskClock(r.clock_skew_s, r.boot_id, r.booted_at) for r in rows}


def _event_row(item: Inbound, clock: KioskClock | None) -> tuple[Any, ...]:
    """An events row, in EVENT_KEYS order: its time on the hub's clock (hub.ingest.clock)."""
    event: Event = item.message
    stamped = event.ts.timestamp()
    when = event_time(stamped, item.received_at, clock.skew if clock else None)
    boot = event.unsynced
    if boot is not None and clock and clock.booted_at is not None and boot.boot == clock.boot:
        when = event_time(boot.uptime_s, item.received_at, None, clock.booted_at)
    return (
        event.id,
        item.kiosk_id,
        when,
        item.received_at,
        event.type.value,
        event.session,
        event.topic,
        event.value,
        event.detail,
        stamped,
    )


def _health_row(item: Inbound) -> tuple[Any, ...]:
    """A health row, in HEALTH_KEYS order, timed by its arrival (hub.ingest.clock)."""
    h: Health = item.message
    return (
        item.kiosk_id,
        item.received_at,
        h.cpu_temp_c,
        h.load1,
        h.mem_used_pct,
        h.disk_used_pct,
        h.devices.printer.value,
        h.ui,
        h.outbox_pending,
    )
