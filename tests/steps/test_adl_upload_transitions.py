"""An ADL upload's status moves only through its transitions, each one audited, and a
check delivered twice at once reads the file once."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from cim.models import Cohort
from lea.models import AuditEvent
from steps import services, tasks
from steps.models import AdlUpload
from tests.conftest import World
from tests.redelivery import run_twice_at_once
from tests.steps.adl_files import csv_file, row

pytestmark = pytest.mark.django_db

GOOD = csv_file(row("4410017", "Seaside Unified", tier="Targeted", level="3", unmet="4A; 8"))


def _create(world: World) -> AdlUpload:
    return AdlUpload.objects.create(
        content=GOOD, file_name="adl.csv", size=len(GOOD), year=2024, uploaded_by=world.cde_admin
    )


def _moves(upload: AdlUpload) -> list[tuple[str, int | None, list[str]]]:
    events = AuditEvent.objects.filter(verb__startswith="adl_upload.", object_id=str(upload.pk))
    return [(e.verb, e.actor_id, e.changes["status"]) for e in events.order_by("pk")]


def test_it_audits_every_move_from_upload_to_applied(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    upload = _create(world)

    tasks.check_adl_upload(upload.pk)
    services.adl_upload_request_apply(actor=world.cde_admin, upload=upload)
    tasks.apply_adl_upload(upload.pk)

    admin = world.cde_admin.pk
    assert _moves(upload) == [
        ("adl_upload.checking", None, ["queued", "checking"]),
        ("adl_upload.checked", None, ["checking", "checked"]),
        ("adl_upload.apply", admin, ["checked", "applying"]),
        ("adl_upload.applying", None, ["applying", "applying"]),
        ("adl_upload.applied", None, ["applying", "applied"]),
    ]


def test_it_refuses_a_status_written_by_hand(world: World) -> None:
    upload = _create(world)

    with pytest.raises(AttributeError, match="Direct status modification is not allowed"):
        upload.status = AdlUpload.Status.APPLIED  # type: ignore[assignment]


def test_it_lets_only_a_cde_admin_confirm_a_checked_file(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    upload = _create(world)
    tasks.check_adl_upload(upload.pk)

    with pytest.raises(PermissionDenied):
        services.adl_upload_request_apply(actor=world.lea_lead, upload=upload)

    upload.refresh_from_db()
    assert upload.status == AdlUpload.Status.CHECKED
    assert not AuditEvent.objects.filter(verb="adl_upload.apply").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_checks_a_file_once_when_its_task_comes_twice_at_once(
    world: World, cohorts: dict[str, Cohort], monkeypatch: pytest.MonkeyPatch
) -> None:
    from steps.services import adl_upload

    upload = _create(world)
    reads = run_twice_at_once(
        monkeypatch,
        task=lambda: tasks.check_adl_upload(upload.pk),
        slow_part=(adl_upload, "adl_apply"),
    )

    upload.refresh_from_db()
    assert reads == [1]
    assert (upload.status, upload.failure) == (AdlUpload.Status.CHECKED, "")
    assert [verb for verb, _, _ in _moves(upload)] == ["adl_upload.checking", "adl_upload.checked"]
