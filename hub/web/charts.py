"""Inline SVG charts rendered on the server: no JavaScript, no library.

The geometry is computed here, in Python (`line_plot`, `bar_plot`: plain
dataclasses of coordinates and labels); the markup is the Jinja templates
`charts/line.svg` and `charts/bars.svg`, autoescaped like every page.
Styling comes from CSS classes in the dashboard's stylesheet and from SVG
presentation attributes (never `style=`), so a strict Content-Security-Policy
holds. Every chart carries a <title> and a <desc> summary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import uuid4

from markupsafe import Markup

from hub.reports.periods import local_tz
from hub.web.formatting import WEEKDAYS, number

PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8c6d1f")
"""Okabe-Ito colours (distinguishable with colour-blindness); grey is for "none"."""
NONE_COLOUR = "#9aa0a6"


def _uid(prefix: str) -> str:
    """An id unique in the page, for aria-labelledby."""
    return f"{prefix}-{uuid4().hex[:12]}"


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


@dataclass(frozen=True)
class Tick:
    """One axis tick: where (x or y, in user units) and its label."""

    at: float
    label: str


@dataclass(frozen=True)
class LinePlot:
    """Everything `charts/line.svg` draws, already placed."""

    id: str
    g: LineChart
    title: str
    summary: str
    unit: str
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    paths: list[str]
    """SVG path data, one per run of points close enough to be joined."""
    dots: list[tuple[float, float]]
    """Points with no neighbour close enough to be joined."""
    threshold: Tick | None
    empty: bool

    @property
    def plot_right(self) -> int:
        """The right end of the plot area."""
        return self.g.width - self.g.right

    @property
    def plot_bottom(self) -> int:
        """The bottom of the plot area (the x axis)."""
        return self.g.height - self.g.bottom

    @property
    def centre(self) -> tuple[float, float]:
        """The middle of the plot area (where "no data" is written)."""
        g = self.g
        return (
            g.left + (g.width - g.left - g.right) / 2,
            g.top + (g.height - g.top - g.bottom) / 2,
        )


def line_plot(
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
) -> LinePlot:
    """Place a time series: axes, grid, an optional threshold line, the joined runs.

    Points further apart than `gap_s` are not joined (the kiosk was silent).
    `y_min`/`y_max` fix the axis ends; otherwise they follow the data (and the
    threshold, when there is one).
    """
    g = geometry or LineChart()
    values = [v for _, v in points if v is not None]
    plot_w = g.width - g.left - g.right
    plot_h = g.height - g.top - g.bottom
    if values:
        summary = (
            f"min {number(min(values), digits, unit)}, max {number(max(values), digits, unit)}, "
            f"dernier {number(values[-1], digits, unit)}"
        )
    else:
        summary = "aucune donnée sur la période"
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

    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    tick_digits = 0 if step >= 1 else 1
    runs: list[list[tuple[float, float]]] = []
    previous: float | None = None
    for ts, value in points:
        if value is None:
            previous = None
            continue
        if previous is None or ts - previous > gap_s:
            runs.append([])
        runs[-1].append((x_of(ts), y_of(value)))
        previous = ts
    shown_threshold = None
    if threshold is not None and lo <= threshold <= hi:
        shown_threshold = Tick(y_of(threshold), f"seuil {number(threshold, 0, unit)}")
    return LinePlot(
        id=_uid("chart"),
        g=g,
        title=title,
        summary=summary,
        unit=unit,
        y_ticks=[Tick(y_of(t), number(t, tick_digits)) for t in ticks],
        x_ticks=[Tick(x_of(ts), label) for ts, label in time_ticks(start, end)],
        paths=[
            " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(run))
            for run in runs
            if len(run) > 1
        ],
        dots=[run[0] for run in runs if len(run) == 1],
        threshold=shown_threshold,
        empty=not values,
    )


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
    """A time series as an SVG line chart (`line_plot` drawn by `charts/line.svg`)."""
    plot = line_plot(
        points,
        start=start,
        end=end,
        title=title,
        unit=unit,
        gap_s=gap_s,
        y_min=y_min,
        y_max=y_max,
        threshold=threshold,
        digits=digits,
        geometry=geometry,
    )
    return _draw("charts/line.svg", plot)


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


@dataclass(frozen=True)
class LegendItem:
    """One key of the legend, placed."""

    x: float
    y: float
    colour: str
    label: str


@dataclass(frozen=True)
class Segment:
    """One coloured part of a bar."""

    x: float
    width: float
    colour: str
    tip: str


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its segments, its total written after it."""

    label: str
    y: float
    segments: list[Segment]
    total: str
    total_x: float


