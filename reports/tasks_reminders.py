"""Celery tasks of the reminders: the daily sweep (beat, CELERY_BEAT_SCHEDULE) and one send
task per digest. They take ids only; reports/services_reminders.py and
reports/reminders_delivery.py do the work (and keep it idempotent)."""

from celery import Task, shared_task
from django.utils import timezone

from reports import reminders_delivery, services_reminders

SEND_RETRIES = 8


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
