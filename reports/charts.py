"""Server-rendered SVG charts of a measurable outcome: baseline, benchmarks and target (the
plan's path) against the values measured over time. No JavaScript, no queries: data in,
markup out, every text escaped, so the progress-report page and the PDFs draw the same
chart from the same data.

Readable without colour: the planned path is dashed and the measured line solid; the
baseline is a square, a benchmark a diamond, the target a triangle and a measured value a
circle (filled when the team judged it on track, hollow when not, with a cross through it
when not judged); every value is written beside its mark, and the <desc> states them all
for screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.html import escape
from django.utils.text import Truncator

WIDTH, HEIGHT = 640, 330
# The plot area's margins: the value axis's title above it, the date axis's title and the
# legend below.
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 40, 100
PLANNED, MEASURED, AXIS, GRID, TEXT = "#5c636a", "#0a58ca", "#343a40", "#dee2e6", "#212529"
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'
# DejaVu Sans at 12px averages under 7.2px a character: room kept for a label, so two
# labels never overlap (a longer estimate only spaces them more).
CHAR_WIDTH, LINE_HEIGHT = 7.2, 14
AXIS_TITLE_CHARS = 80
DATE_AXIS_TITLE = "Date measured (month and year)"


@dataclass(frozen=True)
class ChartOutcome:
    """What the plan says about an outcome: where it started and where it should get."""

    measure: str
    baseline_value: Decimal
    baseline_date: date
    target_value: Decimal
    target_date: date
    benchmarks: tuple[tuple[date, Decimal], ...] = ()


@dataclass(frozen=True)
class ChartPoint:
    """A value measured on a day, with the team's judgement (None: not judged)."""

    measured_on: date
    value: Decimal
    on_track: bool | None = None


def chart_outcome(outcome: Any) -> ChartOutcome:
    """From a steps.Outcome whose benchmarks are prefetched (no query when they are)."""
    return ChartOutcome(
        measure=outcome.measure,
        baseline_value=outcome.baseline_value,
        baseline_date=outcome.baseline_date,
        target_value=outcome.target_value,
        target_date=outcome.target_date,
        benchmarks=tuple((b.date, b.value) for b in outcome.benchmarks.all()),
    )


def chart_points(measurements: Iterable[Any]) -> list[ChartPoint]:
    """From OutcomeMeasurement rows (or anything with measured_on, value and on_track)."""
    points = [ChartPoint(m.measured_on, m.value, m.on_track) for m in measurements]
    return sorted(points, key=lambda point: point.measured_on)


def amount(value: Decimal) -> str:
    """42.50 reads as 42.5 and 100.00 as 100 (not 1E+2)."""
    return format(value.normalize(), "f")


def chart_description(outcome: ChartOutcome, points: Sequence[ChartPoint]) -> str:
    """Every value of the chart in words (the <desc>, and the text beside a PDF's chart)."""
    parts = [f"Baseline {amount(outcome.baseline_value)} on {_day(outcome.baseline_date)}."]
    if outcome.benchmarks:
        marks = "; ".join(f"{amount(v)} by {_day(d)}" for d, v in outcome.benchmarks)
        parts.append(f"Benchmarks: {marks}.")
    parts.append(f"Target {amount(outcome.target_value)} by {_day(outcome.target_date)}.")
    if points:
        measured = "; ".join(
            f"{amount(p.value)} on {_day(p.measured_on)} ({_judgement(p.on_track)})" for p in points
        )
        parts.append(f"Measured: {measured}.")
    else:
        parts.append("No value measured yet.")
    return " ".join(parts)


def _day(day: date) -> str:
    """December 6, 2024, as the pages print a date."""
    return f"{day:%B} {day.day}, {day.year}"


def _judgement(on_track: bool | None) -> str:
    if on_track is None:
        return "not judged"
    return "on track" if on_track else "not on track"


