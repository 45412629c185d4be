"""Prioritization (boxes 16-17): move a problem area up or down, mark it for root-cause
exploration, or keep the ranking as shown. One-button POST forms, so the keyboard and the
mouse do the same thing and no script is needed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from steps import access
from steps.models import ActivityRecord
from steps.parts import prioritization as part
from steps.services import part_prioritization as services
from steps.views.parts_common import PREFIX, current_user, part_record

NAME = "prioritization"
BAD_REQUEST = "That request was incomplete: reload the page and try again."


def _back(record: ActivityRecord, anchor: str = NAME) -> HttpResponse:
    # Landing on the moved row keeps a keyboard user's place in the list.
    url = reverse("activity_detail", args=[record.engagement_id, record.definition.key])
    return redirect(f"{url}#{anchor}")


@login_required
@require_POST
def prioritization_move(
    request: HttpRequest, engagement_id: int, activity_key: str, area_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    area = get_object_or_404(part.ranking_for_engagement(engagement), pk=area_id)
    access.require_edit_engagement(request.user, engagement)
    form = part.MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, BAD_REQUEST)
        return _back(record)
    try:
        rank = services.prioritization_move(
            actor=current_user(request),
            record=record,
            version=form.cleaned_data["version"],
            problem_area=area,
            direction=form.cleaned_data["direction"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"“{area}” is now priority {rank}.")
    return _back(record, f"{NAME}-{area.pk}")


@login_required
@require_POST
def prioritization_explore(
    request: HttpRequest, engagement_id: int, activity_key: str, area_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    area = get_object_or_404(part.ranking_for_engagement(engagement), pk=area_id)
    access.require_edit_engagement(request.user, engagement)
    form = part.ExploreForm(request.POST)
    if not form.is_valid():
        messages.error(request, BAD_REQUEST)
        return _back(record)
    explore = form.cleaned_data["explore"]
    try:
        services.prioritization_explore(
            actor=current_user(request),
            record=record,
            version=form.cleaned_data["version"],
            problem_area=area,
            explore=explore,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if explore:
            messages.success(request, f"“{area}” will be explored for root causes.")
        else:
            messages.success(request, f"“{area}” will not be explored for root causes.")
    return _back(record, f"{NAME}-{area.pk}")


@login_required
@require_POST
def prioritization_rank(
    request: HttpRequest, engagement_id: int, activity_key: str
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    access.require_edit_engagement(request.user, engagement)
    form = part.RankForm(request.POST)
    if not form.is_valid():
        messages.error(request, BAD_REQUEST)
        return _back(record)
    try:
        services.prioritization_rank(
            actor=current_user(request),
            record=record,
            version=form.cleaned_data["version"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Ranking saved as shown.")
    return _back(record)


urlpatterns = [
    path(f"{PREFIX}{NAME}/<int:area_id>/move/", prioritization_move, name="prioritization_move"),
    path(
        f"{PREFIX}{NAME}/<int:area_id>/explore/",
        prioritization_explore,
        name="prioritization_explore",
    ),
    path(f"{PREFIX}{NAME}/rank/", prioritization_rank, name="prioritization_rank"),
]
