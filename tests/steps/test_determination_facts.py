"""Facts recorded after the determination letter (issue 12): the SELPA's choice to require
Step 4 progress reports at Targeted Level 1, and CDE's final SRR finding of noncompliance
that makes the Policies and Procedures Review required."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from cim.models import Cohort, Determination
from lea.models import AuditEvent, User
from reports.models import ProgressReport, TeamMeeting
from steps import services
from steps.models import ActivityRecord, Engagement, Submission
from steps.services.determination_facts import SELPA_REPORTS_DENIED, SRR_FINDING_DENIED
from tests.cim.catalog import load_2024
from tests.conftest import World, signed_in
from tests.reports.progress_world import approve_plan, fill_report
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

MONITORING = "monitoring_implementation"
PPR = "policies_procedures_review"


@pytest.fixture
def cohorts(world: World) -> dict[str, Cohort]:
    return load_2024()


@pytest.fixture
def level1(world: World, cohorts: dict[str, Cohort]) -> Engagement:
    return start(world.lea, cohorts["targeted"], level=1)


def _requirement(engagement: Engagement, key: str) -> str:
    return ActivityRecord.objects.get(engagement=engagement, definition__key=key).requirement


def _workspace(user: User, engagement: Engagement) -> str:
    url = reverse("engagement_workspace", args=[engagement.pk])
    return signed_in(user).get(url).content.decode()


def _post(user: User, engagement: Engagement, name: str, prefix: str, value: str) -> int:
    url = reverse(name, args=[engagement.pk])
    return signed_in(user).post(url, {f"{prefix}-value": value}).status_code


# --- The SELPA's choice -------------------------------------------------------------------


def test_it_requires_progress_reports_once_the_selpa_says_so_and_not_when_unset(
    world: World, level1: Engagement
) -> None:
    assert _requirement(level1, MONITORING) == "optional"

    services.determination_record_selpa_requires_reports(
        actor=world.selpa_reviewer, engagement=level1, requires=True
    )
    record = ActivityRecord.objects.get(engagement=level1, definition__key=MONITORING)
    assert record.requirement == "required"
    assert record.requirement_reason.startswith(
        "Required because the LEA's SELPA requires Step 4 progress reports."
    )

    services.determination_record_selpa_requires_reports(
        actor=world.selpa_reviewer, engagement=level1, requires=False
    )
    assert _requirement(level1, MONITORING) == "not_applicable"

    services.determination_record_selpa_requires_reports(
        actor=world.selpa_reviewer, engagement=level1, requires=None
    )
    assert _requirement(level1, MONITORING) == "optional"


def test_it_audits_who_recorded_the_selpa_s_choice(world: World, level1: Engagement) -> None:
    services.determination_record_selpa_requires_reports(
        actor=world.selpa_reviewer, engagement=level1, requires=True
    )

    event = AuditEvent.objects.get(verb="determination.selpa_requires_progress_reports")
    assert event.actor == world.selpa_reviewer
    assert event.organization == world.lea
    assert event.changes == {"selpa_requires_progress_reports": [None, True]}
    assert AuditEvent.objects.filter(verb="engagement.resolve").exists()
    determination = Determination.objects.get(pk=level1.determination_id)
    assert determination.selpa_requires_progress_reports_by == world.selpa_reviewer


def test_a_cde_administrator_may_record_the_selpa_s_choice(
    world: World, level1: Engagement
) -> None:
    services.determination_record_selpa_requires_reports(
        actor=world.cde_admin, engagement=level1, requires=True
    )
    assert _requirement(level1, MONITORING) == "required"


@pytest.mark.parametrize(
    "role", ["lea_lead", "lea_member", "foreign_selpa_reviewer", "cde_consultant", "outsider"]
)
def test_it_refuses_anyone_else_the_selpa_s_choice(
    world: World, level1: Engagement, role: str
) -> None:
    with pytest.raises(PermissionDenied, match=re.escape(SELPA_REPORTS_DENIED)):
        services.determination_record_selpa_requires_reports(
            actor=getattr(world, role), engagement=level1, requires=True
        )

    assert (
        Determination.objects.get(pk=level1.determination_id).selpa_requires_progress_reports
        is None
    )
    assert _requirement(level1, MONITORING) == "optional"
    assert not AuditEvent.objects.filter(verb__startswith="determination.selpa").exists()


# --- CDE's SRR finding --------------------------------------------------------------------


@pytest.mark.parametrize("level", [1, 3])
def test_it_requires_the_policies_review_after_a_final_srr_finding(
    world: World, cohorts: dict[str, Cohort], level: int
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=level)
    assert _requirement(engagement, PPR) == "optional"

    services.determination_record_srr_finding(
        actor=world.cde_admin, engagement=engagement, noncompliant=True
    )
    assert _requirement(engagement, PPR) == "required"
    event = AuditEvent.objects.get(verb="determination.srr_final_finding_of_noncompliance")
    assert event.changes == {"srr_final_finding_of_noncompliance": [None, True]}
    assert event.actor == world.cde_admin

    services.determination_record_srr_finding(
        actor=world.cde_admin, engagement=engagement, noncompliant=None
    )
    assert _requirement(engagement, PPR) == "optional"


def test_the_lea_s_consultant_may_record_the_srr_finding(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=3)
    services.consultant_assign(
        actor=world.cde_admin, consultant=world.cde_consultant,
        year=engagement.cohort.year, leas=[world.lea],
    )  # fmt: skip

    services.determination_record_srr_finding(
        actor=world.cde_consultant, engagement=engagement, noncompliant=False
    )
    assert _requirement(engagement, PPR) == "not_applicable"


@pytest.mark.parametrize(
    "role", ["lea_lead", "selpa_reviewer", "foreign_selpa_reviewer", "cde_consultant", "outsider"]
)
def test_it_refuses_anyone_but_cde_staff_the_srr_finding(
    world: World, level1: Engagement, role: str
) -> None:
    # The consultant here is not assigned to the LEA.
    with pytest.raises(PermissionDenied, match=re.escape(SRR_FINDING_DENIED)):
        services.determination_record_srr_finding(
            actor=getattr(world, role), engagement=level1, noncompliant=True
        )

    assert (
        Determination.objects.get(pk=level1.determination_id).srr_final_finding_of_noncompliance
        is None
    )
    assert _requirement(level1, PPR) == "optional"
    assert not AuditEvent.objects.filter(verb__startswith="determination.srr").exists()


# --- On the workspace ---------------------------------------------------------------------


def test_the_lea_sees_the_selpa_s_choice_in_words(world: World, level1: Engagement) -> None:
    before = _workspace(world.lea_lead, level1)
    assert "North Valley SELPA) has not yet said whether it requires progress reports" in before
    assert "determination_selpa_reports" not in before
    assert reverse("determination_selpa_reports", args=[level1.pk]) not in before

    assert _post(
        world.selpa_reviewer, level1, "determination_selpa_reports",
        "selpa_requires_progress_reports", "yes",
    ) == 302  # fmt: skip

    page = _workspace(world.lea_lead, level1)
    today = timezone.localdate().strftime("%B %-d, %Y")
    assert (
        "Your SELPA (North Valley SELPA) requires progress reports "
        f"(recorded by Jordan Reviewer on {today})." in page
    )
    assert "Required because the LEA&#x27;s SELPA requires Step 4 progress reports." in page


def test_the_reviewer_gets_the_form_and_the_lea_does_not(world: World, level1: Engagement) -> None:
    url = reverse("determination_selpa_reports", args=[level1.pk])
    page = _workspace(world.selpa_reviewer, level1)
    assert url in page
    assert "Does the SELPA require Step 4 progress reports from this LEA?" in page
    # Level 1 has no SRR-dependent form for the reviewer: CDE records that.
    assert reverse("determination_srr_finding", args=[level1.pk]) not in page
    assert "CDE has not yet recorded whether it issued a final Student Record Review" in page


def test_the_selpa_s_choice_is_not_shown_where_reports_are_always_required(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=2)
    page = _workspace(world.selpa_reviewer, engagement)
    assert "requires progress reports" not in page
    assert reverse("determination_selpa_reports", args=[engagement.pk]) not in page


def test_it_checks_scope(world: World, cohorts: dict[str, Cohort]) -> None:
    foreign = start(world.foreign_lea, cohorts["targeted"], level=1)
    for name, prefix in (
        ("determination_selpa_reports", "selpa_requires_progress_reports"),
        ("determination_srr_finding", "srr_final_finding_of_noncompliance"),
    ):
        assert _post(world.selpa_reviewer, foreign, name, prefix, "yes") == 404
        assert _post(world.outsider, foreign, name, prefix, "yes") == 404
    assert (
        Determination.objects.get(pk=foreign.determination_id).selpa_requires_progress_reports
        is None
    )


def test_it_requires_the_selpa_reviewer(world: World, level1: Engagement) -> None:
    status = _post(
        world.lea_lead, level1, "determination_selpa_reports",
        "selpa_requires_progress_reports", "yes",
    )  # fmt: skip
    assert status == 403
    assert _requirement(level1, MONITORING) == "optional"


def test_it_requires_cde_staff(world: World, level1: Engagement) -> None:
    status = _post(
        world.selpa_reviewer, level1, "determination_srr_finding",
        "srr_final_finding_of_noncompliance", "yes",
    )  # fmt: skip
    assert status == 403
    assert _requirement(level1, PPR) == "optional"


def test_cde_records_the_srr_finding_on_the_workspace(world: World, level1: Engagement) -> None:
    assert _post(
        world.cde_admin, level1, "determination_srr_finding",
        "srr_final_finding_of_noncompliance", "yes",
    ) == 302  # fmt: skip

    assert _requirement(level1, PPR) == "required"
    page = _workspace(world.lea_member, level1)
    assert (
        "CDE issued a final Student Record Review finding of noncompliance (recorded by Alex Admin"
        in page
    )


def test_it_refuses_a_choice_that_is_not_offered(world: World, level1: Engagement) -> None:
    client = signed_in(world.selpa_reviewer)
    url = reverse("determination_selpa_reports", args=[level1.pk])
    response = client.post(url, {"selpa_requires_progress_reports-value": "maybe"}, follow=True)

    assert "Choose Yes, No or Not decided yet." in response.content.decode()
    assert _requirement(level1, MONITORING) == "optional"


# --- Step 4 at Level 1 --------------------------------------------------------------------


def test_a_level_1_lea_whose_selpa_requires_reports_submits_them_to_the_selpa(
    world: World, level1: Engagement, django_capture_on_commit_callbacks: Any
) -> None:
    approve_plan(world, level1, on=date(2024, 12, 20))
    reports_page = reverse("progress_reports", args=[level1.pk])
    signed_in(world.lea_lead).get(reports_page)
    assert not ProgressReport.objects.filter(engagement=level1).exists()

    services.determination_record_selpa_requires_reports(
        actor=world.selpa_reviewer, engagement=level1, requires=True
    )
    assert signed_in(world.lea_lead).get(reports_page).status_code == 200
    report = ProgressReport.objects.get(engagement=level1, period__number=1)
    fill_report(world, report)
    TeamMeeting.objects.create(engagement=level1, met_on=date(2025, 1, 14), attendees="Casey Lead")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(world.lea_lead).post(
            reverse("progress_report_submit", args=[level1.pk, report.pk]),
            {"confirmation_name": "Casey Lead"},
        )

    submission = Submission.objects.get(engagement=level1, step=4)
    assert response.status_code == 302
    assert (submission.routed_to, submission.state) == ("SELPA", "submitted")
    assert world.selpa_reviewer.email in {address for m in mail.outbox for address in m.to}
