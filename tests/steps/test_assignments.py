"""The consultant assignments page: CDE administrators assign FMTA consultants to LEAs one
by one or by CCSESA region, and no LEA whose work goes to CDE goes without one unseen."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from cim.models import ActivityDefinition, Cohort, MonitoringYear
from lea.models import AuditEvent, Organization, Role
from lea.services import membership_remove
from steps import access, services
from steps.models import ConsultantAssignment, Engagement, Submission
from steps.services import assignments as assignment_services
from steps.services.assignments import (
    NO_CDE_LEAS_IN_REGION,
    NO_LEAS,
    NO_SUCH_YEAR,
)
from steps.services.assignments import (
    NOT_A_CONSULTANT as SERVICE_NOT_A_CONSULTANT,
)
from steps.views.assignments import (
    CHOOSE_CONSULTANT,
    CHOOSE_REGION,
    NO_CODE,
    NO_YEAR,
    NOT_A_CODE,
    NOT_A_CONSULTANT,
    NOT_IN_CIM,
    AssignRegionForm,
)
from tests.cim.catalog import load_2024
from tests.conftest import World, signed_in
from tests.lea import factories
from tests.module_data import OwnCopy
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

PAGE = "consultant_assignments"


@pytest.fixture(scope="module")
def _engaged(module_world: World, django_db_blocker: DjangoDbBlocker) -> dict[str, Engagement]:
    """Riverbend (region 3) is Targeted Level 3, Oak Hollow (region 3) Targeted Level 1,
    Harbor View (region 11) Intensive: made once for the module's tests, in its transaction
    (tests/module_data.py)."""
    with django_db_blocker.unblock():
        cohorts = load_2024()
        return {
            "level3": start(module_world.lea, cohorts["targeted"], level=3),
            "level1": start(module_world.lea2, cohorts["targeted"], level=1),
            "intensive": start(module_world.foreign_lea, cohorts["intensive"], level=2),
        }


@pytest.fixture
def engaged(_engaged: dict[str, Engagement], own_copy: OwnCopy) -> dict[str, Engagement]:
    return own_copy(_engaged)


def _assign_one(client: Client, consultant: Any, code: Any, year: Any = 2024) -> Any:
    return client.post(
        reverse(PAGE) + "?year=2024",
        {"action": "one", "one-consultant": consultant, "one-cds_code": code, "one-year": year},
    )


def _assign_region(
    client: Client, consultant: Any, region: Any, *, cde_only: bool = True, year: Any = 2024
) -> Any:
    data = {
        "action": "region",
        "region-consultant": consultant,
        "region-region": region,
        "region-year": year,
    }
    if cde_only:
        data["region-cde_only"] = "on"
    return client.post(reverse(PAGE) + "?year=2024", data)


def _messages(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _needing(client: Client) -> set[str]:
    return {lea.name for lea in client.get(reverse(PAGE)).context["needing"]}


def _lea_in_region_3(world: World, cohort: Cohort, name: str, level: int = 3) -> Organization:
    lea = factories.lea(selpa=world.selpa, name=name)
    start(lea, cohort, level=level)
    return lea


def test_it_lists_level_3_and_intensive_leas_that_need_a_consultant(
    world: World, engaged: dict[str, Engagement]
) -> None:
    response = signed_in(world.cde_admin).get(reverse(PAGE))

    assert response.status_code == 200
    assert {lea.name for lea in response.context["needing"]} == {
        "Riverbend Unified",
        "Harbor View Unified",
    }
    page = response.content.decode()
    assert "LEAs that need a consultant: 2" in page
    assert "Targeted Level 3" in page
    assert "Intensive Level 2" in page


def test_it_links_each_lea_to_its_workspace_of_the_year(
    world: World, engaged: dict[str, Engagement]
) -> None:
    client = signed_in(world.cde_admin)
    _assign_one(client, world.cde_consultant.pk, world.lea.code)

    page = client.get(reverse(PAGE)).content.decode()

    # Harbor View needs a consultant; Riverbend has one now; Oak Hollow is in neither list.
    for key, name in (("intensive", "Harbor View Unified"), ("level3", "Riverbend Unified")):
        workspace = reverse("engagement_workspace", args=[engaged[key].pk])
        assert page.count(f'<a href="{workspace}">{name}</a>') == 1
    oak = reverse("engagement_workspace", args=[engaged["level1"].pk])
    assert f'<a href="{oak}">' not in page


def test_it_assigns_one_lea_by_cds_code(world: World, engaged: dict[str, Engagement]) -> None:
    client = signed_in(world.cde_admin)

    response = _assign_one(client, world.cde_consultant.pk, world.lea.code)

    assert response.status_code == 302
    assert response["Location"] == reverse(PAGE) + "?year=2024"
    assert _messages(response) == [
        f"Assigned Morgan Consultant to Riverbend Unified ({world.lea.code}) for 2024."
    ]
    assignment = ConsultantAssignment.objects.get()
    assert (assignment.consultant, assignment.lea, assignment.year.year) == (
        world.cde_consultant,
        world.lea,
        2024,
    )
    assert assignment.assigned_by == world.cde_admin
    assert _needing(client) == {"Harbor View Unified"}
    event = AuditEvent.objects.get(verb="consultant.assign")
    assert (event.actor, event.organization) == (world.cde_admin, world.lea)
    assert event.changes == {"consultant": [None, world.cde_consultant.email], "year": [None, 2024]}


def test_it_says_so_when_the_lea_already_has_that_consultant(
    world: World, engaged: dict[str, Engagement]
) -> None:
    client = signed_in(world.cde_admin)
    _assign_one(client, world.cde_consultant.pk, world.lea.code)

    client.get(reverse(PAGE))  # shows, and so clears, the first message
    pasted = f" {world.lea.code[:2]}-{world.lea.code[2:]} "

    response = _assign_one(client, world.cde_consultant.pk, pasted)

    assert _messages(response) == ["Morgan Consultant already reviews Riverbend Unified for 2024."]
    assert ConsultantAssignment.objects.count() == 1
    assert AuditEvent.objects.filter(verb="consultant.assign").count() == 1


def test_it_assigns_a_region_and_counts_those_already_assigned(
    world: World, engaged: dict[str, Engagement], cohorts: dict[str, Cohort]
) -> None:
    _lea_in_region_3(world, cohorts["intensive"], "Willow Creek Unified", level=1)
    client = signed_in(world.cde_admin)

    response = _assign_region(client, world.cde_consultant.pk, 3)

    # Only the LEAs whose work goes to CDE: Riverbend (L3) and Willow Creek (Intensive).
    assert _messages(response) == ["Assigned Morgan Consultant to 2 LEAs in region 3."]
    assigned = {a.lea.name for a in ConsultantAssignment.objects.select_related("lea")}
    assert assigned == {"Riverbend Unified", "Willow Creek Unified"}
    assert _needing(client) == {"Harbor View Unified"}

    response = _assign_region(client, world.cde_consultant.pk, 3, cde_only=False)

    assert _messages(response) == [
        "Assigned Morgan Consultant to 3 LEAs in region 3 (2 already were)."
    ]
    assert ConsultantAssignment.objects.count() == 3

    client.get(reverse(PAGE))
    response = _assign_region(client, world.cde_consultant.pk, 3, cde_only=False)

    assert _messages(response) == [
        "Assigned Morgan Consultant to 3 LEAs in region 3 (3 already were)."
    ]
    assert ConsultantAssignment.objects.count() == 3
    assert AuditEvent.objects.filter(verb="consultant.assign").count() == 3


def test_it_removes_an_assignment_and_audits_it(
    world: World, engaged: dict[str, Engagement]
) -> None:
    client = signed_in(world.cde_admin)
    _assign_one(client, world.cde_consultant.pk, world.lea.code)
    assignment = ConsultantAssignment.objects.get()
    page = client.get(reverse(PAGE)).content.decode()
    assert "Yes, remove Morgan Consultant from Riverbend Unified" in page

    response = client.post(reverse("consultant_unassign", args=[assignment.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse(PAGE) + "?year=2024"
    assert _messages(response) == [
        "Morgan Consultant no longer reviews Riverbend Unified for 2024.",
        "Riverbend Unified now has no consultant: it is back in the list of LEAs that need one.",
    ]
    assert not ConsultantAssignment.objects.exists()
    event = AuditEvent.objects.get(verb="consultant.unassign")
    assert (event.actor, event.organization) == (world.cde_admin, world.lea)
    assert "Riverbend Unified" in _needing(client)


def test_it_keeps_an_lea_listed_when_its_consultant_leaves(
    world: World, engaged: dict[str, Engagement]
) -> None:
    client = signed_in(world.cde_admin)
    _assign_one(client, world.cde_consultant.pk, world.lea.code)
    assert "Riverbend Unified" not in _needing(client)

    membership_remove(actor=world.cde_admin, membership=world.cde_consultant.memberships.get())

    response = client.get(reverse(PAGE))
    assert "Riverbend Unified" in {lea.name for lea in response.context["needing"]}
    assert "no longer a consultant: does not count" in response.content.decode()


def test_it_lists_a_level_1_lea_once_it_sent_work_to_cde(
    world: World, engaged: dict[str, Engagement]
) -> None:
    # A Level 1 LEA's own Policies and Procedures Review is approved by CDE.
    activity = ActivityDefinition.objects.get(
        cohort=engaged["level1"].cohort, key="policies_procedures_review"
    )
    Submission.objects.create(
        engagement=engaged["level1"], step=1, activity=activity, routed_to="CDE"
    )

    assert "Oak Hollow Elementary" in _needing(signed_in(world.cde_admin))


def test_it_lets_the_consultant_open_the_workspace_once_assigned(
    world: World, engaged: dict[str, Engagement]
) -> None:
    workspace = reverse("engagement_workspace", args=[engaged["level3"].pk])
    consultant = signed_in(world.cde_consultant)
    assert consultant.get(workspace).status_code == 404

    _assign_one(signed_in(world.cde_admin), world.cde_consultant.pk, world.lea.code)

    assert consultant.get(workspace).status_code == 200
    other = reverse("engagement_workspace", args=[engaged["intensive"].pk])
    assert consultant.get(other).status_code == 404


@pytest.mark.parametrize("role", ["cde_consultant", "selpa_reviewer", "lea_lead"])
def test_it_requires_cde_admin(world: World, engaged: dict[str, Engagement], role: str) -> None:
    assignment = _assignment(world)
    client = signed_in(getattr(world, role))

    assert client.get(reverse(PAGE)).status_code == 403
    assert _assign_one(client, world.cde_consultant.pk, world.lea.code).status_code == 403
    assert _assign_region(client, world.cde_consultant.pk, 3).status_code == 403
    unassign = reverse("consultant_unassign", args=[assignment.pk])
    assert client.post(unassign).status_code == 403
    assert ConsultantAssignment.objects.count() == 1


def test_it_checks_scope(world: World, engaged: dict[str, Engagement]) -> None:
    assignment = _assignment(world)
    outsider = signed_in(world.outsider)

    assert outsider.get(reverse(PAGE)).status_code == 403
    assert outsider.post(reverse("consultant_unassign", args=[assignment.pk])).status_code == 403
    anonymous = Client().get(reverse(PAGE))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    admin = signed_in(world.cde_admin)
    for missing in (assignment.pk + 1000, 10**20):
        assert admin.post(reverse("consultant_unassign", args=[missing])).status_code == 404
    assert ConsultantAssignment.objects.count() == 1


def test_it_removes_only_by_post(world: World, engaged: dict[str, Engagement]) -> None:
    assignment = _assignment(world)
    response = signed_in(world.cde_admin).get(reverse("consultant_unassign", args=[assignment.pk]))

    assert response.status_code == 405
    assert ConsultantAssignment.objects.count() == 1


def _assignment(world: World) -> ConsultantAssignment:
    services.consultant_assign(
        actor=world.cde_admin,
        consultant=world.cde_consultant,
        year=MonitoringYear.objects.get(year=2024),
        leas=[world.lea],
    )
    return ConsultantAssignment.objects.get()


def _bad_one(world: World) -> list[tuple[dict[str, Any], str, str]]:
    consultant, code = world.cde_consultant.pk, world.lea.code
    return [
        ({"code": code, "consultant": ""}, "consultant", CHOOSE_CONSULTANT),
        ({"code": code, "consultant": world.selpa_reviewer.pk}, "consultant", NOT_A_CONSULTANT),
        ({"code": code, "consultant": 999_999}, "consultant", NOT_A_CONSULTANT),
        ({"code": code, "consultant": "'; drop"}, "consultant", NOT_A_CONSULTANT),
        ({"code": code, "consultant": 10**20}, "consultant", NOT_A_CONSULTANT),
        ({"code": "", "consultant": consultant}, "cds_code", NO_CODE),
        (
            {"code": "Riverbend", "consultant": consultant},
            "cds_code",
            NOT_A_CODE.format(code="Riverbend"),
        ),
        (
            {"code": "9999999", "consultant": consultant},
            "cds_code",
            NOT_IN_CIM.format(code="9999999", year=2024),
        ),
        # An LEA of the state that is not in CIM this year.
        (
            {"code": "1234567", "consultant": consultant},
            "cds_code",
            NOT_IN_CIM.format(code="1234567", year=2024),
        ),
        ({"code": code, "consultant": consultant, "year": 1999}, "year", NO_YEAR),
        ({"code": code, "consultant": consultant, "year": "²"}, "year", NO_YEAR),
    ]


@pytest.mark.parametrize("case", range(11))
def test_it_refuses_bad_input_to_assign_one_with_a_form_error(
    world: World, engaged: dict[str, Engagement], case: int
) -> None:
    factories.lea(selpa=world.selpa, name="Not In CIM", code="1234567")
    data, field, message = _bad_one(world)[case]

    response = _assign_one(
        signed_in(world.cde_admin), data["consultant"], data["code"], data.get("year", 2024)
    )

    assert response.status_code == 400
    assert response.context["forms"].one.errors[field] == [message]
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not ConsultantAssignment.objects.exists()


@pytest.mark.parametrize(
    ("region", "field", "message"),
    [
        ("", "region", CHOOSE_REGION),
        ("12", "region", CHOOSE_REGION),
        ("three", "region", CHOOSE_REGION),
        ("5", "region", NO_CDE_LEAS_IN_REGION.format(region=5, year=2024)),
    ],
)
def test_it_refuses_bad_input_to_assign_a_region_with_a_form_error(
    world: World, engaged: dict[str, Engagement], region: str, field: str, message: str
) -> None:
    response = _assign_region(signed_in(world.cde_admin), world.cde_consultant.pk, region)

    assert response.status_code == 400
    assert response.context["forms"].region.errors[field] == [message]
    assert message in response.content.decode()
    assert not ConsultantAssignment.objects.exists()


def test_it_says_every_problem_of_a_form_at_once(
    world: World, engaged: dict[str, Engagement]
) -> None:
    response = _assign_one(signed_in(world.cde_admin), "", "Riverbend", 1999)

    assert response.status_code == 400
    assert response.context["forms"].one.errors == {
        "consultant": [CHOOSE_CONSULTANT],
        "cds_code": [NOT_A_CODE.format(code="Riverbend")],
        "year": [NO_YEAR],
    }


def test_it_refuses_a_non_consultant_for_a_region(
    world: World, engaged: dict[str, Engagement]
) -> None:
    response = _assign_region(signed_in(world.cde_admin), world.lea_lead.pk, 3, year=2023)

    assert response.status_code == 400
    errors = response.context["forms"].region.errors
    assert errors["consultant"] == [NOT_A_CONSULTANT]
    assert errors["year"] == [NO_YEAR]
    assert NO_YEAR in response.content.decode()


def test_it_filters_the_assignments_by_consultant_and_region(
    world: World, engaged: dict[str, Engagement]
) -> None:
    other = factories.member(world.cde, Role.CDE_CONSULTANT, full_name="Pat Other")
    client = signed_in(world.cde_admin)
    _assign_one(client, world.cde_consultant.pk, world.lea.code)
    _assign_one(client, other.pk, world.foreign_lea.code)

    def rows(**query: Any) -> set[str]:
        page = client.get(reverse(PAGE), {"year": 2024, **query}).context["page"]
        return {f"{a.consultant.full_name}: {a.lea.name}" for a in page}

    assert rows() == {
        "Morgan Consultant: Riverbend Unified",
        "Pat Other: Harbor View Unified",
    }
    assert rows(consultant=other.pk) == {"Pat Other: Harbor View Unified"}
    assert rows(region=3) == {"Morgan Consultant: Riverbend Unified"}
    assert rows(region=3, consultant=other.pk) == set()
    # A crafted filter is an error beside the field, and filters nothing.
    response = client.get(reverse(PAGE), {"consultant": str(world.lea_lead.pk), "region": "x"})
    assert response.status_code == 200
    assert set(response.context["filters"].errors) == {"consultant", "region"}
    assert response.context["page"].paginator.count == 2


def test_it_shows_the_newest_year_unless_another_is_asked_for(
    world: World, engaged: dict[str, Engagement]
) -> None:
    MonitoringYear.objects.create(year=2025)
    client = signed_in(world.cde_admin)

    assert client.get(reverse(PAGE)).context["year"] == 2025
    assert client.get(reverse(PAGE)).context["needing"] == []
    assert client.get(reverse(PAGE), {"year": "2024"}).context["year"] == 2024
    assert client.get(reverse(PAGE), {"year": "1999"}).context["year"] == 2025
    assert client.get(reverse(PAGE), {"year": "²"}).context["year"] == 2025


def test_it_says_when_there_is_no_year_yet(world: World, no_catalog: None) -> None:
    response = signed_in(world.cde_admin).get(reverse(PAGE))

    assert response.status_code == 200
    assert "There is no monitoring year yet" in response.content.decode()


def test_it_keeps_its_query_count_as_leas_grow(
    world: World, engaged: dict[str, Engagement], cohorts: dict[str, Cohort]
) -> None:
    client = signed_in(world.cde_admin)
    _assign_one(client, world.cde_consultant.pk, world.lea.code)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(PAGE))
    for n in range(4):
        lea = _lea_in_region_3(world, cohorts["targeted"], f"More Unified {n}")
        if n % 2:
            _assign_one(client, world.cde_consultant.pk, lea.code)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(PAGE))

    assert len(response.context["needing"]) == 3
    assert len(many.captured_queries) == len(few.captured_queries)


def test_it_reads_nothing_for_anyone_but_an_admin(
    world: World, engaged: dict[str, Engagement]
) -> None:
    for user in (world.cde_consultant, world.selpa_reviewer, world.outsider):
        assert not access.leas_in_cim_for(user, year=2024).exists()
        assert not access.leas_needing_consultant_for(user, year=2024).exists()
        assert access.lea_in_cim_by_code_for(user, year=2024, code=world.lea.code) is None
    assert access.lea_in_cim_by_code_for(world.cde_admin, year=2024, code=world.lea.code) == (
        world.lea
    )


@pytest.mark.parametrize("action", ["one", "region"])
def test_it_says_so_when_the_consultant_leaves_while_the_form_is_sent(
    world: World, engaged: dict[str, Engagement], monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    real = assignment_services.consultant_assign

    def consultant_leaves_first(**kwargs: Any) -> int:
        membership_remove(actor=world.cde_admin, membership=world.cde_consultant.memberships.get())
        return real(**kwargs)

    monkeypatch.setattr(assignment_services, "consultant_assign", consultant_leaves_first)
    client = signed_in(world.cde_admin)
    if action == "one":
        response = _assign_one(client, world.cde_consultant.pk, world.lea.code)
        errors = response.context["forms"].one.errors
    else:
        response = _assign_region(client, world.cde_consultant.pk, 3)
        errors = response.context["forms"].region.errors

    assert response.status_code == 400
    assert errors["consultant"] == [SERVICE_NOT_A_CONSULTANT.format(name="Morgan Consultant")]
    assert not ConsultantAssignment.objects.exists()


def test_it_refuses_a_year_that_is_gone(world: World) -> None:
    form = AssignRegionForm(
        {"consultant": world.cde_consultant.pk, "year": 2030, "region": 3}, years=[2030]
    )

    assert form.errors["year"] == [NO_YEAR]
    with pytest.raises(ValidationError, match=NO_SUCH_YEAR.format(year=2030)):
        assignment_services.monitoring_year_get(year=2030)


def test_it_refuses_a_non_consultant_or_no_leas_in_the_service(
    world: World, engaged: dict[str, Engagement]
) -> None:
    year = MonitoringYear.objects.get(year=2024)

    with pytest.raises(ValidationError) as refused:
        services.consultant_assign(
            actor=world.cde_admin, consultant=world.lea_lead, year=year, leas=[world.lea]
        )
    assert refused.value.messages == [SERVICE_NOT_A_CONSULTANT.format(name="Casey Lead")]
    with pytest.raises(ValidationError) as refused:
        services.consultant_assign(
            actor=world.cde_admin, consultant=world.cde_consultant, year=year, leas=[]
        )
    assert refused.value.messages == [NO_LEAS]
