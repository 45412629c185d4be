"""Step 4's URLs pointed at another LEA's objects, for tests/test_isolation.py: another
LEA's engagement, and the user's own engagement with another LEA's report, outcome,
measured value or meeting. Rows are made directly (no plan approval): the walker only
needs them to exist."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from cim.models import ReportingPeriod
from lea.models import Organization
from reports.models import OutcomeMeasurement, ProgressReport, TeamMeeting
from steps.models import ActivityRecord, Engagement, Outcome, Strategy
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.steps.engagements import start

Kwargs = dict[str, object]


def _engagement(lea: Organization) -> Engagement:
    # Several builders run in one test: reuse the engagement rather than start it twice.
    return Engagement.objects.filter(lea=lea).first() or start(
        lea, load_2024()["targeted"], level=3
    )


def _rows(lea: Organization) -> dict[str, int]:
    """A report, an outcome of the plan, a measured value and a meeting of the LEA."""
    engagement = _engagement(lea)
    report = ProgressReport.objects.filter(engagement=engagement).first()
    if report is None:
        period = ReportingPeriod.objects.filter(cohort=engagement.cohort).first()
        assert period is not None
        report = ProgressReport.objects.create(
            engagement=engagement, period=period, due_on=period.due_on
        )
        record = ActivityRecord.objects.get(
            engagement=engagement, definition__key="plan_for_improvement"
        )
        strategy = Strategy.objects.create(engagement=engagement, record=record, title="S")
        outcome = Outcome.objects.create(
            strategy=strategy, measure="M", baseline_value=1, baseline_date=date(2024, 10, 1),
            target_value=2, target_date=date(2026, 6, 1), data_source="CALPADS",
            monitoring_frequency="Monthly",
        )  # fmt: skip
        OutcomeMeasurement.objects.create(
            report=report, outcome=outcome, value=1, measured_on=date(2025, 2, 1)
        )
        TeamMeeting.objects.create(engagement=engagement, met_on=date(2025, 1, 9), attendees="A")
    return {
        "engagement_id": engagement.pk,
        "report_id": report.pk,
        "outcome_id": Outcome.objects.filter(strategy__engagement=engagement).first().pk,  # type: ignore[union-attr]
        "measurement_id": OutcomeMeasurement.objects.filter(report=report).first().pk,  # type: ignore[union-attr]
        "meeting_id": TeamMeeting.objects.filter(engagement=engagement).first().pk,  # type: ignore[union-attr]
    }


def _foreign(*keys: str) -> Callable[[World], Kwargs]:
    """Every id of another LEA."""

    def make(world: World) -> Kwargs:
        rows = _rows(world.foreign_lea)
        return {key: rows[key] for key in ("engagement_id", *keys)}

    return make


def _crossed(*keys: str, home: tuple[str, ...] = ()) -> Callable[[World], Kwargs]:
    """The user's own engagement (and `home` ids of it) with another LEA's `keys`."""

    def make(world: World) -> Kwargs:
        own, foreign = _rows(world.lea), _rows(world.foreign_lea)
        return {
            "engagement_id": own["engagement_id"],
            **{key: own[key] for key in home},
            **{key: foreign[key] for key in keys},
        }

    return make


FOREIGN_OBJECTS: dict[str, list[Callable[[World], Kwargs]]] = {
    "progress_reports": [_foreign()],
    "progress_report": [_foreign("report_id"), _crossed("report_id")],
    "progress_measurement_add": [
        _foreign("report_id", "outcome_id"),
        _crossed("outcome_id", home=("report_id",)),
        _crossed("report_id", home=("outcome_id",)),
    ],
    "progress_measurement_remove": [
        _foreign("report_id", "measurement_id"),
        _crossed("measurement_id", home=("report_id",)),
    ],
    "progress_report_submit": [_foreign("report_id"), _crossed("report_id")],
    "team_meeting_add": [_foreign()],
    "team_meeting_edit": [_foreign("meeting_id"), _crossed("meeting_id")],
    "team_meeting_remove": [_foreign("meeting_id"), _crossed("meeting_id")],
}
