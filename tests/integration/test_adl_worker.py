"""A hostile ADL file through a real worker: the check runs on the bulk queue, which the
worker takes, and ends refused with its reason instead of hanging at "Checking"."""

import time

import pytest

from steps import services
from steps.models import AdlUpload
from tests.cim.catalog import load_2024
from tests.conftest import build_world
from tests.integration.conftest import Worker
from tests.steps.adl_files import csv_file, row

# serialized_rollback: see tests/browser/test_pages.py.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _wait_until_done(upload: AdlUpload, worker: Worker, timeout: float = 60) -> AdlUpload:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        upload.refresh_from_db()
        if not upload.is_working:
            return upload
        time.sleep(0.2)
    pytest.fail(f"The upload is still {upload.status}. The worker's log:\n{worker.log.read_text()}")


def test_it_refuses_a_ten_megabyte_cell_on_the_bulk_queue(celery_worker: Worker) -> None:
    world = build_world()
    load_2024()
    cells = [row("4410017", "Seaside Unified"), row("4410025", "x" * (10 * 1024 * 1024))]

    upload = services.adl_upload_create(
        actor=world.cde_admin, file_name="hostile.csv", content=csv_file(*cells), year=2024
    )

    upload = _wait_until_done(upload, celery_worker)
    assert upload.status == AdlUpload.Status.INVALID
    assert upload.errors[0]["row"] == 3
    assert upload.errors[0]["column"] == "lea_name"
    assert upload.errors[0]["message"].startswith("This cell has 10,485,760 characters")
    assert "bulk" in celery_worker.log.read_text()
