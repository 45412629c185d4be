"""Step 4: the progress reports an LEA files while it carries out its approved Plan for
Improvement, and the CIM team's meetings.

A report covers one reporting period of the cohort (cim.ReportingPeriod). Its rows point at
the plan's own strategy activities and measurable outcomes, never at retyped text. It is
submitted, routed and reviewed as a steps.Submission (step 4), whose state says whether
the LEA may still edit it. `version` is bumped by every saved change of the report or its
rows: a save that names an older version was made on stale data and is refused.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from cim.models import ReportingPeriod
from steps.models import Engagement, Outcome, StrategyActivity, Submission


class ProgressReport(models.Model):
    """One engagement's report for one reporting period."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="progress_reports"
    )
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.PROTECT, related_name="progress_reports"
    )
    # The period's due date, copied so reminders read it from the report; it follows the
    # period when a CDE administrator moves it (see reports.services.progress).
    due_on = models.DateField()
    # Made at the first submit; its state says who holds the report (draft while None).
    submission = models.OneToOneField(
        Submission,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="progress_report",
    )
    barriers = models.TextField(blank=True, help_text="What got in the way this period.")
    plan_changes = models.TextField(
        "changes to the plan", blank=True, help_text="Adjustments to the plan, and why."
    )
    ta_provider_work = models.TextField(
        "work with the TA provider",
        blank=True,
        help_text="Intensive only: the work with the Step 4 technical assistance provider.",
    )
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        "lea.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("engagement", "period__number")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("engagement", "period"), name="progress_report_one_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.engagement.lea}: {self.title}"

    @property
    def title(self) -> str:
        """E.g. "Progress report, Jan-Jun 2025" (also the submission's label)."""
        return f"Progress report, {self.period.label}"


class ActivityProgress(models.Model):
    """How far one activity of the plan got by the end of the period."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        CHANGED = "changed", "Changed (revised)"

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="activities")
    strategy_activity = models.ForeignKey(
        StrategyActivity, on_delete=models.CASCADE, related_name="progress"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    note = models.TextField(blank=True, help_text="Evidence of implementation, or what changed.")

    class Meta:
        ordering = ("strategy_activity__strategy__position", "strategy_activity__position", "pk")
        verbose_name_plural = "activity progress"
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("report", "strategy_activity"), name="activity_progress_one_per_activity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.strategy_activity}: {self.get_status_display()}"


class OutcomeMeasurement(models.Model):
    """A value of a measurable outcome measured during the period, with the team's
    judgement. An outcome monitored monthly has several in one report."""

    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="measurements"
    )
    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="measurements")
    value = models.DecimalField(max_digits=12, decimal_places=2)
    measured_on = models.DateField()
    # None: not judged (yet). The latest measurement of each outcome must be judged.
    on_track = models.BooleanField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("measured_on", "pk")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("report", "outcome", "measured_on"),
                name="outcome_measurement_one_per_day",
                violation_error_message="This outcome already has a value measured on that "
                "day in this report: remove that one first.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome}: {self.value} on {self.measured_on}"


class TeamMeeting(models.Model):
    """A meeting of the LEA's CIM team (the state expects one at least monthly). Meetings
    belong to the engagement; a report lists those in its period."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="team_meetings"
    )
    met_on = models.DateField("date")
    attendees = models.TextField(help_text="Who attended, one name (and role) per line.")
    notes = models.TextField(blank=True, help_text="What the team reviewed and decided.")
    # Bumped by every change: an edit or removal made on an older version is refused.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        "lea.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("met_on", "pk")
        indexes: ClassVar = [models.Index(fields=("engagement", "met_on"))]

    def __str__(self) -> str:
        return f"CIM team meeting on {self.met_on}"
