"""SQL compiled once per process for stand-in ids and bound to the real ones per request:
for the few queries nearly every page asks (the menu, the scopes), whose building through
the ORM and guardian cost a page more than PostgreSQL took to run them. A stand-in is a
negative id, which no row has; it is found among the parameters by value."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Final

from django.db.models import QuerySet

ANYONE: Final = -1  # the person asking
THIS: Final = -2  # the row asked about


def compiled(rows: QuerySet[Any], stand_ins: Collection[int]) -> tuple[str, tuple[Any, ...]]:
    """The SQL and parameters of `rows`, refused unless their negative numbers are exactly
    the stand-ins: another one would be bound as if it were a stand-in."""
    sql, params = rows.query.sql_with_params()
    negatives = {param for param in params if type(param) is int and param < 0}
    if negatives != set(stand_ins):
        raise ValueError(f"Compiled SQL with stand-ins {negatives}, not {set(stand_ins)}.")
    return sql, params


def bound(params: tuple[Any, ...], values: Mapping[int, int]) -> list[Any]:
    """The compiled parameters with each stand-in (an int) replaced by its value."""
    return [values[param] if type(param) is int and param in values else param for param in params]
