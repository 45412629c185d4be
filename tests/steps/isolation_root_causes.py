"""Root-cause URLs pointed at another LEA's objects (merged by tests/test_isolation.py)."""

from __future__ import annotations

from collections.abc import Callable

from steps.merge import version_token
from steps.models import ActivityRecord, RootCause
from steps.parts.root_causes import ROOT_CAUSES
from steps.services.part_rows import part_row_add
from tests.conftest import World
from tests.steps.isolation_problem_areas import engagement_of, foreign_area

Kwargs = dict[str, object]
ACTIVITY = "root_cause_analysis"


def _foreign_cause(world: World) -> RootCause:
    area = foreign_area(world)
    record = ActivityRecord.objects.get(engagement=area.engagement, definition__key=ACTIVITY)
    return part_row_add(
        rows=ROOT_CAUSES,
        actor=world.foreign_lea_lead,
        record=record,
        version=version_token(record),
        statement="Harbor View's root cause",
        problem_areas=[area],
        quantitative_support="40% of IEPs",
    )


def _foreign_activity(world: World) -> Kwargs:
    return {"engagement_id": engagement_of(world.foreign_lea).pk, "activity_key": ACTIVITY}


def _foreign_row(world: World) -> Kwargs:
    return {**_foreign_activity(world), "row_id": _foreign_cause(world).pk}


def _own_activity_foreign_row(world: World) -> Kwargs:
    return {
        "engagement_id": engagement_of(world.lea).pk,
        "activity_key": ACTIVITY,
        "row_id": _foreign_cause(world).pk,
    }


FOREIGN_OBJECTS: dict[str, list[Callable[[World], Kwargs]]] = {
    "root_causes_add": [_foreign_activity],
    "root_causes_add_problem_area": [_foreign_activity],
    "root_causes_edit": [_foreign_row, _own_activity_foreign_row],
    "root_causes_remove": [_foreign_row, _own_activity_foreign_row],
}
