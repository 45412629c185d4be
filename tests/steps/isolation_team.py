"""Box 1 URLs pointed at another LEA's team (merged into tests/test_isolation.py)."""

from __future__ import annotations

from collections.abc import Callable

from steps.models import ActivityRecord, Engagement, TeamMember
from tests.conftest import World

ACTIVITY = "team_creation"


def _engagement(world: World, foreign: bool) -> Engagement:
    """The LEA's Targeted 2024 engagement, started once however many builders ask."""
    from tests.cim.catalog import load_2024
    from tests.steps.engagements import start

    lea = world.foreign_lea if foreign else world.lea
    cohort = load_2024()["targeted"]
    return Engagement.objects.filter(lea=lea, cohort=cohort).first() or start(lea, cohort, level=3)


def _foreign_member(world: World) -> TeamMember:
    engagement = _engagement(world, foreign=True)
    record = ActivityRecord.objects.get(engagement=engagement, definition__key=ACTIVITY)
    return TeamMember.objects.create(
        engagement=engagement, record=record, name="Foreign Person", role="other"
    )


def _foreign_engagement(world: World) -> dict[str, object]:
    return {"engagement_id": _engagement(world, foreign=True).pk, "activity_key": ACTIVITY}


def _foreign_row(world: World) -> dict[str, object]:
    member = _foreign_member(world)
    return {
        "engagement_id": member.engagement_id,
        "activity_key": ACTIVITY,
        "row_id": member.pk,
    }


def _home_engagement_foreign_row(world: World) -> dict[str, object]:
    """The user's own LEA, naming a member of another LEA's team."""
    member = _foreign_member(world)
    home = _engagement(world, foreign=False)
    return {"engagement_id": home.pk, "activity_key": ACTIVITY, "row_id": member.pk}


FOREIGN_OBJECTS: dict[str, list[Callable[[World], dict[str, object]]]] = {
    "team_member_add": [_foreign_engagement],
    "team_member_edit": [_foreign_row, _home_engagement_foreign_row],
    "team_member_remove": [_foreign_row, _home_engagement_foreign_row],
    "team_member_invite": [_foreign_row, _home_engagement_foreign_row],
}
