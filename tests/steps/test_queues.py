"""The review queue: what waits for a SELPA reviewer, a CDE consultant and (unassigned) a
CDE administrator; filters, sorting, who holds each item, and a constant query count."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from cim.models import Cohort, MonitoringYear
from lea.models import Organization, Role, User

# Services before the selectors: steps.submissions imported first runs into an import cycle.
from steps import services  # isort: split

from steps import queues
from steps.merge import version_token
from steps.models import (
    ActivityRecord,
    Engagement,
    Review,
    Submission,
    SubmissionState,
)
from steps.parts import data_sources as data_sources_part
from steps.parts import team as team_part
from steps.parts.data_sources import DATA_SOURCES
from steps.parts.team import TEAM_MEMBERS
from steps.services.part_rows import part_row_add
from steps.submissions import holder
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.lea import factories
from tests.module_data import OwnCopy
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

# --- Building submissions through the services ----------------------------------------------


def _record(engagement: Engagement, key: str) -> ActivityRecord:
    return ActivityRecord.objects.select_related("definition", "engagement").get(
        engagement=engagement, definition__key=key
    )


def _answer(lead: User, engagement: Engagement, key: str, answers: dict[str, Any]) -> None:
    record = _record(engagement, key)
    services.record_save_answers(
        actor=lead, record=record, expected_version=record.version, answers=answers
    )


def _fill_team(lead: User, engagement: Engagement) -> None:
    roles = team_part.team_roles(cohort_id=engagement.cohort_id)
    for number, role in enumerate(role.value for role in roles if role.required):
        record = _record(engagement, "team_creation")
        part_row_add(
            rows=TEAM_MEMBERS,
            actor=lead,
            record=record,
            version=version_token(record),
            name=f"Person {number}",
            title="Director",
            role=role,
            email=f"person{number}@example.org",
            is_lead=number == 0,
        )
    _answer(lead, engagement, "team_creation", {"exception_explanation": "None needed."})


def _fill_data_drill_down(lead: User, engagement: Engagement) -> None:
    tags = data_sources_part.source_tags(cohort_id=engagement.cohort_id)
    pairs = zip(
        itertools.cycle(choice.value for choice in tags["education"]),
        itertools.cycle(choice.value for choice in tags["kind"]),
        (choice.value for choice in tags["area"]),
        strict=False,
    )
    for education, kind, area in pairs:
        record = _record(engagement, "data_drill_down")
        part_row_add(
            rows=DATA_SOURCES,
            actor=lead,
            record=record,
            version=version_token(record),
            name=f"{area} data",
            education=education,
            kind=kind,
            area=area,
            notes="",
        )
    answers = {
        "idc_tool_used": True,
        "alt_reports_generated": True,
        "alt_reports_submitted_to": "SELPA",
        "alt_reports_submission_date": "2024-07-01",
        "alt_reports_submission_method": "Email",
        "findings_summary": "Findings.",
        "trends_summary": "Trends.",
    }
    _answer(lead, engagement, "data_drill_down", answers)


def submit_step1(lead: User, engagement: Engagement) -> Submission:
    """A Targeted Level 1 or 2 LEA's Step 1, filled and submitted: routed to its SELPA."""
    _fill_team(lead, engagement)
    _fill_data_drill_down(lead, engagement)
    srr = {"findings_summary": "Findings.", "areas_of_concern": "Concerns."}
    _answer(lead, engagement, "student_record_review", srr)
    version = services.submission_submit(
        actor=lead, engagement=engagement, step=1, confirmation_name=lead.display_name
    )
    return version.submission


def submit_ppr(lead: User, engagement: Engagement) -> Submission:
    """A Targeted LEA's Policies and Procedures Review, approved on its own: routed to CDE."""
    _answer(lead, engagement, "policies_procedures_review", {"summary": "Board policy adopted."})
    record = _record(engagement, "policies_procedures_review")
    version = services.submission_submit(
        actor=lead,
        engagement=engagement,
        step=1,
        confirmation_name=lead.display_name,
        activity=record.definition,
    )
    return version.submission


