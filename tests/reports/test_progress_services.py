"""Step 4 services: reports open when the plan is approved (per tier and level), are
pre-filled from the plan, edited without lost updates, submitted and reviewed like
Steps 1-3; meetings; and what is refused, in plain words, with nothing written."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from cim.models import Cohort, ReportingPeriod
from lea.models import AuditEvent, Role
from reports import access as reports_access
from reports import progress
from reports.models import ActivityProgress, OutcomeMeasurement, ProgressReport, TeamMeeting
from reports.progress_reminders import progress_reports_due
from reports.services import progress as services
from steps import services as step_services
from steps.merge import fingerprints, version_token
from steps.models import (
    ActivityRecord,
    Engagement,
    Outcome,
    StrategyActivity,
    Submission,
    SubmissionVersion,
)
from steps.services.parts_merge import RowConflict, RowSaved, row_base
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.lea import factories
from tests.module_data import OwnCopy
from tests.reports.progress_world import (
    approvals_left_to_the_sweep,
    approve_plan,
    fill_report,
    in_step_four,
)
from tests.steps.engagements import start
from tests.steps.ready import make_ready

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohorts(world: World) -> dict[str, Cohort]:
    return load_2024()


@pytest.fixture(scope="module")
def _in_step_four(module_world: World, django_db_blocker: DjangoDbBlocker) -> Engagement:
    """The home LEA at Targeted level 3 with its plan approved on December 20, 2024: made
    once for the module's tests, in its transaction (tests/module_data.py)."""
    with django_db_blocker.unblock():
        return in_step_four(module_world, load_2024()["targeted"])


@pytest.fixture
def engagement(_in_step_four: Engagement, own_copy: OwnCopy) -> Engagement:
    return own_copy(_in_step_four)


def _reports(engagement: Engagement) -> list[ProgressReport]:
    """The engagement's reports as its Step 4 page reads them (it opens none itself)."""
    return list(reports_access.progress_reports_for_engagement(engagement))


def _v(holder: Any, number: int) -> str:
    """The version token a page drawn at that version of the report (or meeting) carries."""
    return f"{holder.pk}-{number}"


def _first(engagement: Engagement) -> ProgressReport:
    return ProgressReport.objects.select_related("engagement__cohort", "period").get(
        engagement=engagement, period__number=1
    )


# --- Opening ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "level", "count", "route"),
    [("targeted", 2, 4, "SELPA"), ("targeted", 3, 4, "CDE"), ("intensive", 1, 8, "CDE")],
)
def test_it_opens_a_report_per_period_when_the_plan_is_approved(
    world: World, cohorts: dict[str, Cohort], tier: str, level: int, count: int, route: str
) -> None:
    engagement = start(world.lea, cohorts[tier], level=level)
    assert _reports(engagement) == []  # the plan is not approved yet

    approve_plan(world, engagement, on=date(2024, 12, 20))
    reports = _reports(engagement)

    assert [report.period.number for report in reports] == list(range(1, count + 1))
    assert [r.due_on for r in reports] == [r.period.ends_on + timedelta(days=15) for r in reports]
    assert progress.step4(engagement).routed_to == route
    event = AuditEvent.objects.get(verb="progress_report.open")
    assert event.organization == world.lea
    before, periods = event.changes["periods"]
    assert (before, len(periods)) == (None, count)


