"""What an LEA writes in Steps 1-3, as structured rows rather than unrelated text boxes.

The thread: problem areas found in Consolidation are ranked in Prioritization, explained
by root causes, answered by strategies with measurable outcomes in the Plan for
Improvement. Each later part points at rows of the earlier one, never at retyped text.
Every row hangs off the engagement and names the activity record that owns it, whose
version number guards concurrent edits.
"""

from __future__ import annotations

from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import models

from cim.catalog_rules import CHOICE_VALUE_MAX
from steps.models.engagement import ActivityRecord, Engagement


class EngagementPart(models.Model):
    """Common shape of a structured row: which engagement, which activity, what order."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE)
    record = models.ForeignKey(ActivityRecord, on_delete=models.CASCADE)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        ordering: ClassVar[tuple[str, ...]] = ("position", "pk")


class TeamMember(EngagementPart):
    """Box 1: a member of the LEA's CIM team."""

    name = models.CharField(max_length=150)
    title = models.CharField(max_length=150, blank=True)
    # One of the roles the cohort's catalog lists for box 1 (which of them the state
    # requires, and their words, change from year to year: cim/catalog_rules.py).
    role = models.CharField(max_length=CHOICE_VALUE_MAX)
    email = models.EmailField(blank=True)
    is_lead = models.BooleanField("team lead", default=False)

    class Meta(EngagementPart.Meta):
        pass

    def __str__(self) -> str:
        return self.name


class DataSource(EngagementPart):
    """Box 10: one source the Data Drill Down used."""

    # The tags of a source, each chosen from the catalog's list (cim/catalog_rules.py).
    TAGS: ClassVar[tuple[str, ...]] = ("education", "kind", "area")

    name = models.CharField(max_length=200)
    # Each one of the choices the cohort's catalog lists for box 10's sources (special or
    # general education; quantitative or qualitative; the areas the state asks to cover).
    education = models.CharField(max_length=CHOICE_VALUE_MAX)
    kind = models.CharField(max_length=CHOICE_VALUE_MAX)
    area = models.CharField(max_length=CHOICE_VALUE_MAX)
    notes = models.TextField(blank=True)

    class Meta(EngagementPart.Meta):
        pass

    def __str__(self) -> str:
        return self.name


class Finding(EngagementPart):
    """Boxes 13-14: an area of strength or of weakness, with the data that supports it."""

    class Kind(models.TextChoices):
        STRENGTH = "strength", "Area of strength"
        WEAKNESS = "weakness", "Area of weakness"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    area = models.CharField(max_length=300)
    supporting_data = models.TextField()

    class Meta(EngagementPart.Meta):
        pass

    def __str__(self) -> str:
        return self.area


class ProblemArea(EngagementPart):
    """Box 15, ranked in box 16: a data-supported, quantified problem area."""

    description = models.TextField()
    quantification = models.TextField(help_text="The numbers that show the problem.")
    relates_to_identification = models.BooleanField(
        "relates to the LEA's identification", default=False
    )
    sources = models.ManyToManyField(DataSource, blank=True, related_name="problem_areas")
    priority = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1 is the highest; empty until prioritized."
    )
    explore_root_causes = models.BooleanField("explore for root causes", default=False)

    class Meta(EngagementPart.Meta):
        ordering = ("priority", "position", "pk")

    def __str__(self) -> str:
        return self.description[:80]


class RootCause(EngagementPart):
    """Boxes 19-22 (and as many more as the LEA finds): why problem areas exist."""

    statement = models.TextField()
    problem_areas = models.ManyToManyField(ProblemArea, related_name="root_causes")
    qualitative_support = models.TextField(blank=True)
    quantitative_support = models.TextField(blank=True)

    class Meta(EngagementPart.Meta):
        pass

    def __str__(self) -> str:
        return self.statement[:80]


class ProblemOfPractice(EngagementPart):
    """Plan for Improvement: a problem of practice, grounded in root causes."""

    statement = models.TextField()
    root_causes = models.ManyToManyField(RootCause, related_name="problems_of_practice")

    class Meta(EngagementPart.Meta):
        pass

    def __str__(self) -> str:
        return self.statement[:80]


class Strategy(EngagementPart):
    """Plan for Improvement: a high-leverage strategy answering problems of practice."""

    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    problems_of_practice = models.ManyToManyField(ProblemOfPractice, related_name="strategies")

    class Meta(EngagementPart.Meta):
        verbose_name_plural = "strategies"

    def __str__(self) -> str:
        return self.title


class StrategyActivity(models.Model):
    """What the LEA will do to carry out a strategy, when, by whom, with what."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="activities")
    description = models.TextField()
    start_date = models.DateField()
    end_date = models.DateField()
    persons_responsible = models.CharField(max_length=300)
    resources = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("position", "pk")
        verbose_name_plural = "strategy activities"
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="strategy_activity_ends_after_start",
                violation_error_message="The end date is before the start date.",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:80]

    def clean(self) -> None:
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date is before the start date."})


class Outcome(models.Model):
    """A student-focused measurable outcome of a strategy, with baseline and target."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="outcomes")
    measure = models.TextField(help_text="What is measured, for which students.")
    baseline_value = models.DecimalField(max_digits=12, decimal_places=2)
    baseline_date = models.DateField()
    target_value = models.DecimalField(max_digits=12, decimal_places=2)
    target_date = models.DateField()
    data_source = models.CharField(max_length=300)
    monitoring_frequency = models.CharField(max_length=100, help_text="e.g. monthly")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("position", "pk")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(target_date__gt=models.F("baseline_date")),
                name="outcome_target_after_baseline",
                violation_error_message="The target date must come after the baseline date.",
            ),
        ]

    def __str__(self) -> str:
        return self.measure[:80]

    def clean(self) -> None:
        super().clean()
        if self.baseline_date and self.target_date and self.target_date <= self.baseline_date:
            raise ValidationError(
                {"target_date": "The target date must come after the baseline date."}
            )


class Benchmark(models.Model):
    """An interim value the outcome should reach by a date between baseline and target."""

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="benchmarks")
    value = models.DecimalField(max_digits=12, decimal_places=2)
    date = models.DateField()

    class Meta:
        ordering = ("date", "pk")

    def __str__(self) -> str:
        return f"{self.value} by {self.date}"

    def clean(self) -> None:
        super().clean()
        outcome = self.outcome
        if self.date and outcome.target_date and self.date > outcome.target_date:
            raise ValidationError({"date": "A benchmark cannot come after the target date."})
        if self.date and outcome.baseline_date and self.date <= outcome.baseline_date:
            raise ValidationError({"date": "A benchmark must come after the baseline date."})
