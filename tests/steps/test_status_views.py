"""The CIM status page and its CSV download, scoped to what the user may see."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from lea.models import User
from steps.models import Engagement
from steps.selectors import STATUS_COLUMNS
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db


@pytest.fixture
def engagements(world: World) -> list[Engagement]:
    cohorts = load_2024()
    return [
        start(world.lea, cohorts["targeted"]),
        start(world.lea2, cohorts["intensive"], level=3),
        start(world.foreign_lea, cohorts["targeted"], level=2),
    ]


def _csv_for(user: User) -> list[dict[str, str]]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("cim_status_csv"), {"year": "2024"})
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert text.splitlines()[0] == ",".join(STATUS_COLUMNS)
    return list(csv.DictReader(io.StringIO(text)))


def test_it_gives_an_lea_lead_only_their_leas_rows(
    world: World, engagements: list[Engagement]
) -> None:
    rows = _csv_for(world.lea_lead)
    assert rows
    assert {row["lea_name"] for row in rows} == {"Riverbend Unified"}


def test_it_gives_a_selpa_reviewer_its_leas(world: World, engagements: list[Engagement]) -> None:
    names = {row["lea_name"] for row in _csv_for(world.selpa_reviewer)}
    assert names == {"Riverbend Unified", "Oak Hollow Elementary"}


def test_it_gives_cde_the_state(world: World, engagements: list[Engagement]) -> None:
    names = {row["lea_name"] for row in _csv_for(world.cde_consultant)}
    assert names == {"Riverbend Unified", "Oak Hollow Elementary", "Harbor View Unified"}


def test_it_shows_the_rows_on_the_page(world: World, engagements: list[Engagement]) -> None:
    client = Client()
    client.force_login(world.lea_member)
    page = client.get(reverse("cim_status")).content.decode()
    assert "CIM status 2024" in page
    assert "Riverbend Unified" in page
    assert "Harbor View Unified" not in page
    assert "Download every activity of 2024 as CSV" in page


def test_it_links_the_leas_whose_work_the_user_may_read(
    world: World, engagements: list[Engagement]
) -> None:
    riverbend, _, harbor = engagements
    client = Client()
    client.force_login(world.cde_consultant)  # statewide status, no LEA assigned
    page = client.get(reverse("cim_status")).content.decode()
    assert "Harbor View Unified" in page
    assert reverse("engagement_workspace", args=[harbor.pk]) not in page
    client.force_login(world.cde_admin)
    page = client.get(reverse("cim_status")).content.decode()
    workspace = reverse("engagement_workspace", args=[riverbend.pk])
    assert f'<a href="{workspace}">Riverbend Unified</a>' in page


def test_it_checks_scope(world: World, engagements: list[Engagement]) -> None:
    assert _csv_for(world.outsider) == []
    client = Client()
    client.force_login(world.outsider)
    assert "No LEA you can see has CIM work" in client.get(reverse("cim_status")).content.decode()


def test_it_ignores_a_year_that_is_not_a_number(
    world: World, engagements: list[Engagement]
) -> None:
    client = Client()
    client.force_login(world.lea_lead)
    for year in ("²", "abc", "99999"):
        assert client.get(reverse("cim_status"), {"year": year}).status_code == 200
        assert client.get(reverse("cim_status_csv"), {"year": year}).status_code == 200
