"""Box 10 views: add, edit and remove the Data Drill Down's data sources. Each view
authorizes through access, calls one service, then redirects back to the list, or shows
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
from steps.parts import data_sources
from steps.services import part_data_sources as services
from steps.views.work import _activity_context

NAME = "data_sources"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _record(engagement: Engagement, activity_key: str) -> ActivityRecord:
    record = access.get_record_in_engagement(engagement, activity_key)
    if NAME not in workspace.activity_form(record=record).parts:
        raise Http404("This activity has no list of data sources.")
    return cast(ActivityRecord, record)


def _back(record: ActivityRecord) -> HttpResponse:
    url = reverse("activity_detail", args=[record.engagement_id, record.definition.key])
    return redirect(f"{url}#{NAME}")


def _page(request: HttpRequest, record: ActivityRecord, status: int, **forms: Any) -> HttpResponse:
    """The activity page with this part's forms as given (bound, with their errors)."""
    context = _activity_context(request, record)
    for block in context["part_blocks"]:  # type: ignore[attr-defined]
        if block["template"] == data_sources.TEMPLATE:
            block["context"] = data_sources.context(record=record, user=_user(request), **forms)
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
def data_source_add(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = _record(engagement, activity_key)
    access.require_edit_engagement(request.user, engagement)
    form = data_sources.DataSourceForm(request.POST, prefix=data_sources.ADD)
    if form.is_valid():
        try:
            source = services.data_source_add(
                actor=_user(request),
                record=record,
                expected_version=form.cleaned_data["version"],
                **form.source_fields(),
            )
        except ValidationError as error:
            return _refused(request, record, error)
        else:
            messages.success(request, f"“{source.name}” is on the list of data sources.")
            return _back(record)
    return _page(request, record, 400, add_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def data_source_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, source_id: int
) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = _record(engagement, activity_key)
    source = data_sources.get_source_in_engagement(engagement, source_id)
    access.require_edit_engagement(request.user, engagement)
    if request.method == "GET":
        form = data_sources.DataSourceForm(
            instance=source, initial={"version": record.version}, prefix=data_sources.EDIT
        )
        return _page(request, record, 200, edit_form=form, editing=source)
    form = data_sources.DataSourceForm(request.POST, prefix=data_sources.EDIT)
    if form.is_valid():
        try:
            services.data_source_edit(
                actor=_user(request),
                source=source,
                expected_version=form.cleaned_data["version"],
                **form.source_fields(),
            )
        except ValidationError as error:
            return _refused(request, record, error)
        else:
            messages.success(request, f"“{source.name}” is saved.")
            return _back(record)
    return _page(request, record, 400, edit_form=form, editing=source)


@login_required
@require_POST
def data_source_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, source_id: int
) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = _record(engagement, activity_key)
    source = data_sources.get_source_in_engagement(engagement, source_id)
    access.require_edit_engagement(request.user, engagement)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return HttpResponseBadRequest("The form was incomplete; reload the page and try again.")
    try:
        services.data_source_remove(actor=_user(request), source=source, expected_version=version)
    except ValidationError as error:
        return _refused(request, record, error)
    messages.success(request, f"“{source.name}” is no longer on the list.")
    return _back(record)


_SOURCE = "engagements/<int:engagement_id>/activities/<slug:activity_key>/data-sources/"
urlpatterns = [
    path(f"{_SOURCE}add/", data_source_add, name="data_source_add"),
    path(f"{_SOURCE}<int:source_id>/edit/", data_source_edit, name="data_source_edit"),
    path(f"{_SOURCE}<int:source_id>/remove/", data_source_remove, name="data_source_remove"),
]