def decide(reviewer: User, submission: Submission, decision: str) -> None:
    submission.refresh_from_db()
    services.submission_decide(
        actor=reviewer,
        submission=submission,
        version_number=submission.current_version,
        decision=decision,
        summary="Please add the trends." if decision == Review.Decision.RETURNED else "",
    )


def assign(world: World, consultant: User, *leas: Organization) -> None:
    year = MonitoringYear.objects.get(year=2024)
    services.consultant_assign(
        actor=world.cde_admin, consultant=consultant, year=year, leas=list(leas)
    )


def lead_of(lea: Organization) -> User:
    return factories.member(lea, Role.LEA_LEAD)


# --- The world of this file ----------------------------------------------------------------


def _queue_work(world: World, targeted: Cohort) -> dict[str, Submission]:
    """Riverbend (Targeted L1): Step 1 to its SELPA, PPR to CDE (assigned to the world's
    consultant). Oak Hollow (Targeted L3): PPR to CDE, no consultant. Harbor View (foreign
    SELPA, Targeted L2): Step 1 to the foreign SELPA, PPR to CDE, assigned to another."""
    riverbend = start(world.lea, targeted, level=1)
    oak = start(world.lea2, targeted, level=3)
    harbor = start(world.foreign_lea, targeted, level=2)
    other_consultant = factories.member(world.cde, Role.CDE_CONSULTANT, full_name="Other One")
    assign(world, world.cde_consultant, world.lea)
    assign(world, other_consultant, world.foreign_lea)
    return {
        "riverbend_step1": submit_step1(world.lea_lead, riverbend),
        "riverbend_ppr": submit_ppr(world.lea_lead, riverbend),
        "oak_ppr": submit_ppr(lead_of(world.lea2), oak),
        "harbor_step1": submit_step1(world.foreign_lea_lead, harbor),
        "harbor_ppr": submit_ppr(world.foreign_lea_lead, harbor),
    }


@pytest.fixture(scope="module")
def _queued(module_world: World, django_db_blocker: DjangoDbBlocker) -> dict[str, Submission]:
    """Made once for the module's tests, in its transaction (tests/conftest.py)."""
    with django_db_blocker.unblock():
        return _queue_work(module_world, load_2024()["targeted"])


@pytest.fixture
def queued(_queued: dict[str, Submission], own_copy: OwnCopy) -> dict[str, Submission]:
    return own_copy(_queued)


def _page(user: User, **params: str | int) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("review_queue"), params)
    assert response.status_code == 200
    return response.content.decode()


def _items(user: User, **filters: Any) -> list[queues.QueueItem]:
    ids = list(queues.review_queue(user=user, filters=queues.QueueFilters(**filters)))
    return queues.queue_items(ids=ids)


def _queue(user: User, **filters: Any) -> list[Submission]:
    return [item.submission for item in _items(user, **filters)]


# --- Who sees what -------------------------------------------------------------------------


def test_it_gives_a_selpa_reviewer_its_leas_work_routed_to_selpa(
    world: World, queued: dict[str, Submission]
) -> None:
    assert _queue(world.selpa_reviewer) == [queued["riverbend_step1"]]
    page = _page(world.selpa_reviewer)
    workspace = reverse("engagement_workspace", args=[queued["riverbend_step1"].engagement_id])
    assert f'<a href="{workspace}">Riverbend Unified</a>' in page
    assert "Harbor View Unified" not in page
    assert "Policies and Procedures" not in page
    assert reverse("submission_detail", args=[queued["riverbend_step1"].pk]) in page


