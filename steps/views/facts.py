"""Recording the facts of an LEA's year on its workspace (steps/facts.py): the SELPA's
choice to require progress reports, CDE's final SRR finding of noncompliance."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from lea.access import AnyUser
from lea.auth import current_user
from steps import access, services
from steps.facts import SELPA_REPORTS, SPECS_BY_KEY, SRR_FINDING
from steps.forms import PriorPlanForm, RecordedFactForm
from steps.models import Engagement
from steps.services.determination_facts import SELPA_REPORTS_DENIED, SRR_FINDING_DENIED
from steps.services.engagements import PRIOR_PLAN_DENIED

CHOOSE_ONE = "Choose Yes, No or Not decided yet."


def _record_fact(
    request: HttpRequest,
    engagement_id: int,
    key: str,
    may: Callable[[AnyUser, Engagement], bool],
    denied: str,
    record: Callable[[Engagement, bool | None], object],
) -> HttpResponse:
    """Read the engagement in scope (404), refuse who may not record the fact `key` (403),
    record the posted choice, and go back to the workspace, which shows the fact in words
    and the activities it made required or not."""
    engagement = access.get_engagement_for(request.user, engagement_id)
    if not may(request.user, engagement):
        raise PermissionDenied(denied)
    form = RecordedFactForm(request.POST, question=SPECS_BY_KEY[key].question, prefix=key)
    if form.is_valid():
        record(engagement, form.cleaned_data["value"])
        messages.success(request, "Saved.")
    else:
        messages.error(request, CHOOSE_ONE)
    return redirect("engagement_workspace", engagement_id=engagement.pk)


@login_required
@require_POST
def determination_selpa_reports(request: HttpRequest, engagement_id: int) -> HttpResponse:
    return _record_fact(
        request, engagement_id, SELPA_REPORTS,
        may=access.may_record_selpa_requires_reports, denied=SELPA_REPORTS_DENIED,
        record=lambda engagement, value: services.determination_record_selpa_requires_reports(
            actor=current_user(request), engagement=engagement, requires=value
        ),
    )  # fmt: skip


@login_required
@require_POST
def determination_srr_finding(request: HttpRequest, engagement_id: int) -> HttpResponse:
    return _record_fact(
        request, engagement_id, SRR_FINDING,
        may=access.may_record_srr_finding, denied=SRR_FINDING_DENIED,
        record=lambda engagement, value: services.determination_record_srr_finding(
            actor=current_user(request), engagement=engagement, noncompliant=value
        ),
    )  # fmt: skip


@login_required
@require_POST
def engagement_prior_plan(request: HttpRequest, engagement_id: int) -> HttpResponse:
    """The link to the plan an LEA continuing from an earlier cohort wrote outside the
    portal."""
    engagement = access.get_engagement_for(request.user, engagement_id)
    if not access.may_set_prior_plan(request.user, engagement):
        raise PermissionDenied(PRIOR_PLAN_DENIED)
    form = PriorPlanForm(request.POST)
    if form.is_valid():
        services.engagement_set_prior_plan(
            actor=current_user(request), engagement=engagement, url=form.cleaned_data["url"]
        )
        messages.success(request, "Saved.")
    else:
        messages.error(request, " ".join(str(error) for error in form.errors["url"]))
    return redirect("engagement_workspace", engagement_id=engagement.pk)
