"""Writes of the PDFs of submitted versions: ask for one (or retry a failed one), and the
render itself, run by the worker (reports/tasks.py `render_pdf`).

One RenderedPdf row per version: asking twice, double clicks and redelivered tasks all
land on the same row, and a PDF already made is never made again. Its status moves only
through the model's transitions, each audited here; while a worker draws it, it holds the
render (`render_claim`), so a task delivered again meanwhile does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from lea.audit import Changes
from lea.models import AuditVerb, User
from lea.services import audit
from lea.worker_lock import LockKind, worker_lock
from reports.models import RenderedPdf
from reports.pdf import render_version_pdf
from steps import access
from steps.models import SubmissionVersion
from steps.services.transitions import run_transition, system_transition

NOT_NOW = "This PDF is being made already."
TOOK_TOO_LONG = (
    "it took too long to render (over {seconds} seconds) and was stopped. Retry; if it "
    "fails again, tell the support team."
)
WORKER_LOST = (
    "the worker rendering it stopped before it finished. Retry; if it fails again, tell "
    "the support team."
)
NO_WORKER = (
    "no worker has taken it up for over {minutes} minutes (the workers may be stopped or "
    "very busy). Retry; if it fails again, tell the support team."
)
RENDER_ERROR = (
    "the server could not draw this PDF (the error is in the worker's log). Retry; if it "
    "fails again, tell the support team."
)
NOT_STORED = (
    "the PDF was drawn but could not be stored after {attempts} tries. Retry later; if it "
    "fails again, tell the support team."
)


def _enqueue_on_commit(rendered: RenderedPdf) -> None:
    from reports import tasks

    rendered_id = rendered.pk
    transaction.on_commit(lambda: tasks.render_pdf.delay(rendered_id))


# The verb of each status a worker moves a PDF to.
MOVE_VERBS = {
    RenderedPdf.Status.RENDERING: AuditVerb.PDF_RENDERING,
    RenderedPdf.Status.DONE: AuditVerb.PDF_DONE,
    RenderedPdf.Status.FAILED: AuditVerb.PDF_FAILED,
}


def _audit_move(
    rendered: RenderedPdf,
    before: str | None,
    *,
    actor: User | None,
    verb: AuditVerb,
    changes: Changes | None = None,
) -> None:
    # No cached page shows a PDF's status: the cached pages stay.
    audit(
        actor=actor,
        verb=verb,
        target=rendered,
        changes={"status": [before, rendered.status], **(changes or {})},
    )


def _about(version: SubmissionVersion) -> Changes:
    """The version a PDF is of: it names what the PDF's change is about."""
    return {"version": [version.number, version.number]}


@transaction.atomic
def rendered_pdf_request(*, actor: User, version: SubmissionVersion) -> RenderedPdf:
    """Ask for the PDF of a version; refused to anyone who may not see its submission.
    Already asked for (queued, rendering or done): nothing changes. Failed, or its worker
    lost: rendered again."""
    if not access.submissions_for(actor).filter(pk=version.submission_id).exists():
        raise PermissionDenied
    rendered, created = RenderedPdf.objects.select_for_update().get_or_create(
        version=version, defaults={"requested_by": actor}
    )
    if created:
        _audit_move(
            rendered, None, actor=actor, verb=AuditVerb.PDF_REQUEST, changes=_about(version)
        )
    elif rendered.status == RenderedPdf.Status.FAILED or rendered.is_stuck:
        before = rendered.status
        run_transition(rendered.ask_again, actor=actor, refused=NOT_NOW)
        rendered.requested_by = actor
        rendered.save(
            update_fields=[
                "status", "error", "requested_by", "requested_at", "started_at", "finished_at"
            ]
        )  # fmt: skip
        _audit_move(
            rendered, before, actor=actor, verb=AuditVerb.PDF_RETRY, changes=_about(version)
        )
    else:
        return rendered
    _enqueue_on_commit(rendered)
    return rendered


def render_claim(*, rendered_pdf_id: int) -> AbstractContextManager[bool]:
    """Held (True) while this worker makes the PDF; False when another worker still does
    (a task delivered again while the first runs). A worker that died holds nothing, so
    the task delivered after it takes the render over."""
    return worker_lock(LockKind.RENDERED_PDF, rendered_pdf_id)


def _locked(rendered: RenderedPdf) -> RenderedPdf | None:
    return RenderedPdf.objects.select_for_update().defer("content").filter(pk=rendered.pk).first()


def _move(
    locked: RenderedPdf, transition: Callable[..., None], *, fields: list[str], **arguments: Any
) -> None:
    """Run one of the worker's transitions on a locked row, save it and audit it (the verb
    names the status reached: pdf.rendering, pdf.done, pdf.failed)."""
    before, attempts, error = locked.status, locked.attempts, locked.error
    system_transition(transition, **arguments)
    locked.save(update_fields=["status", *fields])
    changes: Changes = {"attempts": [attempts, locked.attempts]}
    if "error" in arguments:
        changes["error"] = [error, arguments["error"]]
    if "content" in arguments:
        changes["bytes"] = [None, locked.size]
    _audit_move(locked, before, actor=None, verb=MOVE_VERBS[locked.status], changes=changes)


@transaction.atomic
def rendered_pdf_start(*, rendered: RenderedPdf) -> RenderedPdf | None:
    """The worker takes the render (call it holding `render_claim`): None when there is
    nothing to do (already done, or failed and not asked for again), so a redelivered
    task is a no-op. Rendering already: its worker died (it let go of the claim)."""
    locked = _locked(rendered)
    if locked is None or locked.status not in (
        RenderedPdf.Status.QUEUED,
        RenderedPdf.Status.RENDERING,
    ):
        return None
    _move(locked, locked.begin_render, fields=["started_at", "attempts"])
    return locked


def rendered_pdf_draw(*, rendered: RenderedPdf) -> bytes:
    """The PDF's bytes: seconds of CPU, so outside any transaction."""
    return render_version_pdf(rendered.version)


@transaction.atomic
def rendered_pdf_store(*, rendered: RenderedPdf, content: bytes) -> RenderedPdf | None:
    locked = _locked(rendered)
    if locked is None or locked.status != RenderedPdf.Status.RENDERING:
        return locked  # failed meanwhile (its time ran out, say)
    _move(
        locked, locked.finish, fields=["content", "size", "error", "finished_at"], content=content
    )
    return locked


@transaction.atomic
def rendered_pdf_fail(*, rendered: RenderedPdf, error: str) -> RenderedPdf | None:
    """Record why it failed, in words the person who asked can act on."""
    locked = _locked(rendered)
    if locked is None or locked.status == RenderedPdf.Status.DONE:
        return locked
    _move(locked, locked.fail, fields=["error", "finished_at"], error=error)
    return locked