def outcome_chart_svg(
    outcome: ChartOutcome | Any,
    measurements: Sequence[ChartPoint | Any],
    *,
    chart_id: str = "outcome-chart",
) -> str:
    """The outcome's chart as an inline <svg> (role="img", with <title> and <desc>).
    `outcome` is a ChartOutcome or a steps.Outcome with prefetched benchmarks;
    `measurements` ChartPoints or OutcomeMeasurement rows, in any order. `chart_id`
    makes the title and desc ids unique on a page with several charts."""
    data = outcome if isinstance(outcome, ChartOutcome) else chart_outcome(outcome)
    points = sorted(
        (m if isinstance(m, ChartPoint) else ChartPoint(m.measured_on, m.value, m.on_track)
         for m in measurements),
        key=lambda point: point.measured_on,
    )  # fmt: skip
    plot = _Plot(data, points)
    ident = escape(chart_id)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="outcome-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape("Outcome: " + data.measure)}</title>',
        f'<desc id="{ident}-desc">{escape(chart_description(data, points))}</desc>',
        *plot.axes(),
        *plot.planned(),
        *plot.measured(),
        *_legend(),
        "</svg>",
    ]
    return "\n".join(parts)


class _Plot:
    """Scales from dates and values to the plot area, and the marks drawn in it."""

    def __init__(self, outcome: ChartOutcome, points: Sequence[ChartPoint]) -> None:
        self.outcome, self.points = outcome, points
        dates = [outcome.baseline_date, outcome.target_date, *(d for d, _ in outcome.benchmarks)]
        dates += [p.measured_on for p in points]
        values = [outcome.baseline_value, outcome.target_value]
        values += [v for _, v in outcome.benchmarks] + [p.value for p in points]
        # A margin of days on both sides, so the first and last marks are not cut in half.
        first, last = min(dates).toordinal(), max(dates).toordinal()
        margin = max(7, (last - first) // 30)
        self.first = date.fromordinal(first - margin)
        self.last = date.fromordinal(last + margin)
        self.ticks = _value_ticks(min(values), max(values))
        self.low, self.high = self.ticks[0], self.ticks[-1]
        self.taken: list[tuple[float, float, float, float]] = []

    def x(self, day: date) -> float:
        span = self.last.toordinal() - self.first.toordinal()
        share = (day.toordinal() - self.first.toordinal()) / span
        return round(LEFT + share * (WIDTH - LEFT - RIGHT), 1)

    def y(self, value: Decimal) -> float:
        share = float((value - self.low) / (self.high - self.low))
        return round(HEIGHT - BOTTOM - share * (HEIGHT - TOP - BOTTOM), 1)

    def axes(self) -> list[str]:
        bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
        parts = []
        for tick in self.ticks:
            y = self.y(tick)
            parts.append(
                f'<line x1="{LEFT}" y1="{y}" x2="{right}" y2="{y}" stroke="{GRID}" '
                'stroke-width="1"/>'
            )
            parts.append(
                f'<text x="{LEFT - 8}" y="{y + 4}" text-anchor="end" font-size="12" '
                f'fill="{TEXT}" {FONT}>{escape(amount(tick))}</text>'
            )
        for day in _date_ticks(self.first, self.last):
            x = self.x(day)
            parts.append(
                f'<line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 5}" stroke="{AXIS}"/>'
            )
            parts.append(
                f'<text x="{x}" y="{bottom + 19}" text-anchor="middle" font-size="12" '
                f'fill="{TEXT}" {FONT}>{day.strftime("%b %Y")}</text>'
            )
        parts.append(
            f'<line x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{AXIS}" '
            'stroke-width="1.5"/>'
        )
        parts.append(
            f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="{AXIS}" '
            'stroke-width="1.5"/>'
        )
        # What the values count (the outcome's measure is its unit) and what the dates are.
        measure = Truncator(self.outcome.measure).chars(AXIS_TITLE_CHARS)
        parts.append(
            f'<text x="{LEFT - 8}" y="{TOP - 24}" font-size="12" font-weight="bold" '
            f'fill="{TEXT}" {FONT}>{escape("Value: " + measure)}</text>'
        )
        parts.append(
            f'<text x="{right}" y="{bottom + 36}" text-anchor="end" font-size="12" '
            f'font-weight="bold" fill="{TEXT}" {FONT}>{DATE_AXIS_TITLE}</text>'
        )
        return parts

    def planned(self) -> list[str]:
        """The dashed path baseline → benchmarks → target, each mark with its value."""
        o = self.outcome
        path = [(o.baseline_date, o.baseline_value), *sorted(o.benchmarks)]
        path.append((o.target_date, o.target_value))
        coords = " ".join(f"{self.x(d)},{self.y(v)}" for d, v in path)
        parts = [
            f'<polyline points="{coords}" fill="none" stroke="{PLANNED}" stroke-width="2" '
            'stroke-dasharray="6 4"/>'
        ]
        bx, by = self.x(o.baseline_date), self.y(o.baseline_value)
        parts.append(_square(bx, by) + self.label(bx, by, f"Baseline {amount(o.baseline_value)}"))
        for day, value in o.benchmarks:
            x, y = self.x(day), self.y(value)
            parts.append(_diamond(x, y) + self.label(x, y, amount(value)))
        tx, ty = self.x(o.target_date), self.y(o.target_value)
        parts.append(
            _triangle(tx, ty) + self.label(tx, ty, f"Target {amount(o.target_value)}", anchor="end")
        )
        return parts

    def measured(self) -> list[str]:
        if not self.points:
            return []
        coords = " ".join(f"{self.x(p.measured_on)},{self.y(p.value)}" for p in self.points)
        parts = [f'<polyline points="{coords}" fill="none" stroke="{MEASURED}" stroke-width="3"/>']
        for point in self.points:
            x, y = self.x(point.measured_on), self.y(point.value)
            parts.append(_circle(x, y, point.on_track))
            parts.append(self.label(x, y, amount(point.value), below=True, colour=MEASURED))
        return parts

    def label(
        self,
        x: float,
        y: float,
        text: str,
        *,
        anchor: str = "start",
        below: bool = False,
        colour: str = TEXT,
    ) -> str:
        """A value beside its mark, inside the chart, where no earlier label is: on the
        preferred side first, then the other, then a line further out each time."""
        width = len(text) * CHAR_WIDTH
        # A label that would run past the right edge goes to the mark's left, and back.
        if anchor == "start" and x + 8 + width > WIDTH - 2:
            anchor = "end"
        elif anchor == "end" and x - 8 - width < 2:
            anchor = "start"
        left = x + 8 if anchor == "start" else x - 8 - width
        first, second = (18, -8) if below else (-8, 18)
        tries = [first, second]
        tries += [
            d + step * LINE_HEIGHT * (1 if d > 0 else -1) for step in (1, 2, 3) for d in tries[:2]
        ]
        for dy in tries:
            baseline = min(max(y + dy, 14.0), HEIGHT - BOTTOM - 4)
            box = (left, baseline - 11, left + width, baseline + 3)
            if not any(_overlap(box, other) for other in self.taken):
                break
        self.taken.append(box)
        return _label(x, baseline, text, anchor=anchor, colour=colour)


def _value_ticks(low: Decimal, high: Decimal) -> list[Decimal]:
    """Four or five round values from below the lowest to above the highest."""
    if low == high:
        low, high = low - 1, high + 1
    raw = float(high - low) / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    try:
        step_d = Decimal(str(step))
        start = (low / step_d).to_integral_value(rounding="ROUND_FLOOR") * step_d
        stop = (high / step_d).to_integral_value(rounding="ROUND_CEILING") * step_d
    except InvalidOperation:  # pragma: no cover - values are 12 digits at most
        return [low, high]
    ticks = []
    tick = start
    while tick <= stop:
        ticks.append(tick)
        tick += step_d
    return ticks


def _date_ticks(first: date, last: date) -> list[date]:
    """First days of months across the range: every month on a short range, every quarter,
    half-year or year on longer ones, so the labels never crowd."""
    months = (last.year - first.year) * 12 + last.month - first.month
    every = next((n for limit, n in ((8, 1), (24, 3), (48, 6)) if months <= limit), 12)
    ticks = []
    year, month = first.year, first.month
    while date(year, month, 1) <= last:
        day = date(year, month, 1)
        if day >= first and (month - 1) % every == 0:
            ticks.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ticks


def _overlap(
    one: tuple[float, float, float, float], two: tuple[float, float, float, float]
) -> bool:
    return one[0] < two[2] and two[0] < one[2] and one[1] < two[3] and two[1] < one[3]


def _label(x: float, baseline: float, text: str, *, anchor: str, colour: str) -> str:
    """`text` on `baseline`, beside the mark at `x` (after it, or before it for "end")."""
    dx = -8 if anchor == "end" else 8
    return (
        f'<text x="{round(x + dx, 1)}" y="{round(baseline, 1)}" text-anchor="{anchor}" '
        f'font-size="12" fill="{colour}" {FONT}>{escape(text)}</text>'
    )


def _square(x: float, y: float) -> str:
    return (
        f'<rect x="{x - 5}" y="{y - 5}" width="10" height="10" fill="{PLANNED}" '
        f'stroke="{PLANNED}"/>'
    )


def _diamond(x: float, y: float) -> str:
    points = f"{x},{y - 6} {x + 6},{y} {x},{y + 6} {x - 6},{y}"
    return f'<polygon points="{points}" fill="#ffffff" stroke="{PLANNED}" stroke-width="2"/>'


def _triangle(x: float, y: float) -> str:
    points = f"{x},{y - 7} {x + 7},{y + 6} {x - 7},{y + 6}"
    return f'<polygon points="{points}" fill="{PLANNED}" stroke="{PLANNED}"/>'


def _circle(x: float, y: float, on_track: bool | None) -> str:
    fill = MEASURED if on_track else "#ffffff"
    mark = f'<circle cx="{x}" cy="{y}" r="5" fill="{fill}" stroke="{MEASURED}" stroke-width="2"/>'
    if on_track is None:
        mark += (
            f'<line x1="{x - 3}" y1="{y - 3}" x2="{x + 3}" y2="{y + 3}" stroke="{MEASURED}"/>'
            f'<line x1="{x - 3}" y1="{y + 3}" x2="{x + 3}" y2="{y - 3}" stroke="{MEASURED}"/>'
        )
    return mark


def _legend() -> list[str]:
    """What each line and mark means, in words beside it."""
    top = HEIGHT - BOTTOM + 56
    rows = [
        (
            f'<line x1="{LEFT}" y1="{top}" x2="{LEFT + 28}" y2="{top}" stroke="{PLANNED}" '
            'stroke-width="2" stroke-dasharray="6 4"/>',
            "Planned",
        ),
        (
            f'<line x1="{LEFT}" y1="{top + 22}" x2="{LEFT + 28}" y2="{top + 22}" '
            f'stroke="{MEASURED}" stroke-width="3"/>',
            "Measured",
        ),
    ]
    parts = []
    for number, (mark, text) in enumerate(rows):
        parts.append(mark)
        parts.append(
            f'<text x="{LEFT + 36}" y="{top + 22 * number + 4}" font-size="12" '
            f'fill="{TEXT}" {FONT}>{escape(text)}</text>'
        )
    columns = (LEFT + 180, LEFT + 290, LEFT + 420)
    shapes = [
        (_square, "Baseline"),
        (_diamond, "Benchmark"),
        (_triangle, "Target"),
        (lambda x, y: _circle(x, y, True), "On track"),
        (lambda x, y: _circle(x, y, False), "Not on track"),
        (lambda x, y: _circle(x, y, None), "Not judged"),
    ]
    for number, (draw, text) in enumerate(shapes):
        x, y = columns[number % 3], top + 22 * (number // 3)
        parts.append(draw(x, y))
        parts.append(
            f'<text x="{x + 12}" y="{y + 4}" font-size="12" fill="{TEXT}" {FONT}>'
            f"{escape(text)}</text>"
        )
    return parts
