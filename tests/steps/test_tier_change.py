"""An LEA whose tier or level changes after it started CIM work: within a year (a corrected
ADL) the engagement moves to the new tier's cohort with all its work; from one year to the
next the earlier year's work stays as it was and the new year's engagement owes the new
cohort's requirements."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lea.models import AuditEvent
from steps import services
from steps.models import ActivityRecord, Engagement, Submission, SubmissionVersion
from tests.cim.catalog import load_next_year
from tests.conftest import World
from tests.steps.adl_files import csv_file, row
from tests.steps.ready import make_ready

pytestmark = pytest.mark.django_db


def load(world: World, *, year: int = 2024, tier: str = "Targeted", level: str = "2",
         new: str = "yes") -> services.AdlLoadResult:  # fmt: skip
    result = services.adl_apply(
        actor=world.cde_admin,
        year=year,
        content=csv_file(
            row(
                world.lea.code,
                world.lea.name,
                world.selpa.code,
                world.selpa.name,
                tier=tier,
                level=level,
                new=new,
                county=world.lea.county,
                region=str(world.lea.region),
            )
        ),
        file_name=f"adl-{year}.csv",
    )
    assert result.errors == []
    return result


def submitted_step_1(world: World) -> Engagement:
    engagement = Engagement.objects.get(lea=world.lea)
    make_ready(engagement, 1, actor=world.lea_lead)
    services.submission_submit(
        actor=world.lea_lead,
        engagement=engagement,
        step=1,
        confirmation_name=world.lea_lead.display_name,
    )
    return engagement


def work_of(engagement: Engagement) -> dict[str, tuple[str, dict]]:
    return {
        record.definition.key: (record.status, record.responses)
        for record in engagement.records.select_related("definition")
    }


def test_a_corrected_adl_moves_an_lea_with_submitted_work_to_its_new_tier_keeping_it(
    world: World, cohorts: dict
) -> None:
    load(world, tier="Targeted", level="2")
    engagement = submitted_step_1(world)
    before = work_of(engagement)
    versions = list(SubmissionVersion.objects.values_list("pk", "number", "snapshot"))

    result = load(world, tier="Intensive", level="2")

    moved = Engagement.objects.get(pk=engagement.pk)
    assert moved.cohort == cohorts["intensive"]
    assert Engagement.objects.filter(lea=world.lea).count() == 1
    after = work_of(moved)
    # Every activity both cohorts have keeps its status and answers, Step 1's submission
    # and its frozen versions are untouched.
    assert {key: before[key] for key in after if key in before} == {
        key: after[key] for key in after if key in before
    }
    assert Submission.objects.get(engagement=moved, step=1).state == "submitted"
    assert list(SubmissionVersion.objects.values_list("pk", "number", "snapshot")) == versions
    # Activities only the Targeted cohort has stay, with their work, as not applicable.
    gone = moved.records.get(definition__key="sig_dis_indicators")
    assert gone.definition.cohort == cohorts["targeted"]
    assert gone.requirement == "not_applicable"
    assert "Not an activity of the Intensive 2024 cohort" in gone.requirement_reason
    # The rest follows the Intensive cohort.
    only_targeted = ["sig_dis_indicators", "policies_procedures_review"]
    others = moved.records.exclude(definition__key__in=only_targeted)
    assert not others.exclude(definition__cohort=cohorts["intensive"]).exists()
    # The change is in the audit trail: the determination and the move.
    change = AuditEvent.objects.filter(verb="determination.change").get()
    assert change.changes["tier"] == ["targeted", "intensive"]
    move = AuditEvent.objects.filter(verb="engagement.move").get()
    assert move.changes["cohort"] == ["Targeted 2024", "Intensive 2024"]
    assert move.changes["moved"][0] is None
    assert "team_creation" in move.changes["moved"][1]
    assert "sig_dis_indicators" in move.changes["kept_not_applicable"][1]
    assert result.counts["engagements moved to another tier"] == 1
    assert "moves from Targeted 2024 to Intensive 2024, keeping its work" in str(result.plan[0])


def test_the_moved_engagement_shows_its_work_to_the_lead(
    world: World, cohorts: dict, client
) -> None:
    load(world, tier="Targeted", level="2")
    engagement = submitted_step_1(world)
    load(world, tier="Intensive", level="2")
    client.force_login(world.lea_lead)

    page = client.get(reverse("engagement_workspace", args=[engagement.pk])).content.decode()

    assert "Intensive 2024" in page
    assert "Submitted" in page


def test_a_new_year_keeps_the_history_and_gives_the_new_cohorts_requirements(
    world: World, cohorts: dict, client
) -> None:
    load(world, tier="Targeted", level="1")
    first = submitted_step_1(world)
    first_work = work_of(first)
    next_year = load_next_year()

    result = load(world, year=2025, tier="Intensive", level="2", new="no")

    first.refresh_from_db()
    assert first.cohort == cohorts["targeted"]
    assert first.determination.tier == "targeted"
    assert first.determination.level == 1
    assert work_of(first) == first_work
    assert Submission.objects.get(engagement=first, step=1).state == "submitted"
    second = Engagement.objects.get(lea=world.lea, cohort=next_year["intensive"])
    assert (second.determination.year.year, second.determination.level) == (2025, 2)
    records = second.records.select_related("definition")
    assert {record.definition.cohort for record in records} == {next_year["intensive"]}
    assert {
        record.status for record in records if record.definition.step < 4
        and record.requirement != "not_applicable"
    } == {ActivityRecord.Status.COMPLETED_ELSEWHERE}  # fmt: skip
    step_4 = records.get(definition__step=4)
    assert (step_4.requirement, step_4.approver) == ("required", "CDE")
    assert result.counts["engagements created"] == 1
    start = AuditEvent.objects.filter(verb="engagement.start").latest("pk")
    assert start.changes["cohort"] == [None, "Intensive 2025"]
    # The lead finds both years from the home and from the new year's workspace.
    client.force_login(world.lea_lead)
    home = client.get(reverse("home")).content.decode()
    assert reverse("engagement_workspace", args=[first.pk]) in home
    assert reverse("engagement_workspace", args=[second.pk]) in home
    page = client.get(reverse("engagement_workspace", args=[second.pk])).content.decode()
    assert reverse("engagement_workspace", args=[first.pk]) in page


def test_a_new_year_at_another_level_of_the_same_tier_gives_that_levels_requirements(
    world: World, cohorts: dict
) -> None:
    load(world, tier="Targeted", level="1")
    first = submitted_step_1(world)
    next_year = load_next_year()

    load(world, year=2025, tier="Targeted", level="3", new="yes")

    second = Engagement.objects.get(lea=world.lea, cohort=next_year["targeted"])
    team = second.records.get(definition__key="team_creation")
    assert (team.status, team.approver, team.assistance) == ("not_started", "CDE", "assisted")
    assert first.records.get(definition__key="team_creation").approver == "SELPA"
