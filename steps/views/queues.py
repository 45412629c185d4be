"""The review queue (SELPA reviewers, CDE consultants, and CDE administrators' unassigned
work) and the status grid with its CSV and Excel downloads. Each view parses its filters
with a form (a value it does not understand is ignored and said so, never an error page),
calls the selectors in steps/queues.py and renders."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from cim import selectors as cim_selectors
from cim.models import Level, Tier
from lea import access as lea_access
from lea import data_version
from lea.models import Organization
from lea.services_access_records import Kind, record_export
from steps import access, queues
from steps.listing import IGNORED, choice_field, name_field, number_field, page_of, valid_data
from steps.models import SubmissionState

QUEUE_PAGE_SIZE = 50
GRID_PAGE_SIZE = 50
STATUS_PAGE_SIZE = 50
GRID_CACHE_SECONDS = 10 * 60
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MINE = "mine"
UNASSIGNED = "unassigned"

STEPS = [(step, f"Step {step}") for step in (1, 2, 3)] + [(4, "Step 4: progress reports")]
# The grid and the status page list activities: Step 4 is its Implementation and Monitoring.
CATALOG_STEPS = [(step, f"Step {step}") for step in (1, 2, 3, 4)]
LEVELS = [(level, label) for level, label in Level.choices]
REGIONS = [(region, f"Region {region}") for region in range(1, 12)]
TIERS = [("", "Any tier"), (Tier.TARGETED, "Targeted"), (Tier.INTENSIVE, "Intensive")]


def consultant_field(consultants: list[tuple[str, str]]) -> forms.ChoiceField:
    """The LEA's CDE consultant for the year: one of them, or none assigned."""
    return choice_field(
        [("", "Any consultant"), (queues.NO_CONSULTANT, "No consultant"), *consultants],
        "Consultant",
    )


