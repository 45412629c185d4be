"""Sending a reminder digest: claimed once, sent once, and failures kept with their reason.

A digest is claimed (queued → sending, the model's `claim` transition, saved by an UPDATE
conditional on its status) in a transaction that commits on its own before the mail
server is contacted: of two workers, or a task and a retry of it, only one claims it.
Every move of its status is audited (digest.sending, digest.sent, ...). Then:

- the server takes the email: sent;
- the server could not be reached or answered "try later" (4xx) before taking it:
  nothing was delivered, so the digest goes back to queued and `MailNotDelivered` (an
  OSError) lets the Celery task retry with backoff; the last attempt marks it failed;
- the server refused it for good (5xx: unknown recipient, rejected sender): failed, with
  the server's words;
- the connection broke while sending: the email may have arrived, so it is marked failed
  and never sent again automatically;
- the worker died after claiming: it stays "sending" (the admin lists it and
  `send_reminders` reports it) and is never resent automatically.

Call `digest_send` outside a transaction: the claim must commit before the email goes out.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django_fsm import ConcurrentTransition, can_proceed

from cim.models import INFERRED_DATE
from lea import services as lea_services
from lea.models import AuditVerb, Invitation
from lea.notifications import absolute_url
from lea.services import audit
from reports import access
from reports.models import Digest, Reminder
from steps.services.transitions import system_transition

# (kind, heading in the email, words in the subject)
SECTIONS = (
    (Reminder.Kind.OVERDUE, "Overdue", "overdue"),
    (Reminder.Kind.DUE_SOON, "Coming due", "coming due"),
    (
        Reminder.Kind.ESCALATION,
        "Overdue at LEAs whose work you review",
        "overdue at LEAs you review",
    ),
    (
        Reminder.Kind.NO_CONTACT,
        "Nobody at the LEA to remind: invite a CIM team lead",
        "with nobody at the LEA to remind",
    ),
)
UNREACHABLE = "The mail server could not be reached, nothing was sent: {error}"
DEFERRED = "The mail server asked to try later ({code} {text}), nothing was sent."
REFUSED = "The mail server refused it: {code} {text}"
BROKEN = (
    "The connection broke while sending ({error}). The email may have arrived, so it is "
    "not sent again automatically."
)
# The verb of each status a send moves a digest to.
MOVE_VERBS = {
    Digest.Status.QUEUED: AuditVerb.DIGEST_QUEUED,
    Digest.Status.SENDING: AuditVerb.DIGEST_SENDING,
    Digest.Status.SENT: AuditVerb.DIGEST_SENT,
    Digest.Status.FAILED: AuditVerb.DIGEST_FAILED,
}
GAVE_UP = "Not sent after {attempts} attempts. Last: {error}"
NOT_PREPARED = "The email could not be prepared, nothing was sent: {error}"


class MailNotDelivered(OSError):
    """The mail server took nothing: trying again later cannot send the email twice."""


@dataclass(frozen=True)
class SendOutcome:
    digest_id: int
    email: str
    status: str  # a Digest.Status, or "skipped" when another worker has it or it is done
    error: str = ""


def digest_send(*, digest_id: int, last_attempt: bool = False) -> SendOutcome:
    """Send one digest if nobody else has. Raises MailNotDelivered for the caller to retry
    (unless `last_attempt`: then the digest is marked failed)."""
    digest = (
        access.digests_for_system()
        .select_related("user", "invitation__organization")
        .get(pk=digest_id)
    )
    if not _move(digest, digest.claim):
        return SendOutcome(digest.pk, digest.email, "skipped")
    try:
        message = _message(digest)
    except Exception as error:
        _finish(digest, Digest.Status.FAILED, NOT_PREPARED.format(error=error))
        raise
    mailer = mailers.default
    try:
        mailer.open()
    except OSError as error:
        return _not_delivered(digest, UNREACHABLE.format(error=error), last_attempt)
    try:
        mailer.send_messages([message])
    except smtplib.SMTPRecipientsRefused as error:
        code, text = next(iter(error.recipients.values()))
        return _answered(digest, code, text, last_attempt)
    except smtplib.SMTPResponseException as error:
        return _answered(digest, error.smtp_code, error.smtp_error, last_attempt)
    except OSError as error:
        return _finish(digest, Digest.Status.FAILED, BROKEN.format(error=error))
    finally:
        mailer.close()
    return _finish(digest, Digest.Status.SENT, "")


def _answered(digest: Digest, code: int, text: bytes | str, last_attempt: bool) -> SendOutcome:
    words = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    if 400 <= code < 500:
        return _not_delivered(digest, DEFERRED.format(code=code, text=words), last_attempt)
    return _finish(digest, Digest.Status.FAILED, REFUSED.format(code=code, text=words))


def _not_delivered(digest: Digest, error: str, last_attempt: bool) -> SendOutcome:
    if last_attempt:
        gave_up = GAVE_UP.format(attempts=digest.attempts, error=error)
        return _finish(digest, Digest.Status.FAILED, gave_up)
    _finish(digest, Digest.Status.QUEUED, error)
    raise MailNotDelivered(error)


def _finish(digest: Digest, status: str, error: str) -> SendOutcome:
    if status == Digest.Status.SENT:
        _move(digest, digest.mark_sent)
    elif status == Digest.Status.QUEUED:
        _move(digest, digest.put_back, error=error)
    else:
        _move(digest, digest.mark_failed, error=error)
    return SendOutcome(digest.pk, digest.email, status, error)


def _move(digest: Digest, transition: Callable[..., None], **arguments: Any) -> bool:
    """Run a transition of the digest and save it, audited, in a transaction of its own;
    False when another worker moved the digest first (or it has left the state)."""
    before, attempts, error = digest.status, digest.attempts, digest.error
    if not can_proceed(transition):
        return False
    try:
        with transaction.atomic():
            system_transition(transition, **arguments)
            digest.save(update_fields=["status", "claimed_at", "attempts", "error", "sent_at"])
            changes = {"status": [before, digest.status], "attempts": [attempts, digest.attempts]}
            if "error" in arguments:
                changes["error"] = [error, digest.error]
            # No cached page shows a digest: the cached pages stay.
            audit(actor=None, verb=MOVE_VERBS[digest.status], target=digest,
                  changes=changes)  # fmt: skip
    except ConcurrentTransition:
        digest.refresh_from_db()
        return False
    return True


# --- The email -----------------------------------------------------------------------------


def _message(digest: Digest) -> EmailMultiAlternatives:
    reminders = list(
        digest.reminders.select_related(
            "record__engagement__cohort", "report__period", "report__engagement__cohort"
        ).order_by("due_date", "lea_name", "title", "pk")
    )
    sections = [
        (heading, words, [_line(r) for r in reminders if r.kind == kind])
        for kind, heading, words in SECTIONS
    ]
    sections = [section for section in sections if section[2]]
    context = {
        "digest": digest,
        "name": _name(digest),
        "sections": sections,
        "invitation": digest.invitation if _is_open(digest.invitation) else None,
        "accept_url": _accept_url(digest),
        "settings_url": absolute_url(reverse("reminder_settings")) if digest.user_id else "",
        "site_url": settings.SITE_URL,
        "inferred_date": INFERRED_DATE,
    }
    message = EmailMultiAlternatives(
        subject=_subject(reminders, sections),
        body=render_to_string("reports/email/reminder_digest.txt", context),
        to=[digest.email],
    )
    message.attach_alternative(
        render_to_string("reports/email/reminder_digest.html", context), "text/html"
    )
    return message


def _subject(reminders: list[Reminder], sections: list[Any]) -> str:
    """Whose work and what it needs, e.g. "CIM work for Riverbend Unified: 1 overdue, 2
    coming due"; a reviewer's digest over several LEAs counts them."""
    leas = sorted({reminder.lea_name for reminder in reminders})
    whose = leas[0] if len(leas) == 1 else f"{len(leas)} LEAs"
    counts = ", ".join(f"{len(lines)} {words}" for _, words, lines in sections)
    return f"CIM work for {whose}: {counts}"


