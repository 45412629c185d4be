"""The PDF of a submitted version: one row per version, rendered by a Celery task
(reports/tasks.py) and kept in the database so every web and worker host sees it."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone

# The task's limits (reports/tasks.py). A render still "rendering" well past the hard
# limit lost its worker: the page shows it as too slow and offers a retry.
RENDER_SOFT_TIME_LIMIT = 90
RENDER_TIME_LIMIT = 120
STUCK_AFTER = timedelta(seconds=RENDER_TIME_LIMIT + 60)
# Queued this long without a worker taking it: the workers are stopped, or the message was
# lost. Asking again is safe: a second task finds the PDF done and does nothing.
UNCLAIMED_AFTER = timedelta(minutes=10)


class RenderedPdf(models.Model):
    """A PDF of one submitted version: queued → rendering → done, or failed (retryable)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RENDERING = "rendering", "Rendering"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    version = models.OneToOneField(
        "steps.SubmissionVersion", on_delete=models.CASCADE, related_name="rendered_pdf"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    content = models.BinaryField(blank=True, default=b"", editable=False)
    size = models.PositiveIntegerField(default=0)
    # Why it failed, in words the person who asked for it can act on.
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        "lea.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-requested_at",)
        verbose_name = "rendered PDF"
        verbose_name_plural = "rendered PDFs"

    def __str__(self) -> str:
        return f"PDF of {self.version} ({self.get_status_display().lower()})"

    @property
    def is_working(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RENDERING) and not self.is_stuck

    @property
    def is_stuck(self) -> bool:
        """Rendering for longer than the task may run (its worker was killed or lost), or
        queued for long with no worker taking it."""
        now = timezone.now()
        if self.status == self.Status.RENDERING:
            return self.started_at is not None and now - self.started_at > STUCK_AFTER
        return self.status == self.Status.QUEUED and now - self.requested_at > UNCLAIMED_AFTER
