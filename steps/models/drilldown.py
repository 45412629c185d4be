"""The Data Drill Down's stored tables: counts per group, never a student's row."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from steps.models.content import ProblemArea
from steps.models.engagement import Engagement


class DrillDown(models.Model):
    """One upload of an LEA's student-level extract for an engagement, kept as its
    aggregate tables (steps/drilldown.py `Cell.as_dict` rows), the file's SHA-256, its
    row count and who uploaded it when. The file and its rows are never kept: the service
    (steps/services/drilldown.py) reads them in memory and drops them. The newest upload
    of an engagement is its drill-down; earlier ones stay as history."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="drill_downs")
    # The monitoring year whose catalog rules (cim/catalog/drilldown/<year>.json) counted it.
    year = models.PositiveSmallIntegerField()
    file_sha256 = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField()
    # Empty for a load by the system (manage.py drill_down).
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    tables = models.JSONField()

    class Meta:
        ordering = ("-uploaded_at", "-pk")
        get_latest_by = ("uploaded_at", "pk")

    def __str__(self) -> str:
        return f"Data Drill Down of {self.engagement} ({self.row_count:,} students)"


class DrillDownCitation(models.Model):
    """A breakdown of a Data Drill Down (one measure's table by one dimension, or one
    group's row of it) cited as data that shows a problem area. It names the upload whose
    numbers it cites: a later upload does not change what was cited."""

    problem_area = models.ForeignKey(
        ProblemArea, on_delete=models.CASCADE, related_name="citations"
    )
    drill_down = models.ForeignKey(DrillDown, on_delete=models.CASCADE, related_name="citations")
    measure = models.CharField(max_length=40)
    dimension = models.CharField(max_length=40)
    # Empty: the whole breakdown.
    group = models.CharField(max_length=200, blank=True)
    cited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    cited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("pk",)
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("problem_area", "drill_down", "measure", "dimension", "group"),
                name="drilldown_citation_once",
                violation_error_message="The problem area already cites this.",
            ),
        ]

    def __str__(self) -> str:
        what = f"{self.measure} by {self.dimension}"
        return f"{what}: {self.group}" if self.group else what
