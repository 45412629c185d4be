"""Boxes 13 and 14 views: add, edit and remove areas of strength and weakness. Each view
authorizes through access, calls one service, then redirects back to the lists, or shows
the activity page again with what was typed and the errors beside the fields."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from lea import access
from lea.models import User
from steps import workspace
from steps.forms import AnswersForm
from steps.models import ActivityRecord, Engagement
from steps.parts import findings
from steps.services import part_findings as services
from steps.views.work import _activity_context

NAME = "findings"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _record(engagement: Engagement, activity_key: str) -> ActivityRecord:
    record = access.get_record_in_engagement(engagement, activity_key)
    if NAME not in workspace.activity_form(record=record).parts:
        raise Http404("This activity has no areas of strength and weakness.")
    return cast(ActivityRecord, record)


def _back(record: ActivityRecord) -> HttpResponse:
    url = reverse("activity_detail", args=[record.engagement_id, record.definition.key])
    return redirect(f"{url}#{NAME}")


def _page(request: HttpRequest, record: ActivityRecord, status: int, **forms: Any) -> HttpResponse:
    """The activity page with this part's forms as given (bound, with their errors)."""
    context = _activity_context(request, record)
    for block in context["part_blocks"]:  # type: ignore[attr-defined]
        if block["template"] == findings.TEMPLATE:
            block["context"] = findings.context(record=record, user=_user(request), **forms)
    specs = context["spec"].answer_fields  # type: ignore[attr-defined]
    answers = AnswersForm(initial={**record.responses, "version": record.version}, specs=specs)
    return render(request, "steps/activity.html", {**context, "form": answers}, status=status)


def _refused(request: HttpRequest, record: ActivityRecord, error: ValidationError) -> HttpResponse:
    """A refusal no form field could show (someone saved the activity first, it is
    submitted, ...): the forms checked every field the model checks. Say why on top."""
    messages.error(request, " ".join(error.messages))
    return _back(record)


@login_required
@require_POST
def finding_add(
    request: HttpRequest, engagement_id: int, activity_key: str, kind: str
) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = _record(engagement, activity_key)
    known = findings.kind_from_url(kind)
    if known is None:
        raise Http404("No such kind of finding.")
    access.require_edit_engagement(request.user, engagement)
    form = findings.FindingForm(request.POST, prefix=known.value)
    if form.is_valid():
        try:
            finding = services.finding_add(
                actor=_user(request),
                record=record,
                expected_version=form.cleaned_data["version"],
                kind=known,
                **form.finding_fields(),
            )
        except ValidationError as error:
            return _refused(request, record, error)
        else:
            messages.success(request, f"“{finding.area}” is listed as an {known.label.lower()}.")
            return _back(record)
    return _page(request, record, 400, add_forms={known: form})


@login_required
@require_http_methods(["GET", "POST"])
def finding_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, finding_id: int
) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = _record(engagement, activity_key)
    finding = findings.get_finding_in_engagement(engagement, finding_id)
    access.require_edit_engagement(request.user, engagement)
    if request.method == "GET":
        form = findings.FindingForm(
            instance=finding, initial={"version": record.version}, prefix=findings.EDIT
        )
        return _page(request, record, 200, edit_form=form, editing=finding)
    form = findings.FindingForm(request.POST, prefix=findings.EDIT)
    if form.is_valid():
        try:
            services.finding_edit(
                actor=_user(request),
                finding=finding,
                expected_version=form.cleaned_data["version"],
                **form.finding_fields(),
            )
        except ValidationError as error:
            return _refused(request, record, error)
        else:
            messages.success(request, f"“{finding.area}” is saved.")
            return _back(record)
    return _page(request, record, 400, edit_form=form, editing=finding)


@login_required
@require_POST
def finding_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, finding_id: int
) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = _record(engagement, activity_key)
    finding = findings.get_finding_in_engagement(engagement, finding_id)
    access.require_edit_engagement(request.user, engagement)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return HttpResponseBadRequest("The form was incomplete; reload the page and try again.")
    try:
        services.finding_remove(actor=_user(request), finding=finding, expected_version=version)
    except ValidationError as error:
        return _refused(request, record, error)
    messages.success(request, f"“{finding.area}” is no longer listed.")
    return _back(record)


_FINDING = "engagements/<int:engagement_id>/activities/<slug:activity_key>/findings/"
urlpatterns = [
    path(f"{_FINDING}add/<slug:kind>/", finding_add, name="finding_add"),
    path(f"{_FINDING}<int:finding_id>/edit/", finding_edit, name="finding_edit"),
    path(f"{_FINDING}<int:finding_id>/remove/", finding_remove, name="finding_remove"),
]
