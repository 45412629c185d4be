"""The review queue (SELPA reviewers, CDE consultants, and CDE administrators' unassigned
work) and the status grid with its CSV and Excel downloads. Each view parses its filters
with a form (a value it does not understand is ignored and said so, never an error page),
calls the selectors in steps/queues.py and renders."""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.forms.utils import flatatt
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from cim import selectors as cim_selectors
from cim.models import Level, Tier
from lea import access, data_version
from lea.models import Organization
from steps import queues
from steps.models import SubmissionState

QUEUE_PAGE_SIZE = 50
GRID_PAGE_SIZE = 50
GRID_CACHE_SECONDS = 10 * 60
IGNORED = "Some filters were not understood and are ignored: see the marked fields."
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MINE = "mine"
UNASSIGNED = "unassigned"

STEPS = [(step, f"Step {step}") for step in (1, 2, 3)]
LEVELS = [(level, label) for level, label in Level.choices]
REGIONS = [(region, f"Region {region}") for region in range(1, 12)]


class QuickSelect(forms.Select):
    """A select built in Python. Django renders every option through a template, which for
    the 130 SELPAs of the grid's filter costs more than the rest of the page's table."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = {str(item) for item in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(key)}"{" selected" if str(key) in chosen else ""}>'
            f"{escape(label)}</option>"
            for key, label in self.choices
        )
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 -- escaped


def _select(choices: list[tuple[Any, str]], label: str, empty: str | None) -> forms.Field:
    options = [("", empty), *choices] if empty is not None else choices
    return forms.TypedChoiceField(
        label=label,
        choices=options,
        coerce=int,
        empty_value=None,
        required=False,
        widget=QuickSelect(attrs={"class": "form-select form-select-sm"}),
    )


def _name_field() -> forms.CharField:
    return forms.CharField(
        label="LEA name contains",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


def _choice(choices: list[tuple[str, str]], label: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=QuickSelect(attrs={"class": "form-select form-select-sm"}),
    )


class QueueFilterForm(forms.Form):
    state = _choice(
        [
            (SubmissionState.SUBMITTED, "Waiting for review"),
            (SubmissionState.RETURNED, "Returned, with the LEA"),
            (SubmissionState.APPROVED, "Approved"),
            (queues.ANY_STATE, "Any state"),
        ],
        "State",
    )
    step = _select(STEPS, "Step", "Any step")
    level = _select(LEVELS, "Level", "Any level")
    lea = _name_field()
    sort = _choice(list(queues.SORTS.items()), "Sort by")

    def __init__(self, *args: Any, watches_unassigned: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if watches_unassigned:
            self.fields["queue"] = _choice(
                [(MINE, "Everything in my queue"), (UNASSIGNED, "Only LEAs without a consultant")],
                "Queue",
            )
            self.order_fields(["queue"])

    def filters(self) -> queues.QueueFilters:
        """The valid filters; an invalid one falls back to its default."""
        data = _valid_data(self)
        return queues.QueueFilters(
            state=data.get("state") or SubmissionState.SUBMITTED,
            step=data.get("step"),
            level=data.get("level"),
            lea_name=data.get("lea") or "",
            unassigned_only=data.get("queue") == UNASSIGNED,
            sort=data.get("sort") or queues.SORT_WAITING,
        )


class GridFilterForm(forms.Form):
    def __init__(
        self,
        *args: Any,
        years: list[int],
        selpas: list[tuple[int, str]],
        consultants: list[tuple[str, str]] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"] = _select([(year, str(year)) for year in years], "Year", None)
        self.fields["tier"] = _choice(
            [("", "Any tier"), (Tier.TARGETED, "Targeted"), (Tier.INTENSIVE, "Intensive")],
            "Tier",
        )
        self.fields["level"] = _select(LEVELS, "Level", "Any level")
        self.fields["region"] = _select(REGIONS, "Region", "Any region")
        self.fields["selpa"] = _select(selpas, "SELPA", "Any SELPA")
        if consultants is not None:  # CDE staff only: who reviews which LEA, statewide
            self.fields["consultant"] = _choice(
                [("", "Any consultant"), (queues.NO_CONSULTANT, "No consultant"), *consultants],
                "Consultant",
            )
        self.fields["lea"] = _name_field()
        self.years = years

    def filters(self) -> queues.GridFilters | None:
        """The valid filters, or None when no year is loaded yet."""
        data = _valid_data(self)
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
        )


def _valid_data(form: forms.Form) -> dict[str, Any]:
    if not form.is_bound:
        return {}
    form.is_valid()
    for name in form.errors:
        field = form.fields.get(name)
        if field is not None:
            classes = field.widget.attrs.get("class", "")
            field.widget.attrs |= {
                "class": f"{classes} is-invalid",
                "aria-invalid": "true",
                "aria-describedby": f"{form[name].auto_id}-error",
            }
    return form.cleaned_data


def _page(request: HttpRequest, items: Any, size: int) -> Page:
    return Paginator(items, size).get_page(request.GET.get("page"))


# --- The review queue --------------------------------------------------------------------------


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """What waits for the user's review, oldest first. Someone who reviews nothing sees why."""
    user = request.user
    form = QueueFilterForm(
        request.GET or None, watches_unassigned=access.can_assign_consultants(user)
    )
    filters = form.filters()
    page = _page(request, queues.review_queue(user=user, filters=filters), QUEUE_PAGE_SIZE)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "items": queues.queue_items(user=user, ids=list(page.object_list)),
        "has_review_role": access.has_review_role(user),
        "ignored": IGNORED if form.errors else "",
    }
    if not page.paginator.count:
        context["no_assignments"] = _consultant_without_leas(user)
    return render(request, "steps/review_queue.html", context)


