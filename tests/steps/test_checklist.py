"""What each tier and level of the 2024 catalog is asked, box by box, and what the readiness
checklist holds against it (Targeted: the chart of file 002; Intensive: the catalog's
inferred rules)."""

from __future__ import annotations

import pytest

from cim.models import Cohort
from steps.checklist import record_checklist
from steps.models import ActivityRecord, Engagement, ResolvedRequirement
from steps.workspace import activity_form
from tests.conftest import World
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

PLAN = "plan_for_improvement"
BOX_27 = (
    "Box 27, Plan for Improvement link or date emailed to CDE consultant: "
    "answer at least one of its questions."
)
BOX_28 = "Box 28, Your name: not answered yet."
STEP_1_2 = [1, 10, 11, 13, 14, 15, 16, 17, 19, 20, 21, 22]
# Boxes with questions, over every activity the LEA owes or may take up (no unmet
# indicator: Parent Input, box 7, is required of Targeted Level 3 and Intensive only).
# Boxes 27-28 are Level 3's Stepwell confirmation of the plan (file 002, Step 3).
ASKED = {
    ("targeted", 1): STEP_1_2,
    ("targeted", 2): STEP_1_2,
    ("targeted", 3): sorted([*STEP_1_2, 7, 27, 28]),
    ("intensive", 1): sorted([*STEP_1_2, 7, 27, 28]),
    ("intensive", 2): sorted([*STEP_1_2, 7, 27, 28]),
    ("intensive", 3): sorted([*STEP_1_2, 7, 27, 28]),
}


def _record(engagement: Engagement, key: str) -> ActivityRecord:
    return ActivityRecord.objects.get(engagement=engagement, definition__key=key)


@pytest.mark.parametrize(("tier", "level"), list(ASKED))
def test_it_asks_each_level_the_boxes_the_guidance_asks_of_it(
    world: World, cohorts: dict[str, Cohort], tier: str, level: int
) -> None:
    engagement = start(world.lea, cohorts[tier], level=level)
    owed = ActivityRecord.objects.filter(engagement=engagement).exclude(
        requirement=ResolvedRequirement.NOT_APPLICABLE
    )
    asked = sorted(
        box.number
        for record in owed
        for box in activity_form(record=record).boxes
        if box.number and box.fields
    )
    assert asked == ASKED[tier, level]


@pytest.mark.parametrize(("tier", "level"), list(ASKED))
def test_it_holds_the_plan_to_boxes_27_and_28_only_where_they_are_asked(
    world: World, cohorts: dict[str, Cohort], tier: str, level: int
) -> None:
    engagement = start(world.lea, cohorts[tier], level=level)
    problems = record_checklist(record=_record(engagement, PLAN))
    asked = 27 in ASKED[tier, level]
    assert (BOX_27 in problems) is asked
    assert (BOX_28 in problems) is asked
    # The plan's own content is asked of every level.
    assert "Add at least one high-leverage strategy." in problems
