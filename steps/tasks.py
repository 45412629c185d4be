"""Background work for the steps app. Tasks take ids and re-load what they need."""

from celery import shared_task

from lea import access as lea_access
from steps import access, notifications, services


# The ADL tasks run on the "bulk" queue (CELERY_TASK_ROUTES). They are never retried: a
# second delivery of one (after its worker died) marks the upload failed instead.
@shared_task
def check_adl_upload(upload_id: int) -> None:
    upload = access.adl_upload_for_system(upload_id)
    if upload is not None:
        services.adl_upload_check(upload=upload)


@shared_task
def apply_adl_upload(upload_id: int) -> None:
    upload = access.adl_upload_for_system(upload_id)
    if upload is not None:
        services.adl_upload_apply(upload=upload)


@shared_task
def fail_stalled_adl_uploads() -> int:
    """Beat, every few minutes: an upload whose worker was killed says so."""
    return services.adl_uploads_fail_stalled()


@shared_task
def notify_submission_event(
    event: str, version_id: int, actor_id: int, comment_id: int | None = None
) -> None:
    """Fan out one email task per person, so a retry never re-sends to the others."""
    version = access.submission_version_for_system(version_id)
    if version is None:
        return
    comment = access.comment_for_system(comment_id) if comment_id else None
    for delivery in notifications.recipients(event, version, comment):
        send_submission_email.delay(
            delivery.event, version_id, actor_id, delivery.recipient.pk, comment_id
        )


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=8)
def send_submission_email(
    event: str, version_id: int, actor_id: int, recipient_id: int, comment_id: int | None = None
) -> None:
    version = access.submission_version_for_system(version_id)
    recipient = lea_access.user_for_system(recipient_id)
    if version is None or recipient is None or not recipient.email:
        return
    comment = access.comment_for_system(comment_id) if comment_id else None
    notifications.send(
        notifications.Delivery(event, recipient),
        version,
        lea_access.user_for_system(actor_id),
        comment,
    )
