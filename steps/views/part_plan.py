"""The Plan for Improvement's trace view: every outcome back to the data that motivated
it. The plan's rows (problems of practice, strategies, their activities and outcomes, the
outcomes' benchmarks) are declared in steps/parts/plan.py and added, changed and removed
by the generic views (steps/views/part_rows.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from steps.parts import plan
from steps.views.parts_common import PREFIX, part_record
from steps.views.work import record_activity_read

NAME = "plan"


@login_required
@require_GET
def plan_trace(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    record_activity_read(request, engagement, record)
    return render(
        request,
        "steps/plan_trace.html",
        {"engagement": engagement, "record": record, "trace": plan.plan_trace(record=record)},
    )


urlpatterns = [path(f"{PREFIX}plan/trace/", plan_trace, name="plan_trace")]
