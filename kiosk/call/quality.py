"""Call quality on the kiosk: a sample from aiortc's getStats, and the grade the UI shows.

Every `quality_every_s` (5 s) the engine turns the peer connection's stats into
a `QualitySample` (what the kiosk receives: round-trip time, loss, bitrate,
frames decoded, frame rate), sends it to the hub for the call's record, and
grades it good / fair / poor for the screen and the usage events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.protocol.signaling import QualitySample
from kiosk.controller.ports import CallQuality

# Thresholds for a video call on a rural link (ITU-T G.114: one-way delay under
# 150 ms is good, over 400 ms is poor; video stays usable to a few % of loss).
FAIR_RTT_MS, POOR_RTT_MS = 300.0, 800.0
FAIR_LOSS_PCT, POOR_LOSS_PCT = 3.0, 10.0
POOR_FPS = 5.0


@dataclass(frozen=True, slots=True)
class Counters:
    """Running totals at one sampling time (the next sample is the difference)."""

    at: float
    packets_received: int
    packets_lost: int
    bytes_received: int
    frames: int


def sample(
    report: Any, previous: Counters | None, *, frames: int, now: float
) -> tuple[QualitySample, Counters]:
    """The sample since `previous` from an aiortc RTCStatsReport; and the new totals."""
    rtts: list[float] = []
    received = lost = received_bytes = 0
    for stats in report.values():
        kind = getattr(stats, "type", "")
        if kind == "inbound-rtp":
            received += stats.packetsReceived
            lost += max(0, stats.packetsLost)
        elif kind == "remote-inbound-rtp" and stats.roundTripTime is not None:
            rtts.append(float(stats.roundTripTime) * 1000)
        elif kind == "transport":
            received_bytes += stats.bytesReceived
    counters = Counters(now, received, lost, received_bytes, frames)
    rtt = max(rtts) if rtts else None
    if previous is None or now <= previous.at:
        return QualitySample(rtt_ms=_cap(rtt, 60_000), frames_decoded=frames), counters
    seconds = now - previous.at
    d_received = max(0, received - previous.packets_received)
    d_lost = max(0, lost - previous.packets_lost)
    loss = 100.0 * d_lost / (d_received + d_lost) if d_received + d_lost else 0.0
    kbps = max(0, received_bytes - previous.bytes_received) * 8 / 1000 / seconds
    fps = max(0, frames - previous.frames) / seconds
    return (
        QualitySample(
            rtt_ms=_cap(rtt, 60_000),
            loss_pct=min(loss, 100.0),
            bitrate_kbps=min(kbps, 100_000.0),
            frames_decoded=frames,
            fps=min(fps, 240.0),
        ),
        counters,
    )


def _cap(value: float | None, top: float) -> float | None:
    return None if value is None else min(value, top)


def grade(s: QualitySample, *, video: bool = True) -> CallQuality:
    """Good, fair or poor: the worst of round-trip time, loss and (with video) frame rate."""
    rtt, loss = s.rtt_ms or 0.0, s.loss_pct or 0.0
    if (
        rtt > POOR_RTT_MS
        or loss > POOR_LOSS_PCT
        or (video and s.fps is not None and s.fps < POOR_FPS)
    ):
        return CallQuality.POOR
    if rtt > FAIR_RTT_MS or loss > FAIR_LOSS_PCT:
        return CallQuality.FAIR
    return CallQuality.GOOD
