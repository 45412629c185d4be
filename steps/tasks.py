"""Background work for the steps app. Tasks take ids and re-load what they need."""

from celery import shared_task

from lea import access
from steps import services


@shared_task
def check_adl_upload(upload_id: int) -> None:
    upload = access.adl_upload_for_worker(upload_id)
    if upload is not None:
        services.adl_upload_check(upload=upload)


@shared_task
def apply_adl_upload(upload_id: int) -> None:
    upload = access.adl_upload_for_worker(upload_id)
    if upload is not None:
        services.adl_upload_apply(upload=upload)
