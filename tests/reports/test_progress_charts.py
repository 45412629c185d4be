"""The outcome chart: server-rendered SVG that states its values in words, reads without
colour, escapes what people typed and needs no database."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

from reports.charts import (
    BOTTOM,
    CHAR_WIDTH,
    DATE_AXIS_TITLE,
    HEIGHT,
    LEFT,
    WIDTH,
    ChartOutcome,
    ChartPoint,
    chart_description,
    outcome_chart_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
OUTCOME = ChartOutcome(
    measure="Students with IEPs in regular class 80% or more <of the day> & more",
    baseline_value=Decimal("41.00"),
    baseline_date=date(2024, 12, 1),
    target_value=Decimal("50.00"),
    target_date=date(2026, 12, 1),
    benchmarks=((date(2025, 6, 30), Decimal("44.00")), (date(2025, 12, 31), Decimal("46.50"))),
)
POINTS = [
    ChartPoint(date(2025, 11, 30), Decimal("42.25"), False),
    ChartPoint(date(2025, 5, 30), Decimal("43.00"), True),
    ChartPoint(date(2026, 3, 1), Decimal("45.00"), None),
]


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - our own markup, under test


def _texts(root: ET.Element) -> list[str]:
    return [node.text or "" for node in root.iter(f"{SVG}text")]


def test_it_draws_and_states_every_value() -> None:
    root = _parse(outcome_chart_svg(OUTCOME, POINTS, chart_id="outcome-7"))

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "outcome-7-title outcome-7-desc"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert title.get("id") == "outcome-7-title"
    assert title.text == "Outcome: " + OUTCOME.measure
    assert desc.text == (
        "Baseline 41 on December 1, 2024. Benchmarks: 44 by June 30, 2025; 46.5 by "
        "December 31, 2025. Target 50 by December 1, 2026. Measured: 43 on May 30, 2025 "
        "(on track); 42.25 on November 30, 2025 (not on track); 45 on March 1, 2026 "
        "(not judged)."
    )
    labels = _texts(root)
    for value in ("Baseline 41", "44", "46.5", "Target 50", "43", "42.25", "45"):
        assert value in labels
    for legend in ("Planned", "Measured", "On track", "Not on track", "Not judged"):
        assert legend in labels


def test_it_reads_without_colour_and_without_scripts_or_styles() -> None:
    markup = outcome_chart_svg(OUTCOME, POINTS)
    root = _parse(markup)

    planned, measured = root.findall(f"{SVG}polyline")
    assert planned.get("stroke-dasharray") == "6 4"  # dashed against solid
    assert measured.get("stroke-dasharray") is None
    # The measured line goes through the points in date order, whatever order they came in.
    xs = [float(pair.split(",")[0]) for pair in (measured.get("points") or "").split()]
    assert xs == sorted(xs)
    # Presentation attributes only: a strict Content-Security-Policy blocks style="...".
    assert "<script" not in markup
    attributes = {name for node in root.iter() for name in node.attrib}
    assert not {name for name in attributes if name == "style" or name.startswith("on")}


def test_it_escapes_what_people_typed() -> None:
    markup = outcome_chart_svg(OUTCOME, [], chart_id='x"><script>alert(1)</script>')

    assert "<script" not in markup
    assert "&lt;of the day&gt; &amp; more" in markup
    _parse(markup)  # still well-formed XML


def test_it_draws_an_outcome_with_nothing_measured_or_flat() -> None:
    flat = ChartOutcome("Attendance", Decimal(90), date(2025, 1, 1), Decimal(90), date(2025, 3, 1))

    root = _parse(outcome_chart_svg(flat, []))

    assert chart_description(flat, []).endswith("No value measured yet.")
    assert root.findall(f"{SVG}polyline")[0].get("points")
    assert "Jan 2025" in _texts(root)


def test_it_titles_both_axes_with_what_they_count() -> None:
    labels = _texts(_parse(outcome_chart_svg(OUTCOME, POINTS)))

    assert "Value: " + OUTCOME.measure in labels
    assert DATE_AXIS_TITLE in labels


def _boxes(root: ET.Element) -> list[tuple[str, float, float, float, float]]:
    """Each value label's text and the box it takes (legend and axis texts left out)."""
    boxes = []
    for node in root.iter(f"{SVG}text"):
        text, y = node.text or "", float(node.get("y", 0))
        if y > HEIGHT - BOTTOM or node.get("font-weight") or node.get("text-anchor") == "middle":
            continue
        if node.get("x") == str(LEFT - 8):  # the value axis's ticks
            continue
        x, width = float(node.get("x", 0)), len(text) * CHAR_WIDTH
        left = x - width if node.get("text-anchor") == "end" else x
        boxes.append((text, left, y - 11, left + width, y + 3))
    return boxes


def test_it_keeps_value_labels_apart_and_inside_the_chart() -> None:
    # Marks a few days apart at nearly the same value: labels placed naively overlap.
    crowded = ChartOutcome(
        "Attendance rate",
        Decimal("90.0"),
        date(2025, 1, 1),
        Decimal("90.5"),
        date(2025, 1, 20),
        benchmarks=((date(2025, 1, 8), Decimal("90.1")), (date(2025, 1, 12), Decimal("90.2"))),
    )
    points = [ChartPoint(date(2025, 1, 9), Decimal("90.1"), True)]

    boxes = _boxes(_parse(outcome_chart_svg(crowded, points)))

    assert {box[0] for box in boxes} >= {"Baseline 90", "90.1", "90.2", "Target 90.5"}
    for number, one in enumerate(boxes):
        assert one[1] >= 0, one
        assert one[3] <= WIDTH, one
        for two in boxes[number + 1 :]:
            apart = one[3] <= two[1] or two[3] <= one[1] or one[4] <= two[2] or two[4] <= one[2]
            assert apart, (one, two)
