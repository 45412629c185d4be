"""Consolidation's problem areas (box 15): add, edit, remove. Each view authorizes through
access, finds rows only among the engagement's own, calls one service, then redirects
back to the activity (or re-renders it with the errors beside the fields)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from lea import access
from lea.models import User
from steps import parts, workspace
from steps.forms import AnswersForm
from steps.models import ActivityRecord, Engagement
from steps.parts import problem_areas as part
from steps.services import part_problem_areas as services
from steps.services.records import StaleEdit
from steps.views.work import _activity_context

NAME = "problem_areas"
PREFIX = "engagements/<int:engagement_id>/activities/<slug:activity_key>/"


# --- Helpers shared by this team's parts (prioritization, root causes) ----------------------


def part_record(
    request: HttpRequest, engagement_id: int, activity_key: str, name: str
) -> tuple[Engagement, ActivityRecord]:
    """The engagement and activity, both in the user's scope, and only an activity whose
    form carries the part: rows cannot be hung off an unrelated activity by URL."""
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = access.get_record_in_engagement(engagement, activity_key)
    if name not in workspace.activity_form(record=record).parts:
        raise Http404("This activity has no such part.")
    return engagement, record


def back(record: ActivityRecord, name: str) -> HttpResponse:
    url = reverse("activity_detail", args=[record.engagement_id, record.definition.key])
    return redirect(f"{url}#{name}")


def render_part(
    request: HttpRequest,
    record: ActivityRecord,
    name: str,
    part_context: dict[str, Any],
    *,
    status: int = 400,
) -> HttpResponse:
    """The whole activity page with this part's context replaced (a bound form with its
    errors, or an edit form), so what was typed stays beside its messages."""
    context = _activity_context(request, record)
    template = parts.part(name).TEMPLATE
    for block in cast(list[dict[str, Any]], context["part_blocks"]):
        if block["template"] == template:
            block["context"] = {**block["context"], **part_context}
    specs = context["spec"].answer_fields  # type: ignore[attr-defined]
    answers = AnswersForm(initial={**record.responses, "version": record.version}, specs=specs)
    return render(request, "steps/activity.html", {**context, "form": answers}, status=status)


def refused(request: HttpRequest, form: Form, error: ValidationError) -> bool:
    """Put a service's refusal where it belongs. A stale version or a locked activity is a
    message on the page and the caller redirects (there is no form to correct); a field's
    error goes beside that field and the caller re-renders with what was typed."""
    if isinstance(error, StaleEdit) or not hasattr(error, "error_dict"):
        messages.error(request, " ".join(error.messages))
        return True
    form.add_error(None, error)
    return False


def posted_version(request: HttpRequest) -> int:
    """The version a one-button form was rendered with; garbage counts as stale."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return 0


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


# --- Views ---------------------------------------------------------------------------------


@login_required
@require_POST
def problem_areas_add(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    access.require_edit_engagement(request.user, engagement)
    form = part.ProblemAreaForm(request.POST, sources=part.data_sources_of(engagement))
    if form.is_valid():
        data = form.cleaned_data
        try:
            area = services.problem_area_add(
                actor=_user(request),
                record=record,
                expected_version=data["version"],
                description=data["description"],
                quantification=data["quantification"],
                relates_to_identification=data["relates_to_identification"],
                sources=data["sources"],
            )
        except ValidationError as error:
            if refused(request, form, error):
                return back(record, NAME)
        else:
            messages.success(request, f"Problem area “{area}” added.")
            return back(record, NAME)
    return render_part(request, record, NAME, {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def problem_areas_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, area_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    area = get_object_or_404(part.problem_areas_of(engagement), pk=area_id)
    access.require_edit_engagement(request.user, engagement)
    if request.method == "GET":
        form = part.form_for(engagement, record, area)
        return render_part(request, record, NAME, {"edit_form": form, "editing": area}, status=200)
    form = part.ProblemAreaForm(request.POST, sources=part.data_sources_of(engagement))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.problem_area_update(
                actor=_user(request),
                record=record,
                expected_version=data["version"],
                problem_area=area,
                description=data["description"],
                quantification=data["quantification"],
                relates_to_identification=data["relates_to_identification"],
                sources=data["sources"],
            )
        except ValidationError as error:
            if refused(request, form, error):
                return back(record, NAME)
        else:
            messages.success(request, f"Problem area “{area}” saved.")
            return back(record, NAME)
    return render_part(request, record, NAME, {"edit_form": form, "editing": area})


@login_required
@require_POST
def problem_areas_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, area_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    area = get_object_or_404(part.problem_areas_of(engagement), pk=area_id)
    access.require_edit_engagement(request.user, engagement)
    try:
        services.problem_area_remove(
            actor=_user(request),
            record=record,
            expected_version=posted_version(request),
            problem_area=area,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Problem area “{area}” removed.")
    return back(record, NAME)


urlpatterns = [
    path(f"{PREFIX}{NAME}/add/", problem_areas_add, name="problem_areas_add"),
    path(f"{PREFIX}{NAME}/<int:area_id>/edit/", problem_areas_edit, name="problem_areas_edit"),
    path(
        f"{PREFIX}{NAME}/<int:area_id>/remove/", problem_areas_remove, name="problem_areas_remove"
    ),
]
