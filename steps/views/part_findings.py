"""Boxes 13 and 14 views: add, edit and remove areas of strength and weakness. Each view
authorizes through access, calls one service, then redirects back to the lists, or shows
the activity page again with what was typed and the errors beside the fields."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from steps import access
from steps.models import Finding
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
    record = common.record_with_part(request.user, engagement, activity_key, NAME)
    known = findings.kind_from_url(kind)
    if known is None:
        raise Http404("No such kind of finding.")
    access.require_edit_engagement(request.user, engagement)
    form = findings.FindingForm(request.POST, prefix=known.value)
    return common.save_row(
        request,
        form,
        lambda form: services.finding_add(
            actor=common.current_user(request),
            record=record,
            version=form.version(),
            kind=known,
            **form.values(),
        ),
        done=lambda finding: (
            f"“{finding.area}” is listed as an {known.label.lower()}."  # type: ignore[attr-defined]
        ),
        show=lambda status: common.page_with(
            request, record, findings, status, add_forms={known: form}
        ),
        back=lambda: common.back(record, NAME),
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, finding_id: int
) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = common.record_with_part(request.user, engagement, activity_key, NAME)
    finding = findings.get_finding_in_engagement(engagement, finding_id)
    access.require_edit_engagement(request.user, engagement)
    if request.method == "GET":
        form = findings.edit_form(record, finding)
        return common.page_with(request, record, findings, 200, edit_form=form, editing=finding)
    form = findings.FindingForm(request.POST, prefix=findings.EDIT)
    return common.save_row(
        request,
        form,
        lambda form: services.finding_edit(
            actor=common.current_user(request),
            finding=finding,
            version=form.version(),
            bases=form.posted_bases(),
            **form.values(),
        ),
        done=lambda saved: f"“{saved.row.area}” is saved.",  # type: ignore[attr-defined]
        show=lambda status: common.page_with(
            request, record, findings, status, edit_form=form, editing=finding
        ),
        back=lambda: common.back(record, NAME),
    )


@login_required
@require_POST
def finding_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, finding_id: int
) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = common.record_with_part(request.user, engagement, activity_key, NAME)
    finding = common.row_or_gone(
        findings.findings_of(engagement), finding_id, record, Finding, "finding"
    )
    access.require_edit_engagement(request.user, engagement)
    if isinstance(finding, str):
        return common.gone(request, record, NAME, finding)
    return common.remove_row(
        request,
        record,
        NAME,
        lambda version, base: services.finding_remove(
            actor=common.current_user(request), finding=finding, version=version, base=base
        ),
        f"“{finding.area}” is no longer listed.",
    )


_FINDING = "engagements/<int:engagement_id>/activities/<slug:activity_key>/findings/"
urlpatterns = [
    path(f"{_FINDING}add/<slug:kind>/", finding_add, name="finding_add"),
    path(f"{_FINDING}<int:finding_id>/edit/", finding_edit, name="finding_edit"),
    path(f"{_FINDING}<int:finding_id>/remove/", finding_remove, name="finding_remove"),
]
