"""Writes of Step 4: opening an engagement's progress reports once its plan is approved,
the LEA's edits of a report (activities' progress, measured values, narratives), its
submission for review, and the CIM team's meetings.

Opening reports. When the Plan for Improvement (the Step 3 submission) is approved, the
engagement is in Monitoring Implementation and a report comes due for each reporting period
of its cohort that ends on or after the approval day, but only where the catalog's Step 4
activity resolves to "required" for the LEA (Targeted Level 1 only if its SELPA requires
reports: that resolves to optional, and nothing comes due). `steps` cannot call `reports`,
so it sends `steps.signals.step4_may_open` at the approval (and when an engagement starts,
moves or is resolved again), and idempotent entry points open what is missing:
- `progress_reports_open_for(engagement_ids)`: from that signal (reports/receivers.py),
  and for a cohort whose reporting periods a CDE administrator changed;
- `progress_reports_open(today=...)`: every engagement, from the daily sweep (the
  reminders task calls it before it looks for what is due), which also catches a day
  passing.
Both also keep each open report's due date in line with its period, which a CDE
administrator may move in the admin.

Edits merge with what others saved since the writer opened the page, the one way every
structured row does (steps/services/parts_merge.py): the report is the holder whose version
counts every change and whose audit trail says who changed what. A save of the report's
content (narratives, each activity's status and note) writes the fields only the writer
changed and keeps those only others changed; a field both changed differently refuses the
save with both texts. A measured value's add never conflicts; its remove is refused when
someone changed it since. A team meeting is its own holder (its version, its history) and
merges the same way. A missing, foreign or future version token is refused, nothing
written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, Model, OuterRef, Q, Subquery
from django.utils import timezone

from cim.models import ReportingPeriod
from cim.models.catalog import REPORT_NARRATIVES
from lea import data_version
from lea.audit import Changes, diff
from lea.models import AuditVerb, User
from lea.services import audit, audit_event, audit_many
from lea.text import audit_text, shorten
from reports.models import ActivityProgress, OutcomeMeasurement, ProgressReport, TeamMeeting
from reports.progress import (
    CLOSED_STATES,
    OPEN_STATES,
    local_day,
    progress_report_page,
    progress_report_snapshot,
    readiness,
    report_narratives,
    step4,
)
from steps import access
from steps.merge import version_token
from steps.models import (
    ActivityRecord,
    Engagement,
    Outcome,
    ResolvedRequirement,
    StrategyActivity,
    Submission,
    SubmissionState,
    SubmissionVersion,
)
from steps.services.parts_merge import (
    ROW,
    Holder,
    RowSaved,
    holder_open,
    row_key,
    row_remove,
    row_save,
    values_for,
    words,
)
from steps.services.submissions import SUBMIT_DENIED, submission_freeze, submission_lock

MAX_NOTE = 5_000
MAX_NARRATIVE = 20_000
EDIT_DENIED = "Only the LEA's CIM team edits its progress reports; you can read them."
CLOSED = (
    "{what} is {state}: it cannot be changed now. If something must change, ask your "
    "reviewer to return it."
)
NOT_A_NUMBER = (
    "Enter the measured value as a number, such as 42 or 42.5, without a % sign or words."
)
FUTURE_MEASUREMENT = "A value cannot be measured on a day still to come."
FOREIGN_OUTCOME = "Choose an outcome of this LEA's Plan for Improvement."
FOREIGN_ACTIVITY = "The form named an activity that is not part of this report."
BAD_STATUS = "Choose one of the statuses offered."
TOO_LONG = "Keep this under {limit:,} characters."
FUTURE_MEETING = "Record a meeting once it has taken place: this date is still to come."
ATTENDEES_REQUIRED = "Say who attended."
MEETING_CLOSED = (
    "The meeting on {day} is part of {what}, which is {state}: ask your reviewer to return "
    "it before changing its meetings."
)
NOT_DUE = "Progress reports are not due for this LEA: there is nothing to submit."


# --- Opening reports ------------------------------------------------------------------------


@dataclass
class _Candidate:
    engagement_id: int
    cohort_id: int
    approved_on: date


def _candidates(engagement_ids: list[int] | None, today: date) -> list[_Candidate]:
    """Engagements whose plan is approved (on or before `today`) and whose Step 4 activity
    is required; and those continuing from an earlier cohort, whose Step 4 opens the day
    the ADL load starts them (their plan was written and approved outside the portal)."""
    return _approved_plans(engagement_ids, today) + _continuing(engagement_ids, today)


def _continuing(engagement_ids: list[int] | None, today: date) -> list[_Candidate]:
    continuing = ActivityRecord.objects.filter(
        definition__progress_reports=True,
        requirement=ResolvedRequirement.REQUIRED,
        engagement__determination__new_to_cim=False,
        engagement__created_at__date__lte=today,
    )
    if engagement_ids is not None:
        continuing = continuing.filter(engagement_id__in=engagement_ids)
    return [
        _Candidate(engagement_id, cohort_id, local_day(moment))
        for engagement_id, cohort_id, moment in continuing.values_list(
            "engagement_id", "engagement__cohort_id", "engagement__created_at"
        )
    ]


def _approved_plans(engagement_ids: list[int] | None, today: date) -> list[_Candidate]:
    required = ActivityRecord.objects.filter(
        engagement=OuterRef("engagement"),
        definition__progress_reports=True,
        requirement=ResolvedRequirement.REQUIRED,
    )
    approvals = Submission.objects.filter(
        Exists(required),
        step=3,
        activity__isnull=True,
        state=SubmissionState.APPROVED,
        state_changed_at__date__lte=today,  # never null once approved
    )
    if engagement_ids is not None:
        approvals = approvals.filter(engagement_id__in=engagement_ids)
    return [
        _Candidate(engagement_id, cohort_id, local_day(moment))
        for engagement_id, cohort_id, moment in approvals.values_list(
            "engagement_id", "engagement__cohort_id", "state_changed_at"
        )
        if moment is not None
    ]


def _open(engagement_ids: list[int] | None, today: date) -> int:
    """Create the missing reports (with their activities from the plan) of the candidate
    engagements, align open reports' due dates with their periods; return how many
    reports were created. Safe to run concurrently: the unique constraints drop doubles."""
    candidates = _candidates(engagement_ids, today)
    if not candidates:
        return 0
    ids = [candidate.engagement_id for candidate in candidates]
    periods: dict[int, list[ReportingPeriod]] = defaultdict(list)
    for period in ReportingPeriod.objects.filter(
        cohort_id__in={candidate.cohort_id for candidate in candidates}
    ):
        periods[period.cohort_id].append(period)
    existing = set(
        ProgressReport.objects.filter(engagement_id__in=ids).values_list(
            "engagement_id", "period_id"
        )
    )
    missing = [
        ProgressReport(engagement_id=candidate.engagement_id, period=period, due_on=period.due_on)
        for candidate in candidates
        for period in periods[candidate.cohort_id]
        if period.ends_on >= candidate.approved_on
        and (candidate.engagement_id, period.pk) not in existing
    ]
    ProgressReport.objects.bulk_create(missing, ignore_conflicts=True)
    _prefill(ids)
    _align_due_dates(ids)
    opened: dict[int, list[str]] = defaultdict(list)
    for report in missing:
        opened[report.engagement_id].append(report.period.label)
    if opened:
        engagements = Engagement.objects.filter(pk__in=opened).select_related("lea", "cohort")
        audit_many(
            [
                audit_event(
                    actor=None,
                    verb=AuditVerb.PROGRESS_REPORT_OPEN,
                    target=engagement,
                    organization=engagement.lea,
                    changes={"periods": [None, opened[engagement.pk]]},
                )
                for engagement in engagements
            ]
        )
        data_version.changed()
    return len(missing)


def _prefill(engagement_ids: list[int]) -> None:
    """Each open report gets a row, not started, for every activity of the plan it lacks."""
    reports = ProgressReport.objects.filter(engagement_id__in=engagement_ids).filter(
        Q(submission__isnull=True) | Q(submission__state__in=OPEN_STATES)
    )
    activities = StrategyActivity.objects.filter(strategy__engagement_id__in=engagement_ids)
    have = set(
        ActivityProgress.objects.filter(report__in=reports).values_list(
            "report_id", "strategy_activity_id"
        )
    )
    by_engagement: dict[int, list[int]] = defaultdict(list)
    for activity_id, engagement_id in activities.values_list("pk", "strategy__engagement_id"):
        by_engagement[engagement_id].append(activity_id)
    ActivityProgress.objects.bulk_create(
        [
            ActivityProgress(report_id=report_id, strategy_activity_id=activity_id)
            for report_id, engagement_id in reports.values_list("pk", "engagement_id")
            for activity_id in by_engagement[engagement_id]
            if (report_id, activity_id) not in have
        ],
        ignore_conflicts=True,
    )


def _align_due_dates(engagement_ids: list[int]) -> None:
    """Open reports follow their period's due date (a CDE administrator may move it)."""
    due = ReportingPeriod.objects.filter(pk=OuterRef("period_id")).order_by().values("due_on")[:1]
    stale = (
        ProgressReport.objects.filter(engagement_id__in=engagement_ids)
        .filter(Q(submission__isnull=True) | Q(submission__state__in=OPEN_STATES))
        .exclude(due_on=Subquery(due))
    )
    ProgressReport.objects.filter(pk__in=stale.values("pk")).update(due_on=Subquery(due))


