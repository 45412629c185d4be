"""Consolidation's problem areas (box 15): add, edit, remove. Each view authorizes through
access, finds rows only among the engagement's own, calls one service, then redirects
back to the activity (or re-renders it with the errors beside the fields)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from lea import access
from steps.parts import problem_areas as part
from steps.services import part_problem_areas as services
from steps.views.parts_common import (
    PREFIX,
    back,
    current_user,
    part_record,
    refused,
    remove_row,
    render_part,
)

NAME = "problem_areas"


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
                actor=current_user(request),
                record=record,
                expected_version=data["version"],
                description=data["description"],
                quantification=data["quantification"],
                relates_to_identification=data["relates_to_identification"],
                sources=data["sources"],
            )
        except ValidationError as error:
            refused(request, form, error)
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
                actor=current_user(request),
                record=record,
                expected_version=data["version"],
                problem_area=area,
                description=data["description"],
                quantification=data["quantification"],
                relates_to_identification=data["relates_to_identification"],
                sources=data["sources"],
            )
        except ValidationError as error:
            refused(request, form, error)
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
    return remove_row(
        request,
        record,
        NAME,
        lambda version: services.problem_area_remove(
            actor=current_user(request), record=record, expected_version=version, problem_area=area
        ),
        f"Problem area “{area}” removed.",
    )


urlpatterns = [
    path(f"{PREFIX}{NAME}/add/", problem_areas_add, name="problem_areas_add"),
    path(f"{PREFIX}{NAME}/<int:area_id>/edit/", problem_areas_edit, name="problem_areas_edit"),
    path(
        f"{PREFIX}{NAME}/<int:area_id>/remove/", problem_areas_remove, name="problem_areas_remove"
    ),
]