def test_it_gives_a_consultant_the_work_of_their_leas_for_the_year(
    world: World, queued: dict[str, Submission]
) -> None:
    assert _queue(world.cde_consultant) == [queued["riverbend_ppr"]]
    page = _page(world.cde_consultant)
    assert "Riverbend Unified" in page
    assert "Oak Hollow Elementary" not in page
    assert "Harbor View Unified" not in page


def test_it_gives_a_cde_admin_the_unassigned_work(
    world: World, queued: dict[str, Submission]
) -> None:
    assert _queue(world.cde_admin) == [queued["oak_ppr"]]
    assert _queue(world.cde_admin, unassigned_only=True) == [queued["oak_ppr"]]
    page = _page(world.cde_admin, queue="unassigned")
    assert "Oak Hollow Elementary" in page
    oak = queued["oak_ppr"]
    oak.refresh_from_db()
    assert f"{holder(oak)}, {queues.NO_CONSULTANT_NOTE}" in page
    assert holder(oak).startswith("waiting on CDE review")


def test_it_keeps_unassigned_work_in_sight_when_the_consultant_leaves(
    world: World, queued: dict[str, Submission]
) -> None:
    world.cde_consultant.memberships.all().delete()
    assert queued["riverbend_ppr"] in _queue(world.cde_admin)
    assert _queue(world.cde_consultant) == []


def test_it_drops_unassigned_work_once_a_consultant_is_assigned(
    world: World, queued: dict[str, Submission]
) -> None:
    assign(world, world.cde_consultant, world.lea2)
    assert _queue(world.cde_admin) == []
    assert queued["oak_ppr"] in _queue(world.cde_consultant)


def test_it_keeps_returned_unassigned_work_and_drops_approved(
    world: World, queued: dict[str, Submission]
) -> None:
    decide(world.selpa_reviewer, queued["riverbend_step1"], Review.Decision.RETURNED)
    assert _queue(world.selpa_reviewer) == []
    assert _queue(world.selpa_reviewer, state=SubmissionState.RETURNED) == [
        queued["riverbend_step1"]
    ]
    assert _queue(world.cde_admin, state=queues.ANY_STATE) == [queued["oak_ppr"]]


def test_it_counts_only_the_year_of_the_assignment(
    world: World, queued: dict[str, Submission]
) -> None:
    later = MonitoringYear.objects.create(year=2025)
    other = factories.member(world.cde, Role.CDE_CONSULTANT)
    services.consultant_assign(
        actor=world.cde_admin, consultant=other, year=later, leas=[world.lea2]
    )
    assert _queue(other) == []
    assert _queue(world.cde_admin) == [queued["oak_ppr"]]


def test_it_tells_someone_without_a_review_role_why_the_queue_is_empty(
    world: World, queued: dict[str, Submission]
) -> None:
    for person in (world.lea_lead, world.outsider):
        page = _page(person)
        assert "You have no review queue" in page
        assert "Riverbend" not in page


def test_it_tells_a_consultant_without_leas_why(world: World, cohorts: dict[str, Cohort]) -> None:
    page = _page(world.cde_consultant)
    assert "No LEA is assigned to you for review yet" in page


def test_it_says_nothing_waits(world: World, queued: dict[str, Submission]) -> None:
    decide(world.selpa_reviewer, queued["riverbend_step1"], Review.Decision.APPROVED)
    assert "Nothing waits for your review" in _page(world.selpa_reviewer)
    assert "Nothing in your queue matches" in _page(world.selpa_reviewer, step="2")
    approved = _page(world.selpa_reviewer, state="approved")
    assert "approved by SELPA today" in approved


def test_it_checks_scope(world: World, queued: dict[str, Submission]) -> None:
    for person in (world.outsider, world.foreign_lea_lead, world.lea_member):
        assert _queue(person, state=queues.ANY_STATE) == []
    foreign = _page(world.foreign_selpa_reviewer, state=queues.ANY_STATE)
    assert "Harbor View Unified" in foreign
    assert "Riverbend" not in foreign
    assert "Oak Hollow" not in foreign


