"""Root Cause Analysis (boxes 19-22 and beyond): add, edit, remove root causes. The problem
areas a root cause explains are chosen from the engagement's own; a crafted id of another
LEA's problem area is not a valid choice."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from steps import access
from steps.models import RootCause
from steps.parts import root_causes as part
from steps.services import part_problem_areas
from steps.services import part_root_causes as services
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

NAME = "root_causes"


@login_required
@require_POST
def root_causes_add(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    access.require_edit_engagement(request.user, engagement)
    form = part.RootCauseForm(request.POST, problem_areas=part.problem_areas_to_explain(engagement))
    return save_row(
        request,
        form,
        lambda form: services.root_cause_add(
            actor=current_user(request), record=record, version=form.version(), **form.values()
        ),
        done=lambda cause: f"Root cause “{cause}” added.",
        show=lambda status: render_part(request, record, NAME, {"form": form}, status=status),
        back=lambda: back(record, NAME),
    )


@login_required
@require_POST
def root_causes_add_problem_area(
    request: HttpRequest, engagement_id: int, activity_key: str
) -> HttpResponse:
    """A problem area written on the root cause page (Consolidation may have been skipped)."""
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    access.require_edit_engagement(request.user, engagement)
    form = part.ProblemAreaForm(
        request.POST, sources=part.data_sources_of(engagement), prefix=part.AREA_PREFIX
    )
    return save_row(
        request,
        form,
        lambda form: part_problem_areas.problem_area_add(
            actor=current_user(request), record=record, version=form.version(), **form.values()
        ),
        done=lambda area: f"Problem area “{area}” added: link it to the root cause it explains.",
        show=lambda status: render_part(request, record, NAME, {"area_form": form}, status=status),
        back=lambda: back(record, NAME),
    )


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
    return save_row(
        request,
        form,
        lambda form: services.root_cause_update(
            actor=current_user(request),
            record=record,
            version=form.version(),
            root_cause=cause,
            bases=form.posted_bases(),
            **form.values(),
        ),
        done=lambda saved: f"Root cause “{saved.row}” saved.",  # type: ignore[attr-defined]
        show=lambda status: render_part(
            request, record, NAME, {"edit_form": form, "editing": cause}, status=status
        ),
        back=lambda: back(record, NAME),
    )


@login_required
@require_POST
def root_causes_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, cause_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    cause = row_or_gone(part.root_causes_of(engagement), cause_id, record, RootCause, "root cause")
    access.require_edit_engagement(request.user, engagement)
    if isinstance(cause, str):
        return gone(request, record, NAME, cause)
    return remove_row(
        request,
        record,
        NAME,
        lambda version, base: services.root_cause_remove(
            actor=current_user(request),
            record=record,
            version=version,
            root_cause=cause,
            base=base,
        ),
        f"Root cause “{cause}” removed.",
    )


urlpatterns = [
    path(f"{PREFIX}{NAME}/add/", root_causes_add, name="root_causes_add"),
    path(
        f"{PREFIX}{NAME}/problem-areas/add/",
        root_causes_add_problem_area,
        name="root_causes_add_problem_area",
    ),
    path(f"{PREFIX}{NAME}/<int:cause_id>/edit/", root_causes_edit, name="root_causes_edit"),
    path(f"{PREFIX}{NAME}/<int:cause_id>/remove/", root_causes_remove, name="root_causes_remove"),
]