def test_it_opens_only_periods_ending_after_the_approval(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    late = in_step_four(world, cohorts["targeted"], level=3, approved_on=date(2025, 9, 2))

    assert [r.period.label for r in _reports(late)] == [
        "Jul\u2013Dec 2025", "Jan\u2013Jun 2026", "Jul\u2013Dec 2026",
    ]  # fmt: skip


def test_it_opens_the_periods_still_ahead_of_an_approval_today(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = in_step_four(world, cohorts["intensive"], level=2, approved_on=None)

    [report] = _reports(engagement)
    assert report.period.ends_on >= timezone.localdate()


def test_it_opens_nothing_where_reports_are_optional(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = in_step_four(world, cohorts["targeted"], level=1)

    assert _reports(engagement) == []
    where = progress.step4(engagement)
    assert (where.open, where.reports_due, where.reports_optional) == (True, False, True)
    assert services.progress_reports_open(today=timezone.localdate()) == 0


def test_it_opens_once_however_often_it_is_asked(world: World, engagement: Engagement) -> None:
    first = _reports(engagement)

    again = _reports(engagement)
    swept = services.progress_reports_open(today=timezone.localdate())

    assert [r.pk for r in again] == [r.pk for r in first]
    assert swept == 0
    assert AuditEvent.objects.filter(verb="progress_report.open").count() == 1
    assert ActivityProgress.objects.filter(report__engagement=engagement).count() == 4


def test_the_sweep_opens_every_approved_plan_in_a_fixed_number_of_queries(
    world: World, cohorts: dict[str, Cohort], django_assert_num_queries
) -> None:
    with approvals_left_to_the_sweep():
        targeted = in_step_four(world, cohorts["targeted"], level=2)
        intensive = start(world.lea2, cohorts["intensive"], level=1)
        # The second LEA's plan, made ready by its own lead.
        lead = factories.member(world.lea2, Role.LEA_LEAD, full_name="Lee Second")
        second = replace(world, lea=world.lea2, lea_lead=lead)
        approve_plan(second, intensive, on=date(2025, 2, 1))

    # Continuing LEAs (Steps 1-3 completed elsewhere) are found in one query of their own.
    with django_assert_num_queries(14):
        made = services.progress_reports_open(today=date(2025, 3, 1))

    assert made == 4 + 8
    assert ProgressReport.objects.filter(engagement=targeted).count() == 4
    assert ProgressReport.objects.filter(engagement=intensive).count() == 8
    assert services.progress_reports_open(today=date(2025, 3, 1)) == 0


def test_the_sweep_leaves_a_plan_approved_after_its_day(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    with approvals_left_to_the_sweep():
        in_step_four(world, cohorts["targeted"], approved_on=date(2025, 2, 1))

    assert services.progress_reports_open(today=date(2025, 1, 31)) == 0
    assert services.progress_reports_open(today=date(2025, 2, 1)) == 4


def test_it_prefills_the_plan_activities_not_started(world: World, engagement: Engagement) -> None:
    _reports(engagement)
    report = _first(engagement)

    page = progress.progress_report_page(report=report)

    activities = StrategyActivity.objects.filter(strategy__engagement=engagement)
    assert {row.strategy_activity for row in page.activities} == set(activities)
    assert {row.status for row in page.activities} == {"not_started"}
    [view] = page.outcomes
    outcome = Outcome.objects.get(strategy__engagement=engagement)
    assert view.outcome == outcome
    assert view.next_benchmark == outcome.benchmarks.get()
    assert view.measurements == []
    assert "Baseline 41" in view.chart_svg


def test_the_due_date_follows_the_period(world: World, engagement: Engagement) -> None:
    _reports(engagement)
    ReportingPeriod.objects.filter(cohort=engagement.cohort, number=1).update(
        due_on=date(2025, 7, 31)
    )

    services.progress_reports_open(today=timezone.localdate())

    assert _first(engagement).due_on == date(2025, 7, 31)


# --- Editing ----------------------------------------------------------------------------


def test_it_saves_a_draft_and_refuses_the_same_field_changed_since(
    world: World, engagement: Engagement
) -> None:
    _reports(engagement)
    report = _first(engagement)
    [row] = report.activities.all()
    seen = fingerprints(services.report_values(report))

    services.progress_report_save(
        actor=world.lea_member, report=report, version=_v(report, 1),
        activities={row.pk: ("completed", "All five teams trained.")},
        barriers="Substitutes.", plan_changes="None.", ta_provider_work="ignored for Targeted",
    )  # fmt: skip

    row.refresh_from_db()
    saved = _first(engagement)
    assert (saved.version, row.status, row.note) == (2, "completed", "All five teams trained.")
    assert (saved.barriers, saved.ta_provider_work) == ("Substitutes.", "")
    with pytest.raises(RowConflict, match="Sam Member changed this"):
        services.progress_report_save(
            actor=world.lea_lead, report=report, version=_v(report, 1), bases=seen,
            activities={row.pk: ("in_progress", "")}, barriers="Other.", plan_changes="",
        )  # fmt: skip
    row.refresh_from_db()
    assert row.status == "completed"
    assert _first(engagement).barriers == "Substitutes."
    assert AuditEvent.objects.filter(verb="progress_report.save").count() == 1


def test_it_refuses_a_reviewer_edit_and_a_foreign_activity(
    world: World, engagement: Engagement
) -> None:
    _reports(engagement)
    report = _first(engagement)

    with pytest.raises(PermissionDenied):
        services.progress_report_save(
            actor=world.cde_consultant, report=report, version=_v(report, 1),
            activities={}, barriers="x", plan_changes="",
        )  # fmt: skip
    other = _reports(engagement)[1].activities.get()
    with pytest.raises(ValidationError, match=services.FOREIGN_ACTIVITY):
        services.progress_report_save(
            actor=world.lea_lead, report=report, version=_v(report, 1),
            activities={other.pk: ("completed", "")}, barriers="x", plan_changes="",
        )  # fmt: skip


@pytest.mark.parametrize("typed", ["forty", "42%", "NaN", "Infinity", ""])
def test_it_refuses_a_measured_value_that_is_not_a_number(typed: str) -> None:
    with pytest.raises(ValidationError) as refused:
        services.parse_value(typed)

    assert refused.value.message_dict == {"value": [services.NOT_A_NUMBER]}


def test_it_adds_measured_values_and_refuses_bad_ones_writing_nothing(
    world: World, engagement: Engagement
) -> None:
    _reports(engagement)
    report = _first(engagement)
    outcome = Outcome.objects.get(strategy__engagement=engagement)

    def add(**changes: Any) -> OutcomeMeasurement:
        values: dict = {
            "actor": world.lea_member, "report": report, "version": version_token(report),
            "outcome": outcome, "value": "42.5", "measured_on": date(2025, 6, 1),
            "on_track": True,
        }  # fmt: skip
        return services.outcome_measurement_add(**{**values, **changes})

    cases: list[tuple[dict[str, Any], str]] = [
        ({"value": "about 40"}, services.NOT_A_NUMBER),
        ({"measured_on": timezone.localdate() + timedelta(days=1)}, services.FUTURE_MEASUREMENT),
        ({"value": "1234567890123"}, "digits"),
    ]
    for changes, message in cases:
        with pytest.raises(ValidationError, match=message):
            add(**changes)
    assert not OutcomeMeasurement.objects.exists()
    assert ProgressReport.objects.get(pk=report.pk).version == 1

    add()
    report.refresh_from_db()
    with pytest.raises(ValidationError, match="already has a value measured on that day"):
        add()
    assert OutcomeMeasurement.objects.get().value == Decimal("42.5")
    assert report.version == 2


def test_it_refuses_another_lea_s_outcome(
    world: World, cohorts: dict[str, Cohort], engagement: Engagement
) -> None:
    _reports(engagement)
    foreign = start(world.foreign_lea, cohorts["targeted"], level=3)
    make_ready(foreign, 3, actor=world.foreign_lea_lead)
    report = _first(engagement)

    with pytest.raises(ValidationError, match=services.FOREIGN_OUTCOME):
        services.outcome_measurement_add(
            actor=world.lea_lead, report=report, version=_v(report, 1),
            outcome=Outcome.objects.get(strategy__engagement=foreign), value="1",
            measured_on=date(2025, 1, 5), on_track=None,
        )  # fmt: skip


# --- Submitting and reviewing -------------------------------------------------------------


def test_it_says_what_is_missing_and_submits_nothing(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = in_step_four(world, cohorts["intensive"], level=1)
    _reports(engagement)
    report = _first(engagement)

    with pytest.raises(ValidationError) as refused:
        services.progress_report_submit(
            actor=world.lea_lead, report=report, confirmation_name="Casey Lead"
        )

    problems = refused.value.messages
    assert any(p.startswith("Outcome “Students with IEPs") for p in problems)
    assert "Barriers: write it (or say there is nothing to report)." in problems
    assert "Work with the TA provider: write it (or say there is nothing to report)." in problems
    assert not Submission.objects.filter(step=4).exists()


def test_only_the_lead_submits(world: World, engagement: Engagement) -> None:
    _reports(engagement)
    report = fill_report(world, _first(engagement))

    with pytest.raises(PermissionDenied):
        services.progress_report_submit(
            actor=world.lea_member, report=report, confirmation_name="Sam Member"
        )
    assert not Submission.objects.filter(step=4).exists()


def test_a_report_is_submitted_returned_revised_resubmitted_and_approved(
    world: World, cohorts: dict[str, Cohort], django_capture_on_commit_callbacks
) -> None:
    engagement = in_step_four(world, cohorts["targeted"], level=2)
    _reports(engagement)
    report = fill_report(world, _first(engagement))
    TeamMeeting.objects.create(
        engagement=engagement, met_on=date(2025, 1, 14), attendees="Casey Lead\nSam Member"
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        version = services.progress_report_submit(
            actor=world.lea_lead, report=report, confirmation_name="Casey Lead"
        )

    submission = version.submission
    assert (submission.step, submission.label, submission.routed_to, submission.state) == (
        4, "Progress report, Jan\u2013Jun 2025", "SELPA", "submitted",
    )  # fmt: skip
    assert ProgressReport.objects.get(pk=report.pk).submission == submission
    [activity] = version.snapshot["activities"]
    assert activity["key"] == "progress_report"
    texts = {e["anchor"]: e["text"] for e in activity["entries"]}
    assert (
        "Status: In progress\nNote: Two of five teams trained."
        in texts[f"activity-{StrategyActivity.objects.get(strategy__engagement=engagement).pk}"]
    )
    outcome = Outcome.objects.get(strategy__engagement=engagement)
    assert (
        "- 43.5 on June 30, 2025, on track: CALPADS fall census." in texts[f"outcome-{outcome.pk}"]
    )
    assert texts["barriers"] == "Substitute shortages cancelled two co-planning days."
    assert "ta_provider_work" not in texts  # Targeted
    assert "January 14, 2025: Casey Lead; Sam Member" in texts["meetings"]
    assert "Months without a meeting: February 2025, March 2025" in texts["meetings"]
    [chart] = progress.charts_in_snapshot(version.snapshot)
    assert chart.points[0].value == Decimal("43.5")
    assert [m.to for m in mail.outbox] == [[world.selpa_reviewer.email]]

    # Submitted: the LEA cannot change it, nor submit it twice.
    with pytest.raises(ValidationError, match="is submitted: it cannot be changed now"):
        services.progress_report_save(
            actor=world.lea_lead, report=report, version=version_token(report),
            activities={}, barriers="Changed.", plan_changes="None.",
        )  # fmt: skip
    with pytest.raises(ValidationError, match="cannot be changed now"):
        services.progress_report_submit(
            actor=world.lea_lead, report=report, confirmation_name="Casey Lead"
        )

    step_services.submission_decide(
        actor=world.selpa_reviewer, submission=submission, version_number=1,
        decision="returned", summary="Say why February and March had no meeting.",
    )  # fmt: skip
    report = ProgressReport.objects.select_related(
        "engagement__cohort", "period", "submission"
    ).get(pk=report.pk)
    assert progress.report_is_open(report)
    services.progress_report_save(
        actor=world.lea_lead, report=report, version=version_token(report),
        activities={}, barriers="Substitute shortages; the February and March meetings were "
        "cancelled for state testing.", plan_changes="None.",
    )  # fmt: skip

    second = services.progress_report_submit(
        actor=world.lea_lead, report=report, confirmation_name="Casey Lead"
    )
    assert (second.submission_id, second.number) == (submission.pk, 2)
    step_services.submission_decide(
        actor=world.selpa_reviewer, submission=submission, version_number=2, decision="approved"
    )
    report = ProgressReport.objects.select_related(
        "engagement__cohort", "period", "submission"
    ).get(pk=report.pk)
    assert report.submission is not None
    assert report.submission.state == "approved"
    assert not progress.report_is_open(report)
    with pytest.raises(ValidationError, match="is approved: it cannot be changed now"):
        services.outcome_measurement_add(
            actor=world.lea_lead, report=report, version=version_token(report),
            outcome=outcome, value="50", measured_on=date(2025, 6, 2), on_track=True,
        )  # fmt: skip
    assert SubmissionVersion.objects.filter(submission=submission).count() == 2


def test_an_intensive_report_goes_to_cde_with_the_ta_provider_work(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = in_step_four(world, cohorts["intensive"], level=1)
    _reports(engagement)

    version = services.progress_report_submit(
        actor=world.lea_lead, report=fill_report(world, _first(engagement)),
        confirmation_name="Casey Lead",
    )  # fmt: skip

    assert version.submission.routed_to == "CDE"
    entries = version.snapshot["activities"][0]["entries"]
    assert {"anchor": "ta_provider_work", "label": "Work with the TA provider",
            "text": "Monthly coaching calls with the TA provider."} in entries  # fmt: skip
    assert version.submission.label == "Progress report, Jan\u2013Mar 2025"


def test_a_report_cannot_be_submitted_before_its_period_begins(
    world: World, engagement: Engagement
) -> None:
    _reports(engagement)
    report = fill_report(world, _first(engagement))
    ReportingPeriod.objects.filter(pk=report.period_id).update(
        starts_on=timezone.localdate() + timedelta(days=1),
        ends_on=timezone.localdate() + timedelta(days=30),
        due_on=timezone.localdate() + timedelta(days=45),
    )
    report = _first(engagement)

    with pytest.raises(ValidationError, match="it can be submitted once the period begins"):
        services.progress_report_submit(
            actor=world.lea_lead, report=report, confirmation_name="Casey Lead"
        )


# --- Meetings ---------------------------------------------------------------------------


def test_meetings_flag_each_month_without_one(world: World, cohorts: dict[str, Cohort]) -> None:
    engagement = in_step_four(world, cohorts["intensive"], level=1)
    _reports(engagement)
    for day in (date(2025, 1, 14), date(2025, 3, 11), date(2025, 4, 2)):
        services.team_meeting_add(
            actor=world.lea_member, engagement=engagement, met_on=day, attendees="Casey Lead"
        )

    page = progress.progress_report_page(report=_first(engagement))

    assert [m.met_on for m in page.meetings] == [date(2025, 1, 14), date(2025, 3, 11)]
    assert [(m.label, m.missing) for m in page.months] == [
        ("January 2025", False), ("February 2025", True), ("March 2025", False),
    ]  # fmt: skip


def test_a_meeting_is_changed_and_removed_with_its_version(
    world: World, engagement: Engagement
) -> None:
    meeting = services.team_meeting_add(
        actor=world.lea_member, engagement=engagement, met_on=date(2025, 1, 14),
        attendees="Casey Lead", notes="Reviewed the co-teaching schedule.",
    )  # fmt: skip

    seen = row_base(meeting)
    changed = services.team_meeting_change(
        actor=world.lea_lead, meeting=meeting, version=_v(meeting, 1), met_on=date(2025, 1, 15),
        attendees="Casey Lead\nSam Member", notes="",
    ).row  # fmt: skip
    with pytest.raises(ValidationError, match="changed this row since you opened the page"):
        services.team_meeting_remove(
            actor=world.lea_member, meeting=meeting, version=_v(meeting, 1), base=seen
        )
    services.team_meeting_remove(
        actor=world.lea_lead, meeting=meeting, version=_v(meeting, 2), base=row_base(changed)
    )

    assert changed.met_on == date(2025, 1, 15)
    assert not TeamMeeting.objects.exists()
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="team_meeting").values_list("verb", flat=True)
    )
    assert sorted(verbs) == ["team_meeting.add", "team_meeting.change", "team_meeting.remove"]


def test_it_refuses_meetings_to_come_without_attendees_or_in_a_submitted_report(
    world: World, engagement: Engagement
) -> None:
    _reports(engagement)
    services.progress_report_submit(
        actor=world.lea_lead, report=fill_report(world, _first(engagement)),
        confirmation_name="Casey Lead",
    )  # fmt: skip

    def add(day: date, attendees: str = "Casey Lead") -> TeamMeeting:
        return services.team_meeting_add(
            actor=world.lea_lead, engagement=engagement, met_on=day, attendees=attendees
        )

    with pytest.raises(ValidationError, match="this date is still to come"):
        add(timezone.localdate() + timedelta(days=1))
    with pytest.raises(ValidationError, match=services.ATTENDEES_REQUIRED):
        add(date(2025, 8, 1), "  ")
    with pytest.raises(
        ValidationError, match="is part of Progress report, Jan\u2013Jun 2025, which is submitted"
    ):
        add(date(2025, 2, 3))
    with pytest.raises(PermissionDenied):
        services.team_meeting_add(
            actor=world.selpa_reviewer, engagement=engagement, met_on=date(2025, 8, 1),
            attendees="x",
        )  # fmt: skip
    assert not TeamMeeting.objects.exists()
    add(date(2025, 8, 1))
    assert TeamMeeting.objects.count() == 1


def test_reports_owed_are_reminder_items_until_submitted(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = in_step_four(world, cohorts["targeted"], level=2)
    reports = _reports(engagement)
    due = [report.due_on for report in reports[:2]]

    items = progress_reports_due(due)

    assert [(item.item, item.title, item.approver) for item in items] == [
        (("report", reports[0].pk), "Progress report, Jan\u2013Jun 2025", "SELPA"),
        (("report", reports[1].pk), "Progress report, Jul\u2013Dec 2025", "SELPA"),
    ]
    assert items[0].path == f"/engagements/{engagement.pk}/progress-reports/{reports[0].pk}/"
    assert items[0].lea_id == world.lea.pk
    services.progress_report_submit(
        actor=world.lea_lead, report=fill_report(world, _first(engagement)),
        confirmation_name="Casey Lead",
    )  # fmt: skip
    assert [item.item for item in progress_reports_due(due)] == [("report", reports[1].pk)]


def test_readiness_names_each_gap(world: World, cohorts: dict[str, Cohort]) -> None:
    engagement = in_step_four(world, cohorts["targeted"], level=2)
    _reports(engagement)
    report = fill_report(world, _first(engagement))
    row = report.activities.get()
    services.progress_report_save(
        actor=world.lea_lead, report=report, version=version_token(report),
        activities={row.pk: ("changed", "")}, barriers="x", plan_changes="y",
    )  # fmt: skip
    report = _first(engagement)
    measurement = OutcomeMeasurement.objects.get()
    services.outcome_measurement_add(
        actor=world.lea_lead, report=report, version=version_token(report),
        outcome=measurement.outcome, value="44", measured_on=date(2025, 6, 30) - timedelta(1),
        on_track=None,
    )  # fmt: skip
    services.outcome_measurement_add(
        actor=world.lea_lead, report=_first(engagement), version=_v(report, report.version + 1),
        outcome=measurement.outcome, value="45", measured_on=date(2025, 7, 1), on_track=None,
    )  # fmt: skip
    row.delete()
    page = progress.progress_report_page(report=_first(engagement))

    problems = progress.readiness(page, routed_to="")

    activity = StrategyActivity.objects.get(strategy__engagement=engagement)
    assert problems == [
        progress.ACTIVITY_MISSING.format(activity=activity),
        progress.NOT_JUDGED.format(outcome=measurement.outcome),
        progress.NO_ROUTE,
    ]
    services.progress_reports_open(today=timezone.localdate())  # puts the row back
    assert _first(engagement).activities.get().status == "not_started"
    page = progress.progress_report_page(report=_first(engagement))
    page.strategies[0].activities[0].status = "changed"
    assert progress.CHANGED_NEEDS_NOTE.format(activity=activity) in progress.readiness(
        page, routed_to="SELPA"
    )


def test_it_refuses_an_unknown_status_a_long_note_and_saves_nothing_unchanged(
    world: World, engagement: Engagement
) -> None:
    _reports(engagement)
    report = _first(engagement)
    row = report.activities.get()

    def save(status: str = "in_progress", note: str = "", barriers: str = "") -> RowSaved:
        return services.progress_report_save(
            actor=world.lea_lead, report=report, version=_v(report, 1),
            activities={row.pk: (status, note)}, barriers=barriers, plan_changes="",
        )  # fmt: skip

    with pytest.raises(ValidationError, match=services.BAD_STATUS):
        save(status="approved")
    with pytest.raises(ValidationError, match="Keep this under 5,000 characters"):
        save(note="x" * 5_001)
    assert save(status="not_started").written == []  # nothing changed, nothing written
    assert _first(engagement).version == 1
    assert not AuditEvent.objects.filter(verb="progress_report.save").exists()


def test_a_measured_value_is_removed_with_the_report_version(
    world: World, engagement: Engagement
) -> None:
    _reports(engagement)
    report = fill_report(world, _first(engagement))
    measurement = OutcomeMeasurement.objects.get()
    measurement.report = report

    with pytest.raises(ValidationError, match="but the latest saved version is"):
        services.outcome_measurement_remove(
            actor=world.lea_lead, measurement=measurement, version=_v(report, report.version + 5)
        )
    with pytest.raises(PermissionDenied):
        services.outcome_measurement_remove(
            actor=world.cde_consultant, measurement=measurement, version=version_token(report)
        )
    services.outcome_measurement_remove(
        actor=world.lea_lead, measurement=measurement, version=version_token(report)
    )

    assert not OutcomeMeasurement.objects.exists()
    changes = AuditEvent.objects.get(verb="progress_report.remove_measurement").changes
    assert changes.items() >= {
        "outcome": [measurement.outcome.measure, None], "value": ["43.50", None],
        "measured on": ["2025-06-30", None],
    }.items()  # fmt: skip


def test_a_report_no_longer_due_is_not_submitted(world: World, cohorts: dict[str, Cohort]) -> None:
    engagement = in_step_four(world, cohorts["targeted"], level=2)
    _reports(engagement)
    report = fill_report(world, _first(engagement))
    # A corrected ADL makes the LEA Level 1, whose SELPA does not require reports.
    ActivityRecord.objects.filter(engagement=engagement, definition__progress_reports=True).update(
        requirement="optional"
    )

    with pytest.raises(ValidationError, match=services.NOT_DUE):
        services.progress_report_submit(
            actor=world.lea_lead, report=report, confirmation_name="Casey Lead"
        )


def test_the_snapshot_says_when_the_team_met_every_month(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = in_step_four(world, cohorts["intensive"], level=3)
    _reports(engagement)
    for month in (1, 2, 3):
        services.team_meeting_add(
            actor=world.lea_lead, engagement=engagement, met_on=date(2025, month, 10),
            attendees="Casey Lead", notes="Reviewed the data." if month == 2 else "",
        )  # fmt: skip
    page = progress.progress_report_page(report=fill_report(world, _first(engagement)))

    snapshot = progress.progress_report_snapshot(page)

    meetings = snapshot["activities"][0]["entries"][-1]
    assert meetings["text"] == (
        "- January 10, 2025: Casey Lead\n- February 10, 2025: Casey Lead. Reviewed the data.\n"
        "- March 10, 2025: Casey Lead\nThe team met in every month of the period."
    )
    [chart] = progress.charts_in_snapshot(snapshot)
    assert chart.label == "Strategy 1 \u00b7 Outcome 1"
    assert "43.5 on " in chart.svg
    assert progress.charts_in_snapshot({"activities": []}) == []
