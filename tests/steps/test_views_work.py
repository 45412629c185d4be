"""The LEA's daily pages in steps/views/work.py (the workspace, an activity page, an
autosave) and the plan's trace: each at a query count pinned here, the same with 2 LEAs in
CIM as with 6 (issue 16; bench/daily_pages.py times them against the signed-in floor)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cim.models import Cohort
from lea.models import Organization
from steps.merge import version_token
from steps.models import ActivityRecord, Engagement
from tests.conftest import World, signed_in
from tests.lea import factories
from tests.steps.engagements import start
from tests.steps.ready import make_ready
from tests.steps.test_queues import lead_of

pytestmark = pytest.mark.django_db

PPR = "policies_procedures_review"

# The most each page costs, the signed-in floor included (the first read of a process adds
# the content types, so each page is fetched once before it is counted). Reads of the LEA's
# records include the row of the access record (issue 13), and the trace the drill-down
# tables its problem areas cite (issue 15) and the catalog's words for its data sources'
# tags (issue 12).
QUERIES = {
    "workspace": 12,
    "activity": 20,
    "autosave": 13,
    "trace": 19,
}


def _in_cim(lea: Organization, cohort: Cohort) -> Engagement:
    engagement = start(lea, cohort, level=3)
    make_ready(engagement, 3, actor=lead_of(lea))
    return engagement


def _plan_key(engagement: Engagement) -> str:
    from steps.workspace import activity_form

    for record in engagement.records.select_related("definition"):
        if "plan" in activity_form(record=record).parts:
            return record.definition.key
    raise AssertionError("no activity with the plan")


def _pages(engagement: Engagement, client: Client) -> dict[str, Callable[[], Any]]:
    base = reverse("engagement_workspace", args=[engagement.pk])
    plan = _plan_key(engagement)

    def autosave() -> Any:
        record = ActivityRecord.objects.get(engagement=engagement, definition__key=PPR)
        token = version_token(record)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                f"{base}activities/{PPR}/",
                {"version": token, "summary": f"Draft {record.version}."},
                headers={"accept": "application/json"},
            )
        return response, queries

    def get(path: str) -> Callable[[], Any]:
        def fetch() -> Any:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            return response, queries

        return fetch

    return {
        "workspace": get(base),
        "activity": get(f"{base}activities/{plan}/"),
        "autosave": autosave,
        "trace": get(f"{base}activities/{plan}/plan/trace/"),
    }


def _counts(engagement: Engagement, client: Client) -> dict[str, int]:
    counts = {}
    for name, fetch in _pages(engagement, client).items():
        fetch()
        response, queries = fetch()
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(queries)
    return counts


def test_the_daily_pages_cost_the_same_queries_with_more_leas_in_cim(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = _in_cim(world.lea, cohorts["targeted"])
    _in_cim(world.lea2, cohorts["targeted"])
    client = signed_in(world.lea_lead)
    with_two = _counts(engagement, client)
    for n in range(4):
        _in_cim(factories.lea(selpa=world.selpa, name=f"Grown {n} Unified"), cohorts["targeted"])
    with_six = _counts(engagement, client)
    assert with_six == with_two
    for name, count in with_six.items():
        assert count <= QUERIES[name], (name, count)
