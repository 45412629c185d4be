"""Hostile ADL uploads through the real services and tasks: each is refused or marked
failed with its reason, nothing is half-written, and no task runs a file twice."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cim import uploads
from cim.celery import app as celery_app
from cim.models import Cohort, Determination
from lea.models import Organization
from steps import services, tasks
from steps.models import AdlUpload, Engagement
from steps.models.upload import STOPPED
from steps.services.adl_upload import CRASHED
from tests.conftest import World, signed_in
from tests.steps.adl_files import csv_file, row, xlsx_file

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
GOOD = csv_file(
    row("4410017", "Seaside Unified", tier="Targeted", level="3", unmet="4A; 8"),
    row("4410025", "Dune Valley Elementary", tier="Universal", level="", new="no"),
)
MB = 1024 * 1024


def _create(world: World, content: bytes, name: str = "adl.csv") -> AdlUpload:
    """Upload without running the check: the test calls the task itself."""
    return AdlUpload.objects.create(
        content=content, file_name=name, size=len(content), year=2024, uploaded_by=world.cde_admin
    )


def _file(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("adl-2024.csv", content)


def _nothing_loaded() -> None:
    assert not Engagement.objects.exists()
    assert not Determination.objects.exists()
    assert not Organization.objects.filter(name="Seaside Unified").exists()


@pytest.fixture
def adl_runs(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each call of the load (dry run or not), recorded; the real load still runs."""
    from steps.services import adl_upload

    calls: list[bool] = []
    real = adl_upload.adl_apply

    def counted(**kwargs: Any) -> Any:
        calls.append(kwargs.get("dry_run", False))
        return real(**kwargs)

    monkeypatch.setattr(adl_upload, "adl_apply", counted)
    return calls


