"""The PDF of a submitted version: ask for it, watch it render, download it. Anyone who
may see the submission (lea/access.py `get_submission_for`) may do all three; anyone else
gets a 404. Each view: authorize through access, call one service, render or redirect."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from lea.models import User
from lea.services_access_records import Kind, record_read
from reports import access as reports_access
from reports.models import RenderedPdf
from reports.models.pdf import UNCLAIMED_AFTER
from reports.pdf import pdf_filename
from reports.services import pdf as services_pdf
from steps import access
from steps.models import Submission, SubmissionVersion

NO_PDF_YET = "There is no PDF of this version yet."
STATUS_TEMPLATE = "reports/pdf/status.html"


def _version(
    request: HttpRequest, submission_id: int, number: int
) -> tuple[Submission, SubmissionVersion]:
    submission = access.get_submission_for(request.user, submission_id)
    return submission, access.get_version_for(request.user, submission, number)


def _state(
    request: HttpRequest, submission: Submission, version: SubmissionVersion
) -> HttpResponse:
    """The status page, or only its state while htmx polls it (see the template)."""
    context = {
        "submission": submission,
        "engagement": submission.engagement,
        "version": version,
        "rendered": reports_access.rendered_pdf_for_version(version),
        "worker_lost": services_pdf.WORKER_LOST,
        "no_worker": services_pdf.NO_WORKER.format(minutes=UNCLAIMED_AFTER.seconds // 60),
    }
    template = f"{STATUS_TEMPLATE}#state" if request.headers.get("HX-Request") else STATUS_TEMPLATE
    return render(request, template, context)


@login_required
@require_GET
def pdf_status(request: HttpRequest, submission_id: int, number: int) -> HttpResponse:
    submission, version = _version(request, submission_id, number)
    return _state(request, submission, version)


@login_required
@require_POST
def pdf_request(request: HttpRequest, submission_id: int, number: int) -> HttpResponse:
    """Make the PDF, or retry a failed one; asking again for one on its way changes nothing."""
    submission, version = _version(request, submission_id, number)
    services_pdf.rendered_pdf_request(actor=cast(User, request.user), version=version)
    if request.headers.get("HX-Request"):
        return _state(request, submission, version)
    return redirect("pdf_status", submission_id=submission.pk, number=version.number)


@login_required
@require_GET
def pdf_download(request: HttpRequest, submission_id: int, number: int) -> HttpResponse:
    submission, version = _version(request, submission_id, number)
    rendered = reports_access.rendered_pdf_for_version(version, with_content=True)
    if rendered is None or rendered.status != RenderedPdf.Status.DONE:
        raise Http404(NO_PDF_YET)
    record_read(
        request,
        kind=Kind.PDF,
        lea_id=submission.engagement.lea_id,
        object_id=version.pk,
        description=f"{submission.title}, version {version.number}",
    )
    response = HttpResponse(bytes(rendered.content), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=pdf_filename(version)
    )
    response["X-Content-Type-Options"] = "nosniff"
    # The LEA's work: never kept by a shared cache.
    patch_cache_control(response, private=True, no_store=True)
    return response


urlpatterns = [
    path(
        "submissions/<int:submission_id>/versions/<int:number>/pdf/",
        pdf_download,
        name="pdf_download",
    ),
    path(
        "submissions/<int:submission_id>/versions/<int:number>/pdf/status/",
        pdf_status,
        name="pdf_status",
    ),
    path(
        "submissions/<int:submission_id>/versions/<int:number>/pdf/render/",
        pdf_request,
        name="pdf_request",
    ),
]
