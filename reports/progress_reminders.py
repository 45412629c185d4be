"""Progress reports as reminder items: the provider the daily sweep can list in
`reports.reminder_items.PROVIDERS` once its Reminder model has a `report` foreign key.

The sweep should first call `reports.services.progress.progress_reports_open(today=...)`
(it opens the reports of plans approved since the last run and moves open reports' due
dates with their periods), then ask this provider for the reports due on its dates.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse

from reports import access as reports_access
from reports.progress import OPEN_STATES
from reports.reminder_items import DueItem
from steps import access


def progress_reports_due(due_dates: Collection[date]) -> list[DueItem]:
    """Progress reports due on the dates that the LEA still owes: never submitted, or
    returned for revision (not waiting for review, not approved). Reports exist only
    where the catalog requires them, so optional ones are never reminded. One query."""
    approver = (
        access.monitoring_records_for_system()
        .filter(engagement=OuterRef("engagement"))
        .values("approver")[:1]
    )
    rows = (
        reports_access.progress_reports_for_system()
        .filter(due_on__in=list(due_dates))
        .filter(Q(submission__isnull=True) | Q(submission__state__in=OPEN_STATES))
        .annotate(approver=Subquery(approver))
        .select_related("period", "engagement__lea", "engagement__cohort")
        .order_by("engagement_id", "period__number")
    )
    # One reverse() for all rows.
    path = reverse("progress_report", args=[918273645, 192837465])
    return [
        DueItem(
            item=("report", report.pk),
            lea_id=report.engagement.lea_id,
            lea_name=report.engagement.lea.name,
            selpa_id=report.engagement.lea.selpa_id,
            year_id=report.engagement.cohort.year_id,
            title=report.title,
            due_date=report.due_on,
            path=path.replace("918273645", str(report.engagement_id)).replace(
                "192837465", str(report.pk)
            ),
            approver=report.approver or "",  # type: ignore[attr-defined]  # annotated
            editor_ids=frozenset({report.updated_by_id} if report.updated_by_id else set()),
        )
        for report in rows
    ]
