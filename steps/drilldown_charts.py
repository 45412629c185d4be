"""Bar charts of a Data Drill Down breakdown: each group's rate as a bar, with the
measure's statewide target as a line across them. Data in, SVG out, every text escaped,
no query: the drill-down page and the PDFs draw the same chart from the same rows.

Readable without colour: the target is a dashed line with its value written beside it;
each bar has its rate written at its end; a suppressed group has no bar and says "n<11".
The <desc> states every value, and each chart on a page sits above the table of its
numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape

from lea.text import shorten

WIDTH = 640
LABEL_WIDTH = 250  # the groups' names, left of the bars
RIGHT = 90  # room for the rate written after the longest bar
TOP, BAR, GAP, BOTTOM = 34, 18, 8, 34
BAR_COLOUR, TARGET_COLOUR, AXIS, GRID, TEXT = "#0a58ca", "#b02a37", "#343a40", "#dee2e6", "#212529"
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'
LABEL_CHARS = 34  # DejaVu Sans at 12px: 34 characters fit in LABEL_WIDTH


@dataclass(frozen=True)
class Bar:
    group: str  # in words
    rate: float | None  # None where suppressed (or no student counted)
    words: str  # the numbers as the table says them: "12 of 40 (30.0%)" or "n<11"


def chart_description(title: str, bars: Sequence[Bar], target: float, target_words: str) -> str:
    """Every value of the chart in words (the <desc>, and the PDF's alternative text)."""
    values = "; ".join(f"{bar.group}: {bar.words}" for bar in bars)
    return f"{title}. Statewide target {target_words}. {values}."


def breakdown_chart_svg(
    title: str, bars: Sequence[Bar], *, target: float, target_words: str, chart_id: str
) -> str:
    """The breakdown as an inline <svg> (role="img", with <title> and <desc>);
    `chart_id` makes the ids unique on a page with several charts."""
    ident = escape(chart_id)
    height = TOP + len(bars) * (BAR + GAP) + BOTTOM
    bottom = height - BOTTOM
    top_value = _scale_top(max([target, *(bar.rate or 0 for bar in bars)]))
    plot = WIDTH - LABEL_WIDTH - RIGHT

    def x(rate: float) -> float:
        return round(LABEL_WIDTH + rate / top_value * plot, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="drilldown-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">'
        f"{escape(chart_description(title, bars, target, target_words))}</desc>",
    ]
    for step in range(5):
        value = top_value * step / 4
        parts.append(
            f'<line x1="{x(value)}" y1="{TOP - 6}" x2="{x(value)}" y2="{bottom}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{x(value)}" y="{bottom + 16}" text-anchor="middle" font-size="12" '
            f'fill="{TEXT}" {FONT}>{value:.0%}</text>'
        )
    for number, bar in enumerate(bars):
        y = TOP + number * (BAR + GAP)
        name = shorten(bar.group, LABEL_CHARS)
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 13}" text-anchor="end" font-size="12" '
            f'fill="{TEXT}" {FONT}>{escape(name)}</text>'
        )
        if bar.rate is None:
            parts.append(
                f'<text x="{LABEL_WIDTH + 6}" y="{y + 13}" font-size="12" fill="{TEXT}" '
                f"{FONT}>{escape(bar.words)}</text>"
            )
            continue
        end = x(bar.rate)
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{round(end - LABEL_WIDTH, 1)}" '
            f'height="{BAR}" fill="{BAR_COLOUR}"/>'
        )
        parts.append(
            f'<text x="{end + 6}" y="{y + 13}" font-size="12" fill="{TEXT}" {FONT}>'
            f"{bar.rate:.1%}</text>"
        )
    target_x = x(target)
    parts.append(
        f'<line x1="{target_x}" y1="{TOP - 10}" x2="{target_x}" y2="{bottom}" '
        f'stroke="{TARGET_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    label = f"Statewide target {target_words}"
    anchor = "end" if target_x > WIDTH / 2 else "start"
    parts.append(
        f'<text x="{target_x}" y="{TOP - 14}" text-anchor="{anchor}" font-size="12" '
        f'font-weight="bold" fill="{TARGET_COLOUR}" {FONT}>{escape(label)}</text>'
    )
    parts.append(
        f'<line x1="{LABEL_WIDTH}" y1="{TOP - 6}" x2="{LABEL_WIDTH}" y2="{bottom}" '
        f'stroke="{AXIS}" stroke-width="1.5"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _scale_top(highest: float) -> float:
    """The rate at the right edge: the next 10% above the highest bar or target (at
    least 10%, at most 100%), so bars of a few percent are not drawn as slivers."""
    return min(1.0, max(0.1, math.ceil(highest * 10 + 1e-9) / 10))
