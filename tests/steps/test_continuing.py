"""An LEA already in CIM from an earlier cohort (the ADL's new_to_cim = no), and one with
no CIM work this year (Universal)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from lea.models import AuditEvent, Invitation, Organization
from reports.access import progress_reports_for_engagement
from steps import services
from steps.models import ActivityRecord, Engagement
from tests.conftest import World
from tests.steps.adl_files import csv_file, row
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db


def load_continuing(world: World) -> Engagement:
    result = services.adl_apply(
        actor=world.cde_admin,
        year=2024,
        content=csv_file(
            row(
                world.lea.code,
                world.lea.name,
                world.selpa.code,
                world.selpa.name,
                level="2",
                new="no",
                county=world.lea.county,
                region=str(world.lea.region),
            ),
        ),
        file_name="adl.csv",
    )
    assert result.errors == []
    return Engagement.objects.get(lea=world.lea)


def test_it_records_steps_1_to_3_completed_outside_the_portal(world: World, cohorts: dict) -> None:
    engagement = load_continuing(world)

    records = engagement.records.select_related("definition")
    by_step = {(record.definition.step, record.requirement, record.status) for record in records}
    assert (1, "required", "completed_elsewhere") in by_step
    assert (3, "required", "completed_elsewhere") in by_step
    assert (1, "not_applicable", "not_started") in by_step
    assert (4, "required", "not_started") in by_step
    assert not any(step < 4 and status == "not_started" and req != "not_applicable"
                   for step, req, status in by_step)  # fmt: skip
    start = AuditEvent.objects.get(verb="engagement.start")
    assert start.changes["steps_1_3"] == [None, "completed outside the portal in an earlier cohort"]


def test_it_exports_the_steps_completed_elsewhere_and_the_step_4_requirement(
    world: World, cohorts: dict
) -> None:
    load_continuing(world)
    out = StringIO()

    call_command("export_status", "--year", "2024", stdout=out)

    # The CSV says the status page's words (issue 14): completed_elsewhere is "Completed
    # outside the portal".
    lines = out.getvalue().splitlines()
    lea = f"{world.lea.code},{world.lea.name},Targeted,2"
    assert (
        f"{lea},1,CIM Team Creation,Required,Completed outside the portal,2024-07-10,SELPA" in lines
    )
    assert lines[-1] == (
        f"{lea},4,Implementation and Monitoring (progress reports),Required,Not started,,SELPA"
    )


def test_it_opens_step_4_reports_at_once_without_a_plan_in_the_portal(
    world: World, cohorts: dict, client
) -> None:
    engagement = load_continuing(world)

    reports = list(
        progress_reports_for_engagement(engagement)
    )  # opened by the load; the page only reads

    assert reports, "a continuing LEA's reports open the day it is loaded"
    client.force_login(world.lea_lead)
    page = client.get(reverse("progress_reports", args=[engagement.pk])).content.decode()
    assert "continues in CIM from an earlier cohort" in page
    assert "Progress reports open once the Plan for Improvement" not in page


def test_it_says_so_on_the_workspace_and_lets_the_lead_link_the_plan(
    world: World, cohorts: dict, client
) -> None:
    engagement = load_continuing(world)
    client.force_login(world.lea_lead)
    url = reverse("engagement_workspace", args=[engagement.pk])

    assert "completed in an earlier cohort, outside this portal" in client.get(url).content.decode()
    client.post(reverse("engagement_prior_plan", args=[engagement.pk]),
                {"url": "https://docs.example.org/riverbend-plan"})  # fmt: skip

    assert 'href="https://docs.example.org/riverbend-plan"' in client.get(url).content.decode()
    event = AuditEvent.objects.get(verb="engagement.prior_plan")
    assert event.changes == {"prior_plan_url": ["", "https://docs.example.org/riverbend-plan"]}


def test_it_lets_only_the_lead_or_cde_link_the_plan(world: World, cohorts: dict, client) -> None:
    engagement = load_continuing(world)
    client.force_login(world.lea_member)

    response = client.post(reverse("engagement_prior_plan", args=[engagement.pk]),
                           {"url": "https://example.org/x"})  # fmt: skip

    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.engagement_set_prior_plan(
            actor=world.selpa_reviewer, engagement=engagement, url="https://example.org/x"
        )
    assert services.engagement_set_prior_plan(
        actor=world.cde_admin, engagement=engagement, url="https://example.org/cde"
    )
    assert Engagement.objects.get(pk=engagement.pk).prior_plan_url == "https://example.org/cde"


def test_it_does_not_invite_the_contact_of_a_universal_lea(world: World, cohorts: dict) -> None:
    result = services.adl_apply(
        actor=world.cde_admin,
        year=2024,
        content=csv_file(
            row(
                "0330033",
                "Quiet Valley",
                tier="Universal",
                level="",
                new="no",
                contact="sam@example.org",
            ),
            row("0110017", "Bay Shore Unified", contact="pat@example.org"),
        ),
    )

    assert list(Invitation.objects.values_list("email", flat=True)) == ["pat@example.org"]
    assert "no CIM work this year: sam@example.org not invited" in str(result.plan[0])


def test_it_keeps_submitted_work_when_records_move_status_only_by_transition(
    world: World, cohorts: dict
) -> None:
    engagement = load_continuing(world)
    record = engagement.records.filter(status="completed_elsewhere").first()
    assert record is not None

    with pytest.raises(AttributeError):
        record.status = ActivityRecord.Status.IN_PROGRESS


def test_it_refuses_a_continuing_lea_whose_cohort_is_not_loaded_and_writes_nothing(
    world: World, no_catalog: None
) -> None:
    result = services.adl_apply(
        actor=world.cde_admin,
        year=2024,
        content=csv_file(row("0330033", "Quiet Valley", new="no")),
        file_name="adl.csv",
    )

    assert [str(issue) for issue in result.errors] == [
        "row 2, tier: There is no Targeted 2024 cohort in the activity catalog yet, and this "
        "LEA continues in CIM from an earlier cohort: its Step 4 progress reports follow this "
        "year's Targeted cohort. A CDE administrator loads it with `manage.py load_catalog`."
    ]
    assert not Organization.objects.filter(code="0330033").exists()
    assert not AuditEvent.objects.filter(verb="adl.load").exists()


def test_it_tells_the_team_of_a_universal_lea_why_it_has_nothing_to_do(
    world: World, cohorts: dict, client
) -> None:
    services.adl_apply(
        actor=world.cde_admin,
        year=2024,
        content=csv_file(
            row(
                world.lea.code,
                world.lea.name,
                world.selpa.code,
                world.selpa.name,
                tier="Universal",
                level="",
                new="no",
                county=world.lea.county,
                region=str(world.lea.region),
            ),
        ),
    )
    client.force_login(world.lea_member)

    page = client.get(reverse("home")).content.decode()

    assert f"{world.lea.name} has no CIM work in 2024" in page
    assert "places Riverbend Unified in Universal monitoring" in page
    assert (
        "“LEAs in Targeted or Intensive Monitoring Levels for performance are required to "
        "participate in and complete the CIM process as part of their ongoing, annual "
        "monitoring activity.”"
    ) in page
    assert "nothing waits for you here and nothing is due" in page
    assert "does not describe Universal monitoring" in page
    start(world.foreign_lea, cohorts["targeted"], level=1)
    client.force_login(world.foreign_lea_lead)
    assert "has no CIM work" not in client.get(reverse("home")).content.decode()


def test_it_tells_the_team_of_an_lea_left_out_of_the_years_adl_that_it_has_no_cim_work(
    world: World, cohorts: dict, client
) -> None:
    services.adl_apply(
        actor=world.cde_admin, year=2024, content=csv_file(row("0330033", "Quiet Valley"))
    )
    client.force_login(world.lea_member)

    page = client.get(reverse("home")).content.decode()

    assert f"{world.lea.name} has no CIM work in 2024" in page
    assert "is not in the 2024 Annual Determination Letter loaded into this portal" in page
    assert "in Universal monitoring" not in page
