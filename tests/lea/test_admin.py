"""The Django admin leaves no way to change who sees what without an audit row."""

from django.test import Client

from lea.models import Organization, User
from tests.conftest import World


def test_it_has_no_hand_edited_grants(admin_client: Client, world: World) -> None:
    organization = Organization.objects.get(pk=world.lea.pk)
    assert admin_client.get("/admin/auth/group/").status_code == 404
    assert (
        admin_client.get(f"/admin/lea/organization/{organization.pk}/permissions/").status_code
        != 200
    )


def test_it_deactivates_people_rather_than_deleting_them(
    admin_client: Client, world: World
) -> None:
    response = admin_client.get(f"/admin/lea/user/{world.lea_member.pk}/delete/")
    assert response.status_code == 403
    assert User.objects.filter(pk=world.lea_member.pk).exists()
