"""The dashboard's SVG charts: geometry computed in Python, markup from Jinja templates."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hub.web import charts

SVG = "{http://www.w3.org/2000/svg}"
HOUR = 3600.0


def _parse(markup: str) -> ET.Element:
    svg = markup.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    return ET.fromstring(svg)  # noqa: S314 - our own markup, not untrusted input


def test_a_silence_longer_than_the_gap_breaks_the_line_and_a_lone_point_is_a_dot() -> None:
    points = [(0.0, 40.0), (600.0, 42.0), (1200.0, 44.0), (5 * HOUR, 50.0), (9 * HOUR, 47.0)]
    plot = charts.line_plot(
        points, start=0, end=10 * HOUR, title="T", unit="°C", gap_s=900, threshold=70
    )
    assert len(plot.paths) == 1 and plot.paths[0].count("L") == 2
    assert len(plot.dots) == 2
    assert plot.threshold is not None and plot.threshold.label == "seuil 70\u00a0°C"
    labels = [float(t.label.replace(",", ".").replace("\u202f", "")) for t in plot.y_ticks]
    assert labels == sorted(labels) and labels[0] <= 40 and labels[-1] >= 70
    # higher values are drawn higher: a smaller y
    ys = [t.at for t in plot.y_ticks]
    assert ys == sorted(ys, reverse=True)


def test_the_line_chart_is_valid_svg_with_its_title_summary_and_no_data_message() -> None:
    empty = str(charts.line_chart([], start=0, end=HOUR, title="Disque", unit="%", gap_s=60))
    root = _parse(empty)
    assert root.find(f"{SVG}title").text == "Disque"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "aucune donnée sur la période"  # type: ignore[union-attr]
    assert "Aucune donnée sur la période" in empty
    labelled = root.get("aria-labelledby", "").split()
    assert {e.get("id") for e in root.iter() if e.get("id")} == set(labelled)


def test_labels_are_escaped_never_markup() -> None:
    hostile = '<script>alert("x")</script>'
    line = str(charts.line_chart([(0, 1.0)], start=0, end=HOUR, title=hostile, unit="", gap_s=60))
    bars = str(
        charts.stacked_bars(
            [(hostile, [("housing", 3)])],
            labels={"housing": hostile},
            colours={"housing": "#0072b2"},
            title=hostile,
        )
    )
    for markup in (line, bars):
        assert "<script>" not in markup and "&lt;script&gt;" in markup
        _parse(markup)  # still well-formed


def test_stacked_bars_stack_segments_and_wrap_the_legend() -> None:
    labels = {f"t{i}": f"Un thème au nom assez long {i}" for i in range(8)}
    colours = charts.topic_colours(list(labels))
    plot = charts.bar_plot(
        [("Agenais", [("t0", 3), ("t1", 2)]), ("Marmandais", [("t2", 10)])],
        labels=labels,
        colours=colours,
        title="Sessions",
    )
    first, second = plot.bars
    assert [s.x for s in first.segments][1] == first.segments[0].x + first.segments[0].width
    assert first.total == "5" and second.total == "10"
    assert second.segments[0].width > first.segments[0].width + first.segments[1].width
    assert len({item.y for item in plot.legend}) == 1  # three keys used: one legend row
    many = charts.bar_plot(
        [("A", [(key, 1) for key in labels])], labels=labels, colours=colours, title="S"
    )
    assert len({item.y for item in many.legend}) > 1  # eight long names wrap
    assert all(item.x + 20 < many.width for item in many.legend)
    root = _parse(str(charts.stacked_bars([], labels={}, colours={}, title="Vide")))
    assert "Aucune session ce mois-ci" in ET.tostring(root, encoding="unicode")
