"""Writes of Root Cause Analysis (boxes 19-22 and beyond). Each counts as a new version of
the root cause analysis record and leaves an audit row, in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from lea.models import User
from steps.models import ActivityRecord, ProblemArea, RootCause
from steps.parts.problem_areas import TEXT_LIMIT
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


@transaction.atomic
def root_cause_add(
    *,
    actor: User,
    record: ActivityRecord,
    expected_version: int,
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
    record_touch(
        actor=actor,
        record=record,
        expected_version=expected_version,
        verb="root_causes.add",
        changes={"root_cause": statement, "problem_areas": _areas_words(chosen)},
    )
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
    return cause


@transaction.atomic
def root_cause_update(
    *,
    actor: User,
    record: ActivityRecord,
    expected_version: int,
    root_cause: RootCause,
    statement: str,
    problem_areas: Iterable[ProblemArea],
    qualitative_support: str = "",
    quantitative_support: str = "",
) -> RootCause:
    """Change a root cause's words, support or the problem areas it explains."""
    _check_row(record, root_cause)
    _check_texts(
        statement=statement,
        qualitative_support=qualitative_support,
        quantitative_support=quantitative_support,
    )
    chosen = _check_areas(record, problem_areas)
    before = {
        "statement": root_cause.statement,
        "problem_areas": _areas_words(root_cause.problem_areas.all()),
        "qualitative_support": root_cause.qualitative_support,
        "quantitative_support": root_cause.quantitative_support,
    }
    after = {
        "statement": statement,
        "problem_areas": _areas_words(chosen),
        "qualitative_support": qualitative_support,
        "quantitative_support": quantitative_support,
    }
    record_touch(
        actor=actor,
        record=record,
        expected_version=expected_version,
        verb="root_causes.edit",
        changes={
            "root_cause": root_cause.statement,
            **{
                name: [_short(before[name]), _short(after[name])]
                for name in before
                if before[name] != after[name]
            },
        },
    )
    root_cause.statement = statement
    root_cause.qualitative_support = qualitative_support
    root_cause.quantitative_support = quantitative_support
    root_cause.full_clean()
    root_cause.save(update_fields=["statement", "qualitative_support", "quantitative_support"])
    root_cause.problem_areas.set(chosen)
    return root_cause


@transaction.atomic
def root_cause_remove(
    *, actor: User, record: ActivityRecord, expected_version: int, root_cause: RootCause
) -> None:
    """Remove a root cause no problem of practice is grounded in yet."""
    _check_row(record, root_cause)
    problem = root_cause.problems_of_practice.first()
    if problem is not None:
        raise ValidationError(ADDRESSED.format(problem=problem))
    record_touch(
        actor=actor,
        record=record,
        expected_version=expected_version,
        verb="root_causes.remove",
        changes={"root_cause": root_cause.statement},
    )
    root_cause.delete()


def _short(value: str, limit: int = 300) -> str:
    # record_touch shortens plain strings only; an old → new pair is a list.
    return value[:limit] + "…" if len(value) > limit else value