def _consultant_without_leas(user: Any) -> bool:
    """Why a consultant's queue is empty when it is: no LEA is assigned to them."""
    if access.can_assign_consultants(user) or not access.consultants().filter(pk=user.pk).exists():
        return False
    return not access.consultant_assignments_for(user).exists()


# --- The status grid ---------------------------------------------------------------------------


def _grid_form(request: HttpRequest) -> GridFilterForm:
    user = request.user
    selpas = access.organizations_for(user).filter(kind=Organization.Kind.SELPA).order_by("name")
    consultants = None
    if access.sees_statewide_status(user):
        people = access.consultants().order_by("full_name", "email")
        consultants = [
            (str(pk), full_name or email)
            for pk, full_name, email in people.values_list("pk", "full_name", "email")
        ]
    return GridFilterForm(
        request.GET or None,
        years=cim_selectors.monitoring_years(),
        selpas=list(selpas.values_list("pk", "name")),
        consultants=consultants,
    )


def _grid_cache_key(request: HttpRequest) -> str:
    """The page's content is the same for the same person and query string until audited
    data changes; the person, not their role, since scopes differ within a role. Who holds
    the work says "6 days", counted in whole days since the work moved: the California
    day in the key and the ten minutes a page is kept bound how late that count can be."""
    parts = (
        data_version.current(),
        timezone.localdate().isoformat(),
        str(request.user.pk),
        request.META.get("QUERY_STRING", ""),
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
    form = _grid_form(request)
    filters = form.filters()
    context: dict[str, Any] = {"form": form, "filters": filters, "legend_html": queues.LEGEND_HTML}
    context["ignored"] = IGNORED if form.errors else ""
    if filters is not None:
        engagements = queues.grid_engagements(user=request.user, filters=filters)
        page = _page(request, engagements, GRID_PAGE_SIZE)
        columns = queues.grid_columns(year=filters.year, tier=filters.tier)
        context |= {"page": page, "columns": columns}
        context["rows"] = queues.grid_rows(
            user=request.user,
            ids=list(page.object_list),
            columns=columns,
            year=filters.year,
        )
    return context


def _grid_download(request: HttpRequest) -> tuple[str, list[queues.GridRow], list[queues.Column]]:
    filters = _grid_form(request).filters()
    if filters is None:
        return "none", [], []
    ids = list(queues.grid_engagements(user=request.user, filters=filters))
    columns = queues.grid_columns(year=filters.year, tier=filters.tier)
    rows = queues.grid_rows(user=request.user, ids=ids, columns=columns, year=filters.year)
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
    path("status/grid/", status_grid, name="status_grid"),
    path("status/grid.csv", status_grid_csv, name="status_grid_csv"),
    path("status/grid.xlsx", status_grid_xlsx, name="status_grid_xlsx"),
]
