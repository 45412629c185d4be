"""Step 4 pages: an engagement's progress reports and CIM team meetings, a report's form
(the LEA's team edits, the lead submits it), and the meetings. Reviewers read a submitted
report through the submission page (steps), like Steps 1-3.

Each view: the engagement through steps/access.py (404 outside the user's scope), a report,
outcome, measurement or meeting looked up within it (404 when it belongs elsewhere), 403
for a write by someone who only reads; then one service or selector, then render.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lea.auth import current_user
from lea.services_access_records import Kind, record_read
from reports import access as reports_access
from reports import progress
from reports.forms_progress import MeasurementForm, MeetingForm, ReportForm
from reports.models import OutcomeMeasurement, ProgressReport, TeamMeeting
from reports.services import progress as services
from steps import access
from steps.forms import SubmitForm
from steps.merge import fingerprints, version_token
from steps.models import Engagement
from steps.services.parts_merge import already_removed, removed_by
from steps.services.submissions import SUBMIT_DENIED
from steps.submissions import holder
from steps.views.parts_common import one_button_remove, save_row


def _report_in_scope(
    request: HttpRequest, engagement_id: int, report_id: int
) -> tuple[Engagement, ProgressReport]:
    engagement = access.get_engagement_for(request.user, engagement_id)
    return engagement, reports_access.get_progress_report_for(
        current_user(request), engagement, report_id
    )


def _report_url(report: ProgressReport, anchor: str = "") -> str:
    url = reverse("progress_report", args=[report.engagement_id, report.pk])
    return f"{url}#{anchor}" if anchor else url


# --- The Step 4 page: reports and meetings ---------------------------------------------------


@dataclass
class ReportRow:
    report: ProgressReport
    holder: str
    days_left: int

    @property
    def open(self) -> bool:
        return progress.report_is_open(self.report)

    @property
    def overdue(self) -> bool:
        return self.open and self.days_left < 0


def _step4_page(
    request: HttpRequest,
    engagement: Engagement,
    *,
    meeting_form: MeetingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    reports = list(reports_access.progress_reports_for_engagement(engagement))
    today = timezone.localdate()
    where = progress.step4(engagement)
    meetings = list(
        reports_access.team_meetings_for_engagement(engagement)
        .order_by("-met_on", "-pk")
        .select_related("created_by")
    )
    return render(
        request,
        "reports/progress_reports.html",
        {
            "engagement": engagement,
            "step4": where,
            "rows": [
                ReportRow(report, holder(report.submission), (report.due_on - today).days)
                for report in reports
            ],
            "periods": list(progress.periods_for_engagement(engagement))
            if where.reports_optional
            else [],
            "meetings": meetings,
            "can_edit": access.may_edit_engagement(request.user, engagement),
            "meeting_form": meeting_form or MeetingForm(),
            "today": today,
        },
        status=status,
    )


@login_required
@require_GET
def progress_reports(request: HttpRequest, engagement_id: int) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record_read(
        request,
        kind=Kind.PROGRESS_REPORTS,
        lea_id=engagement.lea_id,
        object_id=engagement.pk,
        description=engagement.cohort.name,
    )
    return _step4_page(request, engagement)


def _record_report_read(request: HttpRequest, report: ProgressReport, kind: Kind) -> None:
    record_read(
        request,
        kind=kind,
        lea_id=report.engagement.lea_id,
        object_id=report.pk,
        description=report.title,
    )


# --- A report's page ----------------------------------------------------------------------


def _report_form(page: progress.ReportPage) -> ReportForm:
    """The report's form as drawn now: its content, the version token, and each field's
    base, so a save merges with what others save meanwhile."""
    values = services.report_values(page.report, page.activities)
    return ReportForm(
        initial={**values, "version": version_token(page.report)},
        bases=fingerprints(values),
        rows=page.activities,
        narratives=page.asked,
    )


def _measurement_form(report: ProgressReport, outcome_id: int) -> MeasurementForm:
    return MeasurementForm(
        prefix=f"m-{outcome_id}",
        initial={"version": version_token(report), "measured_on": timezone.localdate()},
    )


def _report_page(
    request: HttpRequest,
    report: ProgressReport,
    *,
    form: ReportForm | None = None,
    measurement: tuple[int, MeasurementForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    page = progress.progress_report_page(report=report)
    engagement = report.engagement
    can_edit = access.may_edit_engagement(request.user, engagement)
    editable = can_edit and progress.report_is_open(report)
    if form is None:
        form = _report_form(page)
    if editable:
        for outcome in page.outcomes:
            outcome.form = _measurement_form(report, outcome.outcome.pk)
            if measurement is not None and measurement[0] == outcome.outcome.pk:
                outcome.form = measurement[1]
    for strategy in page.strategies:
        for row_view in strategy.rows:
            row_view.status_field = form.status_field(row_view.row)
            row_view.note_field = form.note_field(row_view.row)
            # Both texts beside a field two people changed (steps/merge_forms.py).
            row_view.status_conflict = form.conflicts.get(f"status-{row_view.row.pk}")
            row_view.note_conflict = form.conflicts.get(f"note-{row_view.row.pk}")
    narratives = page.narrative_views
    for narrative in narratives:
        narrative.form_field = form[narrative.name]
        narrative.conflict = form.conflicts.get(narrative.name)
    record = access.monitoring_record_for_engagement(engagement)
    _record_report_read(request, report, Kind.PROGRESS_REPORT)
    return render(
        request,
        "reports/progress_report.html",
        {
            "engagement": engagement,
            "report": report,
            "page": page,
            "form": form,
            "narratives": narratives,
            "can_edit": can_edit,
            "editable": editable,
            "is_lead": access.may_lead(request.user, engagement),
            "holder": holder(report.submission),
            "problems": progress.readiness(page, routed_to=record.approver if record else ""),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def progress_report(request: HttpRequest, engagement_id: int, report_id: int) -> HttpResponse:
    engagement, report = _report_in_scope(request, engagement_id, report_id)
    if request.method == "GET":
        return _report_page(request, report)
    access.require_edit_engagement(request.user, engagement)
    page = progress.progress_report_page(report=report)
    form = ReportForm(request.POST, rows=page.activities, narratives=page.asked)
    return save_row(
        request,
        form,
        lambda form: services.progress_report_save(
            actor=current_user(request),
            report=report,
            version=form.version(),
            bases=form.posted_bases(),
            activities=form.activities(),  # type: ignore[attr-defined]
            **{narrative.name: form.cleaned_data[narrative.name] for narrative in page.asked},
        ),
        done="Draft saved.",
        show=lambda status: _report_page(request, report, form=form, status=status),
        back=lambda: redirect(_report_url(report)),
    )


@login_required
@require_POST
def progress_measurement_add(
    request: HttpRequest, engagement_id: int, report_id: int, outcome_id: int
) -> HttpResponse:
    engagement, report = _report_in_scope(request, engagement_id, report_id)
    outcome = access.get_outcome_for(request.user, engagement, outcome_id)
    access.require_edit_engagement(request.user, engagement)
    form = MeasurementForm(request.POST, prefix=f"m-{outcome.pk}")
    return save_row(
        request,
        form,
        lambda form: services.outcome_measurement_add(
            actor=current_user(request),
            report=report,
            version=form.version(),
            outcome=outcome,
            value=form.cleaned_data["value"],
            measured_on=form.cleaned_data["measured_on"],
            on_track=form.judgement(),  # type: ignore[attr-defined]
            note=form.cleaned_data["note"],
        ),
        done="Measured value added.",
        show=lambda status: _report_page(
            request, report, measurement=(outcome.pk, form), status=status
        ),
        back=lambda: redirect(_report_url(report, f"outcome-{outcome.pk}")),
    )


@login_required
@require_POST
def progress_measurement_remove(
    request: HttpRequest, engagement_id: int, report_id: int, measurement_id: int
) -> HttpResponse:
    engagement, report = _report_in_scope(request, engagement_id, report_id)
    key = f"{OutcomeMeasurement._meta.model_name}:{measurement_id}"
    if not report.measurements.filter(pk=measurement_id).exists() and removed_by(report, key):
        # Two people removed the same value: the second is told, not shown an error page.
        access.require_edit_engagement(request.user, engagement)
        messages.info(request, already_removed(report, key, "measured value"))
        return redirect(_report_url(report))
    measurement = reports_access.get_measurement_for(current_user(request), report, measurement_id)
    access.require_edit_engagement(request.user, engagement)
    measurement.report = report
    return one_button_remove(
        request,
        lambda version, base: services.outcome_measurement_remove(
            actor=current_user(request), measurement=measurement, version=version, base=base
        ),
        "Measured value removed.",
        redirect(_report_url(report, f"outcome-{measurement.outcome_id}")),
    )


# --- Submitting a report -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def progress_report_submit(
    request: HttpRequest, engagement_id: int, report_id: int
) -> HttpResponse:
    engagement, report = _report_in_scope(request, engagement_id, report_id)
    # The LEA's team sees what stands in the way; reviewers read submissions, not this.
    access.require_edit_engagement(request.user, engagement)
    is_lead = access.may_lead(request.user, engagement)
    if request.method == "POST" and not is_lead:
        raise PermissionDenied(SUBMIT_DENIED)
    form = SubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.progress_report_submit(
                actor=current_user(request),
                report=report,
                confirmation_name=form.cleaned_data["confirmation_name"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            report = reports_access.get_progress_report_for(
                current_user(request), engagement, report.pk
            )
        else:
            submission = version.submission
            messages.success(
                request,
                f"{submission.title} is submitted as version {version.number} "
                f"and waits for {submission.routed_to} review.",
            )
            return redirect("submission_detail", submission_id=submission.pk)
    page = progress.progress_report_page(report=report)
    where = progress.step4(engagement)
    _record_report_read(request, report, Kind.SUBMISSION_CHECKLIST)
    return render(
        request,
        "reports/progress_report_submit.html",
        {
            "engagement": engagement,
            "report": report,
            "page": page,
            "open": progress.report_is_open(report),
            "problems": progress.readiness(page, routed_to=where.routed_to),
            "routed_to": where.routed_to,
            "reviewers": access.reviewers_for(engagement, where.routed_to),
            "is_lead": is_lead,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


# --- CIM team meetings -------------------------------------------------------------------


@login_required
@require_POST
def team_meeting_add(request: HttpRequest, engagement_id: int) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    access.require_edit_engagement(request.user, engagement)
    form = MeetingForm(request.POST)
    if form.is_valid():
        try:
            meeting = services.team_meeting_add(
                actor=current_user(request),
                engagement=engagement,
                met_on=form.cleaned_data["met_on"],
                attendees=form.cleaned_data["attendees"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Meeting of {_day(meeting.met_on)} recorded.")
            return redirect(reverse("progress_reports", args=[engagement.pk]) + "#meetings")
    return _step4_page(request, engagement, meeting_form=form, status=400)


def _day(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def _meeting_or_gone(
    request: HttpRequest, engagement: Engagement, meeting_id: int
) -> TeamMeeting | HttpResponse:
    """The meeting, for someone who may edit the engagement (403 otherwise); or, when this
    LEA's history says someone removed it, the team's page saying who (a meeting is the
    holder of its own history, so once removed only its id and the LEA's audit rows name
    it); any other id is not found (404), before any role check."""
    if engagement.team_meetings.filter(pk=meeting_id).exists():
        meeting = reports_access.get_team_meeting_for(current_user(request), engagement, meeting_id)
        access.require_edit_engagement(request.user, engagement)
        meeting.engagement = engagement
        return meeting
    gone = TeamMeeting(pk=meeting_id)
    key = f"{TeamMeeting._meta.model_name}:{meeting_id}"
    if not removed_by(gone, key, organization=engagement.lea):
        raise Http404("No such meeting.")
    access.require_edit_engagement(request.user, engagement)
    messages.info(request, already_removed(gone, key, "meeting", organization=engagement.lea))
    return redirect(reverse("progress_reports", args=[engagement.pk]) + "#meetings")


@login_required
@require_http_methods(["GET", "POST"])
def team_meeting_edit(request: HttpRequest, engagement_id: int, meeting_id: int) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    meeting = _meeting_or_gone(request, engagement, meeting_id)
    if isinstance(meeting, HttpResponse):
        return meeting

    def show(status: int) -> HttpResponse:
        return render(
            request,
            "reports/team_meeting_edit.html",
            {"engagement": engagement, "meeting": meeting, "form": form},
            status=status,
        )

    if request.method == "GET":
        values = services.meeting_values(meeting)
        form = MeetingForm(
            initial={**values, "version": version_token(meeting)}, bases=fingerprints(values)
        )
        record_read(
            request,
            kind=Kind.TEAM_MEETING,
            lea_id=engagement.lea_id,
            object_id=meeting.pk,
            description=str(meeting),
        )
        return show(200)
    form = MeetingForm(request.POST)
    return save_row(
        request,
        form,
        lambda form: services.team_meeting_change(
            actor=current_user(request),
            meeting=meeting,
            version=form.version(),
            bases=form.posted_bases(),
            **form.values(),
        ),
        done="Meeting saved.",
        show=show,
        back=lambda: redirect(reverse("progress_reports", args=[engagement.pk]) + "#meetings"),
    )


@login_required
@require_POST
def team_meeting_remove(request: HttpRequest, engagement_id: int, meeting_id: int) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    meeting = _meeting_or_gone(request, engagement, meeting_id)
    if isinstance(meeting, HttpResponse):
        return meeting
    return one_button_remove(
        request,
        lambda version, base: services.team_meeting_remove(
            actor=current_user(request), meeting=meeting, version=version, base=base
        ),
        f"Meeting of {_day(meeting.met_on)} removed.",
        redirect(reverse("progress_reports", args=[engagement.pk]) + "#meetings"),
    )


PREFIX = "engagements/<int:engagement_id>/"

urlpatterns = [
    path(f"{PREFIX}progress-reports/", progress_reports, name="progress_reports"),
    path(f"{PREFIX}progress-reports/<int:report_id>/", progress_report, name="progress_report"),
    path(
        f"{PREFIX}progress-reports/<int:report_id>/outcomes/<int:outcome_id>/measurements/",
        progress_measurement_add,
        name="progress_measurement_add",
    ),
    path(
        f"{PREFIX}progress-reports/<int:report_id>/measurements/<int:measurement_id>/remove/",
        progress_measurement_remove,
        name="progress_measurement_remove",
    ),
    path(
        f"{PREFIX}progress-reports/<int:report_id>/submit/",
        progress_report_submit,
        name="progress_report_submit",
    ),
    path(f"{PREFIX}meetings/", team_meeting_add, name="team_meeting_add"),
    path(f"{PREFIX}meetings/<int:meeting_id>/", team_meeting_edit, name="team_meeting_edit"),
    path(
        f"{PREFIX}meetings/<int:meeting_id>/remove/",
        team_meeting_remove,
        name="team_meeting_remove",
    ),
]
