"""Years, tiers, levels, cohorts, SPP/APR indicators and each LEA's yearly determination."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


def validate_levels(value: object) -> None:
    """A JSON list of levels, such as [3] or [1, 2, 3]."""
    if not isinstance(value, list) or any(level not in Level.values for level in value):
        raise ValidationError("List levels as numbers 1 to 3, e.g. [3] or [1, 2, 3].")


MAILBOX_COPY_SHAPE = 'Name the steps and levels copied, e.g. {"steps": [3, 4], "levels": [3]}.'


def validate_mailbox_copy(value: object) -> None:
    """{"steps": [...], "levels": [...]}: the steps (1-4) and levels (1-3) copied."""
    if value == {}:
        return
    if (
        not isinstance(value, dict)
        or set(value) != {"steps", "levels"}
        or not isinstance(value["steps"], list)
        or any(step not in (1, 2, 3, 4) for step in value["steps"])
    ):
        raise ValidationError(MAILBOX_COPY_SHAPE)
    validate_levels(value["levels"])


class Tier(models.TextChoices):
    UNIVERSAL = "universal", "Universal"
    TARGETED = "targeted", "Targeted"
    INTENSIVE = "intensive", "Intensive"


class Level(models.IntegerChoices):
    ONE = 1, "Level 1"
    TWO = 2, "Level 2"
    THREE = 3, "Level 3"


class MonitoringYear(models.Model):
    """One spring's ADL and the CIM cohorts that start from it."""

    year = models.PositiveSmallIntegerField(
        unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    adl_sent_on = models.DateField("ADL sent on", null=True, blank=True)

    class Meta:
        ordering = ("-year",)

    def __str__(self) -> str:
        return str(self.year)


class Cohort(models.Model):
    """The LEAs of one tier that are new to CIM in one year, e.g. "Targeted 2024"."""

    key = models.SlugField(max_length=40, unique=True, help_text="e.g. targeted_2024")
    year = models.ForeignKey(MonitoringYear, on_delete=models.PROTECT, related_name="cohorts")
    tier = models.CharField(max_length=12, choices=Tier.choices)
    name = models.CharField(max_length=120)
    membership = models.TextField(blank=True, help_text="Who belongs to this cohort.")
    level_criteria = models.JSONField(
        default=dict, blank=True, help_text='Why an LEA lands in each level: {"1": "...", ...}.'
    )
    stepwell_levels = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_levels],
        help_text="Levels that submit through Stepwell, e.g. [3]; the others use their "
        "SELPA's format.",
    )
    srr_self_review_due = models.DateField("SRR self-review due", null=True, blank=True)
    step1_due = models.DateField("Step 1 due", null=True, blank=True)
    step2_due = models.DateField("Step 2 due", null=True, blank=True)
    step3_due = models.DateField("Step 3 due", null=True, blank=True)
    step4_end = models.DateField("Step 4 ends", null=True, blank=True)
    deadlines_note = models.TextField(blank=True)
    contact_email = models.EmailField(blank=True)
    mailbox_copy = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_mailbox_copy],
        help_text="Which submissions also go, as a copy with their PDF, to the contact email "
        '(the state mailbox): {"steps": [3, 4], "levels": [3]}; empty: none.',
    )
    inferred = models.BooleanField(
        default=False,
        help_text="Not stated by a CDE document: our inference, to be confirmed by CDE.",
    )
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("-year__year", "tier")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("year", "tier"), name="cohort_one_per_year_and_tier"),
            models.CheckConstraint(
                condition=~models.Q(tier=Tier.UNIVERSAL), name="cohort_not_universal"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def copies_to_mailbox(self, *, step: int, level: int | None) -> bool:
        """Whether a submission of `step` by an LEA at `level` also goes, as a copy with its
        PDF, to the cohort's contact email (the catalog's `mailbox_copy`)."""
        rule = self.mailbox_copy or {}
        return bool(
            self.contact_email and step in rule.get("steps", []) and level in rule.get("levels", [])
        )

    def clean(self) -> None:
        super().clean()
        if self.tier == Tier.UNIVERSAL:
            raise ValidationError({"tier": "Universal LEAs are not in a CIM cohort."})


# Beside a due date of an inferred cohort or reporting period, wherever it shows.
INFERRED_DATE = "date inferred, to be confirmed by CDE"
EN_DASH = "\u2013"
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
PERIOD_OVERLAP = "These dates overlap reporting period {number} of {cohort} ({starts} to {ends})."
PERIOD_ENDS_BEFORE_START = "The period must end on or after the day it starts."
PERIOD_DUE_BEFORE_END = "The report cannot be due before its period ends."


class ReportingPeriod(models.Model):
    """A Step 4 progress-report period of a cohort (Intensive quarterly, Targeted
    semi-annually) and the day its report is due. A CDE administrator adjusts the dates in
    the admin; periods of one cohort never overlap."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="reporting_periods")
    number = models.PositiveSmallIntegerField(help_text="1 for the cohort's first period.")
    starts_on = models.DateField()
    ends_on = models.DateField()
    due_on = models.DateField(help_text="When the progress report for the period is due.")
    inferred = models.BooleanField(
        default=False,
        help_text="Not stated by a CDE document: our inference, to be confirmed by CDE.",
    )
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("cohort", "number")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("cohort", "number"), name="reporting_period_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="reporting_period_ends_after_start",
                violation_error_message=PERIOD_ENDS_BEFORE_START,
            ),
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("ends_on")),
                name="reporting_period_due_after_end",
                violation_error_message=PERIOD_DUE_BEFORE_END,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort}, period {self.number} ({self.label})"

    def clean(self) -> None:
        super().clean()
        if not (self.starts_on and self.ends_on):
            return
        if self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": PERIOD_ENDS_BEFORE_START})
        if self.due_on and self.due_on < self.ends_on:
            raise ValidationError({"due_on": PERIOD_DUE_BEFORE_END})
        if self.cohort_id is None:
            return
        overlapping = (
            ReportingPeriod.objects.filter(
                cohort_id=self.cohort_id, starts_on__lte=self.ends_on, ends_on__gte=self.starts_on
            )
            .exclude(pk=self.pk)
            .select_related("cohort")
            .first()
        )
        if overlapping is not None:
            raise ValidationError(
                PERIOD_OVERLAP.format(
                    number=overlapping.number,
                    cohort=overlapping.cohort,
                    starts=overlapping.starts_on.isoformat(),
                    ends=overlapping.ends_on.isoformat(),
                )
            )

    @property
    def label(self) -> str:
        """E.g. "Jan-Jun 2025", or "Nov 2025-Feb 2026" across a new year (with an en dash)."""
        if not (self.starts_on and self.ends_on):
            return ""
        start, end = self.starts_on, self.ends_on
        first, last = MONTH_ABBR[start.month - 1], MONTH_ABBR[end.month - 1]
        if start.year != end.year:
            return f"{first} {start.year}{EN_DASH}{last} {end.year}"
        if start.month == end.month:
            return f"{first} {end.year}"
        return f"{first}{EN_DASH}{last} {end.year}"


class Indicator(models.Model):
    """An SPP/APR Part B indicator (IDEA section 616), e.g. 8 = Parent involvement."""

    class Kind(models.TextChoices):
        RESULTS = "results", "Results"
        COMPLIANCE = "compliance", "Compliance"

    code = models.CharField(max_length=4, unique=True, help_text="e.g. 1, 3A, 4B, 8")
    name = models.CharField(max_length=120)
    measures = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "code")

    def __str__(self) -> str:
        return f"Indicator {self.code}: {self.name}"


class Determination(models.Model):
    """What the ADL says about one LEA for one year. Stored as given, never recomputed."""

    lea = models.ForeignKey(
        "lea.Organization",
        on_delete=models.PROTECT,
        related_name="determinations",
        limit_choices_to={"kind": "lea"},
    )
    year = models.ForeignKey(
        MonitoringYear, on_delete=models.PROTECT, related_name="determinations"
    )
    tier = models.CharField(max_length=12, choices=Tier.choices)
    level = models.PositiveSmallIntegerField(choices=Level.choices, null=True, blank=True)
    unmet_indicators = models.ManyToManyField(Indicator, blank=True, related_name="determinations")
    new_to_cim = models.BooleanField("new to CIM")
    source = models.CharField(max_length=40, default="ADL", help_text="Where this came from.")
    source_file = models.CharField(max_length=255, blank=True)
    source_row = models.PositiveIntegerField(null=True, blank=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    loaded_at = models.DateTimeField(null=True, blank=True)
    # Facts the ADL cannot give, recorded later by people (None: not recorded yet). They
    # decide the catalog's conditions of the same names (cim/conditions.py).
    selpa_requires_progress_reports = models.BooleanField(
        "SELPA requires progress reports", null=True, blank=True
    )
    selpa_requires_progress_reports_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    selpa_requires_progress_reports_at = models.DateTimeField(null=True, blank=True)
    srr_final_finding_of_noncompliance = models.BooleanField(
        "SRR final finding of noncompliance", null=True, blank=True
    )
    srr_final_finding_of_noncompliance_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    srr_final_finding_of_noncompliance_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-year__year", "lea__name")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("lea", "year"), name="determination_one_per_lea_year"),
            models.CheckConstraint(
                condition=models.Q(tier=Tier.UNIVERSAL, level__isnull=True)
                | (~models.Q(tier=Tier.UNIVERSAL) & models.Q(level__gte=1, level__lte=3)),
                name="determination_level_matches_tier",
                violation_error_message="Targeted and Intensive need a level 1-3; "
                "Universal has none.",
            ),
        ]

    def __str__(self) -> str:
        level = f" {self.get_level_display()}" if self.level else ""
        return f"{self.lea} {self.year}: {self.get_tier_display()}{level}"

    def clean(self) -> None:
        super().clean()
        if self.tier == Tier.UNIVERSAL and self.level is not None:
            raise ValidationError({"level": "Universal LEAs have no level."})
        if self.tier != Tier.UNIVERSAL and self.level is None:
            raise ValidationError({"level": "Targeted and Intensive LEAs need a level 1-3."})

    @property
    def unmet_codes(self) -> frozenset[str]:
        """Unmet indicator codes; prefetch `unmet_indicators` when resolving many."""
        return frozenset(indicator.code for indicator in self.unmet_indicators.all())
