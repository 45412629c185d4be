"""Root Cause Analysis beyond its rows (added, edited and removed by
steps/views/part_rows.py): a problem area written on the root cause page, for an LEA that
skipped the optional Consolidation."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST

from steps import access
from steps.parts import root_causes as part
from steps.parts.problem_areas import PROBLEM_AREAS
from steps.services.part_rows import part_row_add
from steps.views.parts_common import PREFIX, back, current_user, page_with, part_record, save_row

NAME = "root_causes"


@login_required
@require_POST
def root_causes_add_problem_area(
    request: HttpRequest, engagement_id: int, activity_key: str
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    access.require_edit_engagement(request.user, engagement)
    form = part.new_area_form(record, request.POST)
    return save_row(
        request,
        form,
        lambda form: part_row_add(
            actor=current_user(request),
            rows=PROBLEM_AREAS,
            record=record,
            version=form.version(),
            **form.values(),
        ),
        done=lambda area: f"Problem area “{area}” added: link it to the root cause it explains.",
        show=lambda status: page_with(request, record, part, status, area_form=form),
        back=lambda: back(record, NAME),
    )


urlpatterns = [
    path(
        f"{PREFIX}{NAME}/problem-areas/add/",
        root_causes_add_problem_area,
        name="root_causes_add_problem_area",
    ),
]
