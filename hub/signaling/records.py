"""Call records: one row per kiosk call in table `calls`, written as the call goes.

A record holds the kiosk, the topic, the adviser's user id, the times (requested,
first ring, answered, ended), the outcome and end reason, and a summary of the
quality samples both sides sent. Never the caller's name or commune.

The router (no I/O) hands records to a CallRecorder, which writes them in order
from one task, each write in a worker thread. The usage report reads them with
`list_calls(conn, start, end)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from sqlalchemy import Connection, Engine, insert, select, update

from hub.protocol.signaling import CallOutcome, QualitySample
from hub.store import schema

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QualitySummary:
    """What the record keeps of a call's quality samples (both sides together)."""

    samples: int = 0
    rtt_median_ms: float | None = None
    loss_max_pct: float | None = None
    bitrate_mean_kbps: float | None = None


def summarise(samples: Iterable[QualitySample]) -> QualitySummary:
    """Median round-trip time, worst loss and mean bitrate over the samples given."""
    rtts: list[float] = []
    losses: list[float] = []
    bitrates: list[float] = []
    count = 0
    for sample in samples:
        count += 1
        if sample.rtt_ms is not None:
            rtts.append(sample.rtt_ms)
        if sample.loss_pct is not None:
            losses.append(sample.loss_pct)
        if sample.bitrate_kbps is not None:
            bitrates.append(sample.bitrate_kbps)
    return QualitySummary(
        samples=count,
        rtt_median_ms=statistics.median(rtts) if rtts else None,
        loss_max_pct=max(losses) if losses else None,
        bitrate_mean_kbps=statistics.fmean(bitrates) if bitrates else None,
    )


@dataclass(frozen=True)
class CallRecord:
    """One call as stored; `outcome` is None while the call is in progress."""

    id: str
    kiosk_id: str
    topic: str
    requested_at: float
    adviser_id: int | None = None
    rang_at: float | None = None
    answered_at: float | None = None
    ended_at: float | None = None
    outcome: CallOutcome | None = None
    end_reason: str | None = None
    audio_only: bool = False
    quality: QualitySummary = field(default_factory=QualitySummary)


def _values(record: CallRecord) -> dict[str, object]:
    return {
        "kiosk_id": record.kiosk_id,
        "topic": record.topic,
        "adviser_id": record.adviser_id,
        "requested_at": record.requested_at,
        "rang_at": record.rang_at,
        "answered_at": record.answered_at,
        "ended_at": record.ended_at,
        "outcome": record.outcome.value if record.outcome else None,
        "end_reason": record.end_reason,
        "audio_only": record.audio_only,
        "quality_samples": record.quality.samples,
        "rtt_median_ms": record.quality.rtt_median_ms,
        "loss_max_pct": record.quality.loss_max_pct,
        "bitrate_mean_kbps": record.quality.bitrate_mean_kbps,
    }


def save_record(conn: Connection, record: CallRecord) -> None:
    """Insert the record, or update the row of the same call id and kiosk."""
    c = schema.calls.c
    found = conn.execute(select(c.kiosk_id).where(c.id == record.id)).first()
    if found is None:
        conn.execute(insert(schema.calls).values(id=record.id, **_values(record)))
    elif found.kiosk_id == record.kiosk_id:
        conn.execute(update(schema.calls).where(c.id == record.id).values(**_values(record)))
    else:  # another kiosk's call id: never overwrite its record
        log.warning("call record %s not saved: the id belongs to another kiosk", record.id)


def _record(row: object) -> CallRecord:
    r = row._mapping  # type: ignore[attr-defined]
    return CallRecord(
        id=r["id"],
        kiosk_id=r["kiosk_id"],
        topic=r["topic"],
        requested_at=r["requested_at"],
        adviser_id=r["adviser_id"],
        rang_at=r["rang_at"],
        answered_at=r["answered_at"],
        ended_at=r["ended_at"],
        outcome=CallOutcome(r["outcome"]) if r["outcome"] else None,
        end_reason=r["end_reason"],
        audio_only=bool(r["audio_only"]),
        quality=QualitySummary(
            samples=r["quality_samples"],
            rtt_median_ms=r["rtt_median_ms"],
            loss_max_pct=r["loss_max_pct"],
            bitrate_mean_kbps=r["bitrate_mean_kbps"],
        ),
    )


def list_calls(
    conn: Connection, start: float, end: float, *, kiosk_id: str | None = None
) -> list[CallRecord]:
    """Calls requested in [start, end) (epoch seconds), oldest first; one kiosk's if given.

    Calls still in progress are included with `outcome` None.
    """
    c = schema.calls.c
    query = select(schema.calls).where(c.requested_at >= start, c.requested_at < end)
    if kiosk_id is not None:
        query = query.where(c.kiosk_id == kiosk_id)
    return [_record(row) for row in conn.execute(query.order_by(c.requested_at, c.id))]


def get_call(conn: Connection, call_id: str) -> CallRecord | None:
    """One call's record, or None."""
    row = conn.execute(select(schema.calls).where(schema.calls.c.id == call_id)).first()
    return _record(row) if row is not None else None


class CallRecorder:
    """Writes records in the order given, from one task, off the event loop.

    `save` never blocks and never raises: a record that cannot be written is
    logged (without personal data: there is none) and dropped.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._queue: asyncio.Queue[CallRecord | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the writer task on the running loop."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="call-recorder")

    def save(self, record: CallRecord) -> None:
        """Queue a record (the latest state of its call) for writing."""
        self._queue.put_nowait(replace(record))

    def _write(self, record: CallRecord) -> None:
        with self.engine.begin() as conn:
            save_record(conn, record)

    async def _run(self) -> None:
        while True:
            record = await self._queue.get()
            if record is None:
                return
            try:
                await asyncio.to_thread(self._write, record)
            except Exception:
                log.exception("call record %s not saved", record.id)

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        if self._task is None:
            return
        self._queue.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
