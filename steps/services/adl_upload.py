"""The web ADL upload: store the file, check it in the background, apply on confirmation.

The load itself is `adl_apply`; this module keeps the upload's history row in step with
it. Progress goes to the cache rather than the row: the load runs in one transaction,
and a row written inside it would stay invisible to the page polling for progress.

Workers die (out of memory, killed at the hard time limit) and, with late acks, the broker
then delivers the same task again. So each step is begun once: under the row's lock the
task sets `started_at`, and a task that finds its step already begun marks the upload
failed instead of running the file again (a file that kills a worker would otherwise
kill the next one, for ever). A worker holds the upload (lea.worker_lock) for the whole
step, so a task delivered again while the first still runs leaves the upload alone
rather than calling it failed. Every move of the status is a transition of the model,
audited here (adl_upload.checking, ... adl_upload.failed). A task that raises marks the
upload failed before it re-raises; one killed without a second delivery is marked failed
by the sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cim.uploads import FILE_TOO_BIG, UploadLimits, size_words
from lea import access, data_version
from lea.models import AuditVerb, User
from lea.services import audit
from lea.worker_lock import LockKind, worker_lock
from steps.models import AdlUpload
from steps.models.upload import STALL_GRACE, STOPPED
from steps.services.adl_load import AdlLoadResult, adl_apply
from steps.services.transitions import run_transition, system_transition

NOT_READY_TO_APPLY = "This file cannot be applied now: it is {status}."
CRASHED = (
    "{step} failed on the server, and nothing was loaded. The error is in the worker's log; "
    "try again, and if it fails again tell the support team."
)
PROGRESS_TIMEOUT = 60 * 60


def progress_key(upload_id: int) -> str:
    return f"adl-upload:{upload_id}:progress"


def upload_progress(*, upload: AdlUpload) -> dict[str, Any]:
    """What the page shows while the worker is busy: a step label and a percentage."""
    return cache.get(progress_key(upload.pk)) or {
        "label": upload.status_label,
        "percent": 0,
    }


def _report(upload: AdlUpload, label: str, percent: int) -> None:
    cache.set(progress_key(upload.pk), {"label": label, "percent": percent}, PROGRESS_TIMEOUT)


@transaction.atomic
def adl_upload_create(*, actor: User, file_name: str, content: bytes, year: int) -> AdlUpload:
    if not access.may_load_adl(actor):
        raise PermissionDenied
    max_bytes = UploadLimits.from_settings().max_bytes
    if len(content) > max_bytes:
        raise ValidationError(FILE_TOO_BIG.format(limit=size_words(max_bytes)))
    upload = AdlUpload(
        content=content, file_name=file_name[:255], size=len(content), year=year, uploaded_by=actor
    )
    upload.full_clean(exclude=["content", "status"])  # status: protected, its default
    upload.save()
    audit(
        actor=actor,
        verb=AuditVerb.ADL_UPLOAD_CREATE,
        target=upload,
        changes={"file": [None, file_name]},
    )
    data_version.changed()
    _enqueue_on_commit("check_adl_upload", upload)
    return upload


def _enqueue_on_commit(task_name: str, upload: AdlUpload) -> None:
    from steps import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.delay(upload.pk))


# The verb of each status a worker moves an upload to.
MOVE_VERBS = {
    AdlUpload.Status.CHECKING: AuditVerb.ADL_UPLOAD_CHECKING,
    AdlUpload.Status.CHECKED: AuditVerb.ADL_UPLOAD_CHECKED,
    AdlUpload.Status.INVALID: AuditVerb.ADL_UPLOAD_INVALID,
    AdlUpload.Status.APPLYING: AuditVerb.ADL_UPLOAD_APPLYING,
    AdlUpload.Status.APPLIED: AuditVerb.ADL_UPLOAD_APPLIED,
    AdlUpload.Status.FAILED: AuditVerb.ADL_UPLOAD_FAILED,
}


def _audit_move(upload: AdlUpload, before: str, *, actor: User | None, verb: AuditVerb) -> None:
    # No cached page shows an upload: the load itself retires them (steps/services/adl_load.py).
    changes = {"status": [before, upload.status], "file": [upload.file_name] * 2}
    audit(actor=actor, verb=verb, target=upload, changes=changes)


def _move(
    upload: AdlUpload,
    transition: Callable[..., None],
    *,
    fields: dict[str, Any] | None = None,
    **arguments: Any,
) -> None:
    """Run one of the worker's transitions on a locked upload, save it and audit it
    (the verb names the status reached: adl_upload.checking, ... adl_upload.failed)."""
    before = upload.status
    for name, value in (fields or {}).items():
        setattr(upload, name, value)
    system_transition(transition, **arguments)
    upload.save(update_fields=["status", "started_at", "failure", "applied_at", *(fields or {})])
    _audit_move(upload, before, actor=None, verb=MOVE_VERBS[upload.status])


def _locked(upload: AdlUpload) -> AdlUpload:
    return (
        AdlUpload.objects.select_for_update(of=("self",))
        .select_related("uploaded_by", "applied_by")
        .get(pk=upload.pk)
    )


@transaction.atomic
def _begin(upload: AdlUpload, *, waiting: str, working: str) -> AdlUpload | None:
    """Begin a step once. None when there is nothing to do: the step is not waiting, or a
    worker began it already and died (then the upload is marked failed)."""
    locked = _locked(upload)
    if locked.status == waiting and locked.started_at is None:
        begin = locked.begin_check if waiting == AdlUpload.Status.QUEUED else locked.begin_apply
        _move(locked, begin)
        return locked
    if locked.status == working and locked.started_at is not None:
        _fail(locked, STOPPED)
    return None


def _fail(upload: AdlUpload, message: str) -> None:
    _move(upload, upload.fail, message=message)
    _report(upload, upload.get_status_display(), 100)


def _run_step(
    upload: AdlUpload, *, step: str, work: Callable[[AdlUpload], tuple[str, dict[str, Any]]]
) -> None:
    """Run a begun step and record its outcome in one transaction, under the row's lock.
    If the step raises, nothing of it is kept: the upload is marked failed, and the error
    goes on to the worker's log (not retried: the task has no autoretry)."""
    try:
        with transaction.atomic():
            locked = _locked(upload)
            if locked.status != upload.status or locked.started_at != upload.started_at:
                return  # the sweep called it failed meanwhile
            ended, fields = work(locked)
            _move(locked, getattr(locked, ended), fields=fields)
    except Exception:
        # Any error, the soft time limit and MemoryError among them.
        with transaction.atomic():
            locked = _locked(upload)
            if locked.status == upload.status and locked.started_at == upload.started_at:
                _fail(locked, CRASHED.format(step=step))
        raise
    _report(locked, locked.get_status_display(), 100)


