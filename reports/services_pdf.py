"""Writes of the PDFs of submitted versions: ask for one (or retry a failed one), and the
render itself, run by the worker (reports/tasks.py `render_pdf`).

One RenderedPdf row per version: asking twice, double clicks and redelivered tasks all
land on the same row, and a PDF already made is never made again.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from lea.models import User
from lea.services import audit
from reports.models import RenderedPdf
from reports.pdf import render_version_pdf
from steps.models import SubmissionVersion

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


@transaction.atomic
def rendered_pdf_request(*, actor: User, version: SubmissionVersion) -> RenderedPdf:
    """Ask for the PDF of a version. The caller has read the version through
    `access.get_submission_for`, so `actor` may see it. Already asked for (queued,
    rendering or done): nothing changes. Failed, or its worker lost: rendered again."""
    rendered, created = RenderedPdf.objects.select_for_update().get_or_create(
        version=version, defaults={"requested_by": actor}
    )
    if not created and rendered.status != RenderedPdf.Status.FAILED and not rendered.is_stuck:
        return rendered
    verb = "pdf.request" if created else "pdf.retry"
    if not created:
        rendered.status = RenderedPdf.Status.QUEUED
        rendered.error = ""
        rendered.requested_by = actor
        rendered.requested_at = timezone.now()
        rendered.started_at = rendered.finished_at = None
        rendered.full_clean(exclude=["version", "content"])
        rendered.save(
            update_fields=[
                "status", "error", "requested_by", "requested_at", "started_at", "finished_at"
            ]
        )  # fmt: skip
    audit(
        actor=actor,
        verb=verb,
        target=rendered,
        organization=version.submission.engagement.lea,
        changes={"version": version.number},
    )
    _enqueue_on_commit(rendered)
    return rendered


def _locked(rendered: RenderedPdf) -> RenderedPdf | None:
    return RenderedPdf.objects.select_for_update().defer("content").filter(pk=rendered.pk).first()


@transaction.atomic
def rendered_pdf_start(*, rendered: RenderedPdf) -> RenderedPdf | None:
    """The worker takes the render: None when there is nothing to do (already done, or
    failed and not asked for again), so a redelivered task is a no-op."""
    locked = _locked(rendered)
    if locked is None or locked.status not in (
        RenderedPdf.Status.QUEUED,
        RenderedPdf.Status.RENDERING,  # redelivered after its worker died mid-render
    ):
        return None
    locked.status = RenderedPdf.Status.RENDERING
    locked.started_at = timezone.now()
    locked.attempts += 1
    locked.save(update_fields=["status", "started_at", "attempts"])
    return locked


def rendered_pdf_draw(*, rendered: RenderedPdf) -> bytes:
    """The PDF's bytes: seconds of CPU, so outside any transaction."""
    return render_version_pdf(rendered.version)


@transaction.atomic
def rendered_pdf_store(*, rendered: RenderedPdf, content: bytes) -> RenderedPdf | None:
    locked = _locked(rendered)
    if locked is None or locked.status != RenderedPdf.Status.RENDERING:
        return locked  # another delivery of the task finished it first
    locked.content = content
    locked.size = len(content)
    locked.status = RenderedPdf.Status.DONE
    locked.error = ""
    locked.finished_at = timezone.now()
    locked.save(update_fields=["content", "size", "status", "error", "finished_at"])
    audit(
        actor=None,
        verb="pdf.done",
        target=locked,
        changes={"bytes": len(content), "attempts": locked.attempts},
    )
    return locked


@transaction.atomic
def rendered_pdf_fail(*, rendered: RenderedPdf, error: str) -> RenderedPdf | None:
    """Record why it failed, in words the person who asked can act on."""
    locked = _locked(rendered)
    if locked is None or locked.status == RenderedPdf.Status.DONE:
        return locked
    locked.status = RenderedPdf.Status.FAILED
    locked.error = error
    locked.finished_at = timezone.now()
    locked.save(update_fields=["status", "error", "finished_at"])
    audit(actor=None, verb="pdf.failed", target=locked, changes={"error": error})
    return locked
