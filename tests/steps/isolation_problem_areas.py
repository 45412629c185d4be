"""Problem-area URLs pointed at another LEA's objects (merged by tests/test_isolation.py)."""

from __future__ import annotations

from collections.abc import Callable

from lea.models import Organization
from steps.merge import version_token
from steps.models import ActivityRecord, Engagement, ProblemArea
from steps.parts.problem_areas import PROBLEM_AREAS
from steps.services.part_rows import part_row_add
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.steps.engagements import start

Kwargs = dict[str, object]


def engagement_of(lea: Organization) -> Engagement:
    """The LEA's Targeted Level 3 engagement, started once however often it is asked for."""
    existing = Engagement.objects.filter(lea=lea).first()
    return existing or start(lea, load_2024()["targeted"], level=3)


def foreign_area(world: World) -> ProblemArea:
    record = ActivityRecord.objects.get(
        engagement=engagement_of(world.foreign_lea), definition__key="consolidation"
    )
    return part_row_add(
        rows=PROBLEM_AREAS,
        actor=world.foreign_lea_lead,
        record=record,
        version=version_token(record),
        description="Harbor View's problem area",
        quantification="12%",
        relates_to_identification=True,
    )


def _foreign_activity(world: World) -> Kwargs:
    return {"engagement_id": engagement_of(world.foreign_lea).pk, "activity_key": "consolidation"}


def _foreign_row(world: World) -> Kwargs:
    return {**_foreign_activity(world), "row_id": foreign_area(world).pk}


def _own_activity_foreign_row(world: World) -> Kwargs:
    return {
        "engagement_id": engagement_of(world.lea).pk,
        "activity_key": "consolidation",
        "row_id": foreign_area(world).pk,
    }


FOREIGN_OBJECTS: dict[str, list[Callable[[World], Kwargs]]] = {
    "problem_areas_add": [_foreign_activity],
    "problem_areas_edit": [_foreign_row, _own_activity_foreign_row],
    "problem_areas_remove": [_foreign_row, _own_activity_foreign_row],
}
