"""An LEA's engagement in a CIM cohort and the activity records it owes."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django_fsm import FSMField, FSMModelMixin, transition

from cim.models import ActivityDefinition, Approver, Assistance, Cohort, Determination
from steps import rules


class Engagement(models.Model):
    """One LEA's CIM process for one cohort, started by the ADL load."""

    lea = models.ForeignKey(
        "lea.Organization",
        on_delete=models.PROTECT,
        related_name="engagements",
        limit_choices_to={"kind": "lea"},
    )
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="engagements")
    determination = models.ForeignKey(
        Determination, on_delete=models.PROTECT, related_name="engagements"
    )
    # Where an LEA continuing from an earlier cohort keeps the plan it wrote outside the
    # portal (its Steps 1-3 are not here): set by its CIM team lead or CDE staff.
    prior_plan_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("cohort", "lea__name")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("lea", "cohort"), name="engagement_one_per_lea_cohort"),
        ]

    def __str__(self) -> str:
        return f"{self.lea} in {self.cohort}"


class ResolvedRequirement(models.TextChoices):
    """A requirement after resolution for one LEA: never "conditional"."""

    REQUIRED = "required", "Required"
    OPTIONAL = "optional", "Optional"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class ActivityRecord(FSMModelMixin, models.Model):
    """An activity an LEA owes (or may do), with the requirement resolved for that LEA."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned for revision"
        APPROVED = "approved", "Approved"
        MARKED_NA = "marked_na", "Marked not applicable"
        COMPLETED_ELSEWHERE = "completed_elsewhere", "Completed outside the portal"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="records")
    definition = models.ForeignKey(
        ActivityDefinition, on_delete=models.PROTECT, related_name="records"
    )
    requirement = models.CharField(max_length=16, choices=ResolvedRequirement.choices)
    requirement_reason = models.CharField(max_length=300)
    assistance = models.CharField(max_length=12, choices=Assistance.choices, blank=True)
    approver = models.CharField(max_length=8, choices=Approver.choices, blank=True)
    # Moves only through the transitions below (services call them), never by assignment.
    status = FSMField(
        max_length=20, choices=Status.choices, default=Status.NOT_STARTED, protected=True
    )
    due_date = models.DateField(null=True, blank=True)
    # The free-text and yes/no answers of the activity's Stepwell boxes, by field name.
    responses = models.JSONField(default=dict, blank=True)
    # Bumped by every saved change of the activity (its answers or its structured rows):
    # a save that names an older version was made on stale data and is refused.
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        "lea.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("engagement", "definition__position")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("engagement", "definition"), name="activity_record_one_per_definition"
            ),
        ]
        indexes: ClassVar = [
            # Which LEAs' work goes to a CDE consultant (lea.access.work_goes_to_cde), read
            # from the index alone on the CDE administrator's and consultants' pages.
            models.Index(
                fields=("engagement", "definition"),
                condition=models.Q(approver=Approver.CDE)
                & ~models.Q(requirement=ResolvedRequirement.NOT_APPLICABLE),
                name="activity_record_to_cde",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.engagement}: {self.definition.name}"

    @transition(
        field=status, source=Status.NOT_STARTED, target=Status.IN_PROGRESS,
        permission=rules.transition_permission(rules.may_edit_record),
    )  # fmt: skip
    def start(self) -> None:
        pass

    # An LEA continuing from an earlier cohort did Steps 1-3 before the portal knew it:
    # the ADL load records them done there, once, and nothing moves them on.
    @transition(
        field=status, source=Status.NOT_STARTED, target=Status.COMPLETED_ELSEWHERE,
        permission=rules.transition_permission(rules.may_record_completed_elsewhere),
    )  # fmt: skip
    def complete_elsewhere(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.NOT_STARTED, Status.IN_PROGRESS, Status.RETURNED],
        target=Status.MARKED_NA,
        permission=rules.transition_permission(rules.may_edit_record),
    )
    def set_aside(self) -> None:
        pass

    @transition(
        field=status, source=Status.MARKED_NA, target=Status.IN_PROGRESS,
        permission=rules.transition_permission(rules.may_edit_record),
    )  # fmt: skip
    def take_up(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.NOT_STARTED, Status.IN_PROGRESS, Status.RETURNED],
        target=Status.SUBMITTED,
        permission=rules.transition_permission(rules.may_submit),
    )
    def submit(self) -> None:
        pass

    @transition(
        field=status, source=Status.SUBMITTED, target=Status.RETURNED,
        permission=rules.transition_permission(rules.may_decide_record),
    )  # fmt: skip
    def return_for_revision(self) -> None:
        pass

    @transition(
        field=status, source=Status.SUBMITTED, target=Status.APPROVED,
        permission=rules.transition_permission(rules.may_decide_record),
    )  # fmt: skip
    def approve(self) -> None:
        pass

    @transition(
        field=status, source=[Status.APPROVED, Status.RETURNED], target=Status.SUBMITTED,
        permission=rules.transition_permission(rules.may_decide_record),
    )  # fmt: skip
    def undo_decision(self) -> None:
        pass
