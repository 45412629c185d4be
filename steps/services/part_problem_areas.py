"""Writes of Consolidation's problem areas (box 15). Each counts as a new version of the
consolidation record and leaves an audit row, in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from lea.audit import diff
from lea.models import AuditVerb, User
from steps.models import ActivityRecord, DataSource, ProblemArea
from steps.parts.problem_areas import TEXT_LIMIT, area_values
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

FOREIGN_ROW = "That problem area belongs to another activity."
FOREIGN_SOURCE = "Choose data sources from this LEA's Data Drill Down."
EXPLAINED = (
    "Root cause analysis links “{cause}” to this problem area: unlink it there first, "
    "so no root cause is left explaining nothing."
)
TOO_LONG = f"This is longer than {TEXT_LIMIT:,} characters."


def _check_texts(**texts: str) -> None:
    # The form limits length too; this guards callers that are not the form.
    too_long = {name: TOO_LONG for name, text in texts.items() if len(text) > TEXT_LIMIT}
    if too_long:
        raise ValidationError(too_long)


def _check_sources(record: ActivityRecord, sources: Iterable[DataSource]) -> list[DataSource]:
    chosen = list(sources)
    if any(source.engagement_id != record.engagement_id for source in chosen):
        raise ValidationError({"sources": FOREIGN_SOURCE})
    return chosen


def _check_row(record: ActivityRecord, area: ProblemArea) -> None:
    if area.record_id != record.pk:
        raise ValidationError(FOREIGN_ROW)


# The reader lives with the form (steps.parts.problem_areas), which this module imports.
values_for(ProblemArea)(area_values)


def _about(area: ProblemArea) -> dict[str, Any]:
    return {"problem_area": words(area.description)}


@transaction.atomic
def problem_area_add(
    *,
    actor: User,
    record: ActivityRecord,
    version: str,
    description: str,
    quantification: str,
    relates_to_identification: bool,
    sources: Iterable[DataSource] = (),
) -> ProblemArea:
    """Add a problem area at the end of Consolidation's list, unranked."""
    _check_texts(description=description, quantification=quantification)
    chosen = _check_sources(record, sources)
    locked = holder_open(record_holder(actor=actor, record=record), version)
    last = ProblemArea.objects.filter(engagement_id=record.engagement_id).aggregate(
        last=Max("position")
    )["last"]
    area = ProblemArea(
        engagement_id=record.engagement_id,
        record=record,
        position=(last or 0) + 1,
        description=description,
        quantification=quantification,
        relates_to_identification=relates_to_identification,
    )
    area.full_clean()
    area.save()
    area.sources.set(chosen)
    record_touch(
        actor=actor,
        record=locked,  # type: ignore[arg-type]
        verb=AuditVerb.PROBLEM_AREAS_ADD,
        changes=diff(None, {ROW: row_key(area), **_about(area), "quantification": quantification}),
    )
    return area


@transaction.atomic
def problem_area_update(
    *,
    actor: User,
    record: ActivityRecord,
    version: str,
    problem_area: ProblemArea,
    bases: Mapping[str, str] | None = None,
    **values: Any,
) -> RowSaved:
    """Change a problem area's words, flag or sources, merged with others' saves since;
    its rank and links stay."""
    _check_row(record, problem_area)
    _check_texts(
        description=values.get("description", ""), quantification=values.get("quantification", "")
    )
    values["sources"] = _check_sources(record, values.get("sources", ()))

    def write(area: ProblemArea, merged: dict[str, Any]) -> None:
        area.description = merged["description"]
        area.quantification = merged["quantification"]
        area.relates_to_identification = merged["relates_to_identification"]
        area.full_clean()
        area.save(update_fields=["description", "quantification", "relates_to_identification"])
        area.sources.set(merged["sources"])

    return row_save(
        holder=record_holder(actor=actor, record=record),
        version=version,
        row=problem_area,
        what="problem area",
        bases=bases,
        mine=values,
        values_of=area_values,
        write=write,
        verb=AuditVerb.PROBLEM_AREAS_EDIT,
        about=_about,
    )


def _not_explained(area: ProblemArea) -> None:
    cause = area.root_causes.first()
    if cause is not None:
        raise ValidationError(EXPLAINED.format(cause=cause))


@transaction.atomic
def problem_area_remove(
    *,
    actor: User,
    record: ActivityRecord,
    version: str,
    problem_area: ProblemArea,
    base: str | None = None,
) -> None:
    """Remove a problem area no root cause explains yet."""
    _check_row(record, problem_area)
    row_remove(
        holder=record_holder(actor=actor, record=record),
        version=version,
        row=problem_area,
        what="problem area",
        base=base,
        values_of=area_values,
        verb=AuditVerb.PROBLEM_AREAS_REMOVE,
        about=_about,
        check=_not_explained,
    )
