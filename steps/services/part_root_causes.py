"""Writes of Root Cause Analysis (boxes 19-22 and beyond). Each counts as a new version of
the root cause analysis record and leaves an audit row, in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from lea.audit import diff
from lea.models import AuditVerb, User
from steps.models import ActivityRecord, ProblemArea, RootCause
from steps.parts.problem_areas import TEXT_LIMIT
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

FOREIGN_ROW = "That root cause belongs to another activity."
FOREIGN_AREA = "Choose problem areas from this LEA's Consolidation."
ADDRESSED = (
    "The plan's problem of practice “{problem}” is grounded in this root cause: unlink it "
    "in the Plan for Improvement first."
)
TOO_LONG = f"This is longer than {TEXT_LIMIT:,} characters."


def _check_texts(**texts: str) -> None:
    # The form limits length too; this guards callers that are not the form.
    too_long = {name: TOO_LONG for name, text in texts.items() if len(text) > TEXT_LIMIT}
    if too_long:
        raise ValidationError(too_long)


def _check_areas(record: ActivityRecord, areas: Iterable[ProblemArea]) -> list[ProblemArea]:
    chosen = list(areas)
    if any(area.engagement_id != record.engagement_id for area in chosen):
        raise ValidationError({"problem_areas": FOREIGN_AREA})
    return chosen


def _check_row(record: ActivityRecord, cause: RootCause) -> None:
    if cause.record_id != record.pk:
        raise ValidationError(FOREIGN_ROW)


def _areas_words(areas: Iterable[ProblemArea]) -> str:
    return "; ".join(str(area) for area in areas) or "(none)"


@values_for(RootCause)
def cause_values(cause: RootCause) -> dict[str, Any]:
    """The root cause's values as the form names them."""
    return {
        "statement": cause.statement,
        "problem_areas": list(cause.problem_areas.all()),
        "qualitative_support": cause.qualitative_support,
        "quantitative_support": cause.quantitative_support,
    }


def _about(cause: RootCause) -> dict[str, Any]:
    return {"root_cause": words(cause.statement)}


@transaction.atomic
def root_cause_add(
    *,
    actor: User,
    record: ActivityRecord,
    version: str,
    statement: str,
    problem_areas: Iterable[ProblemArea],
    qualitative_support: str = "",
    quantitative_support: str = "",
) -> RootCause:
    """Add a root cause after the others; there may be more than Stepwell's four boxes."""
    _check_texts(
        statement=statement,
        qualitative_support=qualitative_support,
        quantitative_support=quantitative_support,
    )
    chosen = _check_areas(record, problem_areas)
    locked = holder_open(record_holder(actor=actor, record=record), version)
    last = RootCause.objects.filter(engagement_id=record.engagement_id).aggregate(
        last=Max("position")
    )["last"]
    cause = RootCause(
        engagement_id=record.engagement_id,
        record=record,
        position=(last or 0) + 1,
        statement=statement,
        qualitative_support=qualitative_support,
        quantitative_support=quantitative_support,
    )
    cause.full_clean()
    cause.save()
    cause.problem_areas.set(chosen)
    record_touch(
        actor=actor,
        record=locked,  # type: ignore[arg-type]
        verb=AuditVerb.ROOT_CAUSES_ADD,
        changes=diff(
            None, {ROW: row_key(cause), **_about(cause), "problem_areas": _areas_words(chosen)}
        ),
    )
    return cause


@transaction.atomic
def root_cause_update(
    *,
    actor: User,
    record: ActivityRecord,
    version: str,
    root_cause: RootCause,
    bases: Mapping[str, str] | None = None,
    **values: Any,
) -> RowSaved:
    """Change a root cause's words, support or the problem areas it explains, merged with
    others' saves since."""
    _check_row(record, root_cause)
    _check_texts(**{name: values.get(name, "") for name in TEXTS})
    values["problem_areas"] = _check_areas(record, values.get("problem_areas", ()))

    def write(cause: RootCause, merged: dict[str, Any]) -> None:
        for name in TEXTS:
            setattr(cause, name, merged[name])
        cause.full_clean()
        cause.save(update_fields=list(TEXTS))
        cause.problem_areas.set(merged["problem_areas"])

    return row_save(
        holder=record_holder(actor=actor, record=record),
        version=version,
        row=root_cause,
        what="root cause",
        bases=bases,
        mine=values,
        values_of=cause_values,
        write=write,
        verb=AuditVerb.ROOT_CAUSES_EDIT,
        about=_about,
    )


TEXTS = ("statement", "qualitative_support", "quantitative_support")


def _not_addressed(cause: RootCause) -> None:
    problem = cause.problems_of_practice.first()
    if problem is not None:
        raise ValidationError(ADDRESSED.format(problem=problem))


@transaction.atomic
def root_cause_remove(
    *,
    actor: User,
    record: ActivityRecord,
    version: str,
    root_cause: RootCause,
    base: str | None = None,
) -> None:
    """Remove a root cause no problem of practice is grounded in yet."""
    _check_row(record, root_cause)
    row_remove(
        holder=record_holder(actor=actor, record=record),
        version=version,
        row=root_cause,
        what="root cause",
        base=base,
        values_of=cause_values,
        verb=AuditVerb.ROOT_CAUSES_REMOVE,
        about=_about,
        check=_not_addressed,
    )
