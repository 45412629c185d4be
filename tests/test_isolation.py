"""No role reads or writes another tenant's objects, on any URL of the project.

The URL patterns come from the URLconf itself. Every named pattern must be listed here,
either with the foreign objects to request or as one that carries no tenant object; a
new URL that is in neither list fails the test until someone decides which it is.
"""

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lea import services
from lea.models import Invitation, Role, User
from steps.models import AdlUpload
from tests.conftest import World

pytestmark = pytest.mark.django_db

# Pages that carry no tenant object in their URL: what they show is scoped by the
# user's session (and tested in the views' own test files).
NO_TENANT_OBJECT = {
    "healthz",
    "home",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "session_keepalive",
    "invitation_accept",  # a secret token, tested in tests/lea
    "organization_list",
    "people_list",
    "adl_upload",  # CDE administrators only: 403 for everyone else
    "adl_template",
    "cim_status",  # scoped by engagements_for(user); tested in tests/steps
    "cim_status_csv",
}

Kwargs = dict[str, object]


def _foreign_invitation(world: World) -> Invitation:
    return services.invitation_create(
        actor=world.foreign_lea_lead,
        organization=world.foreign_lea,
        email="foreign-invitee@example.org",
        role=Role.LEA_MEMBER,
    )


def _home_org_foreign_child(world: World, key: str) -> Kwargs:
    """The user's own organisation with a child object of another organisation."""
    if key == "invitation_id":
        return {"organization_id": world.lea.pk, key: _foreign_invitation(world).pk}
    return {"organization_id": world.lea.pk, key: world.foreign_lea_lead.memberships.get().pk}


def _adl_upload(world: World) -> Kwargs:
    content = b"cds_code\r\n"
    upload = AdlUpload.objects.create(
        content=content,
        file_name="adl.csv",
        size=len(content),
        year=2024,
        uploaded_by=world.cde_admin,
    )
    return {"upload_id": upload.pk}


def _foreign_engagement(world: World) -> Kwargs:
    from tests.cim.catalog import load_2024
    from tests.steps.engagements import start

    engagement = start(world.foreign_lea, load_2024()["targeted"], level=3)
    return {"engagement_id": engagement.pk}


def _foreign_activity(world: World) -> dict[str, object]:
    return {**_foreign_engagement(world), "activity_key": "parent_input"}


# For each URL name: ways to point it at another tenant's objects.
FOREIGN_OBJECTS: dict[str, list[Callable[[World], Any]]] = {
    "organization_members": [lambda w: {"organization_id": w.foreign_lea.pk}],
    "invitation_create": [lambda w: {"organization_id": w.foreign_lea.pk}],
    "invitation_resend": [
        lambda w: {"organization_id": w.foreign_lea.pk, "invitation_id": _foreign_invitation(w).pk},
        lambda w: _home_org_foreign_child(w, "invitation_id"),
    ],
    "invitation_revoke": [
        lambda w: {"organization_id": w.foreign_lea.pk, "invitation_id": _foreign_invitation(w).pk},
        lambda w: _home_org_foreign_child(w, "invitation_id"),
    ],
    "membership_remove": [
        lambda w: {
            "organization_id": w.foreign_lea.pk,
            "membership_id": w.foreign_lea_lead.memberships.get().pk,
        },
        lambda w: _home_org_foreign_child(w, "membership_id"),
    ],
    "person_detail": [lambda w: {"user_id": w.foreign_lea_lead.pk}],
    "person_set_active": [lambda w: {"user_id": w.foreign_lea_lead.pk}],
    # Statewide uploads belong to CDE: every tenant role is an outsider to them.
    "adl_upload_detail": [_adl_upload],
    "adl_upload_apply": [_adl_upload],
    "adl_upload_errors": [_adl_upload],
    "engagement_workspace": [_foreign_engagement],
    "activity_detail": [_foreign_activity],
    "activity_set_aside": [_foreign_activity],
    "activity_history": [_foreign_activity],
    "activity_checklist": [_foreign_activity],
}
# Structured parts of the activity forms list their URLs in tests/steps/isolation_*.py.
for _module in sorted(Path(__file__).parent.glob("steps/isolation_*.py")):
    FOREIGN_OBJECTS.update(importlib.import_module(f"tests.steps.{_module.stem}").FOREIGN_OBJECTS)

# Roles whose tenant is the home SELPA/LEA; CDE roles are statewide by design and are
# covered by the admin and people tests instead.
TENANT_ROLES = ("lea_lead", "lea_member", "selpa_reviewer", "outsider")


def _named_patterns(patterns: list, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_patterns(entry.url_patterns, inner)
        else:
            yield f"{namespace}{entry.name or ''}", entry


def project_url_names() -> set[str]:
    return {
        name
        for name, _ in _named_patterns(get_resolver().url_patterns)
        if not name.startswith("admin:")
    }


def test_it_covers_every_url_of_the_project() -> None:
    names = project_url_names()
    unnamed = {name for name in names if not name or name.endswith(":")}
    assert not unnamed, "Every URL pattern needs a name so this test can cover it."
    uncovered = names - NO_TENANT_OBJECT - FOREIGN_OBJECTS.keys()
    assert not uncovered, (
        f"Decide how these URLs are scoped and list them here: {sorted(uncovered)}"
    )
    assert not (FOREIGN_OBJECTS.keys() - names), "Listed URLs that no longer exist."


@pytest.mark.parametrize("role", TENANT_ROLES)
@pytest.mark.parametrize("url_name", sorted(FOREIGN_OBJECTS))
def test_it_answers_404_for_another_tenants_objects(world: World, role: str, url_name: str) -> None:
    user: User = getattr(world, role)
    client = Client()
    client.force_login(user)
    for make_kwargs in FOREIGN_OBJECTS[url_name]:
        url = reverse(url_name, kwargs=make_kwargs(world))
        statuses = {method: getattr(client, method)(url).status_code for method in ("get", "post")}
        # 405 means the method is refused before any object is looked at.
        assert set(statuses.values()) <= {404, 405}, f"{role} {url}: {statuses}"
        assert 404 in statuses.values(), f"{role} {url}: {statuses}"


def test_it_keeps_the_django_admin_to_cde_administrators(world: World) -> None:
    url = reverse("admin:lea_organization_change", args=[world.foreign_lea.pk])
    for role in (*TENANT_ROLES, "cde_consultant"):
        client = Client()
        client.force_login(getattr(world, role))
        response = client.get(url)
        assert response.status_code == 302, role
        assert response["Location"].startswith(reverse("admin:login"))
    admin = Client()
    admin.force_login(world.cde_admin)
    assert admin.get(url).status_code == 200


def test_it_opens_the_admin_pages_a_cde_administrator_needs(world: World) -> None:
    admin = Client()
    admin.force_login(world.cde_admin)
    for url in (
        reverse("admin:lea_organization_add"),
        reverse("admin:lea_membership_add"),
        reverse("admin:lea_user_change", args=[world.lea_member.pk]),
        reverse("admin:lea_auditevent_changelist"),
    ):
        assert admin.get(url).status_code == 200, url
    page = admin.get(reverse("admin:lea_organization_change", args=[world.lea.pk]))
    assert "Change organization" in page.content.decode()
