"""Reads about Step 4: whether an engagement's progress reports are due, a report as its
page shows it (the plan's activities and outcomes beside what the LEA reported, the team's
meetings month by month), what still stands in the way of submitting it, and the frozen
snapshot a submission keeps. Writes are in reports/services/progress.py.

Every selector takes an engagement or a report already read through lea/access.py as its
scope, and reads a fixed number of queries however large the plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from cim.models import ActivityDefinition, ReportingPeriod
from lea.text import shorten
from reports import access as reports_access
from reports.charts import (
    ChartOutcome,
    ChartPoint,
    amount,
    chart_outcome,
    chart_points,
    outcome_chart_svg,
)
from reports.models import ActivityProgress, OutcomeMeasurement, ProgressReport, TeamMeeting
from steps import access
from steps.models import (
    ActivityRecord,
    Engagement,
    Outcome,
    ResolvedRequirement,
    Review,
    Strategy,
    SubmissionState,
)
from steps.parts import Entry, entry, item, labelled, long_date
from steps.submissions import NoteThread

# The one "activity" of a progress report's snapshot (comments name it with their anchor).
SNAPSHOT_KEY = "progress_report"
OPEN_STATES = (SubmissionState.DRAFT, SubmissionState.RETURNED)
CLOSED_STATES = (SubmissionState.SUBMITTED, SubmissionState.APPROVED)


@dataclass(frozen=True)
class Narrative:
    """A written part of the report, as the cohort's catalog asks it (its progress-report
    activity's `report_fields`): a text column of the report, its label and help."""

    name: str
    label: str
    help: str = ""


def report_narratives(engagement: Engagement) -> list[Narrative]:
    """The written parts the engagement's cohort asks of a progress report."""
    fields = (
        ActivityDefinition.objects.filter(cohort_id=engagement.cohort_id, progress_reports=True)
        .values_list("report_fields", flat=True)
        .first()
    )
    return [Narrative(f["name"], f["label"], f.get("help", "")) for f in fields or []]


NOT_STARTED_YET = (
    "This report covers {period}: it can be submitted once the period begins, on {day}."
)
ACTIVITY_MISSING = "Activity “{activity}” of the plan is missing from the report."
CHANGED_NEEDS_NOTE = "Activity “{activity}” is marked changed: say in its note what changed."
NO_MEASUREMENT = "Outcome “{outcome}”: add the value measured this period, with its date."
NOT_JUDGED = "Outcome “{outcome}”: say whether it is on track (on its latest measured value)."
NARRATIVE_MISSING = "{label}: write it (or say there is nothing to report)."
NO_ROUTE = "The catalog names no reviewer for progress reports. A CDE administrator must add one."


def _today() -> date:
    return timezone.localdate()


def local_day(moment: datetime) -> date:
    """The California day of a moment (settings.TIME_ZONE is America/Los_Angeles)."""
    return timezone.localdate(moment)


# --- Is Step 4 open, and are reports due? -------------------------------------------------


@dataclass
class Step4:
    """Where an engagement stands in Step 4."""

    plan_approved_on: date | None
    record: ActivityRecord | None
    # Continuing from an earlier cohort: its plan lives outside the portal, and Step 4
    # opened the day the ADL load started the engagement.
    continuing_since: date | None = None

    @property
    def open(self) -> bool:
        """The plan is approved (or was, outside the portal): the LEA is in Monitoring
        Implementation."""
        return self.plan_approved_on is not None or self.continuing_since is not None

    @property
    def reports_due(self) -> bool:
        return self.record is not None and self.record.requirement == ResolvedRequirement.REQUIRED

    @property
    def reports_optional(self) -> bool:
        return self.record is not None and self.record.requirement == ResolvedRequirement.OPTIONAL

    @property
    def routed_to(self) -> str:
        return self.record.approver if self.record is not None else ""


def step4(engagement: Engagement) -> Step4:
    approval = access.plan_approval_for_engagement(engagement)
    approved_on = (
        local_day(approval.state_changed_at) if approval and approval.state_changed_at else None
    )
    continuing_since = (
        None if engagement.determination.new_to_cim else local_day(engagement.created_at)
    )
    return Step4(
        plan_approved_on=approved_on,
        record=access.monitoring_record_for_engagement(engagement),
        continuing_since=continuing_since,
    )


