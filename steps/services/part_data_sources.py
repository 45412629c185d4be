"""Writes to Box 10's list of data sources. Each change is a new version of the Data
Drill Down activity, with its history row, in the same transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from cim.catalog_rules import Choice, box_field, item_choices, label_of
from lea.audit import diff
from lea.models import AuditVerb, User
from steps.models import ActivityRecord, DataSource
from steps.services.parts_merge import (
    ROW,
    RowSaved,
    holder_open,
    record_holder,
    row_key,
    row_remove,
    row_save,
    values_for,
    words,
)
from steps.services.records import record_touch

# Notes say what a source shows; longer text is a stray paste.
NOTES_MAX = 5_000
TOO_LONG = "This is longer than {limit:,} characters."
NOT_A_TAG = "Choose one of the listed values."
# The box 10 field whose items are the sources; the catalog gives their tags' choices.
SOURCES_FIELD = "data_sources"


def source_tags(*, cohort_id: int) -> dict[str, list[Choice]]:
    """Per tag of a source (education, kind, area), the cohort's choices, the ones every
    Data Drill Down must cover marked required, in the catalog's words."""
    spec = box_field(cohort_id=cohort_id, name=SOURCES_FIELD)
    return {tag: item_choices(spec, tag) for tag in DataSource.TAGS}


def tag_words(source: DataSource, tags: dict[str, list[Choice]]) -> list[str]:
    """The source's education, kind and area in the catalog's words."""
    return [label_of(tags[tag], getattr(source, tag)) for tag in DataSource.TAGS]


def _checked(source: DataSource, tags: dict[str, list[Choice]]) -> None:
    source.full_clean()
    # A TextField has no length of its own; the form's limit must hold for every caller.
    if len(source.notes) > NOTES_MAX:
        raise ValidationError({"notes": TOO_LONG.format(limit=NOTES_MAX)})
    for tag, choices in tags.items():
        if getattr(source, tag) not in {choice.value for choice in choices}:
            raise ValidationError({tag: NOT_A_TAG})


@values_for(DataSource)
def source_values(source: DataSource) -> dict[str, Any]:
    """The source's values as the form names them."""
    return {
        "name": source.name,
        "education": source.education,
        "kind": source.kind,
        "area": source.area,
        "notes": source.notes,
    }


def _describer(tags: dict[str, list[Choice]]) -> Callable[[str, Any], Any]:
    def said(name: str, value: Any) -> Any:
        return label_of(tags[name], value) if name in tags else words(value)

    return said


def _write(source: DataSource, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(source, name, value)
    _checked(source, source_tags(cohort_id=source.engagement.cohort_id))
    source.save(update_fields=list(values))


def _about(source: DataSource) -> dict[str, Any]:
    return {"source": source.name}


@transaction.atomic
def data_source_add(
    *,
    actor: User,
    record: ActivityRecord,
    version: str,
    name: str,
    education: str,
    kind: str,
    area: str,
    notes: str,
) -> DataSource:
    """List a data source the Data Drill Down used (an addition never conflicts)."""
    source = DataSource(
        engagement=record.engagement,
        record=record,
        name=name,
        education=education,
        kind=kind,
        area=area,
        notes=notes,
    )
    choices = source_tags(cohort_id=record.engagement.cohort_id)
    _checked(source, choices)
    locked = holder_open(record_holder(actor=actor, record=record), version)
    last = DataSource.objects.filter(engagement_id=record.engagement_id).aggregate(Max("position"))
    source.position = (last["position__max"] or 0) + 1
    source.save()
    tags = ", ".join(tag_words(source, choices))
    record_touch(
        actor=actor,
        record=locked,  # type: ignore[arg-type]
        verb=AuditVerb.DATA_SOURCES_ADD_SOURCE,
        changes=diff(None, {ROW: row_key(source), **_about(source), "tags": tags}),
    )
    return source


@transaction.atomic
def data_source_edit(
    *,
    actor: User,
    source: DataSource,
    version: str,
    bases: Mapping[str, str] | None = None,
    **values: Any,
) -> RowSaved:
    """Change a data source's name, tags or notes, merged with others' saves since."""
    return row_save(
        holder=record_holder(actor=actor, record=source.record),
        version=version,
        row=source,
        what="data source",
        bases=bases,
        mine=values,
        values_of=source_values,
        write=_write,
        verb=AuditVerb.DATA_SOURCES_EDIT_SOURCE,
        about=_about,
        described=_describer(source_tags(cohort_id=source.engagement.cohort_id)),
    )


STILL_CITED = (
    "“{source}” is the data behind problem area(s): {areas}. Unlink it there first, so the "
    "plan's trace keeps the data that motivated it."
)


def _not_cited(source: DataSource) -> None:
    cited_by = [str(area) for area in source.problem_areas.all()]
    if cited_by:
        raise ValidationError(STILL_CITED.format(source=source.name, areas="; ".join(cited_by)))


@transaction.atomic
def data_source_remove(
    *, actor: User, source: DataSource, version: str, base: str | None = None
) -> None:
    """Take a source off the list; refused while a problem area cites it."""
    row_remove(
        holder=record_holder(actor=actor, record=source.record),
        version=version,
        row=source,
        what="data source",
        base=base,
        values_of=source_values,
        verb=AuditVerb.DATA_SOURCES_REMOVE_SOURCE,
        about=_about,
        check=_not_cited,
    )
