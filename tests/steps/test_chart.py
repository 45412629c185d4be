"""File 002's chart, tier by tier and level by level, for what the other tests leave out:
who Step 4's progress reports go to and whether they are owed (file 000), and which
submissions also go as a copy to the state mailbox the catalog names. (The boxes asked and
the checklist of each level: tests/steps/test_checklist.py; Steps 1-3's routing:
tests/steps/test_submission_services.py.)"""

from __future__ import annotations

import pytest

from cim.models import Cohort
from reports.progress import step4
from steps import services
from steps.models import Engagement
from steps.submissions import readiness
from tests.conftest import World
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

TARGETED_MAILBOX = "TargetedMonitoring@cde.ca.gov"
INTENSIVE_MAILBOX = "intensivemonitoring@cde.ca.gov"

# tier, level: Steps 1-4 go to, Step 4 reports owed from the start, the mailbox copied on
# Steps 3 and 4 ("" for none).
CHART = {
    ("targeted", 1): ("SELPA", False, ""),  # "the SELPA may require" them (000, 4a)
    ("targeted", 2): ("SELPA", True, ""),
    ("targeted", 3): ("CDE", True, TARGETED_MAILBOX),
    ("intensive", 1): ("CDE", True, INTENSIVE_MAILBOX),
    ("intensive", 2): ("CDE", True, INTENSIVE_MAILBOX),
    ("intensive", 3): ("CDE", True, INTENSIVE_MAILBOX),
}


def _started(world: World, cohorts: dict[str, Cohort], tier: str, level: int) -> Engagement:
    return start(world.lea, cohorts[tier], level=level, unmet=("4A",))


@pytest.mark.parametrize(("tier", "level"), list(CHART))
def test_it_routes_every_step_and_progress_report_as_the_chart_says(
    world: World, cohorts: dict[str, Cohort], tier: str, level: int
) -> None:
    route, reports_owed, _ = CHART[tier, level]
    engagement = _started(world, cohorts, tier, level)

    where = step4(engagement)

    assert [readiness(engagement=engagement, step=step).routed_to for step in (1, 2, 3)] == [
        route
    ] * 3
    assert where.routed_to == route
    assert where.reports_due is reports_owed


def test_a_targeted_level_1_lea_owes_reports_to_its_selpa_once_the_selpa_requires_them(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = _started(world, cohorts, "targeted", 1)

    services.determination_record_selpa_requires_reports(
        actor=world.selpa_reviewer, engagement=engagement, requires=True
    )

    where = step4(Engagement.objects.get(pk=engagement.pk))
    assert (where.reports_due, where.routed_to) == (True, "SELPA")


@pytest.mark.parametrize(("tier", "level"), list(CHART))
@pytest.mark.parametrize("step", [1, 2, 3, 4])
def test_it_copies_plans_and_reports_to_the_mailbox_the_chart_names(
    world: World, cohorts: dict[str, Cohort], tier: str, level: int, step: int
) -> None:
    mailbox = CHART[tier, level][2]
    cohort = _started(world, cohorts, tier, level).cohort

    copied = cohort.copies_to_mailbox(step=step, level=level)

    assert (cohort.contact_email if copied else "") == (mailbox if step >= 3 else "")
