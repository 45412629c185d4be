"""Boxes 13-14 URLs pointed at another LEA's findings (merged into tests/test_isolation.py)."""

from __future__ import annotations

from collections.abc import Callable

from steps.models import ActivityRecord, Engagement, Finding
from tests.conftest import World

ACTIVITY = "consolidation"


def _engagement(world: World, foreign: bool) -> Engagement:
    """The LEA's Targeted 2024 engagement, started once however many builders ask."""
    from tests.cim.catalog import load_2024
    from tests.steps.engagements import start

    lea = world.foreign_lea if foreign else world.lea
    cohort = load_2024()["targeted"]
    return Engagement.objects.filter(lea=lea, cohort=cohort).first() or start(lea, cohort, level=3)


def _foreign_finding(world: World) -> Finding:
    engagement = _engagement(world, foreign=True)
    record = ActivityRecord.objects.get(engagement=engagement, definition__key=ACTIVITY)
    return Finding.objects.create(
        engagement=engagement,
        record=record,
        kind=Finding.Kind.WEAKNESS,
        area="Foreign weakness",
        supporting_data="Foreign data",
    )


def _foreign_engagement(world: World) -> dict[str, object]:
    engagement = _engagement(world, foreign=True)
    return {"engagement_id": engagement.pk, "activity_key": ACTIVITY, "kind": "strength"}


def _foreign_row(world: World) -> dict[str, object]:
    finding = _foreign_finding(world)
    return {
        "engagement_id": finding.engagement_id,
        "activity_key": ACTIVITY,
        "row_id": finding.pk,
    }


def _home_engagement_foreign_row(world: World) -> dict[str, object]:
    """The user's own LEA, naming a finding of another LEA."""
    finding = _foreign_finding(world)
    home = _engagement(world, foreign=False)
    return {"engagement_id": home.pk, "activity_key": ACTIVITY, "row_id": finding.pk}


FOREIGN_OBJECTS: dict[str, list[Callable[[World], dict[str, object]]]] = {
    "finding_add": [_foreign_engagement],
    "finding_edit": [_foreign_row, _home_engagement_foreign_row],
    "finding_remove": [_foreign_row, _home_engagement_foreign_row],
}
