"""The Data Drill Down page (steps/views/drilldown.py): upload, tables, who sees what."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import Client
from django.urls import reverse

from cim.models import Cohort
from cim.uploads import FILE_TOO_BIG
from steps.drilldown import COLUMNS, KEY_TWICE, read_extract
from steps.models import DrillDown, Engagement, Submission
from steps.views.drilldown import UPLOADED
from tests.conftest import World, signed_in
from tests.steps.drilldown_files import HAND, many, rows_csv
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db


@pytest.fixture
def engagement(world: World, cohorts: dict[str, Cohort]) -> Engagement:
    return start(world.lea, cohorts["targeted"], level=1)


def _page(engagement: Engagement) -> str:
    return reverse("drilldown_detail", args=[engagement.pk])


def _post(client: Client, engagement: Engagement, content: bytes, name: str = "x.csv"):
    return client.post(
        reverse("drilldown_upload", args=[engagement.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )


def _submitted(engagement: Engagement) -> None:
    made = Submission.objects.create(engagement=engagement, step=1, routed_to="SELPA")
    Submission.objects.filter(pk=made.pk).update(state="submitted", current_version=1)


def test_it_checks_scope(world: World, engagement: Engagement) -> None:
    client = signed_in(world.foreign_lea_lead)
    assert client.get(_page(engagement)).status_code == 404
    assert _post(client, engagement, HAND.encode()).status_code == 404
    assert not DrillDown.objects.exists()


def test_it_requires_the_lea_team(world: World, engagement: Engagement) -> None:
    client = signed_in(world.selpa_reviewer)
    # Before Step 1 is submitted, the tables have not left the team.
    assert client.get(_page(engagement)).status_code == 404
    assert _post(client, engagement, HAND.encode()).status_code == 403
    assert not DrillDown.objects.exists()


def test_it_uploads_and_shows_the_team_exact_counts(world: World, engagement) -> None:
    client = signed_in(world.lea_member)
    page = client.get(_page(engagement))
    assert page.status_code == 200
    assert reverse("drilldown_template") in page.content.decode()
    response = _post(client, engagement, HAND.encode())
    assert response.status_code == 302
    page = client.get(_page(engagement))
    text = page.content.decode()
    assert UPLOADED in text
    assert "From a file of 8 students" in text
    # Suspended more than 10 days, by English learner: yes 1 of 2 (exact for the team)
    assert '<th scope="row">Hispanic or Latino</th>' in text
    assert "n&lt;11" not in text.split("<h1")[1].split("From a file")[1]


def test_it_shows_everyone_else_suppressed_tables_after_submission(
    world: World, engagement: Engagement
) -> None:
    rows = many(40, race_ethnicity="hispanic_latino") + many(3, race_ethnicity="asian")
    _post(signed_in(world.lea_lead), engagement, rows_csv(rows))
    _submitted(engagement)
    text = signed_in(world.selpa_reviewer).get(_page(engagement)).content.decode()
    assert "n&lt;11" in text
    assert "Upload the extract" not in text
    assert ">3<" not in text  # the 3 Asian students' count


def test_it_lists_the_problems_of_a_bad_file(world: World, engagement: Engagement) -> None:
    bad = HAND.replace("s2,Oak,tk", "s1,Oak,tk").encode()
    response = _post(signed_in(world.lea_lead), engagement, bad)
    assert response.status_code == 400
    assert KEY_TWICE.format(row=2) in response.content.decode()
    assert not DrillDown.objects.exists()


def test_it_keeps_the_file_in_memory_never_in_a_temporary_file(
    world: World, engagement: Engagement, settings, monkeypatch
) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # Django would spill this file to disk

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a temporary file was made")

    monkeypatch.setattr(TemporaryUploadedFile, "__init__", refuse)
    assert _post(signed_in(world.lea_lead), engagement, HAND.encode()).status_code == 302
    assert DrillDown.objects.get().row_count == 8


def test_it_stops_a_file_over_the_size_bound(world: World, engagement, settings) -> None:
    settings.DRILLDOWN_MAX_BYTES = 100
    response = _post(signed_in(world.lea_lead), engagement, HAND.encode())
    assert response.status_code == 400
    assert FILE_TOO_BIG.format(limit="100 bytes") in response.content.decode()
    # A request whose length alone is past the bound is not read into memory at all.
    response = _post(signed_in(world.lea_lead), engagement, rows_csv(many(1_200)))
    assert response.status_code == 400
    assert FILE_TOO_BIG.format(limit="100 bytes") in response.content.decode()
    assert not DrillDown.objects.exists()


def test_it_offers_a_template_the_upload_reads(world: World) -> None:
    response = signed_in(world.lea_member).get(reverse("drilldown_template"))
    assert response["Content-Disposition"] == 'attachment; filename="drill-down-template.csv"'
    content = response.content
    assert next(csv.reader(io.StringIO(content.decode("utf-8-sig")))) == list(COLUMNS)
    assert read_extract(content).is_valid


def test_it_links_the_page_from_the_data_drill_down(world: World, engagement) -> None:
    page = signed_in(world.lea_lead).get(
        reverse("activity_detail", args=[engagement.pk, "data_drill_down"])
    )
    assert _page(engagement) in page.content.decode()


def test_it_offers_the_tables_as_csv_suppressed_whoever_downloads_them(
    world: World, engagement: Engagement
) -> None:
    rows = many(40, race_ethnicity="hispanic_latino") + many(3, race_ethnicity="asian")
    _post(signed_in(world.lea_lead), engagement, rows_csv(rows))
    url = reverse("drilldown_csv", args=[engagement.pk])
    # Before Step 1 is submitted, the tables have not left the team.
    assert signed_in(world.selpa_reviewer).get(url).status_code == 404
    _submitted(engagement)

    for person in (world.lea_member, world.selpa_reviewer):
        response = signed_in(person).get(url)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        table = list(csv.DictReader(io.StringIO(response.content.decode())))
        race = {row["group"]: row for row in table if row["measure"] == "suspended_over_10"
                and row["dimension"] == "race_ethnicity"}  # fmt: skip
        assert race["asian"]["suppressed"] == "yes"
        assert race["asian"]["denominator"] == ""
        # Only one group was small: the next smallest is hidden with it.
        assert race["hispanic_latino"]["suppressed"] == "yes"
    assert signed_in(world.foreign_lea_lead).get(url).status_code == 404
