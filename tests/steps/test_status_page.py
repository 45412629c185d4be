"""The CIM status page as a list: filtered like the grid and by step and status, sorted,
paged, every choice kept in its address; the state's words on screen; bad addresses
answered with a message or the nearest page, never an error page; constant queries."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from cim.models import ActivityDefinition, ActivityRequirement, Cohort
from lea.models import User
from steps import access, listing, queues, selectors
from steps.models import Engagement
from steps.views import queues as views
from tests.conftest import World, signed_in
from tests.steps import test_grid

pytestmark = pytest.mark.django_db

# The grid's three LEAs, as fixtures here: made once for this module too.
_engaged = test_grid._engaged
engaged = test_grid.engaged


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 20 activities: the three LEAs' 49 activities make three pages."""
    monkeypatch.setattr(views, "STATUS_PAGE_SIZE", 20)


def _page(user: User, **params: str | int) -> str:
    response = signed_in(user).get(reverse("cim_status"), params)
    assert response.status_code == 200
    return response.content.decode()


def _rows(page: str) -> list[str]:
    """Each row as its cells' text, for comparing pages."""
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    rows = body.split("</tr>")
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows if "<th" in row]


def test_it_shows_words_not_codes(world: World, engaged: dict[str, Engagement]) -> None:
    page = _page(world.cde_admin, lea="Riverbend", step=1)
    assert "Team Creation" in page or "CIM Team" in page
    table = page[page.index("<table") :]
    assert "team_creation" not in table
    assert "not_started" not in table
    assert '<td class="table-info">Submitted</td>' in page  # Step 1 submitted: colour and text
    assert "Required" in page


def test_it_tells_optional_not_started_from_required_not_started(
    world: World, engaged: dict[str, Engagement]
) -> None:
    optional = _rows(_page(world.cde_admin, state=queues.OPTIONAL_KEY))
    required = _rows(_page(world.cde_admin, state="not_started"))
    assert optional
    assert required
    assert all("Optional Optional, not started" in row for row in optional)
    assert all("Not started" in row and "Optional," not in row for row in required)


def test_it_filters_by_tier_level_region_selpa_step_and_state(
    world: World, engaged: dict[str, Engagement], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "STATUS_PAGE_SIZE", 100)  # every row on one page

    def leas(**params: str | int) -> set[str]:
        return {row.split(" ")[0] for row in _rows(_page(world.cde_admin, **params))}

    assert leas() == {"Riverbend", "Oak", "Harbor"}
    assert leas(tier="intensive") == {"Oak"}
    assert leas(level=3) == {"Harbor"}
    assert leas(region=world.foreign_lea.region or 0) == {"Harbor"}
    assert leas(selpa=world.selpa.pk) == {"Riverbend", "Oak"}
    assert leas(consultant=str(world.cde_consultant.pk)) == {"Riverbend"}
    assert all("Step 2" in row for row in _rows(_page(world.cde_admin, step=2)))
    approved = _rows(_page(world.cde_admin, state="approved"))
    assert [row.split(" ")[0] for row in approved] == ["Harbor"]
    assert "Approved" in approved[0]


def test_it_sorts_by_due_date_step_and_status(world: World, engaged: dict[str, Engagement]) -> None:
    by_step = _rows(_page(world.cde_admin, sort="step"))
    assert by_step[0].split(" ")[0] == "Harbor"  # Step 1 of the first LEA by name
    steps = [int(re.search(r"Step (\d)", row).group(1)) for row in by_step]  # type: ignore[union-attr]
    assert steps == sorted(steps)
    by_state = _rows(_page(world.cde_admin, sort="state"))
    assert "Approved" in by_state[0]


def test_it_pages_and_keeps_the_filters_in_the_address(
    world: World, engaged: dict[str, Engagement]
) -> None:
    params = {"tier": "targeted", "sort": "step"}
    first = _page(world.cde_admin, **params)
    assert "Page 1 of 2" in first
    next_link = re.search(r'href="\?([^"]+page=2)"', first)
    assert next_link is not None
    address = next_link.group(1).replace("&amp;", "&")
    assert "tier=targeted" in address
    assert "sort=step" in address
    client = signed_in(world.cde_admin)
    second = client.get(f"{reverse('cim_status')}?{address}").content.decode()
    assert "Page 2 of 2" in second
    assert _rows(second) != _rows(first)
    # Reloaded from its address, the same rows.
    again = client.get(f"{reverse('cim_status')}?{address}").content.decode()
    assert _rows(again) == _rows(second)
    assert '<option value="targeted" selected>' in second


