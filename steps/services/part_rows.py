"""The writes of every declared part's rows (steps/parts/rows.py): add, edit and remove,
each refusing an actor who may not change the LEA's work before anything else, then
locking the activity record, checking the version token the form carried, merging with
what others saved since (steps/services/parts_merge.py), and counting the change as a new
version of the record with its history row, all in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Model

from lea.audit import diff
from lea.models import User
from steps.access import may_edit_engagement
from steps.models import ActivityRecord
from steps.parts.rows import RowPart
from steps.services.parts_merge import (
    ROW,
    RowSaved,
    holder_open,
    record_holder,
    row_key,
    row_remove,
    row_save,
)
from steps.services.records import NOT_YOURS, record_touch

FOREIGN_ROW = "That {what} is not one of this form's: it belongs to another activity or LEA."
TOO_LONG = "This is longer than {limit:,} characters."


def _require_editor(actor: User, record: ActivityRecord) -> None:
    if not may_edit_engagement(actor, record.engagement):
        raise ValidationError(NOT_YOURS)


def _relations(rows: RowPart[Any]) -> set[str]:
    return {field.name for field in rows.model._meta.many_to_many}


def _chosen(rows: RowPart[Any], record: ActivityRecord, values: dict[str, Any]) -> dict[str, Any]:
    """The values with each relation as a list, refused beside its field when a crafted
    POST names another LEA's rows."""
    for name in _relations(rows).intersection(values):
        chosen = list(values[name])
        if any(row.engagement_id != record.engagement_id for row in chosen):
            raise ValidationError({name: rows.chosen_in_engagement[name]})
        values[name] = chosen
    return values


def _checked(rows: RowPart[Any], row: Model) -> None:
    row.full_clean()
    too_long = {
        name: TOO_LONG.format(limit=limit)
        for name, limit in rows.text_limits.items()
        if len(getattr(row, name)) > limit
    }
    if too_long:
        raise ValidationError(too_long)
    if rows.check is not None:
        rows.check(row)


def _write(rows: RowPart[Any], row: Model, values: Mapping[str, Any]) -> None:
    """Set the values, check the row, save it and its relations."""
    relations = _relations(rows)
    fields = [name for name in values if name not in relations]
    for name in fields:
        setattr(row, name, values[name])
    _checked(rows, row)
    if row.pk is None:
        row.save()
    else:
        row.save(update_fields=fields)
    for name in relations.intersection(values):
        getattr(row, name).set(values[name])
    if rows.after_write is not None:
        rows.after_write(row)


def _belongs(rows: RowPart[Any], record: ActivityRecord, row: Model) -> None:
    if rows.record_of(row) != record.pk:
        raise ValidationError(FOREIGN_ROW.format(what=rows.noun))


def _new_row(rows: RowPart[Any], record: ActivityRecord, values: dict[str, Any]) -> Model:
    """A new row of the record, or of the parent the values name (refused if that is
    another record's), after the others."""
    if rows.parent is None:
        row = rows.model(engagement_id=record.engagement_id, record=record)
        within = {}
    else:
        within = {rows.parent: values.pop(rows.parent)}
        row = rows.model(**within)
        _belongs(rows, record, row)
    if any(field.name == "position" for field in rows.model._meta.fields):
        within |= {name: values[name] for name in rows.ordered_within}
        siblings = rows.rows_of(record).filter(**within)
        row.position = (siblings.aggregate(last=Max("position"))["last"] or 0) + 1  # type: ignore[attr-defined]
    return row


@transaction.atomic
def part_row_add(
    *, actor: User, rows: RowPart[Any], record: ActivityRecord, version: str, **values: Any
) -> Any:
    """Add a row after the record's others, or its parent's (an addition never conflicts)."""
    _require_editor(actor, record)
    values = _chosen(rows, record, values)
    locked = holder_open(record_holder(actor=actor, record=record), version)
    row = _new_row(rows, record, values)
    _write(rows, row, values)
    record_touch(
        actor=actor,
        record=locked,  # type: ignore[arg-type]
        verb=rows.verbs.add,
        changes=diff(None, {ROW: row_key(row), **rows.about(row), **rows.added(row)}),
        locked_by_caller=True,
    )
    return row


@transaction.atomic
def part_row_edit(
    *,
    actor: User,
    rows: RowPart[Any],
    record: ActivityRecord,
    row: Model,
    version: str,
    bases: Mapping[str, str] | None = None,
    **values: Any,
) -> RowSaved:
    """Change a row, merged with what others saved since (by the bases the form carried):
    a field both changed differently refuses the whole row with both texts."""
    _require_editor(actor, record)
    _belongs(rows, record, row)
    return row_save(
        holder=record_holder(actor=actor, record=record),
        version=version,
        row=row,
        what=rows.what(row),
        bases=bases,
        mine=_chosen(rows, record, values),
        values_of=rows.values,
        write=lambda current, merged: _write(rows, current, merged),
        verb=rows.verbs.edit,
        about=rows.about,
        described=rows.described(row) if rows.described else None,
    )


@transaction.atomic
def part_row_remove(
    *,
    actor: User,
    rows: RowPart[Any],
    record: ActivityRecord,
    row: Model,
    version: str,
    base: str | None = None,
) -> None:
    """Remove a row, refused when someone changed it since the writer's page was drawn, or
    while the part says another still needs it."""
    _require_editor(actor, record)
    _belongs(rows, record, row)
    row_remove(
        holder=record_holder(actor=actor, record=record),
        version=version,
        row=row,
        what=rows.what(row),
        base=base,
        values_of=rows.values,
        verb=rows.verbs.remove,
        about=lambda found: {**rows.about(found), **rows.removed(found)},
        check=rows.removable,
    )
