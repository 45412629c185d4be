"""Consultant assignments: which CDE FMTA consultant reviews which LEA's CIM work, for
CDE administrators only. Each view: authorize through access, call one service, render
or redirect.

The forms live here rather than in steps/forms.py because only this page uses them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from cim import selectors as cim_selectors
from cim.models import MonitoringYear
from lea import access as lea_access
from lea.models import Organization, User
from steps import access
from steps.services import assignments as services

ADMINS_ONLY = "Only CDE administrators assign consultants to LEAs."
PAGE_SIZE = 50
REGIONS = range(1, 12)

CHOOSE_CONSULTANT = "Choose the CDE consultant to assign."
NOT_A_CONSULTANT = "Choose a CDE consultant from the list; that person is not one."
NO_YEAR = "The monitoring year is missing or unknown; reload the page and try again."
NO_CODE = "Enter the LEA's CDS code, or start typing its name and pick it from the list."
NOT_A_CODE = (
    "{code} is not a CDS code: enter 7 digits for a district or 14 for a charter, "
    "or pick the LEA from the list."
)
NOT_IN_CIM = "No LEA with CDS code {code} is in CIM in {year}."
CHOOSE_REGION = "Choose a CCSESA region from 1 to 11."


# --- Forms ---------------------------------------------------------------------------------


class _AssignForm(forms.Form):
    """What both assign forms share: the consultant, and the year they are shown for."""

    consultant = forms.ModelChoiceField(
        label="Consultant",
        queryset=lea_access.consultants().none(),
        empty_label="Choose a consultant…",
        error_messages={"required": CHOOSE_CONSULTANT, "invalid_choice": NOT_A_CONSULTANT},
    )
    year = forms.TypedChoiceField(
        coerce=int, widget=forms.HiddenInput, error_messages={"required": NO_YEAR}
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        consultant = cast(forms.ModelChoiceField, self.fields["consultant"])
        consultant.queryset = lea_access.consultants().order_by("full_name", "email")
        year = cast(forms.TypedChoiceField, self.fields["year"])
        year.choices = [(y, str(y)) for y in years]
        year.error_messages["invalid_choice"] = NO_YEAR

    def clean_year(self) -> MonitoringYear:
        try:
            return services.monitoring_year_get(year=self.cleaned_data["year"])
        except ValidationError:
            raise ValidationError(NO_YEAR) from None


class AssignLeaForm(_AssignForm):
    cds_code = forms.CharField(
        label="LEA (CDS code)",
        max_length=40,
        help_text="Type the CDS code, or part of the LEA's name to pick it from the list.",
        # The suggestions are every LEA in CIM in the year (see the page's <datalist>):
        # thousands of options are fine there, where a <select> would be unusable.
        widget=forms.TextInput(attrs={"list": "leas-in-cim", "autocomplete": "off"}),
        error_messages={"required": NO_CODE},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_cds_code(self) -> str:
        raw = self.cleaned_data["cds_code"]
        # People paste CDS codes as "19-64733-0000000" or with spaces.
        code = re.sub(r"[\s-]", "", raw)
        if not re.fullmatch(r"[0-9]{7}|[0-9]{14}", code):
            raise ValidationError(NOT_A_CODE.format(code=raw.strip()))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year, code = data.get("year"), data.get("cds_code")
        if year is not None and code is not None:
            data["lea"] = access.lea_in_cim_by_code_for(self.user, year=year.year, code=code)
            if data["lea"] is None:
                self.add_error("cds_code", NOT_IN_CIM.format(code=code, year=year.year))
        return data


class AssignRegionForm(_AssignForm):
    region = forms.TypedChoiceField(
        label="CCSESA region",
        coerce=int,
        choices=[("", "Choose a region…"), *((r, f"Region {r}") for r in REGIONS)],
        error_messages={"required": CHOOSE_REGION, "invalid_choice": CHOOSE_REGION},
    )
    cde_only = forms.BooleanField(
        label="Only LEAs whose work goes to CDE (Targeted Level 3 and Intensive)",
        required=False,
        initial=True,
        help_text="Untick to assign every LEA of the region that is in CIM this year.",
    )


class AssignmentFilterForm(forms.Form):
    consultant = forms.ModelChoiceField(
        label="Consultant",
        queryset=lea_access.consultants().none(),
        required=False,
        empty_label="Any consultant",
        error_messages={"invalid_choice": NOT_A_CONSULTANT},
    )
    region = forms.TypedChoiceField(
        label="Region",
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", "Any region"), *((r, f"Region {r}") for r in REGIONS)],
        error_messages={"invalid_choice": CHOOSE_REGION},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        consultant = cast(forms.ModelChoiceField, self.fields["consultant"])
        consultant.queryset = lea_access.consultants().order_by("full_name", "email")


# --- The page ------------------------------------------------------------------------------


@dataclass
class _Forms:
    one: AssignLeaForm
    region: AssignRegionForm


def _cde_admin(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not access.may_assign_consultants(user):
        raise PermissionDenied(ADMINS_ONLY)
    return user


def _year(requested: str, years: list[int]) -> int | None:
    """The year asked for if there is such a monitoring year, else the newest."""
    # fullmatch on ASCII digits: str.isdigit() also accepts "²", which int() refuses.
    year = int(requested) if re.fullmatch(r"[0-9]{1,4}", requested) else None
    return year if year in years else (years[0] if years else None)


def _with_determination(
    user: User, leas: QuerySet[Organization], year: int
) -> QuerySet[Organization]:
    """The LEAs with their tier and level of the year, their engagement (for the link to
    its workspace) and their SELPA, in three joins."""
    determination = access.engagements_for(user).filter(lea=OuterRef("pk"), cohort__year__year=year)
    return (
        leas.select_related("selpa")
        .annotate(
            tier=Subquery(determination.values("determination__tier")[:1]),
            level=Subquery(determination.values("determination__level")[:1]),
            engagement_id=Subquery(determination.values("pk")[:1]),
        )
        .order_by("name", "code")
    )


def _assignments(user: User, year: int, filters: AssignmentFilterForm) -> QuerySet:
    rows = (
        access.consultant_assignments_for(user)
        .filter(year__year=year)
        .select_related("consultant", "lea", "lea__selpa", "assigned_by")
        .annotate(
            still_consultant=Exists(lea_access.consultants().filter(pk=OuterRef("consultant"))),
            # The LEA's engagement of the year, when the user may read it: its name links there.
            engagement_id=Subquery(
                access.engagements_for(user)
                .filter(lea=OuterRef("lea"), cohort__year=OuterRef("year"))
                .values("pk")[:1]
            ),
        )
        .order_by("lea__name", "consultant__full_name", "pk")
    )
    if filters.is_valid():
        if filters.cleaned_data["consultant"] is not None:
            rows = rows.filter(consultant=filters.cleaned_data["consultant"])
        if filters.cleaned_data["region"] is not None:
            rows = rows.filter(lea__region=filters.cleaned_data["region"])
    return rows


def _page(
    request: HttpRequest, user: User, year: int | None, years: list[int], bound: _Forms
) -> HttpResponse:
    context: dict[str, object] = {"year": year, "years": years, "forms": bound}
    if year is not None:
        filters = AssignmentFilterForm(request.GET or None)
        rows = _assignments(user, year, filters)
        context |= {
            "needing": list(
                _with_determination(user, access.leas_needing_consultant_for(user, year=year), year)
            ),
            "leas": access.leas_in_cim_for(user, year=year)
            .select_related("selpa")
            .order_by("name", "code"),
            "consultants": list(lea_access.consultants().order_by("full_name", "email")),
            "filters": filters,
            "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        }
    failed = bound.one.errors or bound.region.errors
    return render(
        request, "steps/consultant_assignments.html", context, status=400 if failed else 200
    )


def _assign_one(actor: User, form: AssignLeaForm) -> str | None:
    """Assigns, and says what happened; None when the form (or the service) refused."""
    if not form.is_valid():
        return None
    consultant, year, lea = (form.cleaned_data[k] for k in ("consultant", "year", "lea"))
    try:
        new = services.consultant_assign(actor=actor, consultant=consultant, year=year, leas=[lea])
    except ValidationError as error:
        form.add_error("consultant", error)
        return None
    if not new:
        return f"{consultant.display_name} already reviews {lea.name} for {year.year}."
    return f"Assigned {consultant.display_name} to {lea.name} ({lea.code}) for {year.year}."


def _assign_region(actor: User, form: AssignRegionForm) -> str | None:
    if not form.is_valid():
        return None
    consultant, year, region = (form.cleaned_data[k] for k in ("consultant", "year", "region"))
    try:
        leas = services.leas_in_region(
            year=year, region=region, cde_only=form.cleaned_data["cde_only"]
        )
    except ValidationError as error:
        form.add_error("region", error)
        return None
    try:
        new = services.consultant_assign(actor=actor, consultant=consultant, year=year, leas=leas)
    except ValidationError as error:
        form.add_error("consultant", error)
        return None
    already = len(leas) - new
    count = f"{len(leas)} LEA{'s' if len(leas) != 1 else ''}"
    return f"Assigned {consultant.display_name} to {count} in region {region}" + (
        f" ({already} already were)." if already else "."
    )


@login_required
@require_http_methods(["GET", "POST"])
def consultant_assignments(request: HttpRequest) -> HttpResponse:
    user = _cde_admin(request)
    years = cim_selectors.monitoring_years()
    year = _year(request.GET.get("year", ""), years)
    initial = {"year": year, "cde_only": True}
    bound = _Forms(
        one=AssignLeaForm(initial=initial, prefix="one", years=years, user=user),
        region=AssignRegionForm(initial=initial, prefix="region", years=years),
    )
    if request.method == "POST":
        action = request.POST.get("action")
        form: _AssignForm
        if action == "region":
            form = bound.region = AssignRegionForm(request.POST, prefix="region", years=years)
            done = _assign_region(user, bound.region)
        else:
            form = bound.one = AssignLeaForm(request.POST, prefix="one", years=years, user=user)
            done = _assign_one(user, bound.one)
        if done is not None:
            messages.success(request, done)
            return _back_to(form.cleaned_data["year"].year)
    return _page(request, user, year, years, bound)


@login_required
@require_POST
def consultant_unassign(request: HttpRequest, assignment_id: int) -> HttpResponse:
    user = _cde_admin(request)
    assignment = access.get_consultant_assignment_for(user, assignment_id)
    lea, year = assignment.lea, assignment.year.year
    services.consultant_unassign(actor=user, assignment=assignment)
    messages.success(
        request,
        f"{assignment.consultant.display_name} no longer reviews {lea.name} for {year}.",
    )
    if access.leas_needing_consultant_for(user, year=year).filter(pk=lea.pk).exists():
        messages.warning(
            request,
            f"{lea.name} now has no consultant: it is back in the list of LEAs that need one.",
        )
    return _back_to(year)


def _back_to(year: int) -> HttpResponse:
    return redirect(f"{reverse('consultant_assignments')}?year={year}")


urlpatterns = [
    path("assignments/", consultant_assignments, name="consultant_assignments"),
    path(
        "assignments/<int:assignment_id>/remove/",
        consultant_unassign,
        name="consultant_unassign",
    ),
]
