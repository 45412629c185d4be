"""The homes: what waits on each role, counted, most overdue or newest first, each item
linking to where the work is, at a query count that does not grow with the data."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from cim.models import INFERRED_DATE, Cohort
from lea.models import Role, User
from reports.selectors.home import homes_for
from steps import services
from steps.models import Engagement, Review, Submission
from tests.cim.catalog import load_2024
from tests.conftest import World, signed_in
from tests.lea import factories
from tests.module_data import OwnCopy
from tests.steps.engagements import start
from tests.steps.ready import fill_activity, make_ready
from tests.steps.test_queues import assign, decide, lead_of

pytestmark = pytest.mark.django_db


def _home(user: User) -> str:
    return signed_in(user).get(reverse("home")).content.decode()


def _section(page: str, key: str) -> str:
    """The HTML of one section of the home (the first role's, if several have it)."""
    match = re.search(rf'data-section="{key}">(.*?)</section>', page, re.S)
    assert match, f"no section {key}"
    return match.group(1)


def submit_step1(lead: User, engagement: Engagement) -> Submission:
    make_ready(engagement, 1, actor=lead)
    version = services.submission_submit(
        actor=lead, engagement=engagement, step=1, confirmation_name=lead.display_name
    )
    return version.submission


def submit_ppr(lead: User, engagement: Engagement) -> Submission:
    """The Policies and Procedures Review, approved on its own: routed to CDE."""
    record = fill_activity(
        engagement.records.get(definition__key="policies_procedures_review"), actor=lead
    )
    version = services.submission_submit(
        actor=lead,
        engagement=engagement,
        step=1,
        confirmation_name=lead.display_name,
        activity=record.definition,
    )
    return version.submission


def _workspace(engagement: Engagement) -> str:
    return reverse("engagement_workspace", args=[engagement.pk])


def _detail(submission: Submission) -> str:
    return reverse("submission_detail", args=[submission.pk])


def _work(world: World, targeted: Cohort) -> dict[str, Any]:
    """Riverbend (Targeted L1): Step 1 returned by the SELPA with a question, its PPR with
    the world's consultant. Oak Hollow (Targeted L3): no lead, its PPR waiting for CDE
    with no consultant. Harbor View (foreign SELPA): Step 1 waiting for its own SELPA."""
    riverbend = start(world.lea, targeted, level=1)
    oak = start(world.lea2, targeted, level=3)
    harbor = start(world.foreign_lea, targeted, level=2)
    assign(world, world.cde_consultant, world.lea)
    step1 = submit_step1(world.lea_lead, riverbend)
    services.comment_add(
        actor=world.selpa_reviewer,
        submission=step1,
        version_number=1,
        body="Which years does the drill-down cover?",
        question=True,
    )
    decide(world.selpa_reviewer, step1, Review.Decision.RETURNED)
    oak_lead = lead_of(world.lea2)
    oak_ppr = submit_ppr(oak_lead, oak)
    oak_lead.memberships.all().delete()
    return {
        "riverbend": riverbend,
        "oak": oak,
        "step1": step1,
        "riverbend_ppr": submit_ppr(world.lea_lead, riverbend),
        "oak_ppr": oak_ppr,
        "harbor_step1": submit_step1(world.foreign_lea_lead, harbor),
    }


@pytest.fixture(scope="module")
def _shared_work(module_world: World, django_db_blocker: DjangoDbBlocker) -> dict[str, Any]:
    """Made once for the module's tests, in its transaction (tests/conftest.py)."""
    with django_db_blocker.unblock():
        return _work(module_world, load_2024()["targeted"])


@pytest.fixture
def work(_shared_work: dict[str, Any], own_copy: OwnCopy) -> dict[str, Any]:
    return own_copy(_shared_work)


def test_it_tells_a_lead_what_was_returned_what_to_answer_and_what_is_owed(
    world: World, work: dict[str, Any]
) -> None:
    page = _home(world.lea_lead)
    returned = _section(page, "returned")
    assert "1 submission was returned for revision" in returned
    assert f'href="{_detail(work["step1"])}"' in returned
    assert f'href="{_workspace(work["riverbend"])}">Riverbend Unified</a>' in returned
    comments = _section(page, "comments")
    assert "1 reviewer comment waits for your answer" in comments
    assert "Which years does the drill-down cover?" in comments
    owed = _section(page, "owed")
    count = int(re.search(r"(\d+) activit", owed).group(1))  # type: ignore[union-attr]
    assert count > 0
    dates = re.findall(r"due (\w+ \d+, \d{4}): (\d+) days? overdue", owed)
    assert [int(days) for _, days in dates] == sorted((int(d) for _, d in dates), reverse=True)
    assert "No progress report is due." in _section(page, "reports")


def test_it_marks_an_inferred_due_date_on_the_home(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    start(world.lea, cohorts["intensive"], level=1)
    owed = _section(_home(world.lea_lead), "owed")
    assert f"due July 10, 2024 ({INFERRED_DATE}):" in owed


def test_it_tells_the_lead_once_the_comment_is_answered(world: World, work: dict[str, Any]) -> None:
    comment = work["step1"].versions.get(number=1).comments.get()
    services.comment_reply(actor=world.lea_lead, comment=comment, body="2021 to 2023.")
    assert "No reviewer comment waits for an answer." in _section(_home(world.lea_lead), "comments")


def test_it_tells_a_member_what_is_owed_and_what_others_changed(
    world: World, work: dict[str, Any]
) -> None:
    page = _home(world.lea_member)
    assert "activities are still owed" in _section(page, "owed")
    changed = _section(page, "changed")
    assert "changed by others in the last two weeks" in changed
    assert "changed by Casey Lead" in changed
    assert f'href="{_workspace(work["riverbend"])}">Riverbend Unified</a>' in changed


def test_it_tells_a_selpa_reviewer_what_waits_and_which_leas_are_late_or_leadless(
    world: World, work: dict[str, Any]
) -> None:
    resubmitted = submit_step1(world.lea_lead, work["riverbend"])
    page = _home(world.selpa_reviewer)
    waiting = _section(page, "waiting")
    assert "1 submission waits for your review" in waiting
    assert f'href="{_detail(resubmitted)}"' in waiting
    assert "Harbor View" not in page  # another SELPA's LEA
    overdue = _section(page, "overdue")
    assert "2 LEAs have overdue work, the most overdue first" in overdue
    assert f'href="{_workspace(work["oak"])}">Oak Hollow Elementary</a>' in overdue
    leadless = _section(page, "leadless")
    assert "1 LEA has no CIM team lead" in leadless
    members = reverse("organization_members", args=[world.lea2.pk])
    assert f'href="{members}">Invite a CIM team lead</a>' in leadless


def test_it_tells_a_consultant_their_queue_and_the_unassigned_leas_near_them(
    world: World, work: dict[str, Any]
) -> None:
    page = _home(world.cde_consultant)
    waiting = _section(page, "waiting")
    assert "1 submission waits for your review" in waiting
    assert f'href="{_detail(work["riverbend_ppr"])}"' in waiting
    unassigned = _section(page, "unassigned")
    assert "1 LEA in your regions has no consultant" in unassigned
    assert "Oak Hollow Elementary" in unassigned
    assert "Harbor View" not in unassigned


def test_it_tells_a_cde_admin_the_unassigned_leas_reviewerless_selpas_and_uploads(
    world: World, work: dict[str, Any], cohorts: dict[str, Cohort]
) -> None:
    lonely = factories.selpa(name="Quiet Hills SELPA")
    start(factories.lea(selpa=lonely, name="Quiet Hills Unified"), cohorts["targeted"], level=3)
    page = _home(world.cde_admin)
    unassigned = _section(page, "unassigned")
    assert "2 LEAs need a consultant" in unassigned
    assert unassigned.index("Oak Hollow Elementary") < unassigned.index("Quiet Hills Unified")
    assert f'href="{_workspace(work["oak"])}">Oak Hollow Elementary</a>' in unassigned
    reviewerless = _section(page, "reviewerless")
    assert "1 SELPA with LEAs in CIM has no reviewer" in reviewerless
    assert f'href="{reverse("organization_members", args=[lonely.pk])}"' in reviewerless
    assert "No ADL upload waits" in _section(page, "uploads")


def test_it_counts_every_unassigned_lea_and_lists_the_first_ten_by_name(
    world: World, work: dict[str, Any], cohorts: dict[str, Cohort]
) -> None:
    names = [f"Zephyr {letter} Unified" for letter in "LKJIHGFEDCBA"]
    for name in names:
        start(factories.lea(selpa=world.selpa, name=name), cohorts["targeted"], level=3)
    unassigned = _section(_home(world.cde_admin), "unassigned")
    # Oak Hollow Elementary (`work`) and the twelve; the first ten by name are listed.
    assert "13 LEAs need a consultant" in unassigned
    listed = sorted(names)[:9]
    assert all(name in unassigned for name in ["Oak Hollow Elementary", *listed])
    assert [unassigned.index(name) for name in listed] == sorted(
        unassigned.index(name) for name in listed
    )
    assert all(name not in unassigned for name in sorted(names)[9:])


def test_it_shows_every_role_a_person_holds(world: World, work: dict[str, Any]) -> None:
    factories.membership(world.lea_lead, world.selpa, Role.SELPA_REVIEWER)
    roles = [home.role for home in homes_for(user=world.lea_lead)]
    assert roles == ["LEA CIM team lead", "SELPA reviewer"]


def test_it_says_nothing_waits_in_words(world: World, cohorts: dict[str, Cohort]) -> None:
    page = _home(world.selpa_reviewer)
    assert "No submission waits for your review." in page
    assert "No LEA of your SELPA has overdue work." in page


# --- Query counts: constant as the data grows ----------------------------------------------

# The most a home costs (the first read of a process adds the content types).
QUERIES = {
    "lea_lead": 11,
    "lea_member": 5,
    "selpa_reviewer": 10,
    "cde_consultant": 9,
    "cde_admin": 10,
}


@pytest.mark.parametrize("who", sorted(QUERIES))
def test_it_reads_a_home_in_the_same_number_of_queries_for_more_work(
    world: World,
    work: dict[str, Any],
    cohorts: dict[str, Cohort],
    who: str,
    django_assert_max_num_queries: Any,
) -> None:
    # A fresh account each time: Django caches a user's permissions on the object.
    user = User.objects.get(pk=getattr(world, who).pk)
    with django_assert_max_num_queries(QUERIES[who]):
        homes_for(user=user)
    for _ in range(3):
        lea = factories.lea(selpa=world.selpa)
        engagement = start(lea, cohorts["targeted"], level=3)
        assign(world, world.cde_consultant, lea)
        submit_ppr(lead_of(lea), engagement)
    user = User.objects.get(pk=user.pk)
    with django_assert_max_num_queries(QUERIES[who]):
        homes_for(user=user)


def test_it_takes_a_reviewer_from_the_home_to_the_lea_workspace_read_only(
    world: World, work: dict[str, Any]
) -> None:
    riverbend = work["riverbend"]
    client = signed_in(world.selpa_reviewer)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{_workspace(riverbend)}">Riverbend Unified</a>' in home
    workspace = client.get(_workspace(riverbend)).content.decode()
    assert "read only" in workspace
    assert reverse("step_submit", args=[riverbend.pk, 1]) not in workspace
    assert "submit it…" not in workspace
    # The lead, on the same page, has the controls the reviewer does not.
    lead_page = signed_in(world.lea_lead).get(_workspace(riverbend)).content.decode()
    assert reverse("step_submit", args=[riverbend.pk, 1]) in lead_page
    activity = reverse("activity_detail", args=[riverbend.pk, "data_drill_down"])
    page = client.get(activity).content.decode()
    assert "Save draft" not in page
    assert "Leave this optional activity out" not in page
    assert client.post(activity, {"version": 1}).status_code == 403
