"""The test helper `make_ready` leaves every step of every tier and level of the 2024
catalog ready to submit, and `fill_activity` finishes an optional activity taken up."""

from __future__ import annotations

import pytest

from cim.models import Cohort
from steps.models import ActivityRecord, ResolvedRequirement
from steps.services import record_set_aside
from steps.submissions import readiness
from tests.conftest import World
from tests.steps.engagements import start
from tests.steps.ready import fill_activity, make_ready

pytestmark = pytest.mark.django_db

CASES = [
    (tier, level, step)
    for tier in ("targeted", "intensive")
    for level in (1, 2, 3)
    for step in (1, 2, 3)
]


@pytest.mark.parametrize(("tier", "level", "step"), CASES)
def test_make_ready_leaves_the_step_ready_to_submit(
    world: World, cohorts: dict[str, Cohort], tier: str, level: int, step: int
) -> None:
    cohort = cohorts[tier]
    # Indicator 8 unmet makes Parent Input required at every Targeted level too.
    engagement = start(world.lea, cohort, level=level, unmet=("8",))

    records = make_ready(engagement, step, actor=world.lea_lead)

    ready = readiness(engagement=engagement, step=step)
    assert ready.problems == [], "\n".join(ready.problems)
    assert records, f"{tier} level {level} step {step} has no required activity"
    assert {record.pk for record in records} <= {record.pk for record in ready.records}


def test_make_ready_twice_changes_nothing(world: World, cohorts: dict[str, Cohort]) -> None:
    engagement = start(world.lea, cohorts["intensive"], level=1)
    make_ready(engagement, 3, actor=world.lea_lead)
    versions = dict(
        ActivityRecord.objects.filter(engagement=engagement).values_list("pk", "version")
    )

    make_ready(engagement, 3, actor=world.lea_lead)

    after = dict(ActivityRecord.objects.filter(engagement=engagement).values_list("pk", "version"))
    assert after == versions


def test_the_steps_in_order_leave_every_step_ready(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    """Later steps reuse the rows the earlier ones made (no second problem area or root
    cause that the plan would then have to address)."""
    engagement = start(world.lea, cohorts["targeted"], level=3, unmet=("8",))
    for step in (1, 2, 3):
        make_ready(engagement, step, actor=world.lea_lead)

    for step in (1, 2, 3):
        ready = readiness(engagement=engagement, step=step)
        assert ready.problems == [], "\n".join(ready.problems)


def test_fill_activity_takes_up_and_finishes_an_optional_activity(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)
    make_ready(engagement, 1, actor=world.lea_lead)
    consolidation = ActivityRecord.objects.get(
        engagement=engagement, definition__key="consolidation"
    )
    assert consolidation.requirement == ResolvedRequirement.OPTIONAL
    record_set_aside(actor=world.lea_lead, record=consolidation, expected_version=1)

    filled = fill_activity(consolidation, actor=world.lea_lead)

    assert filled.status == ActivityRecord.Status.IN_PROGRESS
    ready = readiness(engagement=engagement, step=1)
    assert consolidation.pk in {record.pk for record in ready.records}
    assert ready.problems == [], "\n".join(ready.problems)
