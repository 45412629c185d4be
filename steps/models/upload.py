"""ADL files uploaded through the web, kept as history."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from steps import rules

# Shown for a check or load whose worker stopped without a word: killed at the hard time
# limit, out of memory, or the machine went down.
STOPPED = (
    "The server stopped working on this file before it finished (it ran out of time or "
    "memory), and nothing was loaded. A file this hard to read is usually much larger than "
    "an ADL: check it for extra rows, columns or sheets, save it again from Excel, and "
    "upload it again."
)
# After the hard time limit the worker has been killed; a minute more covers the clocks.
STALL_GRACE = timedelta(minutes=1)


class AdlUpload(ConcurrentTransitionMixin, models.Model):
    """One ADL file a CDE administrator uploaded: checked in the background, then applied
    on confirmation. Kept as history (who, when, file, counts, errors). Its status moves
    only through the transitions below, called by steps/services/adl_upload.py."""

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
    status = FSMField(max_length=12, choices=Status.choices, default=Status.QUEUED, protected=True)
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
    # When a worker began the current step (checking, or applying): a task delivered again
    # for a step already begun finds it set and does not run the file a second time.
    started_at = models.DateTimeField(null=True, blank=True)
    # Why the upload failed, in the uploader's words.
    failure = models.TextField(blank=True)

    class Meta:
        ordering = ("-uploaded_at",)

    def __str__(self) -> str:
        return f"{self.file_name} ({self.year}), uploaded {self.uploaded_at:%Y-%m-%d %H:%M}"

    # The worker's steps: begun once (started_at set), then ended by what the file held.
    @transition(
        field=status,
        source=Status.QUEUED,
        target=Status.CHECKING,
        permission=rules.transition_permission(rules.may_run_system_work),
    )
    def begin_check(self) -> None:
        self.started_at = timezone.now()

    @transition(
        field=status,
        source=Status.CHECKING,
        target=Status.CHECKED,
        permission=rules.transition_permission(rules.may_run_system_work),
    )
    def find_ready(self) -> None:
        pass

    # From applying too: the database can have changed between the check and the confirmation.
    @transition(
        field=status,
        source=[Status.CHECKING, Status.APPLYING],
        target=Status.INVALID,
        permission=rules.transition_permission(rules.may_run_system_work),
    )
    def find_errors(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.CHECKED,
        target=Status.APPLYING,
        permission=rules.transition_permission(rules.may_confirm_adl_upload),
    )
    def confirm(self) -> None:
        self.started_at = None  # the apply step is still to begin

    # Applying stays applying: the worker only marks the step begun.
    @transition(
        field=status,
        source=Status.APPLYING,
        target=Status.APPLYING,
        permission=rules.transition_permission(rules.may_run_system_work),
    )
    def begin_apply(self) -> None:
        self.started_at = timezone.now()

    @transition(
        field=status,
        source=Status.APPLYING,
        target=Status.APPLIED,
        permission=rules.transition_permission(rules.may_run_system_work),
    )
    def finish_apply(self) -> None:
        self.applied_at = timezone.now()

    @transition(
        field=status,
        source=[Status.CHECKING, Status.APPLYING],
        target=Status.FAILED,
        permission=rules.transition_permission(rules.may_run_system_work),
    )
    def fail(self, *, message: str) -> None:
        self.failure = message

    @property
    def is_working(self) -> bool:
        busy = {self.Status.QUEUED, self.Status.CHECKING, self.Status.APPLYING}
        return self.status in busy and not self.is_stalled

    @property
    def is_stalled(self) -> bool:
        """Begun longer ago than a worker may run: the worker is gone, and the sweep
        (steps.tasks.fail_stalled_adl_uploads) will mark it failed."""
        if self.started_at is None or self.status not in {
            self.Status.CHECKING,
            self.Status.APPLYING,
        }:
            return False
        limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + STALL_GRACE
        return timezone.now() - self.started_at > limit

    @property
    def status_label(self) -> str:
        if self.is_stalled:
            return str(self.Status.FAILED.label)
        return self.get_status_display()

    @property
    def failure_message(self) -> str:
        return STOPPED if self.is_stalled else self.failure
