"""Box 10 URLs pointed at another LEA's data sources (merged into tests/test_isolation.py)."""

from __future__ import annotations

from collections.abc import Callable

from steps.models import ActivityRecord, DataSource, Engagement
from tests.conftest import World

ACTIVITY = "data_drill_down"


def _engagement(world: World, foreign: bool) -> Engagement:
    """The LEA's Targeted 2024 engagement, started once however many builders ask."""
    from tests.cim.catalog import load_2024
    from tests.steps.engagements import start

    lea = world.foreign_lea if foreign else world.lea
    cohort = load_2024()["targeted"]
    return Engagement.objects.filter(lea=lea, cohort=cohort).first() or start(lea, cohort, level=3)


def _foreign_source(world: World) -> DataSource:
    engagement = _engagement(world, foreign=True)
    record = ActivityRecord.objects.get(engagement=engagement, definition__key=ACTIVITY)
    return DataSource.objects.create(
        engagement=engagement,
        record=record,
        name="Foreign dashboard",
        education="special",
        kind="quantitative",
        area="academic",
    )


def _foreign_engagement(world: World) -> dict[str, object]:
    return {"engagement_id": _engagement(world, foreign=True).pk, "activity_key": ACTIVITY}


def _foreign_row(world: World) -> dict[str, object]:
    source = _foreign_source(world)
    return {
        "engagement_id": source.engagement_id,
        "activity_key": ACTIVITY,
        "row_id": source.pk,
    }


def _home_engagement_foreign_row(world: World) -> dict[str, object]:
    """The user's own LEA, naming a data source of another LEA."""
    source = _foreign_source(world)
    home = _engagement(world, foreign=False)
    return {"engagement_id": home.pk, "activity_key": ACTIVITY, "row_id": source.pk}


FOREIGN_OBJECTS: dict[str, list[Callable[[World], dict[str, object]]]] = {
    "data_source_add": [_foreign_engagement],
    "data_source_edit": [_foreign_row, _home_engagement_foreign_row],
    "data_source_remove": [_foreign_row, _home_engagement_foreign_row],
}