def _line(reminder: Reminder) -> dict[str, object]:
    days = reminder.days
    if days > 0:
        when = "tomorrow" if days == 1 else f"in {days} days"
    else:
        when = "1 day overdue" if days == -1 else f"{-days} days overdue"
    return {
        "lea": reminder.lea_name,
        "title": reminder.title,
        "due_date": reminder.due_date,
        "when": when,
        "url": absolute_url(reminder.path),
        "inferred": _inferred(reminder),
    }


def _inferred(reminder: Reminder) -> bool:
    """Whether the date is the catalog's inference: the cohort's, or the period's."""
    if reminder.record is not None:
        return reminder.record.engagement.cohort.inferred
    report = reminder.report
    return report is not None and (report.period.inferred or report.engagement.cohort.inferred)


def _name(digest: Digest) -> str:
    if digest.user is not None and digest.user.full_name:
        return digest.user.full_name
    if digest.invitation is not None:
        return digest.invitation.full_name
    return ""


def _is_open(invitation: Invitation | None) -> bool:
    return invitation is not None and not invitation.accepted_at and not invitation.revoked_at


def _accept_url(digest: Digest) -> str:
    """A link to the CIM contact's invitation only if the one they were sent no longer
    works (see lea.services.invitation_renew): a reminder never breaks a working link."""
    invitation = digest.invitation
    if invitation is None or not _is_open(invitation):
        return ""
    token = lea_services.invitation_renew(invitation=invitation, reminder=f"digest:{digest.pk}")
    return absolute_url(reverse("invitation_accept", args=[token])) if token else ""