def _result_fields(upload: AdlUpload, result: AdlLoadResult) -> dict[str, Any]:
    return {
        "errors": [asdict(issue) for issue in result.errors],
        "warnings": [asdict(issue) for issue in result.warnings],
        "plan": [
            {"row": p.row, "cds_code": p.cds_code, "lea_name": p.lea_name, "action": p.action,
             "changes": p.changes}
            for p in result.plan
        ],
        "counts": dict(result.counts),
        "row_count": len(result.plan) or upload.row_count,
    }  # fmt: skip


def adl_upload_check(*, upload: AdlUpload) -> AdlUpload:
    """Run the load as a dry run and keep what it would do. Called by the worker (a
    system action: no actor)."""
    with worker_lock(LockKind.ADL_UPLOAD, upload.pk) as held:
        if held:
            return _check(upload)
    upload.refresh_from_db()
    return upload


def _check(upload: AdlUpload) -> AdlUpload:
    begun = _begin(upload, waiting=AdlUpload.Status.QUEUED, working=AdlUpload.Status.CHECKING)
    if begun is None:
        upload.refresh_from_db()
        return upload
    _report(begun, "Reading the file and checking every row", 30)

    def check(locked: AdlUpload) -> tuple[str, dict[str, Any]]:
        result = adl_apply(
            actor=locked.uploaded_by,
            year=locked.year,
            content=bytes(locked.content),
            file_name=locked.file_name,
            dry_run=True,
        )
        return ("find_ready" if result.is_valid else "find_errors"), _result_fields(locked, result)

    _run_step(begun, step="Checking the file", work=check)
    begun.refresh_from_db()
    return begun


@transaction.atomic
def adl_upload_request_apply(*, actor: User, upload: AdlUpload) -> AdlUpload:
    """Confirm a checked file; the worker applies it. A second click is refused."""
    locked = AdlUpload.objects.select_for_update().get(pk=upload.pk)
    before = locked.status
    refused = NOT_READY_TO_APPLY.format(status=locked.get_status_display().lower())
    run_transition(locked.confirm, actor=actor, refused=refused)
    locked.applied_by = actor
    locked.save(update_fields=["status", "applied_by", "started_at"])
    _audit_move(locked, before, actor=actor, verb=AuditVerb.ADL_UPLOAD_APPLY)
    _enqueue_on_commit("apply_adl_upload", locked)
    return locked


def adl_upload_apply(*, upload: AdlUpload) -> AdlUpload:
    """Load the file for real, in one transaction. Called by the worker (a system action:
    no actor; the load acts for the administrator who confirmed it)."""
    with worker_lock(LockKind.ADL_UPLOAD, upload.pk) as held:
        if held:
            return _apply(upload)
    upload.refresh_from_db()
    return upload


def _apply(upload: AdlUpload) -> AdlUpload:
    begun = _begin(upload, waiting=AdlUpload.Status.APPLYING, working=AdlUpload.Status.APPLYING)
    if begun is None:
        upload.refresh_from_db()
        return upload
    _report(begun, f"Loading {begun.row_count} LEAs", 50)

    def apply(locked: AdlUpload) -> tuple[str, dict[str, Any]]:
        result = adl_apply(
            actor=locked.applied_by or locked.uploaded_by,
            year=locked.year,
            content=bytes(locked.content),
            file_name=locked.file_name,
        )
        # The database can have changed between the check and the confirmation.
        ended = "finish_apply" if result.is_valid else "find_errors"
        return ended, _result_fields(locked, result)

    _run_step(begun, step="Loading the file", work=apply)
    begun.refresh_from_db()
    return begun


def adl_uploads_fail_stalled(*, now: datetime | None = None) -> int:
    """Mark failed every upload whose step began longer ago than a worker may run (its
    worker was killed and the task not delivered again). Returns how many."""
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + STALL_GRACE
    cutoff = (now or timezone.now()) - limit
    failed = 0
    with transaction.atomic():
        # skip_locked: a row locked now is being worked on, so it is not stalled.
        stalled = AdlUpload.objects.select_for_update(skip_locked=True).filter(
            status__in=[AdlUpload.Status.CHECKING, AdlUpload.Status.APPLYING],
            started_at__lt=cutoff,
        )
        for upload in stalled:
            _fail(upload, STOPPED)
            failed += 1
    return failed
