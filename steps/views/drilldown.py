"""The Data Drill Down page (issue 15): the LEA's CIM team uploads its student-level
extract, reads its tables, exact, and cites a breakdown in a problem area; others who read
the engagement see the tables suppressed once Step 1 is submitted."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from cim.uploads import FILE_TOO_BIG, size_words
from lea.auth import current_user
from steps import access
from steps.drilldown import DrilldownIssue, template_csv
from steps.drilldown_handler import DrilldownMemoryUploadHandler
from steps.drilldown_page import (
    citation_title,
    drilldown_tables,
    leaving_csv,
    student_extract_activity,
)
from steps.forms import DrilldownCiteForm, DrilldownUploadForm
from steps.models import Engagement
from steps.parts.problem_areas import problem_areas_for_engagement
from steps.services.drilldown import (
    DrilldownRefused,
    drilldown_citation_remove,
    drilldown_cite,
    drilldown_upload,
)

TEMPLATE = "steps/drilldown.html"
UPLOADED = "The file was read and its tables are below. The file itself was not kept."
CITED = "Problem area “{area}” now cites {what}."
UNCITED = "Problem area “{area}” no longer cites {what}."
CONSOLIDATION = "consolidation"


@login_required
@require_GET
def drilldown_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="drill-down-template.csv"'
    return response


@login_required
@require_GET
def drilldown_csv(request: HttpRequest, engagement_id: int) -> HttpResponse:
    """The tables as they leave the team, small groups suppressed, whoever downloads them:
    a file outside the portal can go anywhere."""
    engagement = access.get_engagement_for(request.user, engagement_id)
    latest = access.latest_drill_down_for_engagement(engagement)
    if access.drilldown_view_for(request.user, engagement) is None or latest is None:
        raise Http404("No such drill-down.")
    response = HttpResponse(leaving_csv(latest), content_type="text/csv; charset=utf-8")
    name = f"drill-down-{engagement.lea.code}-{latest.year}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def drilldown_detail(request: HttpRequest, engagement_id: int) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    return _page(request, engagement, form=DrilldownUploadForm())


# The handler must be in place before anything reads the body, and CsrfViewMiddleware
# reads it: so the middleware is skipped here and the same check runs inside, after.
@csrf_exempt
@login_required
@require_POST
def drilldown_upload_view(request: HttpRequest, engagement_id: int) -> HttpResponse:
    handler = DrilldownMemoryUploadHandler(request)
    request.upload_handlers = [handler]
    return _upload(request, engagement_id, handler)


@csrf_protect
def _upload(
    request: HttpRequest, engagement_id: int, handler: DrilldownMemoryUploadHandler
) -> HttpResponse:
    user = current_user(request)
    engagement = access.get_engagement_for(user, engagement_id)
    access.require_edit_engagement(user, engagement)
    form = DrilldownUploadForm(request.POST, request.FILES)
    if handler.too_big:
        too_big = FILE_TOO_BIG.format(limit=size_words(handler.max_bytes))
        issues = [DrilldownIssue(1, "file", too_big)]
        return _page(request, engagement, form=DrilldownUploadForm(), issues=issues, status=400)
    if not form.is_valid():
        return _page(request, engagement, form=form, status=400)
    try:
        drilldown_upload(actor=user, engagement=engagement, file=form.cleaned_data["file"])
    except DrilldownRefused as refused:
        return _page(request, engagement, form=form, issues=refused.issues, status=400)
    messages.success(request, UPLOADED)
    return redirect("drilldown_detail", engagement_id=engagement.pk)


def _page(
    request: HttpRequest,
    engagement: Engagement,
    *,
    form: DrilldownUploadForm,
    issues: list[DrilldownIssue] | None = None,
    status: int = 200,
) -> HttpResponse:
    view = access.drilldown_view_for(request.user, engagement)
    if view is None:
        raise Http404("No such drill-down.")
    latest = access.latest_drill_down_for_engagement(engagement)
    team = view == "exact"
    context = {
        "engagement": engagement,
        "activity": student_extract_activity(engagement),
        "team": team,
        "form": form,
        "issues": issues or [],
        "drill_down": latest,
        "measures": drilldown_tables(latest, exact=team) if latest else [],
        "problem_areas": list(problem_areas_for_engagement(engagement)) if team else [],
        "consolidation": CONSOLIDATION,
    }
    return render(request, TEMPLATE, context, status=status)


@login_required
@require_POST
def drilldown_cite_view(request: HttpRequest, engagement_id: int) -> HttpResponse:
    user = current_user(request)
    engagement = access.get_engagement_for(user, engagement_id)
    access.require_edit_engagement(user, engagement)
    form = DrilldownCiteForm(request.POST)
    back = reverse("drilldown_detail", args=[engagement.pk])
    if not form.is_valid():
        for field_errors in form.errors.get_json_data().values():
            messages.error(request, " ".join(error["message"] for error in field_errors))
        return redirect(back)
    data = form.cleaned_data
    area = access.get_problem_area_for(user, engagement, data["problem_area"])
    try:
        citation = drilldown_cite(
            actor=user,
            problem_area=area,
            drill_down=access.get_drill_down_for(user, engagement, data["drill_down"]),
            measure=data["measure"],
            dimension=data["dimension"],
            group=data["group"],
        )
    except ValidationError as refused:
        for message in refused.messages:
            messages.error(request, message)
        return redirect(f"{back}#cite-{data['measure']}-{data['dimension']}")
    messages.success(request, CITED.format(area=area, what=citation_title(citation)))
    return redirect(f"{back}#cite-{data['measure']}-{data['dimension']}")


@login_required
@require_POST
def drilldown_citation_remove_view(
    request: HttpRequest, engagement_id: int, citation_id: int
) -> HttpResponse:
    user = current_user(request)
    engagement = access.get_engagement_for(user, engagement_id)
    access.require_edit_engagement(user, engagement)
    citation = access.get_citation_for(user, engagement, citation_id)
    area, what = citation.problem_area, citation_title(citation)
    try:
        drilldown_citation_remove(actor=user, citation=citation)
    except ValidationError as refused:
        for message in refused.messages:
            messages.error(request, message)
    else:
        messages.success(request, UNCITED.format(area=area, what=what))
    return redirect(
        reverse("activity_detail", args=[engagement.pk, area.record.definition.key])
        + "#problem_areas"
    )
