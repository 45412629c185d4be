"""Engagements in Step 4 for the progress-report tests: a plan made ready and approved
through the real services (its approval moved back in time when a test needs more
reporting periods ahead of it), and a report filled until it can be submitted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import date, datetime, time
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

from django.utils import timezone

from cim.models import Cohort
from lea.models import User
from reports.models import ProgressReport
from reports.receivers import OPENER, open_progress_reports
from reports.services import progress as services
from steps import services as step_services
from steps.merge import version_token
from steps.models import Engagement, Outcome, Submission
from steps.signals import step4_may_open
from tests.conftest import World
from tests.steps.engagements import start
from tests.steps.ready import make_ready

CALIFORNIA = ZoneInfo("America/Los_Angeles")


def reviewer_for(world: World, engagement: Engagement) -> User:
    """Who reviews the engagement's work: its SELPA's reviewer (Targeted 1-2) or the CDE
    consultant, assigned here for the year (Targeted 3 and Intensive)."""
    level = engagement.determination.level
    if engagement.cohort.tier == "targeted" and level in (1, 2):
        return world.selpa_reviewer
    step_services.consultant_assign(
        actor=world.cde_admin, consultant=world.cde_consultant,
        year=engagement.cohort.year, leas=[engagement.lea],
    )  # fmt: skip
    return world.cde_consultant


@contextmanager
def clock_at(day: date) -> Iterator[None]:
    """The clock at noon of that California day (only the clock: the edge of the world)."""
    moment = datetime.combine(day, time(12), tzinfo=CALIFORNIA)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@contextmanager
def approvals_left_to_the_sweep() -> Iterator[None]:
    """Plans approved while Step 4's receiver is off, as if nothing had opened their
    reports at the approval, so that a test sees what the daily sweep opens by itself."""
    step4_may_open.disconnect(dispatch_uid=OPENER)
    try:
        yield
    finally:
        step4_may_open.connect(open_progress_reports, dispatch_uid=OPENER)


def approve_plan(world: World, engagement: Engagement, *, on: date | None = None) -> Submission:
    """Step 3 made ready by the lead, submitted and approved by its reviewer, on that
    California day if `on` is given (the reports that open depend on it)."""
    make_ready(engagement, 3, actor=world.lea_lead)
    version = step_services.submission_submit(
        actor=world.lea_lead,
        engagement=engagement,
        step=3,
        confirmation_name=world.lea_lead.full_name,
    )
    reviewer = reviewer_for(world, engagement)
    with clock_at(on) if on is not None else nullcontext():
        step_services.submission_decide(
            actor=reviewer,
            submission=version.submission,
            version_number=version.number,
            decision="approved",
        )
    return Submission.objects.get(pk=version.submission_id)


def in_step_four(
    world: World, cohort: Cohort, *, level: int = 3, approved_on: date | None = date(2024, 12, 20)
) -> Engagement:
    engagement = start(world.lea, cohort, level=level)
    approve_plan(world, engagement, on=approved_on)
    return engagement


def fill_report(
    world: World,
    report: ProgressReport,
    *,
    measured_on: date | None = None,
    actor: User | None = None,
) -> ProgressReport:
    """Every activity in progress, a judged value for every outcome, the narratives, written
    by `actor` (the world's LEA member unless given)."""
    actor = actor or world.lea_member
    report = ProgressReport.objects.select_related("engagement__cohort", "period").get(pk=report.pk)
    rows = {
        row.pk: ("in_progress", "Two of five teams trained.") for row in report.activities.all()
    }
    services.progress_report_save(
        actor=actor,
        report=report,
        version=version_token(report),
        activities=rows,
        barriers="Substitute shortages cancelled two co-planning days.",
        plan_changes="None.",
        ta_provider_work="Monthly coaching calls with the TA provider.",
    )
    report.refresh_from_db()
    day = measured_on or min(report.period.ends_on, timezone.localdate())
    for outcome in Outcome.objects.filter(strategy__engagement=report.engagement_id):
        services.outcome_measurement_add(
            actor=actor,
            report=report,
            version=version_token(report),
            outcome=outcome,
            value=Decimal("43.5"),
            measured_on=day,
            on_track=True,
            note="CALPADS fall census.",
        )
        report.refresh_from_db()
    return ProgressReport.objects.select_related("engagement__cohort", "period").get(pk=report.pk)
