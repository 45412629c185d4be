"""The one shape of an audit row's `changes`: {field: [before, after]}.

Every producer writes it, so a reader (the history pages, the merge's "who changed this
field", the admin) reads every row the same way:
- a field the event changed: [old, new];
- a field it brought into being (a new row, a first answer, a reason given, a count of
  what a sweep did): [None, value]; one it took away (a removed row): [value, None];
- a value that only names what changed (the row's label, the version a comment is on):
  [value, value].
Values are JSON (text, numbers, booleans, None, lists of them); long texts are
shortened as an audit row keeps them (`lea.text.audit_text`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, time
from decimal import Decimal
from typing import Any

from django.db.models import Model, QuerySet

from lea.text import audit_text

Changes = dict[str, list[Any]]

NOT_A_DICT = "AuditEvent.changes must be a dict {{field: [before, after]}}, not {kind}."
NOT_A_PAIR = (
    "AuditEvent.changes[{field!r}] must be a list [before, after], not {value!r}. Write a "
    "creation as [None, value], a removal as [value, None], a value that only names what "
    "changed as [value, value]; lea.audit.diff builds the dict from two states."
)
NOT_FLAT = (
    "AuditEvent.changes[{field!r}] has a side {value!r}: each side must be text, a number, "
    "a boolean, None or a list of those (lea.audit.plain turns dates, rows and "
    "structures into such values)."
)
NOT_JSON = "AuditEvent.changes[{field!r}] holds a value JSON cannot keep ({error})."


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> Changes:
    """{field: [before, after]} for every field whose value differs between two states of
    a thing, texts shortened as the audit keeps them. None for a state means the thing did
    not exist: every field of the other state is listed (a creation, or a removal)."""
    old, new = before or {}, after or {}
    return {
        name: [plain(old.get(name)), plain(new.get(name))]
        for name in {**old, **new}
        if before is None or after is None or old.get(name) != new.get(name)
    }


def same(values: Mapping[str, Any]) -> Changes:
    """Values that only name what changed, unchanged themselves: [value, value]."""
    return {name: [plain(value), plain(value)] for name, value in values.items()}


def plain(value: Any) -> Any:
    """A value as an audit row keeps it: a long text shortened, a date as ISO text, a row
    by its name, rows as a list, a structure (a form spec) as its shortened JSON text."""
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (Decimal, Model)):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset, QuerySet)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return audit_text(json.dumps(value, default=str))
    return audit_text(value)


SCALARS = (str, int, float, bool, type(None))


def check_changes(changes: object) -> None:
    """Refuse anything but {field: [before, after]} whose sides are JSON scalars or lists
    of them (ValueError): a nested dict is a shape of its own, which readers would not
    know."""
    if not isinstance(changes, dict):
        raise ValueError(NOT_A_DICT.format(kind=type(changes).__name__))
    for field, pair in changes.items():
        if not isinstance(field, str) or not isinstance(pair, list) or len(pair) != 2:
            raise ValueError(NOT_A_PAIR.format(field=field, value=pair))
        for side in pair:
            items = side if isinstance(side, list) else [side]
            if not all(isinstance(item, SCALARS) for item in items):
                raise ValueError(NOT_FLAT.format(field=field, value=side))
        try:
            json.dumps(pair, allow_nan=False)
        except ValueError as error:
            raise ValueError(NOT_JSON.format(field=field, error=error)) from None