def periods_for_engagement(engagement: Engagement) -> QuerySet[ReportingPeriod]:
    return ReportingPeriod.objects.filter(cohort_id=engagement.cohort_id).order_by("number")


def report_is_open(report: ProgressReport) -> bool:
    """The LEA may change the report: never submitted, or returned for revision."""
    return report.submission is None or report.submission.state in OPEN_STATES


# --- Meetings, month by month ---------------------------------------------------------------


MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass
class MonthView:
    """A month of a reporting period and the team's meetings in it."""

    first_day: date
    meetings: list[TeamMeeting]
    upcoming: bool

    @property
    def label(self) -> str:
        return f"{MONTHS[self.first_day.month - 1]} {self.first_day.year}"

    @property
    def missing(self) -> bool:
        """The month has begun and the team has not met in it (the state expects monthly)."""
        return not self.meetings and not self.upcoming


def meetings_in(engagement: Engagement | int, period: ReportingPeriod) -> QuerySet[TeamMeeting]:
    return (
        reports_access.team_meetings_for_engagement(engagement)
        .filter(met_on__gte=period.starts_on, met_on__lte=period.ends_on)
        .order_by("met_on", "pk")
    )


def period_months(
    period: ReportingPeriod, meetings: Iterable[TeamMeeting], *, today: date | None = None
) -> list[MonthView]:
    today = today or _today()
    by_month: dict[tuple[int, int], list[TeamMeeting]] = {}
    for meeting in meetings:
        by_month.setdefault((meeting.met_on.year, meeting.met_on.month), []).append(meeting)
    months = []
    year, month = period.starts_on.year, period.starts_on.month
    while date(year, month, 1) <= period.ends_on:
        first = date(year, month, 1)
        months.append(MonthView(first, by_month.get((year, month), []), upcoming=first > today))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# --- A report as its page shows it ----------------------------------------------------------


@dataclass
class OutcomeView:
    outcome: Outcome
    label: str
    # This report's measured values, oldest first.
    measurements: list[OutcomeMeasurement]
    # Every value measured so far, up to this report's period: the chart's line.
    points: list[ChartPoint]
    period: ReportingPeriod

    threads: list[NoteThread] = field(default_factory=list)
    # The form to add a measured value, set by the page's view when the report is open.
    form: Any = None

    @property
    def anchor(self) -> str:
        return f"outcome-{self.outcome.pk}"

    @property
    def next_benchmark(self) -> Any:
        """The benchmark this period works toward: the first dated on or after its start."""
        return next(
            (b for b in self.outcome.benchmarks.all() if b.date >= self.period.starts_on), None
        )

    @property
    def latest(self) -> OutcomeMeasurement | None:
        return self.measurements[-1] if self.measurements else None

    @property
    def chart(self) -> ChartOutcome:
        return chart_outcome(self.outcome)

    @property
    def chart_svg(self) -> SafeString:
        # Every text in the markup is escaped by outcome_chart_svg.
        return mark_safe(  # noqa: S308
            outcome_chart_svg(self.chart, self.points, chart_id=f"chart-{self.anchor}")
        )


@dataclass
class ActivityView:
    row: ActivityProgress
    label: str
    threads: list[NoteThread] = field(default_factory=list)
    # The form's fields for this row, set by the page's view when it shows a form.
    status_field: Any = None
    note_field: Any = None
    # Both texts beside a field two people changed (steps.merge.ConflictView), if any.
    status_conflict: Any = None
    note_conflict: Any = None

    @property
    def anchor(self) -> str:
        return f"activity-{self.row.strategy_activity_id}"


@dataclass
class NarrativeView:
    name: str
    label: str
    text: str
    threads: list[NoteThread] = field(default_factory=list)
    form_field: Any = None
    conflict: Any = None


@dataclass
class StrategyView:
    strategy: Strategy
    number: int
    activities: list[ActivityProgress] = field(default_factory=list)
    outcomes: list[OutcomeView] = field(default_factory=list)
    rows: list[ActivityView] = field(default_factory=list)
    threads: list[NoteThread] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"strategy-{self.strategy.pk}"


