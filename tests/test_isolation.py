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
from pytest_django import DjangoDbBlocker

from lea import services
from lea.models import Invitation, Role, User
from steps.models import AdlUpload
from tests.conftest import World
from tests.steps.isolation_problem_areas import engagement_of

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
    "drilldown_template",  # the same blank template for everyone
    "cim_status",  # scoped by status_engagements_for(user); tested in tests/steps
    "cim_status_csv",
    "review_queue",  # scoped by access.review_queue_for(user); tested in tests/steps
    "status_grid",  # scoped by status_engagements_for(user); tested in tests/steps
    "status_grid_csv",
    "status_grid_xlsx",
    "calendar_feed_ics",  # a secret token, tested in tests/reports/test_calendar.py
    "reminder_settings",  # the user's own account
    "second_factor_enrol",  # the user's own account
    "second_factor_recovery_codes",
    "second_factor_renew_recovery_codes",
    "second_factor_turn_off",
    "second_factor_verify",
    "consultant_assignments",  # CDE administrators only: 403 for everyone else
    "consultant_unassign",  # 403 to every non-administrator before the id is looked up
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
    return {"engagement_id": engagement_of(world.foreign_lea).pk}


def _foreign_activity(world: World) -> dict[str, object]:
    return {**_foreign_engagement(world), "activity_key": "parent_input"}


def _foreign_submission(world: World) -> dict[str, object]:
    """A submission of the foreign LEA with a reviewer's comment on it (made once)."""
    from cim.models import ActivityDefinition
    from steps import services as step_services
    from steps.models import ActivityRecord, Comment

    engagement = engagement_of(world.foreign_lea)
    made = Comment.objects.filter(version__submission__engagement=engagement).first()
    if made is not None:
        return {"submission_id": made.version.submission_id, "number": 1, "comment_id": made.pk}
    record = ActivityRecord.objects.get(
        engagement=engagement, definition__key="policies_procedures_review"
    )
    step_services.record_save_answers(
        actor=world.foreign_lea_lead, record=record, expected_version=record.version,
        answers={"summary": "Policy revised."},
    )  # fmt: skip
    version = step_services.submission_submit(
        actor=world.foreign_lea_lead, engagement=engagement, step=1,
        activity=ActivityDefinition.objects.get(
            cohort=engagement.cohort, key="policies_procedures_review"
        ),
        confirmation_name="Drew Foreign Lead",
    )  # fmt: skip
    comment = version.comments.create(author=world.cde_admin, kind="comment", body="A note.")
    return {"submission_id": version.submission_id, "number": 1, "comment_id": comment.pk}


def _only(*keys: str) -> Callable[[World], Any]:
    def make(world: World) -> dict[str, object]:
        found = _foreign_submission(world)
        return {key: found[key] for key in keys}

    return make


@pytest.fixture(scope="module")
def _engagements(module_world: World, django_db_blocker: DjangoDbBlocker) -> None:
    """The home and foreign LEAs' engagements and the foreign submission, made once for the
    module (tests/module_data.py); every maker here and in the isolation_*.py modules finds
    them instead of starting an engagement for each test."""
    with django_db_blocker.unblock():
        engagement_of(module_world.lea)
        _foreign_submission(module_world)


@pytest.fixture(autouse=True)
def _made_once(_engagements: None) -> None:
    """Every test of the module shares the engagements (and so the module's data)."""


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
    "organization_access_record": [lambda w: {"organization_id": w.foreign_lea.pk}],
    "organization_access_record_csv": [lambda w: {"organization_id": w.foreign_lea.pk}],
    "person_detail": [lambda w: {"user_id": w.foreign_lea_lead.pk}],
    "person_set_active": [lambda w: {"user_id": w.foreign_lea_lead.pk}],
    "person_second_factor_reset": [lambda w: {"user_id": w.foreign_lea_lead.pk}],
    # Statewide uploads belong to CDE: every tenant role is an outsider to them.
    "adl_upload_detail": [_adl_upload],
    "adl_upload_apply": [_adl_upload],
    "adl_upload_errors": [_adl_upload],
    "engagement_workspace": [_foreign_engagement],
    "determination_selpa_reports": [_foreign_engagement],
    "determination_srr_finding": [_foreign_engagement],
    "engagement_prior_plan": [_foreign_engagement],
    "drilldown_detail": [_foreign_engagement],
    "drilldown_upload": [_foreign_engagement],
    "drilldown_cite": [_foreign_engagement],
    "drilldown_csv": [_foreign_engagement],
    "drilldown_citation_remove": [lambda w: {**_foreign_engagement(w), "citation_id": 1}],
    "activity_detail": [_foreign_activity],
    "activity_set_aside": [_foreign_activity],
    "activity_history": [_foreign_activity],
    "activity_checklist": [_foreign_activity],
    "activity_presence": [_foreign_activity],
    "step_submit": [lambda w: {**_foreign_engagement(w), "step": 1}],
    "activity_submit": [
        lambda w: {**_foreign_engagement(w), "activity_key": "policies_procedures_review"}
    ],
    "submission_detail": [_only("submission_id")],
    "submission_version": [_only("submission_id", "number")],
    "submission_decide": [_only("submission_id")],
    "submission_undo": [_only("submission_id")],
    "submission_comment": [_only("submission_id")],
    "submission_reply": [_only("submission_id", "comment_id")],
    "engagement_calendar": [_foreign_engagement],
    "engagement_calendar_create": [_foreign_engagement],
    "engagement_calendar_revoke": [_foreign_engagement],
    "pdf_download": [_only("submission_id", "number")],
    "pdf_status": [_only("submission_id", "number")],
    "pdf_request": [_only("submission_id", "number")],
}
# Structured parts and Step 4 list their URLs in tests/<app>/isolation_*.py.
for _module in sorted(Path(__file__).parent.glob("*/isolation_*.py")):
    _name = f"tests.{_module.parent.name}.{_module.stem}"
    FOREIGN_OBJECTS.update(importlib.import_module(_name).FOREIGN_OBJECTS)

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


# URLs of one LEA's CIM work: a CDE consultant reads them only for LEAs assigned to them.
CIM_WORK_KEYS = {"engagement_id", "submission_id"}
CIM_WORK_URL_PREFIXES = (
    "engagement_", "activity_", "step_", "submission_", "data_source_", "finding_", "plan_",
    "pdf_", "progress_", "team_meeting_",
    "prioritization_", "problem_areas_", "root_causes_", "team_member_",
)  # fmt: skip


@pytest.mark.parametrize(
    "url_name",
    sorted(
        name for name, makers in FOREIGN_OBJECTS.items() if name.startswith(CIM_WORK_URL_PREFIXES)
    ),
)
def test_it_answers_404_to_a_consultant_not_assigned_to_the_lea(
    world: World, url_name: str
) -> None:
    client = Client()
    client.force_login(world.cde_consultant)
    for make_kwargs in FOREIGN_OBJECTS[url_name]:
        kwargs = make_kwargs(world)
        assert CIM_WORK_KEYS & kwargs.keys(), f"{url_name} names no engagement or submission"
        url = reverse(url_name, kwargs=kwargs)
        statuses = {method: getattr(client, method)(url).status_code for method in ("get", "post")}
        assert set(statuses.values()) <= {404, 405}, f"{url}: {statuses}"


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
