"""Signed-in pages and every download say `Cache-Control: private, no-store`."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.cache import get_max_age

from tests.conftest import World, signed_in

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


@pytest.mark.parametrize(
    "name", ["home", "organization_list", "reminder_settings", "cim_status", "password_change"]
)
def test_it_marks_signed_in_pages_private(world: World, name: str) -> None:
    response = signed_in(world.lea_lead).get(reverse(name))
    assert response.status_code == 200
    assert _no_store(response)


def test_it_marks_the_members_page_and_the_admin_private(world: World) -> None:
    assert _no_store(
        signed_in(world.lea_lead).get(reverse("organization_members", args=[world.lea.pk]))
    )
    assert _no_store(signed_in(world.cde_admin).get("/admin/lea/user/"))


@pytest.mark.parametrize(
    "name", ["cim_status_csv", "status_grid_csv", "status_grid_xlsx", "adl_template"]
)
def test_it_marks_exports_private(world: World, name: str) -> None:
    response = signed_in(world.cde_admin).get(reverse(name))
    assert response.status_code == 200
    assert response.has_header("Content-Disposition")
    assert _no_store(response)
    assert get_max_age(response) in (None, 0)


def test_it_leaves_public_pages_alone(client: Client) -> None:
    response = client.get(reverse("password_reset"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