@dataclass
class ReportPage:
    report: ProgressReport
    strategies: list[StrategyView]
    meetings: list[TeamMeeting]
    months: list[MonthView]
    asked: list[Narrative]  # the written parts the cohort's catalog asks
    # Notes of the reviewer on the latest version, by anchor ("" for the whole report).
    threads: dict[str, list[NoteThread]] = field(default_factory=dict)
    review: Review | None = None

    @property
    def activities(self) -> list[ActivityProgress]:
        return [row for strategy in self.strategies for row in strategy.activities]

    @property
    def outcomes(self) -> list[OutcomeView]:
        return [view for strategy in self.strategies for view in strategy.outcomes]

    @property
    def missing_months(self) -> list[MonthView]:
        return [month for month in self.months if month.missing]

    @property
    def narratives(self) -> dict[str, str]:
        return {narrative.name: narrative.label for narrative in self.asked}

    @property
    def narrative_views(self) -> list[NarrativeView]:
        return [
            NarrativeView(name, label, getattr(self.report, name), self.threads.get(name, []))
            for name, label in self.narratives.items()
        ]

    def notes_on(self, anchor: str) -> list[NoteThread]:
        return self.threads.get(anchor, [])

    @property
    def general_threads(self) -> list[NoteThread]:
        return self.threads.get("", [])

    @property
    def period_threads(self) -> list[NoteThread]:
        return self.threads.get("period", [])

    @property
    def meetings_threads(self) -> list[NoteThread]:
        return self.threads.get("meetings", [])


def progress_report_page(*, report: ProgressReport, today: date | None = None) -> ReportPage:
    """The report with the plan's strategies, each with its activities' progress and its
    outcomes' measured values (and chart), the meetings of the period, and the reviewer's
    notes on the latest version. `report.engagement` (with its cohort) and `report.period`
    should be loaded with the report."""
    engagement = report.engagement
    period = report.period
    rows = list(
        reports_access.activity_progress_for_report(report).select_related("strategy_activity")
    )
    strategies = list(access.plan_strategies_for_engagement(engagement))
    history = list(
        reports_access.measurements_for_engagement(engagement)
        .filter(report__period__number__lte=period.number)
        .order_by("measured_on", "pk")
    )
    meetings = list(meetings_in(engagement.pk, period).select_related("created_by"))
    views = []
    for number, strategy in enumerate(strategies, start=1):
        view = StrategyView(strategy, number)
        view.activities = sorted(
            (row for row in rows if row.strategy_activity.strategy_id == strategy.pk),
            key=lambda row: (row.strategy_activity.position, row.strategy_activity.pk),
        )
        for outcome_number, outcome in enumerate(strategy.outcomes.all(), start=1):
            measured = [m for m in history if m.outcome_id == outcome.pk]
            view.outcomes.append(
                OutcomeView(
                    outcome=outcome,
                    label=f"Strategy {number} · Outcome {outcome_number}",
                    measurements=[m for m in measured if m.report_id == report.pk],
                    points=chart_points(measured),
                    period=period,
                )
            )
        views.append(view)
    page = ReportPage(
        report=report,
        strategies=views,
        meetings=meetings,
        months=period_months(period, meetings, today=today),
        asked=report_narratives(engagement),
    )
    page.review, page.threads = _review_notes(report)
    for view in views:
        view.threads = page.notes_on(view.anchor)
        view.rows = [
            ActivityView(row, f"Strategy {view.number} · Activity {number}")
            for number, row in enumerate(view.activities, start=1)
        ]
        for row_view in view.rows:
            row_view.threads = page.notes_on(row_view.anchor)
        for outcome_view in view.outcomes:
            outcome_view.threads = page.notes_on(outcome_view.anchor)
    return page


