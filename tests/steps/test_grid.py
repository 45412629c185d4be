"""The status grid: LEAs down, activities across, a status in each cell; its filters, its
CSV and Excel downloads, who holds each LEA's work, and a constant query count."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pytest_django import DjangoDbBlocker

from cim.models import ActivityDefinition, Cohort, MonitoringYear
from lea.models import Organization, Role, User

# Services before the selectors: steps.submissions imported first runs into an import cycle.
from steps import services  # isort: split

from steps import queues
from steps.models import Engagement, Review, Submission
from steps.views import queues as views
from tests.cim.catalog import load_2024
from tests.conftest import World, signed_in
from tests.lea import factories
from tests.module_data import OwnCopy
from tests.steps.engagements import start
from tests.steps.test_queues import assign, decide, lead_of, submit_ppr, submit_step1

pytestmark = pytest.mark.django_db

TARGETED_KEYS = [
    "team_creation",
    "educational_partner_group",
    "policies_procedures_review",
    "parent_input",
    "infrastructure_analysis",
    "educational_benefit_review",
    "data_drill_down",
    "student_record_review",
    "student_case_study",
    "consolidation",
    "prioritization",
    "sig_dis_indicators",
    "root_cause_analysis",
    "initiative_inventory",
    "theory_of_action",
    "plan_for_improvement",
    "monitoring_implementation",
]


def _engage(world: World, cohorts: dict[str, Cohort]) -> dict[str, Engagement]:
    """Riverbend: Targeted L1, Step 1 submitted to the SELPA, the world's consultant.
    Oak Hollow: Intensive L2, nothing submitted, no consultant. Harbor View (foreign SELPA,
    region 11): Targeted L3, its PPR approved by another consultant."""
    riverbend = start(world.lea, cohorts["targeted"], level=1)
    oak = start(world.lea2, cohorts["intensive"], level=2)
    harbor = start(world.foreign_lea, cohorts["targeted"], level=3)
    other = factories.member(world.cde, Role.CDE_CONSULTANT, full_name="Other Consultant")
    assign(world, world.cde_consultant, world.lea)
    assign(world, other, world.foreign_lea)
    submit_step1(world.lea_lead, riverbend)
    decide(other, submit_ppr(world.foreign_lea_lead, harbor), Review.Decision.APPROVED)
    return {"riverbend": riverbend, "oak": oak, "harbor": harbor}


@pytest.fixture(scope="module")
def _engaged(module_world: World, django_db_blocker: DjangoDbBlocker) -> dict[str, Engagement]:
    """Made once for the module's tests, in its transaction (tests/conftest.py)."""
    with django_db_blocker.unblock():
        return _engage(module_world, load_2024())


@pytest.fixture
def engaged(_engaged: dict[str, Engagement], own_copy: OwnCopy) -> dict[str, Engagement]:
    return own_copy(_engaged)


def _page(user: User, **params: str | int) -> str:
    response = signed_in(user).get(reverse("status_grid"), params)
    assert response.status_code == 200
    return response.content.decode()


