"""Writes of Prioritization (boxes 16-17): rank Consolidation's problem areas and mark
which to explore for root causes. Each write counts as a new version of the
prioritization record, whose lock also serializes two people reordering at once.

A move, a mark or "keep as shown" applies to the ranking as saved when it runs (read
under the record's lock), so it never fails because someone saved something else in the
activity meanwhile; the version token the page carried is still checked (a missing,
foreign or future one is refused, nothing written: steps.merge.started_version)."""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction

from lea.audit import same
from lea.models import AuditVerb, User
from steps.models import ActivityRecord, ProblemArea
from steps.parts.prioritization import ranking_for_engagement
from steps.services.parts_merge import holder_open, record_holder
from steps.services.records import record_touch

FOREIGN_ROW = "That problem area is not one of this LEA's."
AT_EDGE = "“{area}” is already {where}."


def _check_row(record: ActivityRecord, area: ProblemArea) -> None:
    if area.engagement_id != record.engagement_id:
        raise ValidationError(FOREIGN_ROW)


def _open(actor: User, record: ActivityRecord, version: str) -> ActivityRecord:
    """The record locked (so two reorders run one after the other, each on the ranking the
    other left), once the page's version token is one of its own."""
    return holder_open(record_holder(actor=actor, record=record), version)  # type: ignore[return-value]


def _save_ranking(areas: list[ProblemArea]) -> None:
    """Give every area the priority of its place in `areas` (1 is the highest), so areas
    never ranked before get one the first time the ranking is written."""
    changed = []
    for rank, area in enumerate(areas, start=1):
        if area.priority != rank:
            area.priority = rank
            # Only the priority changes; the foreign keys were validated when the row was made.
            area.full_clean(exclude=["engagement", "record"])
            changed.append(area)
    ProblemArea.objects.bulk_update(changed, ["priority"])


def _ranking_words(areas: list[ProblemArea]) -> str:
    return "; ".join(f"{rank}. {area}" for rank, area in enumerate(areas, start=1))


@transaction.atomic
def prioritization_move(
    *,
    actor: User,
    record: ActivityRecord,
    version: str,
    problem_area: ProblemArea,
    direction: Literal["up", "down"],
) -> int:
    """Swap a problem area with its neighbour above or below; returns its new rank."""
    _check_row(record, problem_area)
    locked = _open(actor, record, version)
    areas = list(ranking_for_engagement(record.engagement))
    index = next(i for i, area in enumerate(areas) if area.pk == problem_area.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(areas):
        where = "the highest priority" if direction == "up" else "the lowest priority"
        raise ValidationError(AT_EDGE.format(area=problem_area, where=where))
    record_touch(
        actor=actor,
        record=locked,
        verb=AuditVerb.PRIORITIZATION_MOVE,
        changes={**same({"problem_area": str(problem_area)}), "rank": [index + 1, other + 1]},
        locked_by_caller=True,
    )
    areas[index], areas[other] = areas[other], areas[index]
    _save_ranking(areas)
    return other + 1


@transaction.atomic
def prioritization_explore(
    *,
    actor: User,
    record: ActivityRecord,
    version: str,
    problem_area: ProblemArea,
    explore: bool,
) -> ProblemArea:
    """Mark (or unmark) a problem area for root-cause exploration; the ranking shown is
    saved with it, so a first choice also ranks the areas."""
    _check_row(record, problem_area)
    locked = _open(actor, record, version)
    areas = list(ranking_for_engagement(record.engagement))
    area = next(area for area in areas if area.pk == problem_area.pk)
    words = ["yes" if area.explore_root_causes else "no", "yes" if explore else "no"]
    record_touch(
        actor=actor,
        record=locked,
        verb=AuditVerb.PRIORITIZATION_EXPLORE,
        changes={**same({"problem_area": str(area)}), "explore_for_root_causes": words},
        locked_by_caller=True,
    )
    _save_ranking(areas)
    area.explore_root_causes = explore
    area.full_clean(exclude=["engagement", "record"])
    area.save(update_fields=["explore_root_causes"])
    return area


@transaction.atomic
def prioritization_rank(*, actor: User, record: ActivityRecord, version: str) -> None:
    """Keep the ranking as shown: areas never ranked get their place at the bottom."""
    locked = _open(actor, record, version)
    areas = list(ranking_for_engagement(record.engagement))
    record_touch(
        actor=actor,
        record=locked,
        verb=AuditVerb.PRIORITIZATION_RANK,
        changes=same({"ranking": _ranking_words(areas)}),
        locked_by_caller=True,
    )
    _save_ranking(areas)
