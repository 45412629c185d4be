"""Writes to Box 10's list of data sources. Each change is a new version of the Data
Drill Down activity, with its history row, in the same transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from lea.models import User
from steps.models import ActivityRecord, DataSource
from steps.services.records import record_touch

# Notes say what a source shows; longer text is a stray paste.
NOTES_MAX = 5_000
TOO_LONG = "This is longer than {limit:,} characters."


def _checked(source: DataSource) -> None:
    source.full_clean()
    # A TextField has no length of its own; the form's limit must hold for every caller.
    if len(source.notes) > NOTES_MAX:
        raise ValidationError({"notes": TOO_LONG.format(limit=NOTES_MAX)})


def _described(source: DataSource) -> dict[str, str]:
    """The source's fields as a person reads them, for the history."""
    return {
        "name": source.name,
        "education": source.get_education_display(),
        "kind": source.get_kind_display(),
        "area": source.get_area_display(),
        "notes": source.notes,
    }


@transaction.atomic
def data_source_add(
    *,
    actor: User,
    record: ActivityRecord,
    expected_version: int,
    name: str,
    education: str,
    kind: str,
    area: str,
    notes: str,
) -> DataSource:
    """List a data source the Data Drill Down used."""
    source = DataSource(
        engagement=record.engagement,
        record=record,
        name=name,
        education=education,
        kind=kind,
        area=area,
        notes=notes,
    )
    _checked(source)
    described = _described(source)
    locked = record_touch(
        actor=actor,
        record=record,
        expected_version=expected_version,
        verb="data_sources.add_source",
        changes={
            "source": source.name,
            "tags": f"{described['education']}, {described['kind']}, {described['area']}",
        },
    )
    last = DataSource.objects.filter(engagement=locked.engagement).aggregate(Max("position"))
    source.position = (last["position__max"] or 0) + 1
    source.save()
    return source


@transaction.atomic
def data_source_edit(
    *,
    actor: User,
    source: DataSource,
    expected_version: int,
    name: str,
    education: str,
    kind: str,
    area: str,
    notes: str,
) -> DataSource:
    """Change a data source's name, tags or notes."""
    before = _described(source)
    source.name, source.education, source.kind = name, education, kind
    source.area, source.notes = area, notes
    _checked(source)
    after = _described(source)
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    record_touch(
        actor=actor,
        record=source.record,
        expected_version=expected_version,
        verb="data_sources.edit_source",
        changes={"source": source.name, **changed},
    )
    source.save(update_fields=["name", "education", "kind", "area", "notes"])
    return source


STILL_CITED = (
    "“{source}” is the data behind problem area(s): {areas}. Unlink it there first, so the "
    "plan's trace keeps the data that motivated it."
)


@transaction.atomic
def data_source_remove(*, actor: User, source: DataSource, expected_version: int) -> None:
    """Take a source off the list; refused while a problem area cites it."""
    cited_by = [str(area) for area in source.problem_areas.all()]
    if cited_by:
        raise ValidationError(STILL_CITED.format(source=source.name, areas="; ".join(cited_by)))
    record_touch(
        actor=actor,
        record=source.record,
        expected_version=expected_version,
        verb="data_sources.remove_source",
        changes={"source": source.name},
    )
    source.delete()
