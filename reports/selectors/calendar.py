"""Reads for calendar feeds: an engagement's deadlines, one per date that something is due.

The engagement comes from `lea.access` (a page's `get_engagement_for`, or a feed's
`calendar_feed_by_token`): everything here hangs off it. A fixed number of queries,
however many activities the engagement has."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.apps import apps
from django.utils import timezone

from steps import access
from steps.models import (
    ActivityRecord,
    Engagement,
    ResolvedRequirement,
    Submission,
    SubmissionState,
)

Status = ActivityRecord.Status
# Work handed in (or signed off) is not late, whatever the date. Activity records and
# submissions spell these two states alike.
DELIVERED = {SubmissionState.SUBMITTED, SubmissionState.APPROVED}
STEP_NAMES = {1: "Step 1", 2: "Step 2", 3: "Step 3"}


@dataclass(frozen=True)
class Deadline:
    """One thing due on one day. `key` is stable for the engagement, so a calendar app
    replaces the event when its date or status changes instead of adding another."""

    key: str
    due: date
    title: str
    status: str
    lines: list[str] = field(default_factory=list)
    # The date is the catalog's inference (cim.Cohort / ReportingPeriod .inferred).
    inferred: bool = False


def owes(record: ActivityRecord) -> bool:
    """Whether the activity is (or was) owed: required, or optional and taken up."""
    if record.requirement == ResolvedRequirement.REQUIRED:
        return True
    return record.requirement == ResolvedRequirement.OPTIONAL and record.status not in (
        Status.NOT_STARTED,
        Status.MARKED_NA,
    )


def engagement_deadlines(*, engagement: Engagement, today: date | None = None) -> list[Deadline]:
    """The engagement's deadlines, by date: the cohort's SRR self-review, Steps 1-3 (each
    with its activities that are due with it), activities due on a day of their own, each
    Step 4 progress report, and the end of Step 4. Steps done before the portal knew the
    LEA (an LEA continuing from an earlier cohort) and their SRR self-review are left out."""
    today = today or timezone.localdate()
    cohort = engagement.cohort
    step_due = {1: cohort.step1_due, 2: cohort.step2_due, 3: cohort.step3_due}
    records = [
        record
        for record in access.records_for_engagement(engagement)
        .select_related("definition")
        .order_by("definition__step", "definition__position")
        if owes(record)
    ]
    submissions = {
        submission.step: submission
        for submission in access.submissions_for_engagement(engagement).filter(
            step__in=step_due, activity__isnull=True
        )
    }
    done_elsewhere = _steps_done_elsewhere(records, step_due)
    records = [r for r in records if r.status != Status.COMPLETED_ELSEWHERE]
    deadlines = []
    if cohort.srr_self_review_due and done_elsewhere != set(step_due):
        deadlines.append(
            Deadline(
                key="srr-self-review",
                due=cohort.srr_self_review_due,
                title="SRR self-review due",
                status="",
                lines=["The Student Record Review self-review, entered in CDE's SECMS."],
            )
        )
    for number, due in step_due.items():
        if due is None or number in done_elsewhere:
            continue
        own = [r for r in records if r.definition.step == number and not _on_own_day(r, due)]
        deadlines.append(_step_deadline(number, due, submissions.get(number), own, today))
    for record in records:
        if _on_own_day(record, step_due.get(record.definition.step)):
            deadlines.append(_activity_deadline(record, today))
    if cohort.step4_end:
        deadlines.append(
            Deadline(
                key="step-4-end",
                due=cohort.step4_end,
                title="Step 4 ends",
                status="",
                lines=["Implementation of the plan and its progress reports run until this day."],
            )
        )
    # Every date so far is the cohort's; a reporting period may be inferred on its own.
    deadlines = [replace(d, inferred=cohort.inferred) for d in deadlines]
    deadlines += _progress_report_deadlines(engagement, today)
    return sorted(deadlines, key=lambda d: (d.due, d.key))


def _steps_done_elsewhere(records: list[ActivityRecord], steps: Iterable[int]) -> set[int]:
    """The steps an LEA continuing from an earlier cohort did before the portal knew it:
    every activity it owes in them is completed elsewhere. It owes none of their dates."""
    owed: dict[int, set[str]] = {number: set() for number in steps}
    for record in records:
        owed.setdefault(record.definition.step, set()).add(record.status)
    return {
        number
        for number, statuses in owed.items()
        if number in STEP_NAMES and statuses == {Status.COMPLETED_ELSEWHERE}
    }


def _on_own_day(record: ActivityRecord, step_due: date | None) -> bool:
    """An activity gets an event of its own when its due date is not its step's (a step
    submission carries the activities due with it); Step 4's are covered by its end."""
    return (
        record.definition.step in STEP_NAMES
        and record.due_date is not None
        and record.due_date != step_due
    )


def _late(due: date, today: date, state: str) -> str:
    return " (overdue)" if due < today and state not in DELIVERED else ""


def _step_deadline(
    number: int,
    due: date,
    submission: Submission | None,
    records: list[ActivityRecord],
    today: date,
) -> Deadline:
    state = submission.state if submission else SubmissionState.DRAFT
    return Deadline(
        key=f"step-{number}",
        due=due,
        title=f"{STEP_NAMES[number]} due",
        status=_submission_words(submission) + _late(due, today, state),
        lines=[f"{r.definition.name}: {r.get_status_display()}." for r in records],
    )


def _submission_words(submission: Submission | None) -> str:
    if submission is None or submission.state == SubmissionState.DRAFT:
        return "Not submitted yet"
    if submission.state == SubmissionState.SUBMITTED:
        return f"Submitted, waiting on {submission.routed_to} review"
    if submission.state == SubmissionState.RETURNED:
        return f"Returned for revision by {submission.routed_to}"
    return f"Approved by {submission.routed_to}"


def _activity_deadline(record: ActivityRecord, today: date) -> Deadline:
    assert record.due_date is not None  # noqa: S101 -- _on_own_day checked it
    return Deadline(
        key=f"activity-{record.definition.key}",
        due=record.due_date,
        title=f"{record.definition.name} due",
        status=record.get_status_display() + _late(record.due_date, today, record.status),
        lines=[record.definition.due_note] if record.definition.due_note else [],
    )


def _progress_report_deadlines(engagement: Engagement, today: date) -> list[Deadline]:
    """Step 4 progress reports, one per reporting period of the cohort (cim.ReportingPeriod)
    even before the LEA has begun one, with the report's own due date and state once it
    has (reports.ProgressReport). Looked up by name, so this works before they exist."""
    try:
        period_model: Any = apps.get_model("cim", "ReportingPeriod")
        report_model: Any = apps.get_model("reports", "ProgressReport")
    except LookupError:
        return []
    reports = {
        report.period_id: report
        for report in report_model.objects.filter(engagement=engagement).select_related(
            "submission"
        )
    }
    deadlines = []
    for period in period_model.objects.filter(cohort_id=engagement.cohort_id):
        report = reports.get(period.pk)
        submission = report.submission if report else None
        due = report.due_on if report else period.due_on
        state = submission.state if submission else SubmissionState.DRAFT
        words = _submission_words(submission) if report else "Not started"
        deadlines.append(
            Deadline(
                key=f"progress-report-{period.pk}",
                due=due,
                title=f"Progress report, {period.label} due",
                status=words + _late(due, today, state),
                inferred=period.inferred or engagement.cohort.inferred,
            )
        )
    return deadlines