def _csv(user: User, **params: str | int) -> list[dict[str, str]]:
    response = signed_in(user).get(reverse("status_grid_csv"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _names(user: User, **params: str | int) -> list[str]:
    return [row["lea_name"] for row in _csv(user, **params)]


def _rows(user: User, **filters: Any) -> list[queues.GridRow]:
    grid = queues.GridFilters(year=2024, **filters)
    ids = list(queues.grid_engagements(user=user, filters=grid))
    columns = queues.grid_columns(year=2024, tier=grid.tier)
    return queues.grid_rows(user=user, ids=ids, columns=columns, year=2024)


# --- Who sees what -------------------------------------------------------------------------


def test_it_gives_cde_the_state(world: World, engaged: dict[str, Engagement]) -> None:
    expected = ["Harbor View Unified", "Oak Hollow Elementary", "Riverbend Unified"]
    assert _names(world.cde_admin) == expected
    assert _names(world.cde_consultant) == expected
    page = _page(world.cde_admin)
    assert "CIM status grid 2024" in page
    assert "3 LEAs in CIM" in page


def test_it_gives_a_selpa_reviewer_its_leas(world: World, engaged: dict[str, Engagement]) -> None:
    assert _names(world.selpa_reviewer) == ["Oak Hollow Elementary", "Riverbend Unified"]
    page = _page(world.selpa_reviewer)
    assert "Harbor View" not in page
    assert "Other Consultant" not in page
    # Its LEAs' consultants show in their rows; filtering by consultant is CDE's.
    assert "Consultant: Morgan Consultant" in page
    assert 'name="consultant"' not in page


def test_it_checks_scope(world: World, engaged: dict[str, Engagement]) -> None:
    assert _names(world.lea_lead) == ["Riverbend Unified"]
    assert _names(world.foreign_selpa_reviewer) == ["Harbor View Unified"]
    assert _csv(world.outsider) == []
    page = _page(world.outsider)
    assert "No LEA you can see has CIM work in 2024" in page
    # A consultant's id from elsewhere is not a choice for a SELPA reviewer: ignored.
    other = User.objects.get(full_name="Other Consultant")
    assert _names(world.selpa_reviewer, selpa=world.foreign_selpa.pk, consultant=other.pk) == [
        "Oak Hollow Elementary",
        "Riverbend Unified",
    ]
    workbook = _xlsx(world.outsider)
    assert list(workbook.active.iter_rows(values_only=True))[1:] == []


def test_it_requires_login(world: World) -> None:
    for name in ("status_grid", "status_grid_csv", "status_grid_xlsx"):
        response = Client().get(reverse(name))
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_it_says_when_no_year_is_loaded(world: World, no_catalog: None) -> None:
    assert "No monitoring year is loaded yet" in _page(world.cde_admin)
    assert _csv(world.cde_admin) == []


# --- Columns and cells ---------------------------------------------------------------------


def test_it_merges_the_cohorts_activities_in_step_order(
    world: World, engaged: dict[str, Engagement]
) -> None:
    columns = queues.grid_columns(year=2024)
    assert [column.key for column in columns] == TARGETED_KEYS
    assert [column.step for column in columns] == sorted(column.step for column in columns)
    intensive = [column.key for column in queues.grid_columns(year=2024, tier="intensive")]
    assert intensive == [
        key
        for key in TARGETED_KEYS
        if key not in ("policies_procedures_review", "sig_dis_indicators")
    ]


def test_it_puts_an_activity_of_a_smaller_cohort_after_the_one_it_follows() -> None:
    columns = [queues.Column("a", "A", 1), queues.Column("c", "C", 2)]
    definitions = [_definition("a", 1), _definition("b", 1), _definition("d", 2)]
    queues._merge(columns, definitions)
    # "d" follows "b" there, so it opens Step 2, before the larger cohort's "c".
    assert [column.key for column in columns] == ["a", "b", "d", "c"]
    late = [queues.Column("x", "X", 2)]
    queues._merge(late, [_definition("first", 1), _definition("z", 3)])
    assert [column.key for column in late] == ["first", "x", "z"]


def _definition(key: str, step: int) -> Any:
    return ActivityDefinition(key=key, name=key.upper(), step=step)


def test_it_shows_status_text_and_colour_in_each_cell(
    world: World, engaged: dict[str, Engagement]
) -> None:
    rows = {row.lea_name: row for row in _rows(world.cde_admin)}
    riverbend = dict(zip(TARGETED_KEYS, rows["Riverbend Unified"].cells, strict=True))
    assert riverbend["team_creation"] == queues.Cell("Submitted", "table-info")
    assert riverbend["educational_partner_group"] is queues.NOT_REQUIRED
    # Optional for Targeted Level 1, and nobody started it: not work owed.
    assert riverbend["prioritization"] is queues.OPTIONAL_NOT_STARTED
    assert riverbend["root_cause_analysis"] == queues.Cell("Not started", "")
    oak = dict(zip(TARGETED_KEYS, rows["Oak Hollow Elementary"].cells, strict=True))
    assert oak["policies_procedures_review"] is queues.NOT_REQUIRED
    harbor = dict(zip(TARGETED_KEYS, rows["Harbor View Unified"].cells, strict=True))
    assert harbor["policies_procedures_review"] == queues.Cell("Approved", "table-success")
    page = _page(world.cde_admin)
    assert '<td class="table-info">Submitted</td>' in page
    assert '<td class="table-success">Approved</td>' in page
    assert (
        '<td><span aria-hidden="true">—</span><span class="visually-hidden">not required</span>'
        in page
    )
    assert '<th scope="col"><span class="text-secondary">Step 1</span><br>CIM Team Creation' in page


def test_it_shows_returned_in_progress_and_set_aside(
    world: World, engaged: dict[str, Engagement]
) -> None:
    riverbend = engaged["riverbend"]
    decide(world.selpa_reviewer, riverbend.submissions.get(), Review.Decision.RETURNED)
    record = riverbend.records.get(definition__key="infrastructure_analysis")
    services.record_set_aside(actor=world.lea_lead, record=record, expected_version=1)
    record = riverbend.records.get(definition__key="consolidation")
    services.record_save_answers(
        actor=world.lea_lead, record=record, expected_version=1, answers={"x": "Started."}
    )
    cells = dict(zip(TARGETED_KEYS, _rows(world.cde_admin, lea_name="river")[0].cells, strict=True))
    assert cells["team_creation"] == queues.Cell("Returned", "table-danger")
    assert cells["infrastructure_analysis"] == queues.Cell("Set aside", "table-secondary")
    assert cells["consolidation"] == queues.Cell("In progress", "table-warning")


def test_it_says_who_holds_each_leas_work(world: World, engaged: dict[str, Engagement]) -> None:
    rows = {row.lea_name: row for row in _rows(world.cde_admin)}
    assert rows["Riverbend Unified"].holder == "Step 1: waiting on SELPA review, since today"
    assert rows["Oak Hollow Elementary"].holder == "with the LEA (not submitted)"
    assert rows["Harbor View Unified"].holder.startswith(
        "Policies and Procedures Review (PPR) (Step 1): approved by CDE"
    )
    assert rows["Riverbend Unified"].consultants == "Morgan Consultant"
    assert rows["Oak Hollow Elementary"].consultants == ""
    page = _page(world.cde_admin)
    assert "Step 1: waiting on SELPA review, since today" in page
    assert "Consultant: Morgan Consultant" in page


def test_it_names_the_work_waiting_longest(
    world: World, engaged: dict[str, Engagement], cohorts: dict[str, Cohort]
) -> None:
    riverbend = engaged["riverbend"]
    submit_ppr(world.lea_lead, riverbend)
    assert _rows(world.cde_admin, lea_name="river")[0].holder.startswith("Step 1: waiting on")
    decide(world.selpa_reviewer, riverbend.submissions.get(step=1, activity=None), "approved")
    held = _rows(world.cde_admin, lea_name="river")[0].holder
    assert held.startswith("Policies and Procedures Review (PPR) (Step 1): waiting on CDE")


# --- Filters -------------------------------------------------------------------------------


def test_it_filters_by_tier_level_region_selpa_and_name(
    world: World, engaged: dict[str, Engagement]
) -> None:
    admin = world.cde_admin
    assert _names(admin, tier="intensive") == ["Oak Hollow Elementary"]
    assert _names(admin, level="3") == ["Harbor View Unified"]
    assert _names(admin, region="11") == ["Harbor View Unified"]
    assert _names(admin, selpa=world.selpa.pk) == ["Oak Hollow Elementary", "Riverbend Unified"]
    assert _names(admin, lea="BEND") == ["Riverbend Unified"]
    assert _names(admin, tier="targeted", level="1") == ["Riverbend Unified"]
    header = next(
        csv.reader(
            io.StringIO(
                signed_in(admin)
                .get(reverse("status_grid_csv"), {"tier": "intensive"})
                .content.decode()
            )
        )
    )
    assert "policies_procedures_review" not in header


def test_it_filters_by_consultant_and_by_none(world: World, engaged: dict[str, Engagement]) -> None:
    admin = world.cde_admin
    assert _names(admin, consultant=str(world.cde_consultant.pk)) == ["Riverbend Unified"]
    assert _names(admin, consultant=queues.NO_CONSULTANT) == ["Oak Hollow Elementary"]
    page = _page(admin)
    assert f'<option value="{world.cde_consultant.pk}">Morgan Consultant</option>' in page
    assert '<option value="none">No consultant</option>' in page


def test_it_counts_a_consultant_who_left_as_none(
    world: World, engaged: dict[str, Engagement]
) -> None:
    world.cde_consultant.memberships.all().delete()
    assert _names(world.cde_admin, consultant=queues.NO_CONSULTANT) == [
        "Oak Hollow Elementary",
        "Riverbend Unified",
    ]


def test_it_filters_by_year(world: World, engaged: dict[str, Engagement]) -> None:
    MonitoringYear.objects.create(year=2023)
    assert _names(world.cde_admin, year="2023") == []
    assert "No LEA you can see matching these filters has CIM work in 2023" in _page(
        world.cde_admin, year="2023"
    )
    assert len(_names(world.cde_admin, year="2024")) == 3


def test_it_shows_one_steps_activities(world: World, engaged: dict[str, Engagement]) -> None:
    page = _page(world.cde_admin, step=2)
    assert "Step 2</span><br>" in page
    assert "Step 1</span><br>" not in page
    assert "Step 3</span><br>" not in page
    header = next(csv.reader(io.StringIO(signed_in(world.cde_admin).get(
        reverse("status_grid_csv"), {"step": 3}
    ).content.decode())))  # fmt: skip
    assert header[len(queues.GRID_FIXED_COLUMNS) :] == ["plan_for_improvement"]


def test_it_keeps_the_leas_with_an_activity_in_a_status(
    world: World, engaged: dict[str, Engagement]
) -> None:
    admin = world.cde_admin
    assert _names(admin, state="submitted") == ["Riverbend Unified"]
    assert _names(admin, state="approved") == ["Harbor View Unified"]
    assert _names(admin, state="approved", step=2) == []
    # Riverbend (Targeted Level 1) left its optional Prioritization: not "not started".
    assert "Riverbend Unified" in _names(admin, state=queues.OPTIONAL_KEY)
    # Every status keeps exactly the LEAs whose row shows it, in the step's columns.
    for step in (None, 1, 2):
        grid = queues.GridFilters(year=2024, step=step)
        ids = list(queues.grid_engagements(user=admin, filters=grid))
        columns = queues.grid_columns(year=2024, step=step)
        rows = queues.grid_rows(user=admin, ids=ids, columns=columns, year=2024)
        for key, cell in queues.STATUS_CELLS.items():
            if key != queues.NOT_REQUIRED_KEY:
                shown = [row.lea_name for row in rows if cell in row.cells]
                assert _names(admin, state=key, step=step or "") == shown, (key, step)
    page = _page(admin, state="submitted")
    assert '<option value="submitted" selected>Submitted</option>' in page
    assert "1 LEA in CIM" in page
    assert f'<option value="{queues.NOT_REQUIRED_KEY}"' not in page  # a "—" is no status


def test_it_sorts_by_selpa_region_and_level(world: World, engaged: dict[str, Engagement]) -> None:
    admin = world.cde_admin
    by_name = ["Harbor View Unified", "Oak Hollow Elementary", "Riverbend Unified"]
    assert _names(admin) == by_name
    # Far Coast SELPA (Harbor View) before North Valley SELPA.
    assert _names(admin, sort="selpa") == by_name
    assert _names(admin, sort="level") == by_name  # Levels 3, 2 and 1
    assert _names(admin, sort="region")[-1] == "Harbor View Unified"  # Region 11 last
    page = _page(admin, sort="level")
    assert '<option value="level" selected>Level, highest first, then LEA name</option>' in page
    assert "Some filters were not understood" in _page(admin, sort="lea_name; drop")


def test_it_ignores_filters_it_does_not_understand(
    world: World, engaged: dict[str, Engagement]
) -> None:
    bad = {"year": "1999", "tier": "universal", "level": "²", "region": "12", "selpa": "x"}
    bad |= {"consultant": "999999", "lea": "a" * 101}
    page = _page(world.cde_admin, **bad)
    assert "Some filters were not understood" in page
    assert "3 LEAs in CIM" in page
    assert len(_names(world.cde_admin, **bad)) == 3


def test_it_pages_leas(
    world: World, engaged: dict[str, Engagement], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "GRID_PAGE_SIZE", 2)
    first = _page(world.cde_admin, tier="")
    assert "Harbor View Unified" in first
    assert "Riverbend Unified" not in first
    assert "Page 1 of 2" in first
    second = _page(world.cde_admin, page="2")
    assert "Riverbend Unified" in second
    assert "Harbor View Unified" not in second
    # The downloads carry the filters, never the page.
    assert 'href="/status/grid.csv?tier="' in first
    past = _page(world.cde_admin, page="7", sort="level")
    assert "There is no page “7”: this is page 2 of 2." in past


# --- Downloads -----------------------------------------------------------------------------


def _xlsx(user: User, **params: str | int) -> Any:
    response = signed_in(user).get(reverse("status_grid_xlsx"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == views.XLSX
    assert "cim-status-grid-" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def test_it_downloads_csv(world: World, engaged: dict[str, Engagement]) -> None:
    rows = {row["lea_name"]: row for row in _csv(world.cde_admin)}
    riverbend = rows["Riverbend Unified"]
    assert riverbend["cds_code"] == world.lea.code
    assert riverbend["selpa"] == "North Valley SELPA"
    assert (riverbend["tier"], riverbend["level"], riverbend["region"]) == ("Targeted", "1", "3")
    assert riverbend["consultant"] == "Morgan Consultant"
    assert riverbend["holder"] == "Step 1: waiting on SELPA review, since today"
    assert riverbend["team_creation"] == "Submitted"
    assert riverbend["educational_partner_group"] == queues.NOT_REQUIRED_MEANING
    assert rows["Oak Hollow Elementary"]["policies_procedures_review"] == "not required"
    assert list(riverbend) == [key for key, _ in queues.GRID_FIXED_COLUMNS] + TARGETED_KEYS


def test_it_downloads_xlsx(world: World, engaged: dict[str, Engagement]) -> None:
    sheet = _xlsx(world.cde_admin).active
    assert sheet.title == "CIM status 2024"
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:8] == tuple(label for _, label in queues.GRID_FIXED_COLUMNS)
    assert values[0][8] == "CIM Team Creation"
    riverbend = next(row for row in values if row[1] == "Riverbend Unified")
    assert riverbend[:8] == (
        world.lea.code,
        "Riverbend Unified",
        "North Valley SELPA",
        3,
        "Targeted",
        1,
        "Morgan Consultant",
        "Step 1: waiting on SELPA review, since today",
    )
    assert riverbend[8] == "Submitted"
    assert len(values) == 4


def test_it_freezes_the_xlsx_header_and_sizes_its_columns(
    world: World, engaged: dict[str, Engagement]
) -> None:
    sheet = _xlsx(world.cde_admin).active

    assert sheet.freeze_panes == "A2"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCHI"}
    assert widths["A"] == 10  # a CDS code: the narrowest
    assert widths["B"] == len("Oak Hollow Elementary") + 2  # the longest LEA name
    assert widths["H"] == 45  # "Step 1: waiting on SELPA review, since today", capped
    assert widths["C"] == len("North Valley SELPA") + 2
    assert widths["I"] == len("CIM Team Creation") + 2


def test_it_labels_the_xlsx_columns_in_the_csvs_order(
    world: World, engaged: dict[str, Engagement]
) -> None:
    header = next(_xlsx(world.cde_admin).active.iter_rows(values_only=True))
    csv_header = list(_csv(world.cde_admin)[0])

    assert len(header) == len(csv_header)
    assert dict(zip(csv_header[:8], header[:8], strict=True)) == dict(queues.GRID_FIXED_COLUMNS)


def test_it_keeps_formulas_out_of_the_downloads(
    world: World, engaged: dict[str, Engagement]
) -> None:
    Organization.objects.filter(pk=world.lea.pk).update(name='=HYPERLINK("http://x","y")')
    assert _names(world.cde_admin)[0] == '\'=HYPERLINK("http://x","y")'
    sheet = _xlsx(world.cde_admin).active
    cell = next(row[1] for row in sheet.iter_rows() if str(row[1].value).startswith("="))
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x","y")'


# --- Query count ---------------------------------------------------------------------------


def _grow(world: World, cohorts: dict[str, Cohort], count: int) -> None:
    """`count` more LEAs, alternately Targeted (Step 1 and the PPR submitted, a consultant)
    and Intensive (nothing submitted, no consultant)."""
    for n in range(count):
        lea = factories.lea(selpa=world.selpa)
        if n % 2:
            start(lea, cohorts["intensive"], level=2)
            continue
        engagement = start(lea, cohorts["targeted"], level=1)
        lead = lead_of(lea)
        submit_step1(lead, engagement)
        submit_ppr(lead, engagement)
        assign(world, world.cde_consultant, lea)


# Session, user, two permission reads, the filters' years, SELPAs and consultants, the
# count, the page's ids, the catalog's columns, those LEAs' engagements, records,
# submissions and consultants, which of them the user may read, the menu's "reviews
# anyone", and the session's save (3). A download has no count and no menu, and adds
# each LEA in it to that LEA's access record (lea.AccessRecord): the LEAs' ids and one
# insert.
GRID_QUERIES = 19
DOWNLOAD_QUERIES = 19


def test_it_links_the_leas_whose_work_the_user_may_read(
    world: World, engaged: dict[str, Engagement]
) -> None:
    def link(engagement: Engagement) -> str:
        return f'<a href="{reverse("engagement_workspace", args=[engagement.pk])}">'

    consultant = _page(world.cde_consultant)
    assert f"{link(engaged['riverbend'])}Riverbend Unified</a>" in consultant
    # Statewide status, but not the work of an LEA assigned to someone else.
    assert "Harbor View Unified" in consultant
    assert link(engaged["harbor"]) not in consultant
    reviewer = _page(world.selpa_reviewer)
    assert f"{link(engaged['oak'])}Oak Hollow Elementary</a>" in reviewer


def test_it_renders_in_constant_queries(
    world: World, cohorts: dict[str, Cohort], django_assert_max_num_queries: Any
) -> None:
    # Both roles on the same LEAs: growing them is the slow part.
    clients = {role: signed_in(getattr(world, role)) for role in ("cde_admin", "selpa_reviewer")}
    filtered = {"tier": "targeted", "consultant": str(world.cde_consultant.pk), "lea": "LEA"}
    pages = {}
    for count in (3, 6):
        _grow(world, cohorts, count)
        for role, client in clients.items():
            with django_assert_max_num_queries(GRID_QUERIES):
                pages[role] = client.get(reverse("status_grid")).content.decode()
            with django_assert_max_num_queries(GRID_QUERIES):
                client.get(reverse("status_grid"), filtered)
            with django_assert_max_num_queries(DOWNLOAD_QUERIES):
                client.get(reverse("status_grid_csv"))
            with django_assert_max_num_queries(DOWNLOAD_QUERIES):
                client.get(reverse("status_grid_xlsx"))
    for page in pages.values():
        assert "9 LEAs in CIM" in page


def test_it_names_the_latest_approval_when_nothing_waits() -> None:
    rank = {"submitted": 0, "returned": 1, "approved": 2}
    old, new = datetime(2024, 7, 1, tzinfo=UTC), datetime(2024, 8, 1, tzinfo=UTC)
    first = Submission(step=1, state="approved", state_changed_at=old)
    second = Submission(step=2, state="approved", state_changed_at=new)
    waiting = Submission(step=2, state="submitted", state_changed_at=new)
    assert queues._precedes(second, first, rank)
    assert not queues._precedes(first, second, rank)
    assert queues._precedes(waiting, first, rank)
    # A state change with no time (never made by the services) never wins over one with.
    undated = Submission(step=3, state="approved", state_changed_at=None)
    assert not queues._precedes(undated, first, rank)
    assert queues._precedes(first, undated, rank)


# --- A page already built ------------------------------------------------------------------

# The session, the user, the permissions (2) and the menu's "reviews anyone".
CACHED_GRID_QUERIES = 5


def test_it_serves_a_page_already_built_without_reading_the_state_again(
    world: World, engaged: dict[str, Engagement], django_assert_max_num_queries: Any
) -> None:
    client = signed_in(world.cde_admin)
    first = client.get(reverse("status_grid"), {"tier": "targeted"}).content.decode()
    with django_assert_max_num_queries(CACHED_GRID_QUERIES):
        again = client.get(reverse("status_grid"), {"tier": "targeted"}).content.decode()
    assert _without_csrf(again) == _without_csrf(first)
    assert "2 LEAs in CIM" in again


def test_it_keys_a_built_page_by_what_its_address_asks(
    world: World, engaged: dict[str, Engagement], django_assert_max_num_queries: Any
) -> None:
    client = signed_in(world.cde_admin)
    grid = reverse("status_grid")
    first = client.get(f"{grid}?tier=targeted&sort=level&state=").content.decode()
    with django_assert_max_num_queries(CACHED_GRID_QUERIES):  # the same query, reordered
        again = client.get(f"{grid}?state=&sort=%6Cevel&tier=targeted").content.decode()
    assert _without_csrf(again) == _without_csrf(first)
    by_name = client.get(f"{grid}?tier=targeted&sort=lea").content.decode()
    assert by_name.index("Harbor View") < by_name.index("Riverbend")
    by_region = client.get(f"{grid}?tier=targeted&sort=region").content.decode()
    assert by_region.index("Riverbend") < by_region.index("Harbor View")


def test_it_shows_a_change_on_the_next_view(world: World, engaged: dict[str, Engagement]) -> None:
    client = signed_in(world.cde_admin)
    assert "Step 1: waiting on SELPA review" in client.get(reverse("status_grid")).content.decode()
    decide(world.selpa_reviewer, engaged["riverbend"].submissions.get(), Review.Decision.RETURNED)
    page = client.get(reverse("status_grid")).content.decode()
    assert "Step 1: waiting on SELPA review" not in page
    assert '<td class="table-danger">Returned</td>' in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_shows_a_committed_change_to_a_page_built_before_the_commit(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    """A page built while another request's change is not yet committed is retired when
    that change commits."""
    engaged = _engage(world, cohorts)  # committed: not the module's shared data
    client = signed_in(world.cde_admin)
    with transaction.atomic():
        decide(
            world.selpa_reviewer, engaged["riverbend"].submissions.get(), Review.Decision.APPROVED
        )
        # What another connection would build now: the state before the commit, under
        # the token the decision set.
        key = views._grid_cache_key(client.get(reverse("status_grid")).wsgi_request)
        cache.set(key, "the grid before the decision")
    page = client.get(reverse("status_grid")).content.decode()
    assert "the grid before the decision" not in page
    assert "Step 1: approved by SELPA today" in page


def test_it_counts_days_from_the_day_it_is_viewed(
    world: World, engaged: dict[str, Engagement]
) -> None:
    client = signed_in(world.cde_admin)
    assert (
        "waiting on SELPA review, since today"
        in client.get(reverse("status_grid")).content.decode()
    )
    tomorrow = timezone.now() + timedelta(days=1)
    with mock.patch("django.utils.timezone.now", return_value=tomorrow):
        client.force_login(world.cde_admin)  # the idle timeout ended yesterday's session
        page = client.get(reverse("status_grid")).content.decode()
    assert "waiting on SELPA review, 1 day" in page


def test_it_never_shows_one_persons_page_to_another(
    world: World, engaged: dict[str, Engagement]
) -> None:
    assert "Harbor View Unified" in _page(world.foreign_selpa_reviewer)
    page = _page(world.selpa_reviewer)
    assert "Harbor View Unified" not in page
    assert "Riverbend Unified" in page


def _without_csrf(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def test_it_keeps_a_page_through_draft_edits_that_change_no_status(
    world: World, engaged: dict[str, Engagement], django_assert_max_num_queries: Any
) -> None:
    lead = lead_of(world.lea2)
    client = signed_in(world.cde_admin)
    before = client.get(reverse("status_grid")).content.decode()
    record = engaged["oak"].records.filter(status="not_started").order_by("pk").first()
    assert record is not None
    record = services.record_save_answers(
        actor=lead, record=record, expected_version=1, answers={"x": "Started."}
    ).record
    started = client.get(reverse("status_grid")).content.decode()
    assert started.count(">In progress</td>") == before.count(">In progress</td>") + 1
    services.record_save_answers(
        actor=lead, record=record, expected_version=2, answers={"x": "Started. More."}
    )
    with django_assert_max_num_queries(CACHED_GRID_QUERIES):
        again = client.get(reverse("status_grid")).content.decode()
    assert _without_csrf(again) == _without_csrf(started)
