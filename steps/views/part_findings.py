"""Boxes 13 and 14 views: add, edit and remove areas of strength and weakness. Each view
authorizes through access, calls one service, then redirects back to the lists, or shows
the activity page again with what was typed and the errors beside the fields."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from lea import access
from steps.parts import findings
from steps.services import part_findings as services
from steps.views import parts_common as common

NAME = "findings"


@login_required
@require_POST
def finding_add(
    request: HttpRequest, engagement_id: int, activity_key: str, kind: str
) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = common.record_with_part(engagement, activity_key, NAME)
    known = findings.kind_from_url(kind)
    if known is None:
        raise Http404("No such kind of finding.")
    access.require_edit_engagement(request.user, engagement)
    form = findings.FindingForm(request.POST, prefix=known.value)
    if form.is_valid():
        try:
            finding = services.finding_add(
                actor=common.current_user(request),
                record=record,
                expected_version=form.cleaned_data["version"],
                kind=known,
                **form.finding_fields(),
            )
        except ValidationError as error:
            # Someone saved first, or the activity is locked: say so, keep the text.
            messages.error(request, " ".join(error.messages))
            return common.page_with(request, record, findings, 409, add_forms={known: form})
        else:
            messages.success(request, f"“{finding.area}” is listed as an {known.label.lower()}.")
            return common.back(record, NAME)
    return common.page_with(request, record, findings, 400, add_forms={known: form})


@login_required
@require_http_methods(["GET", "POST"])
def finding_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, finding_id: int
) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = common.record_with_part(engagement, activity_key, NAME)
    finding = findings.get_finding_in_engagement(engagement, finding_id)
    access.require_edit_engagement(request.user, engagement)
    if request.method == "GET":
        form = findings.FindingForm(
            instance=finding, initial={"version": record.version}, prefix=findings.EDIT
        )
        return common.page_with(request, record, findings, 200, edit_form=form, editing=finding)
    form = findings.FindingForm(request.POST, prefix=findings.EDIT)
    if form.is_valid():
        try:
            services.finding_edit(
                actor=common.current_user(request),
                finding=finding,
                expected_version=form.cleaned_data["version"],
                **form.finding_fields(),
            )
        except ValidationError as error:
            # Someone saved first, or the activity is locked: say so, keep the text.
            messages.error(request, " ".join(error.messages))
            return common.page_with(request, record, findings, 409, edit_form=form, editing=finding)
        else:
            messages.success(request, f"“{finding.area}” is saved.")
            return common.back(record, NAME)
    return common.page_with(request, record, findings, 400, edit_form=form, editing=finding)


@login_required
@require_POST
def finding_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, finding_id: int
) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = common.record_with_part(engagement, activity_key, NAME)
    finding = findings.get_finding_in_engagement(engagement, finding_id)
    access.require_edit_engagement(request.user, engagement)
    return common.remove_row(
        request,
        record,
        NAME,
        lambda version: services.finding_remove(
            actor=common.current_user(request), finding=finding, expected_version=version
        ),
        f"“{finding.area}” is no longer listed.",
    )


_FINDING = "engagements/<int:engagement_id>/activities/<slug:activity_key>/findings/"
urlpatterns = [
    path(f"{_FINDING}add/<slug:kind>/", finding_add, name="finding_add"),
    path(f"{_FINDING}<int:finding_id>/edit/", finding_edit, name="finding_edit"),
    path(f"{_FINDING}<int:finding_id>/remove/", finding_remove, name="finding_remove"),
]