def test_it_answers_bad_addresses_with_a_message(
    world: World, engaged: dict[str, Engagement]
) -> None:
    page = _page(world.cde_admin, state="bogus", sort="lea__password", selpa=999999, tier="x")
    assert listing.IGNORED in page
    assert page.count('aria-invalid="true"') == 4
    assert _rows(page)  # the rows, unfiltered, still shown
    past = _page(world.cde_admin, page=9999)
    assert "There is no page “9999”: this is page 3 of 3." in past
    assert "Page 3 of 3" in past
    words = _page(world.cde_admin, page="last", step="x", level="0")
    assert "There is no page “last”: this is page 1 of 3." in words
    assert listing.IGNORED in words


def test_it_says_when_nothing_matches(world: World, engaged: dict[str, Engagement]) -> None:
    assert "No activity matches these filters in 2024." in _page(world.cde_admin, lea="zzz")


def test_it_checks_scope(world: World, engaged: dict[str, Engagement]) -> None:
    # Another SELPA is not one of the reviewer's choices: ignored, and said so.
    page = _page(world.selpa_reviewer, selpa=world.foreign_selpa.pk)
    assert listing.IGNORED in page
    assert "Harbor View Unified" not in page
    assert "Riverbend Unified" in page
    assert "No LEA you can see has CIM work in 2024." in _page(world.outsider)


def test_it_requires_login(world: World) -> None:
    response = signed_in(world.lea_lead).get(reverse("cim_status"))
    assert response.status_code == 200
    response.client.logout()
    assert response.client.get(reverse("cim_status")).status_code == 302


@pytest.mark.parametrize("sort", list(queues.STATUS_SORTS))
def test_it_filters_sorts_and_pages_in_sql_as_it_would_in_python(
    world: World, cohorts: dict[str, Cohort], engaged: dict[str, Engagement], sort: str
) -> None:
    test_grid._grow(world, cohorts, 4)  # submitted and approved steps, optional activities
    engagements = access.status_engagements_for(world.cde_admin)
    for step, state in [(None, ""), (1, ""), (None, "submitted"), (2, queues.OPTIONAL_KEY)]:
        filters = queues.StatusFilters(
            grid=queues.GridFilters(year=2024), step=step, state=state, sort=sort
        )
        in_sql = queues.status_page_rows(user=world.cde_admin, filters=filters)
        assert isinstance(in_sql, selectors.StatusRowsQuery)
        in_python = queues._status_rows_in_python(engagements=engagements, filters=filters)
        assert in_sql.count() == len(in_python)
        assert in_sql[0 : len(in_python)] == in_python
        assert in_sql[3:7] == in_python[3:7]


def test_it_resolves_an_activity_the_catalog_gained_after_the_load(
    world: World, engaged: dict[str, Engagement]
) -> None:
    cohort = engaged["riverbend"].cohort
    added = ActivityDefinition.objects.create(
        cohort=cohort, key="site_visit", step=3, name="Site visit", position=99
    )
    ActivityRequirement.objects.create(
        activity=added, level=1, requirement="required", approver="SELPA"
    )
    rows = _rows(_page(world.cde_admin, lea="Riverbend", step=3, sort="due"))
    assert any("Site visit Required Not started" in row for row in rows)


# Session, user, two permission reads, the filters' years, SELPAs and consultants, the
# records' count, the engagements and activities per cohort (steps/selectors
# status_records), the page's rows, which LEAs of the page the user may read, the menu's
# "reviews anyone", and the session's save (3, on the first page only). Filtered by step
# or state, the records are counted again, filtered.
STATUS_QUERIES = 15


@pytest.mark.parametrize("role", ["cde_admin", "selpa_reviewer"])
def test_it_renders_in_constant_queries(
    world: World,
    cohorts: dict[str, Cohort],
    django_assert_max_num_queries: Any,
    role: str,
) -> None:
    client = signed_in(getattr(world, role))
    filtered: dict[str, str | int] = {
        "tier": "targeted",
        "step": 1,
        "state": "submitted",
        "sort": "due",
        "page": 2,
    }
    for count in (3, 6):
        test_grid._grow(world, cohorts, count)
        with django_assert_max_num_queries(STATUS_QUERIES):
            client.get(reverse("cim_status"))
        with django_assert_max_num_queries(STATUS_QUERIES):
            client.get(reverse("cim_status"), filtered)
