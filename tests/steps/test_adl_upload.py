"""The web ADL upload: check in the background, preview per LEA, apply on confirmation."""

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cim.adl import FILE_NOT_TABLE
from cim.models import Cohort
from steps.forms import NOT_CSV_OR_XLSX
from steps.models import AdlUpload, Engagement
from tests.conftest import World
from tests.steps.adl_files import csv_file, row, xlsx_file

pytestmark = pytest.mark.django_db

GOOD = csv_file(
    row("4410017", "Seaside Unified", tier="Targeted", level="3", unmet="4A; 8"),
    row("4410025", "Dune Valley Elementary", tier="Universal", level="", new="no"),
)
BAD = csv_file(
    row("44A0017", "Letter In Code", tier="Targeted", level="2"),
    row("4410033", "No Level", tier="Intensive", level=""),
)


def _admin(world: World) -> Client:
    client = Client()
    client.force_login(world.cde_admin)
    return client


def _upload(client: Client, content: bytes, name: str = "adl-2024.csv") -> Any:
    return client.post(
        reverse("adl_upload"), {"file": SimpleUploadedFile(name, content), "year": "2024"}
    )


def _detail(client: Client) -> str:
    upload = AdlUpload.objects.latest("uploaded_at")
    return client.get(reverse("adl_upload_detail", args=[upload.pk])).content.decode()


def test_it_previews_then_applies_a_file(
    world: World, cohorts: dict[str, Cohort], django_capture_on_commit_callbacks: Any
) -> None:
    client = _admin(world)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, GOOD)
    page = _detail(client)
    assert "What loading this file will do" in page
    assert "Seaside Unified" in page
    assert not Engagement.objects.exists()

    upload = AdlUpload.objects.get()
    assert upload.status == AdlUpload.Status.CHECKED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("adl_upload_apply", args=[upload.pk]))
    page = _detail(client)
    upload.refresh_from_db()
    assert upload.status == AdlUpload.Status.APPLIED
    assert upload.applied_by == world.cde_admin
    assert "What the load did" in page
    assert Engagement.objects.get().lea.name == "Seaside Unified"


def test_it_refuses_to_apply_twice(
    world: World, cohorts: dict[str, Cohort], django_capture_on_commit_callbacks: Any
) -> None:
    client = _admin(world)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, GOOD)
    upload = AdlUpload.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("adl_upload_apply", args=[upload.pk]))
    page = client.post(reverse("adl_upload_apply", args=[upload.pk]), follow=True).content.decode()
    assert "cannot be applied now: it is applied" in page
    assert Engagement.objects.count() == 1


def test_it_lists_every_error_and_offers_them_as_csv(
    world: World, cohorts: dict[str, Cohort], django_capture_on_commit_callbacks: Any
) -> None:
    client = _admin(world)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, BAD)
    page = _detail(client)
    upload = AdlUpload.objects.get()
    assert upload.status == AdlUpload.Status.INVALID
    assert "2 errors: nothing was loaded" in page
    assert "row 2, cds_code:" in page
    assert "row 3, level:" in page
    assert "Apply this file" not in page

    response = client.get(reverse("adl_upload_errors", args=[upload.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["row", "column", "message"]
    assert [r[:2] for r in rows[1:]] == [["2", "cds_code"], ["3", "level"]]


def test_it_accepts_an_excel_workbook(
    world: World, cohorts: dict[str, Cohort], django_capture_on_commit_callbacks: Any
) -> None:
    content = xlsx_file(row("4410017", "Seaside Unified", tier="Targeted", level="1"))
    with django_capture_on_commit_callbacks(execute=True):
        _upload(_admin(world), content, name="adl.xlsx")
    assert AdlUpload.objects.get().status == AdlUpload.Status.CHECKED


def test_it_refuses_a_file_that_is_not_csv_or_xlsx(world: World) -> None:
    response = _upload(_admin(world), b"%PDF-1.7", name="letter.pdf")
    assert response.status_code == 400
    assert NOT_CSV_OR_XLSX in response.content.decode()
    assert not AdlUpload.objects.exists()


def test_it_reports_a_csv_name_on_a_binary_file_in_plain_words(
    world: World, cohorts: dict[str, Cohort], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _upload(_admin(world), b"\x89PNG\r\n\x1a\n\x00\x00", name="adl.csv")
    upload = AdlUpload.objects.get()
    assert upload.status == AdlUpload.Status.INVALID
    assert upload.errors == [{"row": 1, "column": "file", "message": FILE_NOT_TABLE}]


def test_it_polls_progress_and_refreshes_when_done(
    world: World, cohorts: dict[str, Cohort], django_capture_on_commit_callbacks: Any
) -> None:
    client = _admin(world)
    _upload(client, GOOD)  # no worker ran: the upload waits in the queue
    upload = AdlUpload.objects.get()
    url = reverse("adl_upload_detail", args=[upload.pk])
    partial = client.get(url, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert b"<progress" in partial.content
    assert b"<html" not in partial.content

    from steps import services

    services.adl_upload_check(upload=upload)
    done = client.get(url, headers={"HX-Request": "true"})
    assert done.status_code == 204
    assert done["HX-Refresh"] == "true"


def test_it_keeps_the_history(world: World, cohorts: dict[str, Cohort]) -> None:
    client = _admin(world)
    _upload(client, GOOD, name="first.csv")
    _upload(client, BAD, name="second.csv")
    page = client.get(reverse("adl_upload")).content.decode()
    assert page.index("second.csv") < page.index("first.csv")
    assert "Alex Admin" in page


def test_it_offers_the_template(world: World) -> None:
    response = _admin(world).get(reverse("adl_template"))
    header = response.content.decode().lstrip("\ufeff").splitlines()[0]
    assert header.startswith("cds_code,lea_name,selpa_code")


def test_it_requires_cde_admin(world: World) -> None:
    for role in ("cde_consultant", "selpa_reviewer", "lea_lead"):
        client = Client()
        client.force_login(getattr(world, role))
        assert client.get(reverse("adl_upload")).status_code == 403
        assert client.post(reverse("adl_upload"), {"year": "2024"}).status_code == 403


def test_it_checks_scope(world: World) -> None:
    upload = AdlUpload.objects.create(
        content=GOOD, file_name="x.csv", size=len(GOOD), year=2024, uploaded_by=world.cde_admin
    )
    client = Client()
    client.force_login(world.selpa_reviewer)
    assert client.get(reverse("adl_upload_detail", args=[upload.pk])).status_code == 404
    assert client.post(reverse("adl_upload_apply", args=[upload.pk])).status_code == 404
