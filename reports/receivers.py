"""What the reports app does when `steps` or the catalog changes something Step 4 depends
on: the reports that come due open then, so that no page has to write when it is read."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from cim.models import ReportingPeriod
from reports.services import progress as services_progress
from steps.signals import step4_may_open

# The receiver's dispatch_uid, by which a test can turn it off and on again.
OPENER = "reports.open_progress_reports"


@receiver(step4_may_open, dispatch_uid=OPENER)
def open_progress_reports(sender: Any, *, engagement_ids: list[int], **kwargs: Any) -> None:
    services_progress.progress_reports_open_for(engagement_ids)


@receiver(post_save, sender=ReportingPeriod, dispatch_uid="reports.follow_reporting_period")
def follow_reporting_period(sender: Any, instance: ReportingPeriod, **kwargs: Any) -> None:
    """A period added or moved (by a CDE administrator, or a catalog load): its cohort's
    reports open and keep their due dates in line with it at once, not at the next sweep."""
    services_progress.progress_reports_open_for_cohort(instance.cohort_id)
