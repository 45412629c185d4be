"""Template filters of the Step 4 pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

from reports.charts import amount as _amount

register = template.Library()


@register.filter
def amount(value: Decimal | None) -> str:
    """42.50 reads as 42.5 and 100.00 as 100, as in the snapshot and the charts."""
    return "" if value is None else _amount(value)


@register.filter
def one_line(text: str | None) -> str:
    """Lines typed one per line ("Casey Lead\nSam Member") as "Casey Lead; Sam Member"."""
    return "; ".join(line.strip() for line in (text or "").splitlines() if line.strip())