@dataclass(frozen=True)
class BarPlot:
    """Everything `charts/bars.svg` draws, already placed."""

    id: str
    title: str
    width: int
    height: int
    label_w: int
    bar_h: int
    top: float
    bottom: float
    legend: list[LegendItem]
    grid: list[Tick]
    bars: list[Bar]
    empty: bool


def bar_plot(
    bars: Sequence[tuple[str, Sequence[tuple[str, int]]]],
    *,
    labels: dict[str, str],
    colours: dict[str, str],
    title: str,
    width: int = 1100,
) -> BarPlot:
    """Place horizontal stacked bars: one per (label, [(key, value), ...]), and a legend.

    `labels` names each key in the legend and tooltips; `colours` fills them.
    """
    label_w, right, row_h, bar_h = 150, 56, 30, 20
    keys = [k for k in colours if any(k == key for _, segs in bars for key, _v in segs)]
    legend: list[LegendItem] = []
    x, y = float(label_w), 14.0
    for key in keys:  # approximate text widths to wrap the legend
        item_w = 22 + 7.2 * len(labels.get(key, key)) + 18
        if x + item_w > width and x > label_w:
            x, y = float(label_w), y + 20
        legend.append(LegendItem(x, y, colours[key], labels.get(key, key)))
        x += item_w
    top = y + 20
    plot_w = width - label_w - right
    maximum = max([sum(v for _, v in segs) for _, segs in bars] + [1])
    ticks = _ticks(0, maximum, 5)
    scale_max = max(ticks[-1], maximum)
    bottom = top + row_h * max(len(bars), 1)
    placed: list[Bar] = []
    for i, (name, values) in enumerate(bars):
        by = top + i * row_h + (row_h - bar_h) / 2
        bx, total = float(label_w), 0
        segments: list[Segment] = []
        for key, value in values:
            if value <= 0:
                continue
            w = value / scale_max * plot_w
            tip = f"{name} · {labels.get(key, key)} : {value}"
            segments.append(Segment(bx, w, colours.get(key, NONE_COLOUR), tip))
            bx += w
            total += value
        placed.append(Bar(name, by, segments, number(total, 0), bx + 6))
    return BarPlot(
        id=_uid("bars"),
        title=title,
        width=width,
        height=int(bottom + 26),
        label_w=label_w,
        bar_h=bar_h,
        top=top,
        bottom=bottom,
        legend=legend,
        grid=[Tick(label_w + t / scale_max * plot_w, number(t, 0)) for t in ticks],
        bars=placed,
        empty=not bars,
    )


def stacked_bars(
    bars: Sequence[tuple[str, Sequence[tuple[str, int]]]],
    *,
    labels: dict[str, str],
    colours: dict[str, str],
    title: str,
    width: int = 1100,
) -> Markup:
    """Horizontal stacked bars as SVG (`bar_plot` drawn by `charts/bars.svg`)."""
    return _draw(
        "charts/bars.svg", bar_plot(bars, labels=labels, colours=colours, title=title, width=width)
    )


def _draw(template: str, plot: LinePlot | BarPlot) -> Markup:
    """Render a chart's template (autoescaped: every label is text, never markup)."""
    from hub.web.render import environment

    return Markup(environment().get_template(template).render(plot=plot).strip())  # noqa: S704
