"""Copies of submitted plans and progress reports, with their PDF, to the state mailbox the
cohort's catalog names (e.g. TargetedMonitoring or IntensiveMonitoring). Which step and
level are copied is catalog data (Cohort.mailbox_copy); steps/services/submissions.py asks
for the copy on submit, and reports/tasks.py `send_mailbox_copy` draws the PDF and sends it.
"""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from lea.models import AuditVerb
from lea.notifications import absolute_url
from lea.services import audit
from reports.models import RenderedPdf
from steps.models import SubmissionVersion

SUBJECT = "Copy: {lea} submitted {what} (version {number})"


@transaction.atomic
def mailbox_copy_pdf(*, version: SubmissionVersion) -> RenderedPdf:
    """The version's PDF row, made for the copy when nobody has asked for the PDF yet (the
    system asks: the worker draws it)."""
    rendered, created = RenderedPdf.objects.defer("content").get_or_create(version=version)
    if created:
        audit(
            actor=None,
            verb=AuditVerb.PDF_REQUEST,
            target=rendered,
            changes={"status": [None, rendered.status], "version": [version.number] * 2},
        )
    return rendered


@transaction.atomic
def mailbox_copy_send(*, rendered: RenderedPdf) -> bool:
    """Send the copy of a drawn PDF's version to its cohort's mailbox, once: False when it
    was sent already (a task delivered again) or the PDF is not drawn. Audited; the email
    leaves when the transaction commits."""
    locked = RenderedPdf.objects.select_for_update().defer("content").get(pk=rendered.pk)
    if locked.mailbox_copy_sent_at is not None or locked.status != RenderedPdf.Status.DONE:
        return False
    locked.mailbox_copy_sent_at = timezone.now()
    locked.save(update_fields=["mailbox_copy_sent_at"])
    version = locked.version
    submission = version.submission
    mailbox = submission.engagement.cohort.contact_email
    audit(
        actor=None,
        verb=AuditVerb.SUBMISSION_MAILBOX_COPY,
        target=submission,
        organization=submission.engagement.lea,
        changes={
            "version": [version.number] * 2,
            "to": [None, mailbox],
            "pdf_bytes": [None, locked.size],
        },
    )
    from reports import tasks

    rendered_id = locked.pk
    transaction.on_commit(lambda: tasks.email_mailbox_copy.delay(rendered_id))
    return True


def mailbox_copy_email(*, rendered: RenderedPdf) -> EmailMultiAlternatives:
    """The copy as an email to the cohort's mailbox, in plain text and HTML, the version's
    PDF attached."""
    version = rendered.version
    submission = version.submission
    engagement = submission.engagement
    lea = engagement.lea
    context = {
        "cohort": engagement.cohort,
        "lea": lea,
        "submission": submission,
        "version": version,
        "url": absolute_url(reverse("submission_detail", args=[submission.pk])),
    }
    message = EmailMultiAlternatives(
        subject=SUBJECT.format(lea=lea.name, what=submission.title, number=version.number),
        body=render_to_string("reports/email/mailbox_copy.txt", context),
        to=[engagement.cohort.contact_email],
    )
    message.attach_alternative(
        render_to_string("reports/email/mailbox_copy.html", context), "text/html"
    )
    filename = f"{slugify(lea.name)}-{slugify(submission.title)}-v{version.number}.pdf"
    message.attach(filename, bytes(rendered.content), "application/pdf")
    return message
