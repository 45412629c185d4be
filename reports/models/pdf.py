"""The PDF of a submitted version: one row per version, rendered by a Celery task
(reports/tasks.py) and kept in the database so every web and worker host sees it."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from django.db import models
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from reports import rules
from steps import rules as steps_rules

# The task's limits (reports/tasks.py). A render still "rendering" well past the hard
# limit lost its worker: the page shows it as too slow and offers a retry.
RENDER_SOFT_TIME_LIMIT = 90
RENDER_TIME_LIMIT = 120
STUCK_AFTER = timedelta(seconds=RENDER_TIME_LIMIT + 60)
# Queued this long without a worker taking it: the workers are stopped, or the message was
# lost. Asking again is safe: a second task finds the PDF done and does nothing.
UNCLAIMED_AFTER = timedelta(minutes=10)


def _failed_or_stuck(rendered: models.Model) -> bool:
    rendered = cast("RenderedPdf", rendered)
    return rendered.status == RenderedPdf.Status.FAILED or rendered.is_stuck


class RenderedPdf(ConcurrentTransitionMixin, models.Model):
    """A PDF of one submitted version: queued → rendering → done, or failed (retryable).
    Its status moves only through the transitions below, called by reports/services/pdf.py."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RENDERING = "rendering", "Rendering"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    version = models.OneToOneField(
        "steps.SubmissionVersion", on_delete=models.CASCADE, related_name="rendered_pdf"
    )
    status = FSMField(max_length=10, choices=Status.choices, default=Status.QUEUED, protected=True)
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
    # When the PDF went, as a copy, to the cohort's state mailbox (reports/services/mailbox.py):
    # set once, so a task delivered again sends no second copy.
    mailbox_copy_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-requested_at",)
        verbose_name = "rendered PDF"
        verbose_name_plural = "rendered PDFs"

    def __str__(self) -> str:
        return f"PDF of {self.version} ({self.get_status_display().lower()})"

    # Asked for again: after a failure, or when no worker finished it (see is_stuck).
    @transition(
        field=status,
        source=[Status.FAILED, Status.QUEUED, Status.RENDERING],
        target=Status.QUEUED,
        conditions=[_failed_or_stuck],
        permission=steps_rules.transition_permission(rules.may_request_pdf),
    )
    def ask_again(self) -> None:
        self.error = ""
        self.requested_at = timezone.now()
        self.started_at = self.finished_at = None

    # From rendering too: a render whose worker died (nobody holds its render lock,
    # reports/services/pdf.py) is taken over by the task delivered again.
    @transition(
        field=status,
        source=[Status.QUEUED, Status.RENDERING],
        target=Status.RENDERING,
        permission=steps_rules.transition_permission(steps_rules.may_run_system_work),
    )
    def begin_render(self) -> None:
        self.started_at = timezone.now()
        self.attempts += 1

    @transition(
        field=status,
        source=Status.RENDERING,
        target=Status.DONE,
        permission=steps_rules.transition_permission(steps_rules.may_run_system_work),
    )
    def finish(self, *, content: bytes) -> None:
        self.content = content
        self.size = len(content)
        self.error = ""
        self.finished_at = timezone.now()

    @transition(
        field=status,
        source=[Status.QUEUED, Status.RENDERING, Status.FAILED],
        target=Status.FAILED,
        permission=steps_rules.transition_permission(steps_rules.may_run_system_work),
    )
    def fail(self, *, error: str) -> None:
        self.error = error
        self.finished_at = timezone.now()

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
