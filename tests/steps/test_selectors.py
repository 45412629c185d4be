"""The status export: one row per engagement and catalog activity, in scope, in fixed queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cim.models import ActivityDefinition, ActivityRequirement, Cohort
from steps import access, selectors
from steps.models import ActivityRecord, Engagement
from tests.conftest import World
from tests.lea import factories
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

MAX_QUERIES = 5


@pytest.fixture
def engaged(world: World, cohorts: dict[str, Cohort]) -> dict[str, Engagement]:
    return {
        "lea": start(world.lea, cohorts["targeted"], level=1, unmet=("8",)),
        "lea2": start(world.lea2, cohorts["intensive"], level=3),
        "foreign_lea": start(world.foreign_lea, cohorts["targeted"], level=3),
    }


def by_activity(rows: list[selectors.StatusRow], cds_code: str) -> dict[str, selectors.StatusRow]:
    return {row.activity: row for row in rows if row.cds_code == cds_code}


def test_it_lists_every_catalog_activity_of_each_engagement_resolved(
    world: World, engaged: dict[str, Engagement]
) -> None:
    rows = selectors.status_rows(engagements=access.engagements_for_system(), year=2024)

    lea = by_activity(rows, world.lea.code)
    assert len(lea) == 17
    assert len(by_activity(rows, world.lea2.code)) == 15
    assert lea["parent_input"] == selectors.StatusRow(
        cds_code=world.lea.code, lea_name="Riverbend Unified", tier="Targeted", level=1,
        step=1, activity="parent_input", requirement="required", status="not_started",
        due_date="2024-07-10", review_by="SELPA",
    )  # fmt: skip
    assert by_activity(rows, world.foreign_lea.code)["parent_input"].review_by == "CDE"
    assert {row.requirement for row in rows} == {"required", "optional", "not_applicable"}


def test_it_orders_by_lea_name_then_step_then_catalog_order(
    world: World, engaged: dict[str, Engagement]
) -> None:
    rows = selectors.status_rows(engagements=access.engagements_for_system(), year=2024)

    names = [row.lea_name for row in rows]
    assert names == sorted(names)
    lea2 = [row for row in rows if row.cds_code == world.lea2.code]
    assert [row.step for row in lea2] == sorted(row.step for row in lea2)
    assert [row.activity for row in lea2][:3] == [
        "team_creation", "educational_partner_group", "parent_input",
    ]  # fmt: skip


def test_it_shows_a_selpa_reviewer_only_its_leas(
    world: World, engaged: dict[str, Engagement]
) -> None:
    rows = selectors.status_rows(
        engagements=access.engagements_for(world.selpa_reviewer), year=2024
    )

    assert {row.cds_code for row in rows} == {world.lea.code, world.lea2.code}
    assert not selectors.status_rows(engagements=access.engagements_for(world.outsider), year=2024)


def test_it_lists_only_the_years_engagements(engaged: dict[str, Engagement]) -> None:
    assert selectors.status_rows(engagements=access.engagements_for_system(), year=2025) == []


def test_it_shows_the_status_an_lea_reached(world: World, engaged: dict[str, Engagement]) -> None:
    ActivityRecord.objects.filter(
        engagement=engaged["lea"], definition__key="team_creation"
    ).update(status=ActivityRecord.Status.SUBMITTED)

    rows = selectors.status_rows(engagements=access.engagements_for_system(), year=2024)

    assert by_activity(rows, world.lea.code)["team_creation"].status == "submitted"


def test_it_resolves_an_activity_the_catalog_gained_after_the_load(
    world: World, cohorts: dict[str, Cohort], engaged: dict[str, Engagement]
) -> None:
    added = ActivityDefinition.objects.create(
        cohort=cohorts["targeted"], key="site_visit", step=4, name="Site visit", position=99
    )
    ActivityRequirement.objects.create(
        activity=added, level=1, requirement="required", approver="SELPA"
    )

    rows = selectors.status_rows(engagements=access.engagements_for_system(), year=2024)

    site_visit = by_activity(rows, world.lea.code)["site_visit"]
    assert (site_visit.requirement, site_visit.status, site_visit.review_by) == (
        "required", "not_started", "SELPA",
    )  # fmt: skip
    assert by_activity(rows, world.foreign_lea.code)["site_visit"].requirement == "not_applicable"


def test_it_reads_in_constant_queries_however_many_engagements(
    world: World, cohorts: dict[str, Cohort], engaged: dict[str, Engagement]
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            selectors.status_rows(engagements=access.engagements_for(world.cde_admin), year=2024)
        return len(context.captured_queries)

    queries()  # fills guardian's content-type cache
    before = queries()
    for level in (1, 2, 3):
        start(factories.lea(selpa=world.selpa), cohorts["targeted"], level=level)
        start(factories.lea(selpa=world.foreign_selpa), cohorts["intensive"], level=level)

    assert queries() == before <= MAX_QUERIES + 1  # + 1: the user's permission check
