"""Writes of Consolidation's problem areas (box 15). Each counts as a new version of the
consolidation record and leaves an audit row, in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from lea.models import User
from steps.models import ActivityRecord, DataSource, ProblemArea
from steps.parts.problem_areas import TEXT_LIMIT
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


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _sources_words(sources: list[DataSource]) -> str:
    return ", ".join(source.name for source in sources) or "(none)"


@transaction.atomic
def problem_area_add(
    *,
    actor: User,
    record: ActivityRecord,
    expected_version: int,
    description: str,
    quantification: str,
    relates_to_identification: bool,
    sources: Iterable[DataSource] = (),
) -> ProblemArea:
    """Add a problem area at the end of Consolidation's list, unranked."""
    _check_texts(description=description, quantification=quantification)
    chosen = _check_sources(record, sources)
    record_touch(
        actor=actor,
        record=record,
        expected_version=expected_version,
        verb="problem_areas.add",
        changes={"problem_area": description, "quantification": quantification},
    )
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
    return area


@transaction.atomic
def problem_area_update(
    *,
    actor: User,
    record: ActivityRecord,
    expected_version: int,
    problem_area: ProblemArea,
    description: str,
    quantification: str,
    relates_to_identification: bool,
    sources: Iterable[DataSource] = (),
) -> ProblemArea:
    """Change a problem area's words, flag or sources; its rank and links stay."""
    _check_row(record, problem_area)
    _check_texts(description=description, quantification=quantification)
    chosen = _check_sources(record, sources)
    before = {
        "description": problem_area.description,
        "quantification": problem_area.quantification,
        "relates_to_identification": _yes_no(problem_area.relates_to_identification),
        "sources": _sources_words(list(problem_area.sources.all())),
    }
    after = {
        "description": description,
        "quantification": quantification,
        "relates_to_identification": _yes_no(relates_to_identification),
        "sources": _sources_words(chosen),
    }
    changed = {name: [before[name], after[name]] for name in before if before[name] != after[name]}
    record_touch(
        actor=actor,
        record=record,
        expected_version=expected_version,
        verb="problem_areas.edit",
        changes={"problem_area": problem_area.description, **_shortened(changed)},
    )
    problem_area.description = description
    problem_area.quantification = quantification
    problem_area.relates_to_identification = relates_to_identification
    problem_area.full_clean()
    problem_area.save(update_fields=["description", "quantification", "relates_to_identification"])
    problem_area.sources.set(chosen)
    return problem_area


@transaction.atomic
def problem_area_remove(
    *, actor: User, record: ActivityRecord, expected_version: int, problem_area: ProblemArea
) -> None:
    """Remove a problem area no root cause explains yet."""
    _check_row(record, problem_area)
    cause = problem_area.root_causes.first()
    if cause is not None:
        raise ValidationError(EXPLAINED.format(cause=cause))
    record_touch(
        actor=actor,
        record=record,
        expected_version=expected_version,
        verb="problem_areas.remove",
        changes={"problem_area": problem_area.description},
    )
    problem_area.delete()


def _shortened(changed: dict[str, list[str]], limit: int = 300) -> dict[str, list[str]]:
    # record_touch shortens plain strings only; an old → new pair is a list.
    return {
        name: [v[:limit] + "…" if len(v) > limit else v for v in pair]
        for name, pair in changed.items()
    }
