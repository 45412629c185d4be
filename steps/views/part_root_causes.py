"""Root Cause Analysis (boxes 19-22 and beyond): add, edit, remove root causes. The problem
areas a root cause explains are chosen from the engagement's own; a crafted id of another
LEA's problem area is not a valid choice."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from lea import access
from steps.parts import root_causes as part
from steps.services import part_root_causes as services
from steps.views.parts_common import (
    PREFIX,
    back,
    current_user,
    part_record,
    refused,
    remove_row,
    render_part,
)

NAME = "root_causes"


@login_required
@require_POST
def root_causes_add(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    access.require_edit_engagement(request.user, engagement)
    form = part.RootCauseForm(request.POST, problem_areas=part.problem_areas_to_explain(engagement))
    if form.is_valid():
        data = form.cleaned_data
        try:
            cause = services.root_cause_add(
                actor=current_user(request),
                record=record,
                expected_version=data["version"],
                statement=data["statement"],
                problem_areas=data["problem_areas"],
                qualitative_support=data["qualitative_support"],
                quantitative_support=data["quantitative_support"],
            )
        except ValidationError as error:
            refused(request, form, error)
        else:
            messages.success(request, f"Root cause “{cause}” added.")
            return back(record, NAME)
    return render_part(request, record, NAME, {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def root_causes_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, cause_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    cause = get_object_or_404(part.root_causes_of(engagement), pk=cause_id)
    access.require_edit_engagement(request.user, engagement)
    if request.method == "GET":
        form = part.form_for(engagement, record, cause)
        return render_part(request, record, NAME, {"edit_form": form, "editing": cause}, status=200)
    form = part.RootCauseForm(request.POST, problem_areas=part.problem_areas_to_explain(engagement))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.root_cause_update(
                actor=current_user(request),
                record=record,
                expected_version=data["version"],
                root_cause=cause,
                statement=data["statement"],
                problem_areas=data["problem_areas"],
                qualitative_support=data["qualitative_support"],
                quantitative_support=data["quantitative_support"],
            )
        except ValidationError as error:
            refused(request, form, error)
        else:
            messages.success(request, f"Root cause “{cause}” saved.")
            return back(record, NAME)
    return render_part(request, record, NAME, {"edit_form": form, "editing": cause})


@login_required
@require_POST
def root_causes_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, cause_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    cause = get_object_or_404(part.root_causes_of(engagement), pk=cause_id)
    access.require_edit_engagement(request.user, engagement)
    return remove_row(
        request,
        record,
        NAME,
        lambda version: services.root_cause_remove(
            actor=current_user(request), record=record, expected_version=version, root_cause=cause
        ),
        f"Root cause “{cause}” removed.",
    )


urlpatterns = [
    path(f"{PREFIX}{NAME}/add/", root_causes_add, name="root_causes_add"),
    path(f"{PREFIX}{NAME}/<int:cause_id>/edit/", root_causes_edit, name="root_causes_edit"),
    path(f"{PREFIX}{NAME}/<int:cause_id>/remove/", root_causes_remove, name="root_causes_remove"),
]
