"""The Django admin leaves no way to change who sees what without an audit row."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from lea import services
from lea.models import AuditEvent, Membership, Organization, Role, User, role_group_name
from lea.services import LAST_LEAD
from tests.conftest import World, signed_in


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


# --- Every admin form that touches people, roles or groups -------------------------------
# Each test: the affected person has a session open before the change (their client), the
# CDE administrator makes the change through the admin's own form, and the person's
# access afterwards is exactly what the newest audit row says.


def _lea_page(client: Client, organization: Organization) -> int:
    return client.get(reverse("organization_members", args=[organization.pk])).status_code


def _person_form(person: User, memberships: list[Membership], **extra: object) -> dict:
    """The admin's change form for `person` as the browser posts it: the person's fields,
    then one inline row per existing role."""
    data: dict[str, object] = {
        "email": person.email,
        "full_name": person.full_name,
        "is_active": "on" if person.is_active else "",
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, membership in enumerate(memberships):
        data[f"memberships-{index}-id"] = str(membership.pk)
        data[f"memberships-{index}-user"] = str(person.pk)
    data.update(extra)
    return data


def _newest(verb: str) -> AuditEvent:
    return AuditEvent.objects.filter(verb=verb).latest("at", "pk")


def _role_groups(person: User) -> set[str]:
    return set(person.groups.values_list("name", flat=True))


def test_it_revokes_access_when_a_role_is_deleted_on_the_person_page(world: World) -> None:
    person, admin_client = world.lea_member, signed_in(world.cde_admin)
    open_session = signed_in(person)
    assert _lea_page(open_session, world.lea) == 200
    [membership] = person.memberships.all()

    response = admin_client.post(
        reverse("admin:lea_user_change", args=[person.pk]),
        _person_form(person, [membership], **{"memberships-0-DELETE": "on"}),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    event = _newest("membership.remove")
    assert event.actor == world.cde_admin
    assert event.organization == world.lea
    assert event.changes == {"user": [person.email, None], "role": [Role.LEA_MEMBER, None]}
    assert not person.memberships.exists()
    assert role_group_name(world.lea.pk, Role.LEA_MEMBER) not in _role_groups(person)
    assert _lea_page(open_session, world.lea) == 404
    assert _lea_page(signed_in(person), world.lea) == 404  # a new login too


def test_it_grants_access_when_a_role_is_added_on_the_person_page(world: World) -> None:
    person, admin_client = world.lea_member, signed_in(world.cde_admin)
    open_session = signed_in(person)
    assert _lea_page(open_session, world.lea2) == 404
    [membership] = person.memberships.all()
    data = _person_form(
        person,
        [membership],
        **{
            "memberships-TOTAL_FORMS": "2",
            "memberships-1-user": str(person.pk),
            "memberships-1-organization": str(world.lea2.pk),
            "memberships-1-role": Role.LEA_MEMBER,
        },
    )

    response = admin_client.post(reverse("admin:lea_user_change", args=[person.pk]), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    event = _newest("membership.create")
    assert (event.actor, event.organization) == (world.cde_admin, world.lea2)
    assert event.changes == {"user": [None, person.email], "role": [None, Role.LEA_MEMBER]}
    assert role_group_name(world.lea2.pk, Role.LEA_MEMBER) in _role_groups(person)
    assert _lea_page(open_session, world.lea2) == 200
    assert _lea_page(open_session, world.lea) == 200  # the role they had is kept


def test_it_keeps_the_last_lead_when_the_person_page_deletes_it(world: World) -> None:
    person, admin_client = world.lea_lead, signed_in(world.cde_admin)
    open_session = signed_in(person)
    [membership] = person.memberships.all()
    before = AuditEvent.objects.count()

    response = admin_client.post(
        reverse("admin:lea_user_change", args=[person.pk]),
        _person_form(person, [membership], **{"memberships-0-DELETE": "on"}),
        follow=True,
    )

    assert LAST_LEAD.format(organization=world.lea) in response.content.decode()
    assert person.memberships.get() == membership
    assert not AuditEvent.objects.filter(pk__gt=0, verb="membership.remove").exists()
    assert AuditEvent.objects.count() == before
    assert _lea_page(open_session, world.lea) == 200


def test_it_adds_a_person_with_a_role_through_the_services(world: World) -> None:
    admin_client = signed_in(world.cde_admin)
    response = admin_client.post(
        reverse("admin:lea_user_add"),
        {
            "email": "New.Person@Example.org",
            "full_name": "Nia New",
            "password1": "a-long-pass-phrase-7",
            "password2": "a-long-pass-phrase-7",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-organization": str(world.lea.pk),
            "memberships-0-role": Role.LEA_MEMBER,
            # Forged: none of these is on the form, and none may take effect.
            "is_superuser": "on",
            "is_staff": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    person = User.objects.get(email="new.person@example.org")
    assert (person.is_superuser, person.is_staff) == (False, False)
    assert _newest("user.create").target == person
    assert _newest("user.create").actor == world.cde_admin
    created = _newest("membership.create")
    assert (created.actor, created.organization) == (world.cde_admin, world.lea)
    assert created.changes == {"user": [None, person.email], "role": [None, Role.LEA_MEMBER]}
    assert _role_groups(person) == {role_group_name(world.lea.pk, Role.LEA_MEMBER)}
    assert _lea_page(signed_in(person), world.lea) == 200


def test_it_refuses_superuser_staff_and_groups_from_the_person_page(world: World) -> None:
    person, admin_client = world.lea_member, signed_in(world.cde_admin)
    open_session = signed_in(person)
    url = reverse("admin:lea_user_change", args=[person.pk])
    page = admin_client.get(url).content.decode()
    for field in ("is_superuser", "groups", "user_permissions"):
        assert f'name="{field}"' not in page
    assert 'name="is_staff"' not in page  # shown, read-only
    foreign_group = Group.objects.get(name=role_group_name(world.foreign_lea.pk, Role.LEA_LEAD))
    before = _role_groups(person)
    [membership] = person.memberships.all()

    response = admin_client.post(
        url,
        _person_form(
            person,
            [membership],
            is_superuser="on",
            is_staff="on",
            groups=str(foreign_group.pk),
            user_permissions=str(Permission.objects.get(codename="view_engagement").pk),
        ),
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.is_superuser, person.is_staff) == (False, False)
    assert _role_groups(person) == before
    assert not person.user_permissions.exists()
    assert _lea_page(open_session, world.foreign_lea) == 404


def test_it_refuses_privileged_fields_in_the_service(world: World) -> None:
    for field in ("is_superuser", "is_staff", "groups", "user_permissions", "password"):
        with pytest.raises(PermissionDenied):
            services.user_update(actor=world.cde_admin, user=world.lea_member, changed=[field])


def test_it_deactivates_from_the_person_page_through_the_service(world: World) -> None:
    person, admin_client = world.lea_member, signed_in(world.cde_admin)
    open_session = signed_in(person)
    [membership] = person.memberships.all()

    response = admin_client.post(
        reverse("admin:lea_user_change", args=[person.pk]),
        _person_form(person, [membership], is_active="", full_name="Sam Renamed"),
    )

    assert response.status_code == 302
    assert _newest("user.deactivate").changes == {"is_active": [True, False]}
    assert _newest("user.change").changes == {"full_name": [person.full_name, "Sam Renamed"]}
    assert open_session.get(reverse("organization_members", args=[world.lea.pk])).status_code == 302


def test_it_keeps_superuser_accounts_out_of_a_cde_admins_reach(world: World) -> None:
    root = User.objects.create_superuser("root@example.org", "a-long-pass-phrase-7")
    admin_client = signed_in(world.cde_admin)
    change = admin_client.post(
        reverse("admin:lea_user_change", args=[root.pk]),
        _person_form(root, [], full_name="Taken Over"),
    )
    assert change.status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[root.pk])
    response = admin_client.post(
        password_url, {"password1": "taken-over-pass-9", "password2": "taken-over-pass-9"}
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.full_name == ""
    assert root.check_password("a-long-pass-phrase-7")


def test_it_audits_the_admins_password_change(world: World) -> None:
    person, admin_client = world.lea_member, signed_in(world.cde_admin)
    open_session = signed_in(person)
    assert _lea_page(open_session, world.lea) == 200

    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[person.pk]),
        {"password1": "a-new-pass-phrase-8", "password2": "a-new-pass-phrase-8",
         "usable_password": "true"},
    )  # fmt: skip

    assert response.status_code == 302, response.content.decode()[:2000]
    event = _newest("user.password_change")
    assert (event.actor, event.target) == (world.cde_admin, person)
    assert event.changes == {"via": [None, "admin"], "usable": [None, True]}
    person.refresh_from_db()
    assert person.check_password("a-new-pass-phrase-8")
    # The person's open session ended with the old password.
    assert open_session.get(reverse("organization_members", args=[world.lea.pk])).status_code == 302


def test_it_audits_nothing_for_a_refused_password_change(world: World) -> None:
    admin_client = signed_in(world.cde_admin)
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[world.lea_member.pk]),
        {"password1": "short", "password2": "short", "usable_password": "true"},
    )
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(verb="user.password_change").exists()


def test_it_revokes_access_when_the_membership_page_deletes_a_role(world: World) -> None:
    person, admin_client = world.lea_member, signed_in(world.cde_admin)
    open_session = signed_in(person)
    [membership] = person.memberships.all()

    response = admin_client.post(
        reverse("admin:lea_membership_delete", args=[membership.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert _newest("membership.remove").changes == {
        "user": [person.email, None],
        "role": ["lea_member", None],
    }
    assert _lea_page(open_session, world.lea) == 404


def test_it_revokes_access_when_the_membership_list_deletes_roles(world: World) -> None:
    person, admin_client = world.lea_member, signed_in(world.cde_admin)
    open_session = signed_in(person)
    [membership] = person.memberships.all()

    response = admin_client.post(
        reverse("admin:lea_membership_changelist"),
        {"action": "delete_selected", "_selected_action": [str(membership.pk)], "post": "yes"},
    )

    assert response.status_code == 302
    assert _newest("membership.remove").changes == {
        "user": [person.email, None],
        "role": ["lea_member", None],
    }
    assert _lea_page(open_session, world.lea) == 404


def test_it_grants_access_when_the_membership_page_adds_a_role(world: World) -> None:
    person, admin_client = world.outsider, signed_in(world.cde_admin)
    open_session = signed_in(person)
    assert _lea_page(open_session, world.lea) == 404

    response = admin_client.post(
        reverse("admin:lea_membership_add"),
        {"user": str(person.pk), "organization": str(world.lea.pk), "role": "lea_member"},
    )

    assert response.status_code == 302
    event = _newest("membership.create")
    assert (event.actor, event.organization) == (world.cde_admin, world.lea)
    assert _lea_page(open_session, world.lea) == 200
