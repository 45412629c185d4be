"""Submissions of a step (or of an activity approved on its own), their frozen versions,
the reviewers' comments and decisions, and which CDE consultant reviews which LEA."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cim.models import ActivityDefinition, Approver, MonitoringYear
from steps import rules
from steps.models.engagement import Engagement


class ConsultantAssignment(models.Model):
    """A CDE FMTA consultant assigned to review an LEA's CIM work for a monitoring year."""

    consultant = models.ForeignKey(
        "lea.User", on_delete=models.CASCADE, related_name="consultant_assignments"
    )
    lea = models.ForeignKey(
        "lea.Organization",
        on_delete=models.CASCADE,
        related_name="consultant_assignments",
        limit_choices_to={"kind": "lea"},
    )
    year = models.ForeignKey(
        MonitoringYear, on_delete=models.PROTECT, related_name="consultant_assignments"
    )
    assigned_by = models.ForeignKey(
        "lea.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("year", "lea__name")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("consultant", "lea", "year"), name="consultant_assignment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consultant} reviews {self.lea} ({self.year})"


class SubmissionState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned for revision"
    APPROVED = "approved", "Approved"


class Submission(ConcurrentTransitionMixin, models.Model):
    """What an LEA submits for approval: a whole step, or one activity the catalog has
    approved on its own. Its state moves only through the transitions below, each guarded
    by an access rule; the services in steps/services/submissions.py call them."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="submissions")
    step = models.PositiveSmallIntegerField()
    # Set only for an activity approved on its own; empty for a whole step.
    activity = models.ForeignKey(
        ActivityDefinition, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    routed_to = models.CharField(max_length=8, choices=Approver.choices)
    # What the submission is called where "Step N" would not say (a progress report).
    label = models.CharField(max_length=120, blank=True)
    state = FSMField(
        max_length=12, choices=SubmissionState.choices, default=SubmissionState.DRAFT,
        protected=True,
    )  # fmt: skip
    current_version = models.PositiveIntegerField(default=0)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("engagement", "step", "activity__position")
        constraints: ClassVar = [
            # Steps 1-3 are submitted once each (re-submitted as new versions); Step 4's
            # progress reports are one submission per report (reports.ProgressReport).
            models.UniqueConstraint(
                fields=("engagement", "step", "activity"),
                nulls_distinct=False,
                condition=models.Q(step__lte=3),
                name="submission_one_per_step_or_activity",
            ),
        ]

    def __str__(self) -> str:
        what = self.activity.name if self.activity_id and self.activity else f"Step {self.step}"
        return f"{self.engagement.lea}: {what}"

    @property
    def title(self) -> str:
        if self.label:
            return self.label
        if self.activity_id and self.activity:
            return f"{self.activity.name} (Step {self.step})"
        return f"Step {self.step}"

    @transition(
        field=state,
        source=[SubmissionState.DRAFT, SubmissionState.RETURNED],
        target=SubmissionState.SUBMITTED,
        permission=rules.transition_permission(rules.may_submit),
    )
    def submit(self) -> None:
        self.current_version += 1

    @transition(
        field=state,
        source=SubmissionState.SUBMITTED,
        target=SubmissionState.RETURNED,
        permission=rules.transition_permission(rules.may_review),
    )
    def return_for_revision(self) -> None:
        pass

    @transition(
        field=state,
        source=SubmissionState.SUBMITTED,
        target=SubmissionState.APPROVED,
        permission=rules.transition_permission(rules.may_review),
    )
    def approve(self) -> None:
        pass

    @transition(
        field=state,
        source=[SubmissionState.APPROVED, SubmissionState.RETURNED],
        target=SubmissionState.SUBMITTED,
        permission=rules.transition_permission(rules.may_undo_decision),
    )
    def undo_decision(self) -> None:
        pass


class SubmissionVersion(models.Model):
    """One numbered, immutable submission: a snapshot of every box and structured part."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    confirmation_name = models.CharField(
        max_length=150, help_text="The name the submitter typed to confirm (box 28)."
    )
    submitted_by = models.ForeignKey(
        "lea.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField()
    routed_to = models.CharField(max_length=8, choices=Approver.choices)

    class Meta:
        ordering = ("submission", "number")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("submission", "number"), name="submission_version_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submission}, version {self.number}"


class Review(models.Model):
    """A reviewer's decision on one version, with its summary (required to return)."""

    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        RETURNED = "returned", "Returned for revision"

    version = models.ForeignKey(SubmissionVersion, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey("lea.User", on_delete=models.SET_NULL, null=True, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    summary = models.TextField(blank=True)
    decided_at = models.DateTimeField()
    # The version of each activity the decision moved ({record id: version}): once one
    # has changed, the LEA is working on it again and the decision can no longer be undone.
    activity_versions = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("decided_at", "pk")
        constraints: ClassVar = [
            # A version is decided once: approving after a return (or twice) is refused.
            models.UniqueConstraint(fields=("version",), name="review_one_decision_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.version}: {self.get_decision_display()}"


class Comment(models.Model):
    """A note on a box of a submitted version: a reviewer's comment or question, or the
    LEA's reply. `activity_key` + `anchor` name the box (see steps/snapshot.py)."""

    class Kind(models.TextChoices):
        COMMENT = "comment", "Comment"
        QUESTION = "question", "Question"
        REPLY = "reply", "Reply"

    version = models.ForeignKey(
        SubmissionVersion, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey("lea.User", on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    activity_key = models.SlugField(max_length=60, blank=True)
    anchor = models.CharField(max_length=120, blank=True)
    reply_to = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.version}"
