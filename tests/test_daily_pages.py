"""Nothing slower by accident (issue 16): the query count of every page people open each
day, pinned, and the same with more LEAs, submissions and reviews in the database.

bench/daily_pages.py times the same pages on the statewide data set; here only their
queries are counted, never their time. The statewide grid and the CIM status page are
pinned in tests/steps/test_grid.py and tests/steps/test_status_page.py."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cim.models import Cohort
from lea import middleware

# Services before the selectors: steps.submissions imported first runs into an import cycle.
from steps import services  # isort: split

from steps.merge import version_token
from steps.models import ActivityRecord, Engagement
from steps.workspace import activity_form
from tests.conftest import World, signed_in
from tests.steps import test_grid
from tests.steps.engagements import start
from tests.steps.ready import make_ready, submitted_and_returned
from tests.steps.test_queues import assign

pytestmark = pytest.mark.django_db

PPR = "policies_procedures_review"

# Each page's queries once the session's last activity is written (the first page after
# sign-in writes it). Every signed-in page pays for the user, and for the menu unless the
# page has already read the person's memberships and permissions.
QUERIES = {
    "home, LEA lead": 12,
    "home, LEA member": 10,
    # The SELPAs' engagements as ids first, so their overdue work is planned on them.
    "home, SELPA reviewer": 12,
    "home, CDE consultant": 11,
    # The keys of the LEAs needing a consultant, then the first ten of them whole.
    "home, CDE admin": 12,
    "LEA workspace": 9,
    "activity page (Step 3 plan)": 19,
    "activity page (PPR)": 9,
    "autosave POST (PPR)": 11,
    # The person's memberships (is this a CDE consultant?), not every consultant in SQL.
    "trace view": 18,
    "review queue, CDE admin": 6,
    "review queue, CDE consultant": 8,
    "review queue, SELPA reviewer": 7,
    "submission review page (diff)": 13,
    "Step 4 page": 10,
}


def _through_step3(world: World, engagement: Engagement) -> int:
    """Step 3 submitted, returned with a comment, resubmitted and approved, so its review
    page compares two versions; the submission's id."""
    lead, reviewer = world.lea_lead, world.selpa_reviewer
    make_ready(engagement, 3, actor=lead)
    submission = submitted_and_returned(engagement, 3, lead=lead, reviewer=reviewer)
    version = services.submission_submit(
        actor=lead, engagement=engagement, step=3, confirmation_name=lead.display_name
    )
    services.submission_decide(
        actor=reviewer, submission=submission, version_number=version.number,
        decision="approved",
    )  # fmt: skip
    return submission.pk


def _pages(world: World, engagement: Engagement, submission: int) -> dict[str, Any]:
    """Each page as (who, how to fetch it with their client)."""
    base = reverse("engagement_workspace", args=[engagement.pk])
    records = engagement.records.select_related("definition", "engagement__lea")
    plan = next(record for record in records if "plan" in activity_form(record=record).parts)
    ppr = reverse("activity_detail", args=[engagement.pk, PPR])

    def get(url: str) -> Callable[[Client], Any]:
        return lambda client: client.get(url)

    def autosave(client: Client) -> Any:
        record = ActivityRecord.objects.get(engagement=engagement, definition__key=PPR)
        return client.post(
            ppr,
            {"version": version_token(record), "summary": f"Draft {record.version}."},
            headers={"accept": "application/json"},
        )

    return {
        "home, LEA lead": (world.lea_lead, get("/")),
        "home, LEA member": (world.lea_member, get("/")),
        "home, SELPA reviewer": (world.selpa_reviewer, get("/")),
        "home, CDE consultant": (world.cde_consultant, get("/")),
        "home, CDE admin": (world.cde_admin, get("/")),
        "LEA workspace": (world.lea_lead, get(base)),
        "activity page (Step 3 plan)": (
            world.lea_lead,
            get(reverse("activity_detail", args=[engagement.pk, plan.definition.key])),
        ),
        "activity page (PPR)": (world.lea_lead, get(ppr)),
        "autosave POST (PPR)": (world.lea_lead, autosave),
        "trace view": (
            world.lea_lead,
            get(reverse("plan_trace", args=[engagement.pk, plan.definition.key])),
        ),
        "review queue, CDE admin": (world.cde_admin, get(reverse("review_queue"))),
        "review queue, CDE consultant": (
            world.cde_consultant,
            get(f"{reverse('review_queue')}?state=any&sort=due"),
        ),
        "review queue, SELPA reviewer": (world.selpa_reviewer, get(reverse("review_queue"))),
        "submission review page (diff)": (
            world.selpa_reviewer,
            get(reverse("submission_detail", args=[submission])),
        ),
        "Step 4 page": (
            world.lea_lead,
            get(reverse("progress_reports", args=[engagement.pk])),
        ),
    }


def _session_read(sql: str) -> bool:
    return sql.startswith("SELECT") and '"django_session"' in sql


def _queries(client: Client, fetch: Callable[[Client], Any]) -> int:
    """The page's queries, but a read of the session: the cache serves it, and the file
    cache of the embedded default (no REDIS_URL) drops a third of its entries at random once
    it holds 300, after which the session is read from the database once, whatever the
    page."""
    with CaptureQueriesContext(connection) as context:
        response = fetch(client)
    assert response.status_code == 200, response.status_code
    return sum(1 for query in context.captured_queries if not _session_read(query["sql"]))


def test_it_serves_each_daily_page_in_its_pinned_queries_however_much_data(
    world: World, cohorts: dict[str, Cohort], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The session's last activity is written again a minute after the last write: on a
    # loaded machine the warm-up and the counts can be that far apart, so the idle
    # timeout's clock stands still here.
    moment = time.time()
    monkeypatch.setattr(middleware, "time", SimpleNamespace(time=lambda: moment))
    engagement = start(world.lea, cohorts["targeted"], level=1, unmet=("8",))
    assign(world, world.cde_consultant, world.lea)
    pages = _pages(world, engagement, _through_step3(world, engagement))
    test_grid._grow(world, cohorts, 2)  # work in every queue: an empty list reads less
    clients: dict[int, Client] = {}
    for user, fetch in pages.values():
        client = clients.setdefault(user.pk, signed_in(user))
        fetch(client)  # the session's last activity, and Django's content types
    before = {label: _queries(clients[user.pk], fetch) for label, (user, fetch) in pages.items()}
    test_grid._grow(world, cohorts, 6)
    after = {label: _queries(clients[user.pk], fetch) for label, (user, fetch) in pages.items()}
    assert before == QUERIES
    assert after == QUERIES