class QueueFilterForm(forms.Form):
    state = choice_field(
        [
            (SubmissionState.SUBMITTED, "Waiting for review"),
            (SubmissionState.RETURNED, "Returned, with the LEA"),
            (SubmissionState.APPROVED, "Approved"),
            (queues.ANY_STATE, "Any state"),
        ],
        "State",
    )
    step = number_field(STEPS, "Step", "Any step")
    tier = choice_field(TIERS, "Tier")
    level = number_field(LEVELS, "Level", "Any level")
    region = number_field(REGIONS, "Region", "Any region")
    lea = name_field()
    sort = choice_field(list(queues.SORTS.items()), "Sort by")

    def __init__(
        self,
        *args: Any,
        watches_unassigned: bool,
        selpas: list[tuple[int, str]],
        consultants: list[tuple[str, str]] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["selpa"] = number_field(selpas, "SELPA", "Any SELPA")
        order = ["state", "step", "tier", "level", "region", "selpa"]
        if consultants is not None:
            self.fields["consultant"] = consultant_field(consultants)
            order.append("consultant")
        if watches_unassigned:
            self.fields["queue"] = choice_field(
                [(MINE, "Everything in my queue"), (UNASSIGNED, "Only LEAs without a consultant")],
                "Queue",
            )
            order.insert(0, "queue")
        self.order_fields(order)

    def filters(self) -> queues.QueueFilters:
        """The valid filters; an invalid one falls back to its default."""
        data = valid_data(self)
        return queues.QueueFilters(
            state=data.get("state") or SubmissionState.SUBMITTED,
            step=data.get("step"),
            tier=data.get("tier") or "",
            level=data.get("level"),
            region=data.get("region"),
            selpa=data.get("selpa"),
            consultant=data.get("consultant") or "",
            lea_name=data.get("lea") or "",
            unassigned_only=data.get("queue") == UNASSIGNED,
            sort=data.get("sort") or queues.SORT_WAITING,
        )


class GridFilterForm(forms.Form):
    """The LEAs of a year by tier, level, region, SELPA, consultant and name; the step of
    the activities shown; LEAs with an activity in a status; and their order."""

    # The grid's cells: an LEA has an activity in one of these states (a "—" cell is not a
    # state it is in). The CIM status page lists activities, and offers "not required".
    states: ClassVar[Mapping[str, queues.Cell]] = {
        key: cell for key, cell in queues.STATUS_CELLS.items() if key != queues.NOT_REQUIRED_KEY
    }
    sorts: ClassVar[Mapping[str, str]] = queues.GRID_SORTS

    def __init__(
        self,
        *args: Any,
        years: list[int],
        selpas: list[tuple[int, str]],
        consultants: list[tuple[str, str]] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"] = number_field([(year, str(year)) for year in years], "Year", None)
        self.fields["tier"] = choice_field(TIERS, "Tier")
        self.fields["level"] = number_field(LEVELS, "Level", "Any level")
        self.fields["region"] = number_field(REGIONS, "Region", "Any region")
        self.fields["selpa"] = number_field(selpas, "SELPA", "Any SELPA")
        if consultants is not None:  # CDE staff only: who reviews which LEA, statewide
            self.fields["consultant"] = consultant_field(consultants)
        self.fields["lea"] = name_field()
        self.fields["step"] = number_field(CATALOG_STEPS, "Step", "Any step")
        self.fields["state"] = choice_field(
            [("", "Any status")] + [(key, cell.text) for key, cell in self.states.items()],
            "Status",
        )
        self.fields["sort"] = choice_field(list(self.sorts.items()), "Sort by")
        self.years = years

    def filters(self) -> queues.GridFilters | None:
        """The valid filters, or None when no year is loaded yet."""
        data = valid_data(self)
        year = data.get("year") or (self.years[0] if self.years else None)
        if year is None:
            return None
        return queues.GridFilters(
            year=year,
            tier=data.get("tier") or "",
            level=data.get("level"),
            region=data.get("region"),
            selpa=data.get("selpa"),
            consultant=data.get("consultant") or "",
            lea_name=data.get("lea") or "",
            step=data.get("step"),
            state=data.get("state") or "",
            sort=data.get("sort") or queues.GRID_SORT_LEA,
        )


# --- The review queue --------------------------------------------------------------------------


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """What waits for the user's review, oldest first. Someone who reviews nothing sees why."""
    user = request.user
    selpas, consultants = _scope_choices(user)
    form = QueueFilterForm(
        request.GET or None,
        watches_unassigned=access.may_assign_consultants(user),
        selpas=selpas,
        consultants=consultants,
    )
    filters = form.filters()
    # Every id of the queue in one query, paged here: the queue's scope costs PostgreSQL
    # more to plan than to run, so a count and then a page's ids would plan it twice. A
    # queue is at most the submissions of its state in the user's scope: some thousands
    # of ids at most, statewide.
    ids = list(queues.review_queue(user=user, filters=filters))
    paged = page_of(ids, QUEUE_PAGE_SIZE, request.GET.get("page"))
    page = paged.page
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "items": queues.queue_items(ids=list(page.object_list)),
        "has_review_role": access.may_review_work(user),
        "ignored": IGNORED if form.errors else "",
        "page_note": paged.note,
    }
    if not page.paginator.count:
        context["no_assignments"] = _consultant_without_leas(user)
    return render(request, "steps/review_queue.html", context)


def _consultant_without_leas(user: Any) -> bool:
    """Why a consultant's queue is empty when it is: no LEA is assigned to them."""
    if (
        access.may_assign_consultants(user)
        or not lea_access.consultants().filter(pk=user.pk).exists()
    ):
        return False
    return not access.consultant_assignments_for(user).exists()


# --- The CIM status page and the status grid ---------------------------------------------


class StatusFilterForm(GridFilterForm):
    """The grid's filters; the step, the status and the order apply to activities."""

    states = queues.STATUS_CELLS
    sorts = queues.STATUS_SORTS

    def status_filters(self) -> queues.StatusFilters | None:
        """The valid filters, or None when no year is loaded yet."""
        grid = self.filters()
        if grid is None:
            return None
        data = self.cleaned_data if self.is_bound else {}
        return queues.StatusFilters(
            # The LEAs the grid's filters keep, all of them: step, status and order are
            # the activities' here (steps/queues.status_page_rows).
            grid=replace(grid, step=None, state="", sort=queues.GRID_SORT_LEA),
            step=grid.step,
            state=grid.state,
            sort=data.get("sort") or queues.STATUS_SORT_LEA,
        )


def _scope_choices(user: Any) -> tuple[list[tuple[int, str]], list[tuple[str, str]] | None]:
    """The SELPAs the user may see, and the consultants (for CDE staff only, who see
    who reviews which LEA statewide; None for anyone else): the choices of two filters."""
    selpas = (
        lea_access.organizations_for(user).filter(kind=Organization.Kind.SELPA).order_by("name")
    )
    consultants = None
    if access.may_see_statewide_status(user):
        people = lea_access.consultants().order_by("full_name", "email")
        consultants = [
            (str(pk), full_name or email)
            for pk, full_name, email in people.values_list("pk", "full_name", "email")
        ]
    return list(selpas.values_list("pk", "name")), consultants


def _grid_form[F: GridFilterForm](request: HttpRequest, form_class: type[F]) -> F:
    selpas, consultants = _scope_choices(request.user)
    return form_class(
        request.GET or None,
        years=cim_selectors.monitoring_years(),
        selpas=selpas,
        consultants=consultants,
    )


def _grid_cache_key(request: HttpRequest) -> str:
    """The page's content is the same for the same person and query until audited data
    changes; the person, not their role, since scopes differ within a role. Who holds
    the work says "6 days", counted in whole days since the work moved: the California
    day in the key and the ten minutes a page is kept bound how late that count can be.
    The query as its parameters in order of name (each value, valid or not, is on the
    page: a filter chosen, or marked as not understood): the same filters, sort and page
    in another order of the address, or differently escaped, are the same page."""
    query = sorted((name, values) for name, values in request.GET.lists())
    parts = (
        data_version.current(),
        timezone.localdate().isoformat(),
        str(request.user.pk),
        repr(query),
    )
    return "status-grid:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


@login_required
@require_GET
def status_grid(request: HttpRequest) -> HttpResponse:
    """LEAs down, activities across, a status in each cell; 50 LEAs a page. A CDE
    administrator pages back and forth through 2,500 LEAs: a page already built is served
    from the cache until something audited changes."""
    key = _grid_cache_key(request)
    grid_html = cache.get(key)
    if grid_html is None:
        grid_html = render_to_string(
            "steps/includes/status_grid_body.html", _grid_context(request), request=request
        )
        cache.set(key, grid_html, GRID_CACHE_SECONDS)
    return render(request, "steps/status_grid.html", {"grid_html": mark_safe(grid_html)})  # noqa: S308 -- our own rendered template


def _grid_context(request: HttpRequest) -> dict[str, Any]:
    form = _grid_form(request, GridFilterForm)
    filters = form.filters()
    context: dict[str, Any] = {"form": form, "filters": filters, "legend_html": queues.LEGEND_HTML}
    context["ignored"] = IGNORED if form.errors else ""
    if filters is not None:
        engagements = queues.grid_engagements(user=request.user, filters=filters)
        paged = page_of(engagements, GRID_PAGE_SIZE, request.GET.get("page"))
        page = paged.page
        context["page_note"] = paged.note
        columns = queues.grid_columns(year=filters.year, tier=filters.tier, step=filters.step)
        context |= {"page": page, "columns": columns}
        context["rows"] = queues.grid_rows(
            user=request.user,
            ids=list(page.object_list),
            columns=columns,
            year=filters.year,
        )
    return context


@login_required
@require_GET
def cim_status(request: HttpRequest) -> HttpResponse:
    """Every activity owed in the user's scope for a year, filtered like the grid and by
    step and status, sorted and paged, the filters in the address."""
    form = _grid_form(request, StatusFilterForm)
    filters = form.status_filters()
    context: dict[str, Any] = {"form": form, "filters": filters}
    context["ignored"] = IGNORED if form.errors else ""
    if filters is not None:
        rows = queues.status_page_rows(user=request.user, filters=filters)
        paged = page_of(rows, STATUS_PAGE_SIZE, request.GET.get("page"))
        # Status is wider than content for CDE staff: link the LEAs whose work the user
        # may read, asked once for the page.
        shown = {row.engagement_id for row in paged.page}
        readable = access.engagements_for(request.user).filter(pk__in=shown)
        context |= {
            "page": paged.page,
            "page_note": paged.note,
            "rows": [(row, queues.STATUS_CELLS[queues.status_key(row)]) for row in paged.page],
            "readable": set(readable.values_list("pk", flat=True)),
        }
    return render(request, "steps/cim_status.html", context)


def _grid_download(request: HttpRequest) -> tuple[str, list[queues.GridRow], list[queues.Column]]:
    filters = _grid_form(request, GridFilterForm).filters()
    if filters is None:
        return "none", [], []
    engagements = queues.grid_engagements(user=request.user, filters=filters)
    ids = list(engagements)
    columns = queues.grid_columns(year=filters.year, tier=filters.tier, step=filters.step)
    rows = queues.grid_rows(user=request.user, ids=ids, columns=columns, year=filters.year)
    # Each LEA in the file has a row in its own access record (lea.AccessRecord).
    leas = list(engagements.values_list("lea_id", flat=True))
    record_export(request, kind=Kind.STATUS_GRID_EXPORT, lea_ids=leas)
    return str(filters.year), rows, columns


@login_required
@require_GET
def status_grid_csv(request: HttpRequest) -> HttpResponse:
    year, rows, columns = _grid_download(request)
    response = HttpResponse(queues.grid_csv(rows, columns), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cim-status-grid-{year}.csv"'
    return response


@login_required
@require_GET
def status_grid_xlsx(request: HttpRequest) -> HttpResponse:
    year, rows, columns = _grid_download(request)
    content = queues.grid_xlsx(rows, columns, title=f"CIM status {year}")
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="cim-status-grid-{year}.xlsx"'
    return response


urlpatterns: list[URLPattern] = [
    path("reviews/", review_queue, name="review_queue"),
    path("status/", cim_status, name="cim_status"),
    path("status/grid/", status_grid, name="status_grid"),
    path("status/grid.csv", status_grid_csv, name="status_grid_csv"),
    path("status/grid.xlsx", status_grid_xlsx, name="status_grid_xlsx"),
]
