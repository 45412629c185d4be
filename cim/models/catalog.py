"""The activity catalog: per cohort, each activity with its per-level rules and the
Stepwell boxes (with their prompts) that carry its content."""

from __future__ import annotations

from typing import ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from cim.conditions import CONDITIONS, condition_choices
from cim.models.framework import Cohort, Level, validate_levels

STEP_VALIDATORS = [MinValueValidator(1), MaxValueValidator(4)]
# The written parts a Step 4 progress report can ask: each is a text column of
# reports.models.ProgressReport. Which of them a cohort's reports ask, and in what words,
# is catalog data (the progress activity's `report_fields`).
REPORT_NARRATIVES = ("barriers", "plan_changes", "ta_provider_work")
REPORT_FIELDS_SHAPE = (
    "List the written parts the progress report asks, e.g. "
    '[{"name": "barriers", "label": "Barriers", "help": "..."}]; names are '
    + ", ".join(REPORT_NARRATIVES)
    + "."
)


def validate_report_fields(value: object) -> None:
    """[{name, label, help}], each name a progress report's text column, named once."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValidationError(REPORT_FIELDS_SHAPE)
    names = [item.get("name") for item in value]
    if (
        any(name not in REPORT_NARRATIVES for name in names)
        or len(set(names)) != len(names)
        or not all(isinstance(item.get("label"), str) and item["label"] for item in value)
    ):
        raise ValidationError(REPORT_FIELDS_SHAPE)


# What an activity's page holds beyond its boxes' fields, named in the catalog: the Plan
# for Improvement form (Step 3's PFI is not a Stepwell box) and the upload of the LEA's
# student-level extract with its breakdowns (the Data Drill Down). Each at most once.
ACTIVITY_PARTS = {
    "plan": "the Plan for Improvement form",
    "student_extract": "the student-level extract and its breakdowns",
}
ACTIVITY_PARTS_SHAPE = (
    "List parts beyond the boxes by name, each once: " + ", ".join(ACTIVITY_PARTS) + "."
)


def validate_activity_parts(value: object) -> None:
    if (
        not isinstance(value, list)
        or any(part not in ACTIVITY_PARTS for part in value)
        or len(set(value)) != len(value)
    ):
        raise ValidationError(ACTIVITY_PARTS_SHAPE)


class Requirement(models.TextChoices):
    REQUIRED = "required", "Required"
    OPTIONAL = "optional", "Optional"
    CONDITIONAL = "conditional", "Conditional"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class Assistance(models.TextChoices):
    INDEPENDENT = "independent", "Independent"
    ASSISTED = "assisted", "Assisted"


class Approver(models.TextChoices):
    SELPA = "SELPA", "SELPA"
    CDE = "CDE", "CDE"


class ActivityDefinition(models.Model):
    """One activity of a cohort, e.g. Parent Input in Targeted 2024."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="activities")
    key = models.SlugField(max_length=60, help_text="e.g. parent_input")
    step = models.PositiveSmallIntegerField(validators=STEP_VALIDATORS)
    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order within the cohort.")
    due_date = models.DateField(null=True, blank=True)
    due_note = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)
    approved_alone = models.BooleanField(
        "approved on its own",
        default=False,
        help_text="Submitted and approved by itself rather than with the rest of its step.",
    )
    progress_reports = models.BooleanField(
        "Step 4 progress reports",
        default=False,
        help_text="The activity whose work is the Step 4 progress reports: its requirement "
        "says whether an LEA's reports are due, its approver where they go. One per cohort.",
    )
    report_fields = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_report_fields],
        help_text="Only for the progress-report activity: the written parts each report asks, "
        "in the guidance's words, [{name, label, help}]; name is one of "
        + ", ".join(REPORT_NARRATIVES)
        + ".",
    )
    parts = models.JSONField(
        "parts beyond the boxes",
        default=list,
        blank=True,
        validators=[validate_activity_parts],
        help_text="What the activity's page holds besides its Stepwell boxes: "
        + "; ".join(f"{name} ({what})" for name, what in ACTIVITY_PARTS.items())
        + ".",
    )
    inferred = models.BooleanField(
        default=False,
        help_text="Not stated by a CDE document: our inference, to be confirmed by CDE.",
    )
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("cohort", "position", "key")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("cohort", "key"), name="activity_key_unique_in_cohort"),
            models.UniqueConstraint(
                fields=("cohort",),
                condition=models.Q(progress_reports=True),
                name="one_progress_report_activity_per_cohort",
                violation_error_message="The cohort has a progress-report activity already.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort}: {self.name}"


class ActivityRequirement(models.Model):
    """What one level of the cohort owes for an activity, with whose help and approval."""

    activity = models.ForeignKey(
        ActivityDefinition, on_delete=models.CASCADE, related_name="requirements"
    )
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    requirement = models.CharField(max_length=16, choices=Requirement.choices)
    condition = models.CharField(
        max_length=60,
        choices=condition_choices,
        blank=True,
        help_text="Only for a conditional requirement: when it becomes required.",
    )
    assistance = models.CharField(
        max_length=12, choices=Assistance.choices, blank=True, help_text="Empty: not stated."
    )
    approver = models.CharField(
        max_length=8, choices=Approver.choices, blank=True, help_text="Who approves the work."
    )
    help = models.CharField(
        max_length=240,
        blank=True,
        help_text="Shown to the LEA after the requirement, in the guidance's words "
        '(e.g. "The Consolidation activity is highly recommended for Targeted Level 1 and 2 '
        'LEAs.").',
    )
    note = models.CharField(
        max_length=300,
        blank=True,
        help_text="For catalog editors only (sources, discrepancies); never shown to LEAs.",
    )

    class Meta:
        ordering = ("activity", "level")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("activity", "level"), name="activity_requirement_one_per_level"
            ),
            models.CheckConstraint(
                condition=models.Q(requirement="conditional", condition__gt="")
                | (~models.Q(requirement="conditional") & models.Q(condition="")),
                name="activity_requirement_condition_iff_conditional",
                violation_error_message="A conditional requirement names its condition; "
                "other requirements name none.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity}, {self.get_level_display()}: {self.get_requirement_display()}"

    def clean(self) -> None:
        super().clean()
        if self.requirement == Requirement.CONDITIONAL and self.condition not in CONDITIONS:
            raise ValidationError({"condition": "Choose the condition that makes it required."})
        if self.requirement != Requirement.CONDITIONAL and self.condition:
            raise ValidationError({"condition": "Only a conditional requirement has a condition."})


class StepwellBox(models.Model):
    """A numbered Stepwell text box (1-28) as a cohort uses it: its prompts and NA rules."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="stepwell_boxes")
    activity = models.ForeignKey(
        ActivityDefinition,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="boxes",
        help_text="Empty for a box the cohort only marks NA.",
    )
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    title = models.CharField(max_length=200)
    step = models.PositiveSmallIntegerField(validators=STEP_VALIDATORS)
    prompt = models.TextField(
        blank=True,
        help_text="The guidance's own bracketed prompt for the box, shown above its fields.",
    )
    fields = models.JSONField(
        default=list,
        blank=True,
        help_text="Prompt fields: [{name, type, label, help, note, ...}]. `label` and `help` "
        "are shown to the LEA in the guidance's words; `note` is for catalog editors only.",
    )
    rules = models.JSONField(default=list, blank=True, help_text="Rules the content must meet.")
    condition = models.CharField(
        max_length=60,
        choices=condition_choices,
        blank=True,
        help_text="Filled only when this condition holds (e.g. more than one root cause).",
    )
    levels = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_levels],
        help_text="Levels asked this box, e.g. [3] for a box the guidance asks of Level 3 "
        "only; empty: every level.",
    )
    na_levels = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_levels],
        help_text="Levels that must mark this box NA, e.g. [3].",
    )
    na_reason = models.CharField(max_length=300, blank=True)
    inferred = models.BooleanField(
        default=False,
        help_text="Not stated by a CDE document: our inference, to be confirmed by CDE. "
        "LEAs see that the box's wording is inferred and awaits CDE confirmation.",
    )
    source = models.CharField(max_length=200, blank=True)
    note = models.TextField(
        blank=True,
        help_text="For catalog editors only (sources, discrepancies); never shown to LEAs.",
    )

    class Meta:
        ordering = ("cohort", "number")
        verbose_name_plural = "Stepwell boxes"
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("cohort", "number"), name="box_number_unique_in_cohort"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort}: box {self.number} {self.title}"

    def asks(self, level: int | None) -> bool:
        """Whether the guidance asks this box of an LEA at `level` (NA boxes included)."""
        return not self.levels or level in self.levels

    def clean(self) -> None:
        super().clean()
        if self.activity is not None and self.activity.cohort_id != self.cohort_id:
            raise ValidationError({"activity": "Choose an activity of the same cohort."})
        if self.na_levels and not self.na_reason:
            raise ValidationError({"na_reason": "Say why the box is NA."})
