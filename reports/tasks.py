"""Background work for the reports app: PDFs, mailbox copies and the reminders (the daily
sweep on beat, CELERY_BEAT_SCHEDULE, and one send task per digest). Tasks take ids and
re-load what they need through lea/access.py; acks_late is global (cim/settings.py), so a
task whose worker dies is delivered again, and each task is idempotent."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from reports import access as reports_access
from reports import reminders_delivery
from reports.models import RenderedPdf
from reports.models.pdf import RENDER_SOFT_TIME_LIMIT, RENDER_TIME_LIMIT
from reports.services import mailbox as services_mailbox
from reports.services import pdf as services_pdf
from reports.services import reminders as services_reminders
from steps import access

logger = logging.getLogger(__name__)

# Errors of the database or disk that may pass: the render is tried again, later each time.
STORAGE_ERRORS = (OSError, OperationalError, InterfaceError)
PDF_MAX_RETRIES = 5
SEND_RETRIES = 8


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=RENDER_SOFT_TIME_LIMIT,
    time_limit=RENDER_TIME_LIMIT,
    max_retries=PDF_MAX_RETRIES,
)
def render_pdf(self: Task, rendered_pdf_id: int) -> None:
    """Render the PDF of a submitted version. Done already, or another worker making it
    now: nothing to do. Too slow: failed, saying so. The database or disk failing: tried
    again with backoff, then failed."""
    try:
        with services_pdf.render_claim(rendered_pdf_id=rendered_pdf_id) as held:
            if held:
                _render(rendered_pdf_id)
    except STORAGE_ERRORS as error:
        retries = self.request.retries
        if retries >= PDF_MAX_RETRIES:
            _give_up(rendered_pdf_id, retries + 1)
            raise
        countdown = get_exponential_backoff_interval(10, retries, 600, full_jitter=True)
        raise self.retry(exc=error, countdown=countdown) from error


def _render(rendered_pdf_id: int) -> None:
    rendered = reports_access.rendered_pdf_for_system(rendered_pdf_id)
    rendered = services_pdf.rendered_pdf_start(rendered=rendered) if rendered else None
    if rendered is None:
        return
    try:
        content = services_pdf.rendered_pdf_draw(rendered=rendered)
    except SoftTimeLimitExceeded:
        error = services_pdf.TOOK_TOO_LONG.format(seconds=RENDER_SOFT_TIME_LIMIT)
        services_pdf.rendered_pdf_fail(rendered=rendered, error=error)
        return
    except Exception:
        logger.exception("The PDF %s could not be drawn", rendered_pdf_id)
        services_pdf.rendered_pdf_fail(rendered=rendered, error=services_pdf.RENDER_ERROR)
        return
    services_pdf.rendered_pdf_store(rendered=rendered, content=content)


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=RENDER_SOFT_TIME_LIMIT,
    time_limit=RENDER_TIME_LIMIT,
    max_retries=PDF_MAX_RETRIES,
)
def send_mailbox_copy(self: Task, version_id: int) -> None:
    """A submitted version the catalog copies to the state mailbox (asked for on submit by
    steps/services/submissions.py): its PDF is drawn here, within this task's time limits,
    unless drawn already, then the copy is sent once. Another worker drawing it: tried
    again later. The PDF failed: no copy, said in the log (the PDF's page offers a retry)."""
    version = access.submission_version_for_system(version_id)
    if version is None:
        return
    rendered = services_mailbox.mailbox_copy_pdf(version=version)
    if rendered.status != RenderedPdf.Status.DONE:
        with services_pdf.render_claim(rendered_pdf_id=rendered.pk) as held:
            if held:
                _render(rendered.pk)
        rendered = reports_access.rendered_pdf_for_system(rendered.pk) or rendered
    if rendered.status in (RenderedPdf.Status.QUEUED, RenderedPdf.Status.RENDERING):
        raise self.retry(countdown=RENDER_TIME_LIMIT)
    if rendered.status == RenderedPdf.Status.FAILED:
        logger.error("No mailbox copy of version %s: its PDF failed", version_id)
        return
    services_mailbox.mailbox_copy_send(rendered=rendered)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=8)
def email_mailbox_copy(rendered_pdf_id: int) -> None:
    rendered = reports_access.rendered_pdf_for_system(rendered_pdf_id, with_content=True)
    if rendered is not None:
        services_mailbox.mailbox_copy_email(rendered=rendered).send()


def _give_up(rendered_pdf_id: int, attempts: int) -> None:
    """Mark it failed, if the database lets us; else the page shows it as stuck later."""
    try:
        rendered = reports_access.rendered_pdf_for_system(rendered_pdf_id)
        if rendered is not None:
            error = services_pdf.NOT_STORED.format(attempts=attempts)
            services_pdf.rendered_pdf_fail(rendered=rendered, error=error)
    except STORAGE_ERRORS:
        logger.exception("The PDF %s could not be marked failed", rendered_pdf_id)


@shared_task
def send_reminders_daily() -> None:
    """Record today's reminders (California's day), then send each queued digest."""
    result = services_reminders.reminders_sweep(today=timezone.localdate())
    for digest_id in result.digest_ids:
        send_reminder_digest.delay(digest_id)


@shared_task(
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=SEND_RETRIES,
)
def send_reminder_digest(self: Task, digest_id: int) -> None:
    # A retry happens only when the mail server took nothing (MailNotDelivered); a digest
    # already claimed by another run is skipped, so a redelivered task sends nothing twice.
    reminders_delivery.digest_send(
        digest_id=digest_id, last_attempt=self.request.retries >= SEND_RETRIES
    )
