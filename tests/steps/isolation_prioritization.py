"""Prioritization URLs pointed at another LEA's objects (merged by tests/test_isolation.py)."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import World
from tests.steps.isolation_problem_areas import engagement_of, foreign_area

Kwargs = dict[str, object]


def _foreign_activity(world: World) -> Kwargs:
    return {"engagement_id": engagement_of(world.foreign_lea).pk, "activity_key": "prioritization"}


def _foreign_row(world: World) -> Kwargs:
    return {**_foreign_activity(world), "area_id": foreign_area(world).pk}


def _own_activity_foreign_row(world: World) -> Kwargs:
    return {
        "engagement_id": engagement_of(world.lea).pk,
        "activity_key": "prioritization",
        "area_id": foreign_area(world).pk,
    }


FOREIGN_OBJECTS: dict[str, list[Callable[[World], Kwargs]]] = {
    "prioritization_move": [_foreign_row, _own_activity_foreign_row],
    "prioritization_explore": [_foreign_row, _own_activity_foreign_row],
    "prioritization_rank": [_foreign_activity],
}
