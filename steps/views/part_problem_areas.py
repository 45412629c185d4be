"""Consolidation's problem areas (box 15): add, edit, remove. Each view authorizes through
access, finds rows only among the engagement's own, calls one service, then redirects
back to the activity (or re-renders it with the errors beside the fields)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from steps import access
from steps.models import ProblemArea
from steps.parts import problem_areas as part
from steps.services import part_problem_areas as services
from steps.views.parts_common import (
    PREFIX,
    back,
    current_user,
    gone,
    part_record,
    remove_row,
    render_part,
    row_or_gone,
    save_row,
)

NAME = "problem_areas"


@login_required
@require_POST
def problem_areas_add(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    access.require_edit_engagement(request.user, engagement)
    form = part.ProblemAreaForm(request.POST, sources=part.data_sources_of(engagement))
    return save_row(
        request,
        form,
        lambda form: services.problem_area_add(
            actor=current_user(request), record=record, version=form.version(), **form.values()
        ),
        done=lambda area: f"Problem area “{area}” added.",
        show=lambda status: render_part(request, record, NAME, {"form": form}, status=status),
        back=lambda: back(record, NAME),
    )


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
    return save_row(
        request,
        form,
        lambda form: services.problem_area_update(
            actor=current_user(request),
            record=record,
            version=form.version(),
            problem_area=area,
            bases=form.posted_bases(),
            **form.values(),
        ),
        done=lambda saved: f"Problem area “{saved.row}” saved.",  # type: ignore[attr-defined]
        show=lambda status: render_part(
            request, record, NAME, {"edit_form": form, "editing": area}, status=status
        ),
        back=lambda: back(record, NAME),
    )


@login_required
@require_POST
def problem_areas_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, area_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    area = row_or_gone(
        part.problem_areas_of(engagement), area_id, record, ProblemArea, "problem area"
    )
    access.require_edit_engagement(request.user, engagement)
    if isinstance(area, str):
        return gone(request, record, NAME, area)
    return remove_row(
        request,
        record,
        NAME,
        lambda version, base: services.problem_area_remove(
            actor=current_user(request),
            record=record,
            version=version,
            problem_area=area,
            base=base,
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