@transaction.atomic
def progress_reports_open_for(engagement_ids: list[int]) -> int:
    """reports_open_for for any number of engagements, in a fixed number of queries (the
    receiver of steps' step4_may_open). Returns how many reports it made."""
    return _open(engagement_ids, timezone.localdate())


def progress_reports_open_for_cohort(cohort_id: int) -> int:
    """The same for every engagement of a cohort whose reporting periods changed."""
    ids = list(Engagement.objects.filter(cohort_id=cohort_id).values_list("pk", flat=True))
    return progress_reports_open_for(ids) if ids else 0


@transaction.atomic
def progress_reports_open(*, today: date) -> int:
    """The daily sweep's part for Step 4 (idempotent, any number of engagements in a fixed
    number of queries): open the reports of every plan approved on or before `today`, and
    align open reports' due dates with their periods. Returns how many reports it made."""
    return _open(None, today)


# --- Editing a report -----------------------------------------------------------------------


def _require_team(actor: User, engagement: Engagement) -> None:
    if not access.may_edit_engagement(actor, engagement):
        raise PermissionDenied(EDIT_DENIED)


def _require_open(report: ProgressReport) -> None:
    submission = report.submission
    if submission is not None and submission.state in CLOSED_STATES:
        raise ValidationError(
            CLOSED.format(what=report.title, state=submission.get_state_display().lower())
        )