def _review_notes(report: ProgressReport) -> tuple[Review | None, dict[str, list[NoteThread]]]:
    submission = report.submission
    if submission is None or not submission.current_version:
        return None, {}
    version = submission.versions.filter(number=submission.current_version).first()
    if version is None:
        return None, {}
    review = version.reviews.select_related("reviewer").first()
    comments = list(
        access.comments_for_version(version)
        .filter(Q(activity_key=SNAPSHOT_KEY) | Q(activity_key=""))
        .select_related("author", "version")
        .order_by("created_at", "pk")
    )
    notes: dict[str, list[NoteThread]] = {}
    for comment in comments:
        if not comment.reply_to_id:
            replies = [c for c in comments if c.reply_to_id == comment.pk]
            notes.setdefault(comment.anchor, []).append(NoteThread(comment, replies))
    return review, notes


# --- What stands in the way of submitting ---------------------------------------------------


def readiness(page: ReportPage, *, routed_to: str, today: date | None = None) -> list[str]:
    """Every problem with submitting the report now, in plain words; empty when ready."""
    today = today or _today()
    report, period = page.report, page.report.period
    problems = []
    if period.starts_on > today:
        problems.append(
            NOT_STARTED_YET.format(period=period.label, day=period.starts_on.strftime("%B %-d, %Y"))
        )
    reported = {row.strategy_activity_id for row in page.activities}
    for view in page.strategies:
        for activity in view.strategy.activities.all():
            if activity.pk not in reported:
                problems.append(ACTIVITY_MISSING.format(activity=_short(activity)))
    for row in page.activities:
        if row.status == ActivityProgress.Status.CHANGED and not row.note.strip():
            problems.append(CHANGED_NEEDS_NOTE.format(activity=_short(row.strategy_activity)))
    for outcome in page.outcomes:
        if outcome.latest is None:
            problems.append(NO_MEASUREMENT.format(outcome=_short(outcome.outcome)))
        elif outcome.latest.on_track is None:
            problems.append(NOT_JUDGED.format(outcome=_short(outcome.outcome)))
    for name, label in page.narratives.items():
        if not getattr(report, name).strip():
            problems.append(NARRATIVE_MISSING.format(label=label))
    if not routed_to:
        problems.append(NO_ROUTE)
    return problems


def _short(row: object) -> str:
    return shorten(str(row).strip(), 80)


# --- The frozen copy a submission keeps -----------------------------------------------------


def progress_report_snapshot(page: ReportPage) -> dict[str, Any]:
    """The report as submitted: {"activities": [one entry list, as steps/snapshot.py
    describes], "progress": {"outcomes": [chart data per outcome]}}. The submission page,
    its diff and comments read "activities"; a PDF draws its charts from "progress" (see
    `charts_in_snapshot`), so both show what was submitted, whatever changes afterwards."""
    report = page.report
    entries: list[Entry] = [_period_entry(report)]
    for view in page.strategies:
        entries += _strategy_entries(view)
    for name, label in page.narratives.items():
        entries.append(entry(name, label, getattr(report, name)))
    entries.append(_meetings_entry(page))
    return {
        "activities": [
            {
                "key": SNAPSHOT_KEY,
                "name": report.title,
                "step": 4,
                "requirement": str(ResolvedRequirement.REQUIRED),
                "status": "in_progress",
                "entries": entries,
            }
        ],
        "progress": {
            "period": {
                "label": report.period.label,
                "starts_on": report.period.starts_on.isoformat(),
                "ends_on": report.period.ends_on.isoformat(),
                "due_on": report.due_on.isoformat(),
            },
            "outcomes": [_chart_data(view) for view in page.outcomes],
        },
    }


def _period_entry(report: ProgressReport) -> Entry:
    period = report.period
    return entry(
        "period",
        "Reporting period",
        f"{period.label}: {long_date(period.starts_on)} to {long_date(period.ends_on)}",
        f"Due {long_date(report.due_on)}",
    )


def _strategy_entries(view: StrategyView) -> list[Entry]:
    label = f"Strategy {view.number}"
    entries = [entry(f"strategy-{view.strategy.pk}", label, view.strategy.title)]
    for number, row in enumerate(view.activities, start=1):
        activity = row.strategy_activity
        entries.append(
            entry(
                f"activity-{activity.pk}",
                f"{label} · Activity {number}",
                activity.description,
                f"Timeline: {long_date(activity.start_date)} to {long_date(activity.end_date)}",
                f"Status: {row.get_status_display()}",
                labelled("Note", row.note),
            )
        )
    for view_outcome in view.outcomes:
        entries.append(_outcome_entry(view_outcome))
    return entries


