"""Writes one batch of validated messages in a single transaction.

Idempotent: health and events are keyed by their message id, so a message the
broker delivers twice (after a reconnect, or to a restarted hub) is a no-op.
Kiosks are known by the topic they publish on; an id never registered gets a
row flagged `registered = false` and is shown as such, never trusted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, case, select, update

from hub.commands import apply_acks
from hub.protocol import Channel, Event, Health, Status
from hub.store import schema, upsert_ignore


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

    def write(self, batch: list[Inbound]) -> BatchResult:
        """Write `batch` in one transaction."""
        counts: dict[str, int] = {}
        for item in batch:
            counts[item.channel.value] = counts.get(item.channel.value, 0) + 1
        with self.engine.begin() as conn:
            new_kiosks = self._ensure_kiosks(conn, {item.kiosk_id for item in batch})
            now = time.time()
            self._statuses(conn, [i for i in batch if i.channel is Channel.STATUS])
            self._health(conn, [i for i in batch if i.channel is Channel.HEALTH])
            new_events = upsert_ignore(
                conn,
                schema.events,
                [
                    _event_row(i.kiosk_id, i.message, now)
                    for i in batch
                    if i.channel is Channel.EVENTS
                ],
            )
            apply_acks(conn, [(i.kiosk_id, i.message) for i in batch if i.channel is Channel.ACKS])
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

    @staticmethod
    def _statuses(conn: Connection, items: list[Inbound]) -> None:
        if not items:
            return
        k = schema.kiosks.c
        stmt = (
            update(schema.kiosks)
            .where(k.id == bindparam("kid"))
            .values(
                status_since=case(
                    (k.status_since.is_(None), bindparam("since")),
                    (k.online != bindparam("is_online"), bindparam("since")),
                    else_=k.status_since,
                ),
                online=bindparam("is_online"),
                app_version=case(
                    (bindparam("version").is_(None), k.app_version), else_=bindparam("version")
                ),
            )
        )
        rows = []
        for item in sorted(items, key=lambda i: i.received_at):
            status: Status = item.message
            online = status.state == "online"
            # A birth's timestamp is when the kiosk connected; a will's is stale (set
            # at connect time), so an offline transition dates from when we learnt it.
            since = status.ts.timestamp() if online else item.received_at
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
        upsert_ignore(conn, schema.health, [_health_row(i.kiosk_id, i.message) for i in items])
        latest: dict[str, Health] = {}
        for item in items:
            current = latest.get(item.kiosk_id)
            if current is None or item.message.ts >= current.ts:
                latest[item.kiosk_id] = item.message
        k = schema.kiosks.c
        stmt = (
            update(schema.kiosks)
            .where(k.id == bindparam("kid"))
            # Never let an older report (replayed late) overwrite a newer one.
            .where((k.last_health_at.is_(None)) | (k.last_health_at <= bindparam("hts")))
            .values(
                last_health_at=bindparam("hts"),
                app_version=bindparam("version"),
                cpu_temp_c=bindparam("temp"),
                disk_used_pct=bindparam("disk"),
                printer=bindparam("printer"),
                ui=bindparam("ui_state"),
                outbox_dropped_recent=bindparam("dropped"),
                health_json=bindparam("hjson"),
            )
        )
        conn.execute(
            stmt,
            [
                {
                    "kid": kid,
                    "hts": h.ts.timestamp(),
                    "version": h.app_version,
                    "temp": h.cpu_temp_c,
                    "disk": h.disk_used_pct,
                    "printer": h.devices.printer.value,
                    "ui_state": h.ui,
                    "dropped": h.outbox_dropped_recent,
                    "hjson": h.model_dump_json(),
                }
                for kid, h in latest.items()
            ],
        )

    @staticmethod
    def _last_seen(conn: Connection, batch: list[Inbound]) -> None:
        seen: dict[str, float] = {}
        for item in batch:
            seen[item.kiosk_id] = max(seen.get(item.kiosk_id, 0.0), item.received_at)
        k = schema.kiosks.c
        conn.execute(
            update(schema.kiosks)
            .where(k.id == bindparam("kid"))
            .values(
                last_seen=case(
                    (k.last_seen.is_(None), bindparam("seen")),
                    (k.last_seen < bindparam("seen"), bindparam("seen")),
                    else_=k.last_seen,
                )
            ),
            [{"kid": kid, "seen": ts} for kid, ts in seen.items()],
        )


def _event_row(kiosk_id: str, event: Event, stored_at: float) -> dict[str, Any]:
    return {
        "id": event.id,
        "kiosk_id": kiosk_id,
        "ts": event.ts.timestamp(),
        "received_at": stored_at,
        "type": event.type.value,
        "session": event.session,
        "topic": event.topic,
        "value": event.value,
        "detail": event.detail,
    }


def _health_row(kiosk_id: str, h: Health) -> dict[str, Any]:
    return {
        "id": h.id,
        "kiosk_id": kiosk_id,
        "ts": h.ts.timestamp(),
        "cpu_temp_c": h.cpu_temp_c,
        "load1": h.load1,
        "mem_used_pct": h.mem_used_pct,
        "disk_used_pct": h.disk_used_pct,
        "printer": h.devices.printer.value,
        "ui": h.ui,
        "outbox_pending": h.outbox_pending,
    }
