"""The web ADL upload: store the file, check it in the background, apply on confirmation.

The load itself is `adl_apply`; this module keeps the upload's history row in step with
it. Progress goes to the cache rather than the row: the load runs in one transaction,
and a row written inside it would stay invisible to the page polling for progress.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cim.adl import FILE_TOO_BIG, MAX_BYTES
from lea.models import User
from lea.services import audit
from steps.models import AdlUpload
from steps.services.adl_load import AdlLoadResult, adl_apply

NOT_READY_TO_APPLY = "This file cannot be applied now: it is {status}."
PROGRESS_TIMEOUT = 60 * 60


def progress_key(upload_id: int) -> str:
    return f"adl-upload:{upload_id}:progress"


def upload_progress(*, upload: AdlUpload) -> dict[str, Any]:
    """What the page shows while the worker is busy: a step label and a percentage."""
    return cache.get(progress_key(upload.pk)) or {
        "label": upload.get_status_display(),
        "percent": 0,
    }


def _report(upload: AdlUpload, label: str, percent: int) -> None:
    cache.set(progress_key(upload.pk), {"label": label, "percent": percent}, PROGRESS_TIMEOUT)


@transaction.atomic
def adl_upload_create(*, actor: User, file_name: str, content: bytes, year: int) -> AdlUpload:
    if len(content) > MAX_BYTES:
        raise ValidationError(FILE_TOO_BIG)
    upload = AdlUpload(
        content=content, file_name=file_name[:255], size=len(content), year=year, uploaded_by=actor
    )
    upload.full_clean(exclude=["content"])
    upload.save()
    audit(actor=actor, verb="adl_upload.create", target=upload, changes={"file": file_name})
    _enqueue_on_commit("check_adl_upload", upload)
    return upload


def _enqueue_on_commit(task_name: str, upload: AdlUpload) -> None:
    from steps import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.delay(upload.pk))


def _set_status(upload: AdlUpload, status: str, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(upload, name, value)
    upload.status = status
    upload.save(update_fields=["status", *fields])


def _store_result(upload: AdlUpload, result: AdlLoadResult) -> None:
    upload.errors = [asdict(issue) for issue in result.errors]
    upload.warnings = [asdict(issue) for issue in result.warnings]
    upload.plan = [
        {"row": p.row, "cds_code": p.cds_code, "lea_name": p.lea_name, "action": p.action,
         "changes": p.changes}
        for p in result.plan
    ]  # fmt: skip
    upload.counts = dict(result.counts)
    upload.row_count = len(result.plan) or upload.row_count


def adl_upload_check(*, upload: AdlUpload) -> AdlUpload:
    """Run the load as a dry run and keep what it would do. Called by the worker."""
    if upload.status not in {AdlUpload.Status.QUEUED, AdlUpload.Status.CHECKING}:
        return upload  # a redelivered task for an upload already checked
    _set_status(upload, AdlUpload.Status.CHECKING)
    _report(upload, "Reading the file and checking every row", 30)
    result = adl_apply(
        actor=upload.uploaded_by,
        year=upload.year,
        content=bytes(upload.content),
        file_name=upload.file_name,
        dry_run=True,
    )
    _store_result(upload, result)
    status = AdlUpload.Status.CHECKED if result.is_valid else AdlUpload.Status.INVALID
    _set_status(upload, status, errors=upload.errors, warnings=upload.warnings,
                plan=upload.plan, counts=upload.counts, row_count=upload.row_count)  # fmt: skip
    _report(upload, upload.get_status_display(), 100)
    return upload


@transaction.atomic
def adl_upload_request_apply(*, actor: User, upload: AdlUpload) -> AdlUpload:
    """Confirm a checked file; the worker applies it. A second click is refused."""
    locked = AdlUpload.objects.select_for_update().get(pk=upload.pk)
    if locked.status != AdlUpload.Status.CHECKED:
        raise ValidationError(NOT_READY_TO_APPLY.format(status=locked.get_status_display().lower()))
    _set_status(locked, AdlUpload.Status.APPLYING, applied_by=actor)
    audit(actor=actor, verb="adl_upload.apply", target=locked, changes={"file": locked.file_name})
    _enqueue_on_commit("apply_adl_upload", locked)
    return locked


def adl_upload_apply(*, upload: AdlUpload) -> AdlUpload:
    """Load the file for real, in one transaction. Called by the worker."""
    if upload.status != AdlUpload.Status.APPLYING:
        return upload
    _report(upload, f"Loading {upload.row_count} LEAs", 50)
    try:
        result = adl_apply(
            actor=upload.applied_by or upload.uploaded_by,
            year=upload.year,
            content=bytes(upload.content),
            file_name=upload.file_name,
        )
    except Exception:
        # The load is one transaction, so nothing of it was written; say so and re-raise
        # for the worker's log.
        _set_status(upload, AdlUpload.Status.FAILED)
        _report(upload, upload.get_status_display(), 100)
        raise
    _store_result(upload, result)
    # The database can have changed between the check and the confirmation.
    status = AdlUpload.Status.APPLIED if result.is_valid else AdlUpload.Status.INVALID
    _set_status(upload, status, applied_at=timezone.now(), errors=upload.errors,
                warnings=upload.warnings, plan=upload.plan, counts=upload.counts)  # fmt: skip
    _report(upload, upload.get_status_display(), 100)
    return upload