def _outcome_entry(view: OutcomeView) -> Entry:
    outcome = view.outcome
    benchmarks = "; ".join(
        f"{amount(b.value)} by {long_date(b.date)}" for b in outcome.benchmarks.all()
    )
    measured = [
        item("-", f"{amount(m.value)} on {long_date(m.measured_on)}, {_judged(m.on_track)}"
             + (f": {m.note.strip()}" if m.note.strip() else ""))
        for m in view.measurements
    ]  # fmt: skip
    return entry(
        view.anchor,
        view.label,
        outcome.measure,
        f"Baseline: {amount(outcome.baseline_value)} on {long_date(outcome.baseline_date)}",
        labelled("Benchmarks", benchmarks),
        f"Target: {amount(outcome.target_value)} by {long_date(outcome.target_date)}",
        "Measured this period:" if measured else "Measured this period: nothing",
        *measured,
    )


def _judged(on_track: bool | None) -> str:
    if on_track is None:
        return "not judged"
    return "on track" if on_track else "not on track"


def _meetings_entry(page: ReportPage) -> Entry:
    lines = [
        # Attendees typed with a closing period must not make "..": the notes follow.
        item("-", f"{long_date(m.met_on)}: " + "; ".join(_lines(m.attendees)).rstrip(".")
             + (f". {m.notes.strip()}" if m.notes.strip() else ""))
        for m in page.meetings
    ]  # fmt: skip
    missing = [month.label for month in page.missing_months]
    if missing:
        lines.append("Months without a meeting: " + ", ".join(missing))
    elif page.months and not any(month.upcoming for month in page.months):
        lines.append("The team met in every month of the period.")
    return entry("meetings", "CIM team meetings", *(lines or ["No meeting recorded."]))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _chart_data(view: OutcomeView) -> dict[str, Any]:
    outcome = view.outcome
    return {
        "anchor": view.anchor,
        "label": view.label,
        "measure": outcome.measure,
        "baseline": {
            "value": str(outcome.baseline_value),
            "date": outcome.baseline_date.isoformat(),
        },
        "target": {"value": str(outcome.target_value), "date": outcome.target_date.isoformat()},
        "benchmarks": [
            {"value": str(b.value), "date": b.date.isoformat()} for b in outcome.benchmarks.all()
        ],
        "measurements": [
            {"value": str(p.value), "date": p.measured_on.isoformat(), "on_track": p.on_track}
            for p in view.points
        ],
    }


@dataclass(frozen=True)
class SnapshotChart:
    """One outcome's chart as a submitted version froze it."""

    anchor: str
    label: str
    outcome: ChartOutcome
    points: list[ChartPoint]

    @property
    def svg(self) -> str:
        return outcome_chart_svg(self.outcome, self.points, chart_id=f"chart-{self.anchor}")


def charts_in_snapshot(snapshot: dict[str, Any]) -> list[SnapshotChart]:
    """The charts of a progress report's submitted version (none for Steps 1-3), from its
    snapshot alone: no query. For the PDF: `chart.svg` is the markup."""
    charts = []
    for data in snapshot.get("progress", {}).get("outcomes", []):
        outcome = ChartOutcome(
            measure=data["measure"],
            baseline_value=Decimal(data["baseline"]["value"]),
            baseline_date=date.fromisoformat(data["baseline"]["date"]),
            target_value=Decimal(data["target"]["value"]),
            target_date=date.fromisoformat(data["target"]["date"]),
            benchmarks=tuple(
                (date.fromisoformat(b["date"]), Decimal(b["value"])) for b in data["benchmarks"]
            ),
        )
        points = [
            ChartPoint(date.fromisoformat(m["date"]), Decimal(m["value"]), m["on_track"])
            for m in data["measurements"]
        ]
        charts.append(SnapshotChart(data["anchor"], data["label"], outcome, points))
    return charts
