"""ADL files uploaded through the web, kept as history."""

from __future__ import annotations

from django.db import models


class AdlUpload(models.Model):
    """One ADL file a CDE administrator uploaded: checked in the background, then applied
    on confirmation. Kept as history (who, when, file, counts, errors)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be checked"
        CHECKING = "checking", "Checking"
        INVALID = "invalid", "Has errors: nothing was loaded"
        CHECKED = "checked", "Checked: ready to apply"
        APPLYING = "applying", "Applying"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed: nothing was loaded"

    # The file itself stays in the database: workers on other hosts read it from there,
    # and it is small (an ADL for every LEA in the state is well under a megabyte).
    content = models.BinaryField()
    file_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    uploaded_by = models.ForeignKey(
        "lea.User", on_delete=models.PROTECT, related_name="adl_uploads"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    applied_by = models.ForeignKey(
        "lea.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    plan = models.JSONField(default=list, blank=True)
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("-uploaded_at",)

    def __str__(self) -> str:
        return f"{self.file_name} ({self.year}), uploaded {self.uploaded_at:%Y-%m-%d %H:%M}"

    @property
    def is_working(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.CHECKING, self.Status.APPLYING}