def _load_dies(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    from steps.services import adl_upload

    def die(**kwargs: Any) -> None:
        raise error

    monkeypatch.setattr(adl_upload, "adl_apply", die)


# --- Hostile files, through the page and the worker ---------------------------------------


def test_it_refuses_a_ten_megabyte_cell_in_words_on_the_page(
    world: World, cohorts: dict[str, Cohort], django_capture_on_commit_callbacks: Any
) -> None:
    cells = [row(f"44{n:05d}", f"District {n}") for n in range(11)]
    cells[10][1] = "x" * (10 * MB)
    client = signed_in(world.cde_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("adl_upload"), {"file": _file(csv_file(*cells)), "year": "2024"})

    upload = AdlUpload.objects.get()
    message = uploads.CELL_TOO_LONG.format(count=10 * MB, limit=1000)
    assert upload.status == AdlUpload.Status.INVALID
    assert upload.errors == [{"row": 12, "column": "lea_name", "message": message}]
    page = client.get(reverse("adl_upload_detail", args=[upload.pk])).content.decode()
    assert "row 12, lea_name: This cell has 10,485,760 characters" in page
    assert "Checking" not in page
    _nothing_loaded()


def test_it_refuses_a_zip_bomb_and_too_many_rows(
    world: World, cohorts: dict[str, Cohort], settings: Any, tmp_path: Path
) -> None:
    settings.UPLOAD_MAX_ROWS = 3
    path = tmp_path / "bomb.xlsx"
    good = zipfile.ZipFile(io.BytesIO(xlsx_file(row("4410017", "Seaside Unified"))))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in good.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with archive.open(info.filename, "w", force_zip64=True) as sheet:
                    for _ in range(64):
                        sheet.write(b" " * MB)
            else:
                archive.writestr(info, good.read(info))
    bomb = _create(world, path.read_bytes(), "bomb.xlsx")
    rows = [row(f"44{n:05d}", f"District {n}") for n in range(4)]
    long = _create(world, xlsx_file(*rows), "long.xlsx")

    tasks.check_adl_upload(bomb.pk)
    tasks.check_adl_upload(long.pk)

    bomb.refresh_from_db()
    long.refresh_from_db()
    assert bomb.status == long.status == AdlUpload.Status.INVALID
    assert bomb.errors[0]["message"].startswith("This workbook unpacks to 64 MB")
    assert long.errors == [
        {"row": 5, "column": "file", "message": uploads.TOO_MANY_ROWS.format(limit=3)}
    ]
    _nothing_loaded()


def test_it_refuses_a_file_past_the_parse_deadline_and_an_xlsx_that_is_no_zip(
    world: World, cohorts: dict[str, Cohort], settings: Any
) -> None:
    settings.UPLOAD_PARSE_SECONDS = 0.001
    slow = _create(world, csv_file(*[row(f"44{n:05d}", f"D {n}") for n in range(3000)]))
    not_zip = _create(world, b"PK\x03\x04" + b"\x00" * 100, "broken.xlsx")

    tasks.check_adl_upload(slow.pk)
    tasks.check_adl_upload(not_zip.pk)

    slow.refresh_from_db()
    not_zip.refresh_from_db()
    assert slow.status == not_zip.status == AdlUpload.Status.INVALID
    assert slow.errors[0]["message"].startswith("Reading this file took longer than 0.001")
    assert not_zip.errors[0]["message"].startswith("This is not a CSV or Excel (.xlsx) file.")
    _nothing_loaded()


def test_it_refuses_an_upload_over_the_size_setting_before_storing_it(
    world: World, settings: Any
) -> None:
    settings.UPLOAD_MAX_BYTES = 100
    response = signed_in(world.cde_admin).post(
        reverse("adl_upload"), {"file": _file(GOOD), "year": "2024"}
    )
    assert uploads.FILE_TOO_BIG.format(limit="100 bytes") in response.content.decode()
    assert not AdlUpload.objects.exists()


# --- Tasks that fail, die, or come twice --------------------------------------------------


def test_it_marks_a_check_that_raises_failed_and_does_not_run_it_again(
    world: World, cohorts: dict[str, Cohort], monkeypatch: pytest.MonkeyPatch
) -> None:
    upload = _create(world, GOOD)
    _load_dies(monkeypatch, MemoryError())

    with pytest.raises(MemoryError):
        tasks.check_adl_upload(upload.pk)

    upload.refresh_from_db()
    assert upload.status == AdlUpload.Status.FAILED
    assert upload.failure == CRASHED.format(step="Checking the file")
    assert not upload.is_working
    tasks.check_adl_upload(upload.pk)  # redelivered: nothing happens, nothing raises
    upload.refresh_from_db()
    assert upload.status == AdlUpload.Status.FAILED


def test_it_marks_a_check_whose_worker_died_failed_when_the_task_comes_again(
    world: World, cohorts: dict[str, Cohort], monkeypatch: pytest.MonkeyPatch
) -> None:
    upload = _create(world, GOOD)
    # SystemExit escapes every handler, as a killed worker leaves nothing behind.
    _load_dies(monkeypatch, SystemExit(1))
    with pytest.raises(SystemExit):
        tasks.check_adl_upload(upload.pk)
    upload.refresh_from_db()
    assert upload.status == AdlUpload.Status.CHECKING
    assert upload.started_at is not None

    monkeypatch.undo()
    _load_dies(monkeypatch, AssertionError("a redelivered task ran the file again"))
    tasks.check_adl_upload(upload.pk)  # acks_late: the broker delivers it again

    upload.refresh_from_db()
    assert upload.status == AdlUpload.Status.FAILED
    assert upload.failure == STOPPED
    page = signed_in(world.cde_admin).get(reverse("adl_upload_detail", args=[upload.pk]))
    assert STOPPED in page.content.decode()


def test_it_runs_a_redelivered_check_of_a_checked_upload_not_at_all(
    world: World, cohorts: dict[str, Cohort], adl_runs: list[bool]
) -> None:
    upload = _create(world, GOOD)

    tasks.check_adl_upload(upload.pk)
    tasks.check_adl_upload(upload.pk)

    upload.refresh_from_db()
    assert upload.status == AdlUpload.Status.CHECKED
    assert adl_runs == [True]


def test_it_marks_an_apply_whose_worker_died_failed_and_loads_nothing(
    world: World,
    cohorts: dict[str, Cohort],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    upload = _create(world, GOOD)
    tasks.check_adl_upload(upload.pk)
    upload.refresh_from_db()
    services.adl_upload_request_apply(actor=world.cde_admin, upload=upload)
    from steps.services import adl_upload

    real = adl_upload.adl_apply

    def load_then_die(**kwargs: Any) -> None:
        real(**kwargs)  # written, then the worker dies before the transaction commits
        raise SystemExit(1)

    monkeypatch.setattr(adl_upload, "adl_apply", load_then_die)
    with pytest.raises(SystemExit):
        tasks.apply_adl_upload(upload.pk)
    _nothing_loaded()

    monkeypatch.setattr(adl_upload, "adl_apply", real)
    tasks.apply_adl_upload(upload.pk)  # delivered again

    upload.refresh_from_db()
    assert upload.status == AdlUpload.Status.FAILED
    assert upload.failure == STOPPED
    _nothing_loaded()


def test_it_shows_a_check_older_than_the_hard_time_limit_as_failed_and_sweeps_it(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    upload = _create(world, GOOD)
    tasks.check_adl_upload(upload.pk)  # the sweep leaves a finished upload alone
    fresh = _create(world, GOOD)
    AdlUpload.objects.filter(pk=fresh.pk).update(
        status=AdlUpload.Status.CHECKING, started_at=timezone.now()
    )
    stuck = _create(world, GOOD)
    began = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    AdlUpload.objects.filter(pk=stuck.pk).update(status=AdlUpload.Status.CHECKING, started_at=began)
    client = signed_in(world.cde_admin)
    url = reverse("adl_upload_detail", args=[stuck.pk])

    poll = client.get(url, headers={"HX-Request": "true"})
    assert poll.status_code == 204  # not working any more: the page reloads
    page = client.get(url).content.decode()
    assert "Failed: nothing was loaded" in page
    assert STOPPED in page
    assert "<progress" not in page

    assert tasks.fail_stalled_adl_uploads() == 1
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert (stuck.status, stuck.failure) == (AdlUpload.Status.FAILED, STOPPED)
    assert fresh.status == AdlUpload.Status.CHECKING
    assert AdlUpload.objects.get(pk=upload.pk).status == AdlUpload.Status.CHECKED
    assert tasks.fail_stalled_adl_uploads() == 0


def test_it_checks_a_valid_file_as_before(
    world: World, cohorts: dict[str, Cohort], django_capture_on_commit_callbacks: Any
) -> None:
    client: Client = signed_in(world.cde_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("adl_upload"), {"file": _file(GOOD), "year": "2024"})
    upload = AdlUpload.objects.get()
    assert upload.status == AdlUpload.Status.CHECKED
    assert upload.failure == ""
    assert upload.row_count == 2


# --- The bulk queue -----------------------------------------------------------------------


def test_it_routes_adl_work_to_the_bulk_queue_and_everything_else_to_the_default() -> None:
    def queue(task: str) -> str:
        return celery_app.amqp.router.route({}, task)["queue"].name

    assert queue("steps.tasks.check_adl_upload") == "bulk"
    assert queue("steps.tasks.apply_adl_upload") == "bulk"
    assert queue("reports.tasks.send_reminders_daily") == "celery"
    assert queue("steps.tasks.send_submission_email") == "celery"
    assert queue("steps.tasks.fail_stalled_adl_uploads") == "celery"


def test_every_worker_deployment_consumes_both_queues() -> None:
    procfile = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert "-Q celery,bulk" in procfile["worker"]

    services_ = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    consumed = {
        queue
        for service in services_.values()
        if " worker " in f" {service.get('command', '')} "
        for queue in service["command"].split("-Q ", 1)[1].split()[0].split(",")
    }
    assert consumed == {"celery", "bulk"}
    assert "-Q bulk" in services_["worker-bulk"]["command"]
