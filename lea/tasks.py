"""Background work for organisations and people. Tasks take ids and re-load what they need."""

from celery import shared_task
from django.core.management import call_command

from lea import access, notifications, services, services_access_records


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=8)
def send_invitation_email(invitation_id: int) -> None:
    # Sends nothing if the invitation was withdrawn, used or replaced before the worker
    # got to it: the link in this email would not work anyway.
    invitation = access.invitation_for_system(invitation_id)
    if invitation is not None and invitation.is_pending:
        token = services.invitation_issue_link(invitation=invitation)
        notifications.send_invitation(invitation, token)


@shared_task
def purge_expired_sessions() -> None:
    call_command("clearsessions")


@shared_task
def purge_access_records() -> None:
    """The daily retention sweep of the access record (ACCESS_RECORD_RETENTION_DAYS)."""
    services_access_records.access_records_purge()