def _lock(report: ProgressReport) -> ProgressReport:
    """The report locked for this transaction, refused once submitted or approved."""
    locked = (
        ProgressReport.objects.select_for_update(of=("self",))
        .select_related(
            "engagement__lea", "engagement__cohort", "period", "submission", "updated_by"
        )
        .get(pk=report.pk)
    )
    _require_open(locked)
    return locked


def _bump(report: ProgressReport, actor: User, *fields: str) -> None:
    report.version += 1
    report.updated_by = actor
    report.save(update_fields=["version", "updated_by", "updated_at", *fields])


def _text(value: str, *, field: str, limit: int) -> str:
    text = (value or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise ValidationError({field: TOO_LONG.format(limit=limit)})
    return text


def report_holder(*, actor: User, report: ProgressReport) -> Holder:
    """The progress report as the holder of its content and rows: locked (and refused
    once submitted), its version bumped and an audit row per change."""

    def lock() -> Model:
        _require_team(actor, report.engagement)
        return _lock(report)

    def touch(locked: Model, verb: AuditVerb, changes: Changes) -> Any:
        assert isinstance(locked, ProgressReport)  # noqa: S101 -- narrows the type
        before = locked.version
        _bump(locked, actor)
        # A draft's content: no cached page shows it, so they stay (no data_version).
        audit(
            actor=actor,
            verb=verb,
            target=locked,
            organization=locked.engagement.lea,
            changes={**changes, "version": [before, locked.version]},
        )
        return locked

    return Holder(lock=lock, touch=touch, token=version_token)


def report_values(
    report: ProgressReport, rows: Iterable[ActivityProgress] | None = None
) -> dict[str, Any]:
    """The report's content as its form names it: the narratives, and per activity of the
    plan its status (`status-<id>`) and note (`note-<id>`); `rows`, the report's activities
    where the caller has read them already."""
    values: dict[str, Any] = {name: getattr(report, name) for name in REPORT_NARRATIVES}
    for row in report.activities.all() if rows is None else rows:
        values[f"status-{row.pk}"] = row.status
        values[f"note-{row.pk}"] = row.note
    return values


@transaction.atomic
def progress_report_save(
    *,
    actor: User,
    report: ProgressReport,
    version: str,
    activities: Mapping[int, tuple[str, str]],
    barriers: str = "",
    plan_changes: str = "",
    ta_provider_work: str = "",
    bases: Mapping[str, str] | None = None,
) -> RowSaved:
    """Save a draft of the report: each activity's status and note (by ActivityProgress
    id), and the narratives, merged field by field with what others saved since. Only the
    narratives the cohort's catalog asks are kept (the TA provider's work, for one, is
    asked of Intensive LEAs in 2024)."""
    _require_team(actor, report.engagement)
    rows = {row.pk: row for row in report.activities.select_related("strategy_activity")}
    if set(activities) - set(rows):
        raise ValidationError(FOREIGN_ACTIVITY)
    mine: dict[str, Any] = {}
    for pk, (status, note) in activities.items():
        if status not in ActivityProgress.Status.values:
            raise ValidationError({f"status-{pk}": BAD_STATUS})
        mine[f"status-{pk}"] = status
        mine[f"note-{pk}"] = _text(note, field=f"note-{pk}", limit=MAX_NOTE)
    written = {
        "barriers": barriers,
        "plan_changes": plan_changes,
        "ta_provider_work": ta_provider_work,
    }
    narratives = {n.name: written[n.name] for n in report_narratives(report.engagement)}
    for name, value in narratives.items():
        mine[name] = _text(value, field=name, limit=MAX_NARRATIVE)

    def write(locked: ProgressReport, merged: dict[str, Any]) -> None:
        changed = []
        for row in locked.activities.all():
            status, note = merged[f"status-{row.pk}"], merged[f"note-{row.pk}"]
            if (row.status, row.note) != (status, note):
                row.status, row.note = status, note
                row.full_clean(exclude=["report", "strategy_activity"], validate_constraints=False)
                changed.append(row)
        ActivityProgress.objects.bulk_update(changed, ["status", "note"])
        fields = [name for name in REPORT_NARRATIVES if getattr(locked, name) != merged[name]]
        for name in fields:
            setattr(locked, name, merged[name])
        if fields:
            locked.save(update_fields=fields)

    labels = {f"status-{pk}": row for pk, row in rows.items()}

    def described(name: str, value: Any) -> Any:
        # The history names an activity's status in words, not by its code.
        if name in labels:
            return ActivityProgress.Status(value).label
        return words(value)

    return row_save(
        holder=report_holder(actor=actor, report=report),
        version=version,
        row=report,
        what="report",
        bases=bases,
        mine=mine,
        values_of=report_values,
        write=write,
        verb=AuditVerb.PROGRESS_REPORT_SAVE,
        about=lambda _report: {},
        described=described,
    )


def parse_value(raw: str | Decimal) -> Decimal:
    """A measured value typed by a person, or a ValidationError beside the field."""
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except ArithmeticError:
        raise ValidationError({"value": NOT_A_NUMBER}) from None
    if not value.is_finite():
        raise ValidationError({"value": NOT_A_NUMBER})
    return value


@values_for(OutcomeMeasurement)
def measurement_values(measurement: OutcomeMeasurement) -> dict[str, Any]:
    """A measured value as its form names it (what a remove button's fingerprint is of)."""
    return {
        "value": f"{measurement.value:.2f}",
        "measured_on": measurement.measured_on,
        "on_track": measurement.on_track,
        "note": measurement.note,
    }


def _measurement_about(measurement: OutcomeMeasurement) -> dict[str, Any]:
    return {
        "outcome": shorten(measurement.outcome.measure, 80),
        "value": str(measurement.value),
        "measured on": measurement.measured_on.isoformat(),
    }


@transaction.atomic
def outcome_measurement_add(
    *,
    actor: User,
    report: ProgressReport,
    version: str,
    outcome: Outcome,
    value: Decimal | str,
    measured_on: date,
    on_track: bool | None,
    note: str = "",
) -> OutcomeMeasurement:
    """Add a value of one of the plan's outcomes, measured on a day, with the judgement.
    An add never conflicts with others' saves; a bad version token is refused."""
    holder = report_holder(actor=actor, report=report)
    locked = holder_open(holder, version)
    if outcome.strategy.engagement_id != report.engagement_id:
        raise ValidationError({"outcome": FOREIGN_OUTCOME})
    number = parse_value(value)
    if measured_on > timezone.localdate():
        raise ValidationError({"measured_on": FUTURE_MEASUREMENT})
    measurement = OutcomeMeasurement(
        report=report,
        outcome=outcome,
        value=number,
        measured_on=measured_on,
        on_track=on_track,
        note=_text(note, field="note", limit=MAX_NOTE),
    )
    measurement.full_clean()
    measurement.save()
    holder.touch(
        locked,
        AuditVerb.PROGRESS_REPORT_ADD_MEASUREMENT,
        diff(
            None,
            {ROW: row_key(measurement), **_measurement_about(measurement), "on track": on_track},
        ),
    )
    return measurement


@transaction.atomic
def outcome_measurement_remove(
    *,
    actor: User,
    measurement: OutcomeMeasurement,
    version: str,
    base: str | None = None,
) -> None:
    """Remove a measured value, refused when someone changed it since the page was drawn."""
    row_remove(
        holder=report_holder(actor=actor, report=measurement.report),
        version=version,
        row=measurement,
        what="measured value",
        base=base,
        values_of=measurement_values,
        verb=AuditVerb.PROGRESS_REPORT_REMOVE_MEASUREMENT,
        about=_measurement_about,
    )


# --- Submitting a report --------------------------------------------------------------------


@transaction.atomic
def progress_report_submit(
    *, actor: User, report: ProgressReport, confirmation_name: str
) -> SubmissionVersion:
    """Freeze the report as the next version of its submission and route it to the
    reviewer of the engagement's Step 4 activity (SELPA or CDE), exactly like Steps 1-3:
    the submission page, its diff, comments, decision and emails then apply. Refused (and
    nothing written) while something is missing, or if it waits for review or is approved.
    A second submit at once waits for the first, then is refused."""
    # Refused before the lock too, so one who may not submit waits for nobody.
    if not access.may_lead(actor, report.engagement):
        raise PermissionDenied(SUBMIT_DENIED)
    locked = _lock(report)
    engagement = locked.engagement
    if not access.may_lead(actor, engagement):
        raise PermissionDenied(SUBMIT_DENIED)
    where = step4(engagement)
    if not where.reports_due:
        raise ValidationError(NOT_DUE)
    page = progress_report_page(report=locked)
    problems = readiness(page, routed_to=where.routed_to)
    if problems:
        raise ValidationError(problems)
    if locked.submission is None:
        locked.submission = Submission.objects.create(
            engagement=engagement, step=4, label=locked.title, routed_to=where.routed_to
        )
        locked.save(update_fields=["submission"])
    submission = submission_lock(submission=locked.submission)
    return submission_freeze(
        actor=actor,
        submission=submission,
        routed_to=where.routed_to,
        snapshot=progress_report_snapshot(page),
        confirmation_name=confirmation_name,
        records=[],
    )


# --- CIM team meetings ----------------------------------------------------------------------


def _closed_report_on(engagement: Engagement, day: date) -> ProgressReport | None:
    """A submitted or approved report whose period holds the day: its meetings are frozen."""
    return (
        ProgressReport.objects.filter(
            engagement=engagement,
            period__starts_on__lte=day,
            period__ends_on__gte=day,
            submission__state__in=CLOSED_STATES,
        )
        .select_related("period", "submission")
        .first()
    )


def _meeting_values(met_on: date, attendees: str, notes: str) -> dict[str, Any]:
    if met_on > timezone.localdate():
        raise ValidationError({"met_on": FUTURE_MEETING})
    who = _text(attendees, field="attendees", limit=MAX_NOTE)
    if not who:
        raise ValidationError({"attendees": ATTENDEES_REQUIRED})
    return {
        "met_on": met_on,
        "attendees": who,
        "notes": _text(notes, field="notes", limit=MAX_NARRATIVE),
    }


def _require_meeting_open(engagement: Engagement, *days: date) -> None:
    for day in days:
        report = _closed_report_on(engagement, day)
        if report is not None and report.submission is not None:
            raise ValidationError(
                MEETING_CLOSED.format(
                    day=day.isoformat(),
                    what=report.title,
                    state=report.submission.get_state_display().lower(),
                )
            )


@transaction.atomic
def team_meeting_add(
    *, actor: User, engagement: Engagement, met_on: date, attendees: str, notes: str = ""
) -> TeamMeeting:
    _require_team(actor, engagement)
    values = _meeting_values(met_on, attendees, notes)
    _require_meeting_open(engagement, met_on)
    meeting = TeamMeeting(engagement=engagement, created_by=actor, **values)
    meeting.full_clean()
    meeting.save()
    # A draft's content: no cached page shows it, so they stay (no data_version).
    audit(
        actor=actor,
        verb=AuditVerb.TEAM_MEETING_ADD,
        target=meeting,
        organization=engagement.lea,
        changes=diff(None, {"date": met_on, "attendees": meeting.attendees}),
    )
    return meeting


def meeting_holder(*, actor: User, meeting: TeamMeeting) -> Holder:
    """A team meeting as the holder of its own fields: its version counts each change and
    its history (audit rows on the meeting) says who changed what."""

    def lock() -> Model:
        _require_team(actor, meeting.engagement)
        return (
            TeamMeeting.objects.select_for_update(of=("self",))
            .select_related("engagement__lea")
            .get(pk=meeting.pk)
        )

    def touch(locked: Model, verb: AuditVerb, changes: Changes) -> Any:
        assert isinstance(locked, TeamMeeting)  # noqa: S101 -- narrows the type
        before = locked.version
        TeamMeeting.objects.filter(pk=locked.pk).update(version=before + 1)
        locked.version = before + 1
        # A draft's content: no cached page shows it, so they stay (no data_version).
        audit(
            actor=actor,
            verb=verb,
            target=locked,
            organization=locked.engagement.lea,
            changes={**changes, "version": [before, locked.version]},
        )
        return locked

    return Holder(lock=lock, touch=touch, token=version_token)


@values_for(TeamMeeting)
def meeting_values(meeting: TeamMeeting) -> dict[str, Any]:
    return {"met_on": meeting.met_on, "attendees": meeting.attendees, "notes": meeting.notes}


def _meeting_about(meeting: TeamMeeting) -> dict[str, Any]:
    return {"date": meeting.met_on.isoformat()}


@transaction.atomic
def team_meeting_change(
    *,
    actor: User,
    meeting: TeamMeeting,
    version: str,
    met_on: date,
    attendees: str,
    notes: str = "",
    bases: Mapping[str, str] | None = None,
) -> RowSaved:
    """Change a meeting, merged field by field with what others saved since."""
    _require_team(actor, meeting.engagement)
    values = _meeting_values(met_on, attendees, notes)

    def write(locked: TeamMeeting, merged: dict[str, Any]) -> None:
        _require_meeting_open(locked.engagement, locked.met_on, merged["met_on"])
        for name in values:
            setattr(locked, name, merged[name])
        locked.full_clean()
        locked.save(update_fields=[*values, "updated_at"])

    return row_save(
        holder=meeting_holder(actor=actor, meeting=meeting),
        version=version,
        row=meeting,
        what="meeting",
        bases=bases,
        mine=values,
        values_of=meeting_values,
        write=write,
        verb=AuditVerb.TEAM_MEETING_CHANGE,
        about=_meeting_about,
    )


def _meeting_open(meeting: TeamMeeting) -> None:
    _require_meeting_open(meeting.engagement, meeting.met_on)


@transaction.atomic
def team_meeting_remove(
    *, actor: User, meeting: TeamMeeting, version: str, base: str | None = None
) -> None:
    """Remove a meeting, refused when someone changed it since the page was drawn."""
    row_remove(
        holder=meeting_holder(actor=actor, meeting=meeting),
        version=version,
        row=meeting,
        what="meeting",
        base=base,
        values_of=meeting_values,
        verb=AuditVerb.TEAM_MEETING_REMOVE,
        about=lambda row: {**_meeting_about(row), "attendees": audit_text(row.attendees)},
        check=_meeting_open,
    )
