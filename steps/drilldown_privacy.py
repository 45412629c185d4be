"""What of a Data Drill Down leaves the LEA's team: every table shown to anyone else
(reviewers' pages, the submission snapshot, PDFs, CSV downloads, statewide views) goes
through `suppress` first.

A group of 1 to `suppress_up_to` students (the catalog's, 10 in 2024) shows "n<11" and
no numerator, denominator, rate or risk ratio. Where exactly one group of a breakdown is
hidden, the next smallest (ties by group name) is hidden too: otherwise the hidden one is
the overall count less the others.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby

from steps.drilldown import ALL, Cell

SMALL_GROUP = "n<{limit}"
CSV_COLUMNS = (
    "measure", "dimension", "group", "numerator", "denominator", "rate", "risk_ratio",
    "suppressed",
)  # fmt: skip


@dataclass(frozen=True)
class ShownCell:
    """A table row as it may be shown: the numbers, or none of them when suppressed."""

    measure: str
    dimension: str
    group: str
    numerator: int | None
    denominator: int | None
    rate: float | None
    risk_ratio: float | None
    flagged: bool
    suppressed: bool
    label: str = ""  # "n<11" where suppressed


def exact(cells: Iterable[Cell]) -> list[ShownCell]:
    """The tables as the LEA's own team sees them: every count."""
    return [_shown(cell) for cell in cells]


def suppress(cells: Iterable[Cell], *, suppress_up_to: int) -> list[ShownCell]:
    """The tables as they leave the team. `cells` are in breakdown order (as `aggregate`
    makes them): each (measure, dimension) run is one breakdown."""
    label = SMALL_GROUP.format(limit=suppress_up_to + 1)
    shown: list[ShownCell] = []
    for (_measure, dimension), run in groupby(cells, key=lambda c: (c.measure, c.dimension)):
        breakdown = list(run)
        hidden = hidden_groups(breakdown, suppress_up_to=suppress_up_to, overall=dimension == ALL)
        for cell in breakdown:
            if cell.group in hidden:
                shown.append(_hidden(cell, label))
            else:
                shown.append(_shown(cell))
    return shown


def hidden_groups(breakdown: list[Cell], *, suppress_up_to: int, overall: bool) -> set[str]:
    """The groups of one breakdown that show no numbers."""
    hidden = {cell.group for cell in breakdown if 1 <= cell.denominator <= suppress_up_to}
    if len(hidden) == 1 and not overall:
        rest = [cell for cell in breakdown if cell.group not in hidden]
        if rest:
            hidden.add(min(rest, key=lambda cell: (cell.denominator, cell.group)).group)
    return hidden


def _shown(cell: Cell) -> ShownCell:
    return ShownCell(
        measure=cell.measure,
        dimension=cell.dimension,
        group=cell.group,
        numerator=cell.numerator,
        denominator=cell.denominator,
        rate=cell.rate if cell.denominator else None,
        risk_ratio=cell.risk_ratio,
        flagged=cell.flagged,
        suppressed=False,
    )


def _hidden(cell: Cell, label: str) -> ShownCell:
    return ShownCell(
        measure=cell.measure,
        dimension=cell.dimension,
        group=cell.group,
        numerator=None,
        denominator=None,
        rate=None,
        risk_ratio=None,
        flagged=False,
        suppressed=True,
        label=label,
    )


def tables_csv(shown: Iterable[ShownCell]) -> str:
    """The tables as CSV (CSV_COLUMNS): the rate as a fraction to 4 decimals, suppressed
    yes/no, the overall row as dimension and group `all`. Empty cells where a number is
    hidden or does not apply."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for cell in shown:
        writer.writerow(
            (
                cell.measure,
                cell.dimension,
                cell.group,
                "" if cell.numerator is None else cell.numerator,
                "" if cell.denominator is None else cell.denominator,
                "" if cell.rate is None else f"{cell.rate:.4f}",
                "" if cell.risk_ratio is None else f"{cell.risk_ratio:.4f}",
                "yes" if cell.suppressed else "no",
            )
        )
    return buffer.getvalue()
