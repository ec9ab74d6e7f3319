"""Inline SVG charts rendered on the server: no JavaScript, no library.

Styling comes from CSS classes in the dashboard's stylesheet and from SVG
presentation attributes (never `style=`), so a strict Content-Security-Policy
holds. Text is escaped; every chart carries a <title> and a <desc> summary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup, escape

from hub.reports.periods import local_tz
from hub.web.formatting import WEEKDAYS, number

PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8c6d1f")
"""Okabe-Ito colours (distinguishable with colour-blindness); grey is for "none"."""
NONE_COLOUR = "#9aa0a6"

_ids = iter(range(1, 1 << 62))


def _uid(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def nice_step(span: float, target: int = 5) -> float:
    """A round step (1, 2, 2.5, 5 x 10^n) giving about `target` intervals over `span`."""
    if span <= 0:
        return 1.0
    raw = span / target
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    step = nice_step(hi - lo, target)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    value = first
    while value <= hi + 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def time_ticks(start: float, end: float) -> list[tuple[float, str]]:
    """Local-time axis ticks: every 3 h (labelled "15 h") up to ~2 days, else each midnight."""
    tz = local_tz()
    moment = datetime.fromtimestamp(start, tz).replace(minute=0, second=0, microsecond=0)
    ticks: list[tuple[float, str]] = []
    if end - start <= 2 * 86400:
        step_h = 3 if end - start > 12 * 3600 else 1
        while True:
            moment += timedelta(hours=1)
            ts = moment.timestamp()
            if ts > end:
                break
            if moment.hour % step_h == 0:
                label = f"{moment.hour}\u00a0h"
                if moment.hour == 0:
                    label = f"{WEEKDAYS[moment.weekday()]} {moment.day}"
                ticks.append((ts, label))
    else:
        moment = moment.replace(hour=0)
        while True:
            moment = (moment + timedelta(hours=26)).replace(hour=0)
            ts = moment.timestamp()
            if ts > end:
                break
            ticks.append((ts, f"{WEEKDAYS[moment.weekday()]} {moment.day}"))
    return ticks


@dataclass(frozen=True)
class LineChart:
    """Geometry of a line chart, in SVG user units (the SVG scales to its box)."""

    width: int = 520
    height: int = 200
    left: int = 46
    right: int = 16
    top: int = 14
    bottom: int = 28


def line_chart(
    points: Sequence[tuple[float, float | None]],
    *,
    start: float,
    end: float,
    title: str,
    unit: str,
    gap_s: float,
    y_min: float | None = None,
    y_max: float | None = None,
    threshold: float | None = None,
    digits: int = 1,
    geometry: LineChart | None = None,
) -> Markup:
    """A time series as an SVG line chart with axes, grid, an optional threshold line.

    Points further apart than `gap_s` are not joined (the kiosk was silent).
    `y_min`/`y_max` fix the axis ends; otherwise they follow the data (and the
    threshold, when there is one).
    """
    g = geometry or LineChart()
    values = [v for _, v in points if v is not None]
    label_id = _uid("chart")
    plot_w = g.width - g.left - g.right
    plot_h = g.height - g.top - g.bottom
    parts = [
        f'<svg class="chart" viewBox="0 0 {g.width} {g.height}" role="img" '
        f'aria-labelledby="{label_id}-t {label_id}-d" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{label_id}-t">{escape(title)}</title>',
    ]
    if values:
        summary = (
            f"min {number(min(values), digits, unit)}, max {number(max(values), digits, unit)}, "
            f"dernier {number(values[-1], digits, unit)}"
        )
    else:
        summary = "aucune donnée sur la période"
    parts.append(f'<desc id="{label_id}-d">{escape(summary)}</desc>')

    lo = y_min if y_min is not None else min([*values, threshold or math.inf, math.inf])
    hi = y_max if y_max is not None else max([*values, threshold or -math.inf, -math.inf])
    if not math.isfinite(lo) or not math.isfinite(hi):
        lo, hi = 0.0, 1.0
    if y_min is None or y_max is None:
        pad = (hi - lo) * 0.1 or max(abs(hi) * 0.1, 1.0)
        lo = lo if y_min is not None else lo - pad
        hi = hi if y_max is not None else hi + pad
    ticks = _ticks(lo, hi, 4)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    span_y = (hi - lo) or 1.0
    span_x = (end - start) or 1.0

    def x_of(ts: float) -> float:
        return g.left + (ts - start) / span_x * plot_w

    def y_of(value: float) -> float:
        return g.top + (hi - value) / span_y * plot_h

    parts.append('<g class="grid">')
    for t in ticks:
        y = y_of(t)
        parts.append(f'<line x1="{g.left}" x2="{g.width - g.right}" y1="{y:.1f}" y2="{y:.1f}"/>')
    parts.append('</g><g class="axis-labels y">')
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    tick_digits = 0 if step >= 1 else 1
    for t in ticks:
        parts.append(
            f'<text x="{g.left - 6}" y="{y_of(t) + 4:.1f}" text-anchor="end">'
            f"{escape(number(t, tick_digits))}</text>"
        )
    parts.append('</g><g class="axis-labels x">')
    bottom = g.height - g.bottom
    for ts, label in time_ticks(start, end):
        x = x_of(ts)
        parts.append(
            f'<line class="tick" x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" y2="{bottom + 4}"/>'
            f'<text x="{x:.1f}" y="{bottom + 17}" text-anchor="middle">{escape(label)}</text>'
        )
    parts.append(
        f'</g><line class="axis" x1="{g.left}" x2="{g.width - g.right}" '
        f'y1="{bottom}" y2="{bottom}"/>'
    )
    parts.append(
        f'<text class="unit" x="{g.left - 6}" y="{g.top - 3}" text-anchor="end">'
        f"{escape(unit)}</text>"
    )
    if threshold is not None and lo <= threshold <= hi:
        y = y_of(threshold)
        parts.append(
            f'<line class="threshold" x1="{g.left}" x2="{g.width - g.right}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="threshold-label" x="{g.width - g.right - 2}" y="{y - 4:.1f}" '
            f'text-anchor="end">seuil {escape(number(threshold, 0, unit))}</text>'
        )
    segments: list[list[tuple[float, float]]] = []
    previous: float | None = None
    for ts, value in points:
        if value is None:
            previous = None
            continue
        if previous is None or ts - previous > gap_s:
            segments.append([])
        segments[-1].append((x_of(ts), y_of(value)))
        previous = ts
    for seg in segments:
        if len(seg) == 1:
            x, y = seg[0]
            parts.append(f'<circle class="series-dot" cx="{x:.1f}" cy="{y:.1f}" r="2"/>')
        else:
            path = " ".join(
                f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(seg)
            )
            parts.append(f'<path class="series" d="{path}"/>')
    if not values:
        parts.append(
            f'<text class="empty" x="{g.left + plot_w / 2:.0f}" y="{g.top + plot_h / 2:.0f}" '
            f'text-anchor="middle">Aucune donnée sur la période</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text and attribute above is escaped


def topic_colours(topics: Sequence[str]) -> dict[str, str]:
    """A stable colour per topic id (in the given order); "none" is grey."""
    colours: dict[str, str] = {}
    index = 0
    for topic in topics:
        if topic == "none":
            colours[topic] = NONE_COLOUR
        else:
            colours[topic] = PALETTE[index % len(PALETTE)]
            index += 1
    return colours


def stacked_bars(
    bars: Sequence[tuple[str, Sequence[tuple[str, int]]]],
    *,
    labels: dict[str, str],
    colours: dict[str, str],
    title: str,
    width: int = 1100,
) -> Markup:
    """Horizontal stacked bars: one bar per (label, [(key, value), ...]), with a legend.

    `labels` names each key in the legend and tooltips; `colours` fills them.
    """
    label_w, right, row_h, bar_h = 150, 56, 30, 20
    keys = [k for k in colours if any(k == key for _, segs in bars for key, _v in segs)]
    # legend rows: approximate text widths to wrap the legend
    legend: list[tuple[float, float, str]] = []
    x, y = float(label_w), 14.0
    for key in keys:
        item_w = 22 + 7.2 * len(labels.get(key, key)) + 18
        if x + item_w > width and x > label_w:
            x, y = float(label_w), y + 20
        legend.append((x, y, key))
        x += item_w
    top = y + 20
    plot_w = width - label_w - right
    maximum = max([sum(v for _, v in segs) for _, segs in bars] + [1])
    ticks = _ticks(0, maximum, 5)
    scale_max = max(ticks[-1], maximum)
    height = int(top + row_h * max(len(bars), 1) + 26)
    label_id = _uid("bars")
    parts = [
        f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{label_id}-t">',
        f'<title id="{label_id}-t">{escape(title)}</title>',
        '<g class="legend">',
    ]
    for lx, ly, key in legend:
        parts.append(
            f'<rect x="{lx:.0f}" y="{ly - 10:.0f}" width="14" height="14" rx="2" '
            f'fill="{colours[key]}"/>'
            f'<text x="{lx + 20:.0f}" y="{ly + 1:.0f}">{escape(labels.get(key, key))}</text>'
        )
    parts.append('</g><g class="grid">')
    bottom = top + row_h * max(len(bars), 1)
    for t in ticks:
        gx = label_w + t / scale_max * plot_w
        parts.append(f'<line x1="{gx:.1f}" x2="{gx:.1f}" y1="{top - 4:.0f}" y2="{bottom:.0f}"/>')
    parts.append('</g><g class="axis-labels x">')
    for t in ticks:
        gx = label_w + t / scale_max * plot_w
        parts.append(
            f'<text x="{gx:.1f}" y="{bottom + 16:.0f}" text-anchor="middle">'
            f"{escape(number(t, 0))}</text>"
        )
    parts.append("</g>")
    for i, (name, segments) in enumerate(bars):
        by = top + i * row_h + (row_h - bar_h) / 2
        parts.append(
            f'<text class="bar-label" x="{label_w - 8}" y="{by + bar_h / 2 + 4:.1f}" '
            f'text-anchor="end">{escape(name)}</text>'
        )
        bx = float(label_w)
        total = 0
        for key, value in segments:
            if value <= 0:
                continue
            w = value / scale_max * plot_w
            parts.append(
                f'<rect class="bar" x="{bx:.1f}" y="{by:.1f}" width="{w:.1f}" height="{bar_h}" '
                f'fill="{colours.get(key, NONE_COLOUR)}"><title>{escape(name)} · '
                f"{escape(labels.get(key, key))} : {value}</title></rect>"
            )
            bx += w
            total += value
        parts.append(
            f'<text class="bar-total" x="{bx + 6:.1f}" y="{by + bar_h / 2 + 4:.1f}">'
            f"{escape(number(total, 0))}</text>"
        )
    if not bars:
        parts.append(
            f'<text class="empty" x="{width / 2:.0f}" y="{top + 18:.0f}" text-anchor="middle">'
            "Aucune session ce mois-ci</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text and attribute above is escaped
