"""Template filters of the Step 4 pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.safestring import mark_safe

from reports.charts import amount as _amount
from reports.progress import charts_in_snapshot

register = template.Library()


@register.filter
def amount(value: Decimal | None) -> str:
    """42.50 reads as 42.5 and 100.00 as 100, as in the snapshot and the charts."""
    return "" if value is None else _amount(value)


@register.filter
def one_line(text: str | None) -> str:
    """Lines typed one per line ("Casey Lead\nSam Member") as "Casey Lead; Sam Member"."""
    return "; ".join(line.strip() for line in (text or "").splitlines() if line.strip())


@register.filter
def outcome_charts(snapshot: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A submitted progress report's outcome charts, drawn from its snapshot as the PDF
    draws them: what was submitted, whatever changed since. None for Steps 1-3."""
    return [
        # Every text in the markup is escaped by outcome_chart_svg.
        {"anchor": chart.anchor, "label": chart.label, "svg": mark_safe(chart.svg)}  # noqa: S308
        for chart in charts_in_snapshot(snapshot or {})
    ]