def test_it_filters_by_tier_region_selpa_and_consultant(
    world: World, queued: dict[str, Submission]
) -> None:
    riverbend, harbor = queued["riverbend_step1"], queued["harbor_step1"]
    reviewer, foreign = world.selpa_reviewer, world.foreign_selpa_reviewer
    assert _queue(reviewer, tier="targeted") == [riverbend]
    assert _queue(reviewer, tier="intensive") == []
    assert _queue(foreign, region=11) == [harbor]
    assert _queue(reviewer, region=11) == []
    assert _queue(reviewer, selpa=world.selpa.pk) == [riverbend]
    assert _queue(reviewer, selpa=world.foreign_selpa.pk) == []
    # CDE staff: the LEA's consultant for the year, or none.
    anyone = queues.ANY_STATE
    assert _queue(world.cde_admin, state=anyone, consultant=queues.NO_CONSULTANT) == [
        queued["oak_ppr"]
    ]
    assert _queue(world.cde_admin, state=anyone, consultant=str(world.cde_consultant.pk)) == []
    mine = str(world.cde_consultant.pk)
    assert _queue(world.cde_consultant, consultant=mine) == [queued["riverbend_ppr"]]
    assert _queue(world.cde_consultant, consultant=queues.NO_CONSULTANT) == []
    # The page offers the SELPAs the user sees, and consultants to CDE staff only.
    page = _page(reviewer, tier="targeted", selpa=world.selpa.pk, region=world.lea.region or 1)
    assert f'<option value="{world.selpa.pk}" selected>North Valley SELPA</option>' in page
    assert "Far Coast SELPA" not in page
    assert 'name="consultant"' not in page
    assert "Some filters were not understood" not in page
    assert "Some filters were not understood" in _page(reviewer, selpa=world.foreign_selpa.pk)
    admin = _page(world.cde_admin, state="any", consultant="none")
    assert '<option value="none" selected>No consultant</option>' in admin
    assert "Oak Hollow Elementary" in admin


def test_it_requires_login(world: World) -> None:
    response = Client().get(reverse("review_queue"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# --- Filters and sorting -------------------------------------------------------------------


def _grow(world: World, cohorts: dict[str, Cohort], count: int) -> None:
    """`count` more LEAs in the world's SELPA, each with Step 1 at the SELPA and its PPR
    at CDE; every other one assigned to the world's consultant, the rest unassigned."""
    for n in range(count):
        lea = factories.lea(selpa=world.selpa)
        engagement = start(lea, cohorts["targeted"], level=1)
        lead = lead_of(lea)
        submit_step1(lead, engagement)
        submit_ppr(lead, engagement)
        if n % 2:
            assign(world, world.cde_consultant, lea)


# Session, user, two permission reads, the queue's ids (counted and paged in Python), the
# page's rows, their LEAs' consultants, the menu's "reviews anyone", the session's save
# (3); the filters' SELPAs, and for CDE staff the consultants.
QUEUE_QUERIES = 13


@pytest.mark.parametrize(
    ("role", "items"), [("selpa_reviewer", 6), ("cde_admin", 3), ("cde_consultant", 3)]
)
def test_it_renders_a_page_in_constant_queries(
    world: World,
    cohorts: dict[str, Cohort],
    django_assert_max_num_queries: Any,
    role: str,
    items: int,
) -> None:
    client = Client()
    client.force_login(getattr(world, role))
    _grow(world, cohorts, 2)
    with django_assert_max_num_queries(QUEUE_QUERIES):
        assert client.get(reverse("review_queue"), {"state": "any"}).status_code == 200
    _grow(world, cohorts, 4)
    with django_assert_max_num_queries(QUEUE_QUERIES):
        response = client.get(reverse("review_queue"), {"state": "any", "sort": "due"})
    assert f"{items} items" in response.content.decode()
