"""Pages of the steps app. Each view: authorize through access, call one selector or
service, render or redirect."""

import csv
import io
import re
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cim import selectors as cim_selectors
from cim.adl import adl_template_csv
from lea import access as lea_access
from lea.models import User
from lea.services_access_records import Kind, record_export
from steps import access, queues, selectors, services
from steps.forms import AdlUploadForm

ADMINS_ONLY = "Only CDE administrators load the ADL cohort list."


def _cde_admin(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not lea_access.may_load_adl(user):
        raise PermissionDenied(ADMINS_ONLY)
    return user


@login_required
@require_http_methods(["GET", "POST"])
def adl_upload(request: HttpRequest) -> HttpResponse:
    user = _cde_admin(request)
    form = AdlUploadForm(
        request.POST or None, request.FILES or None, years=cim_selectors.catalog_years()
    )
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            upload = services.adl_upload_create(
                actor=user, file_name=file.name, content=file.read(), year=form.cleaned_data["year"]
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("adl_upload_detail", upload_id=upload.pk)
    history = Paginator(access.adl_uploads_for(user).select_related("uploaded_by"), 25)
    return render(
        request,
        "steps/adl_upload.html",
        {"form": form, "history": history.get_page(request.GET.get("page"))},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def adl_template(request: HttpRequest) -> HttpResponse:
    _cde_admin(request)
    response = HttpResponse(adl_template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="adl-template.csv"'
    return response


@login_required
@require_GET
def adl_upload_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = access.get_adl_upload_for(request.user, upload_id)
    context = {"upload": upload, "progress": services.upload_progress(upload=upload)}
    if request.headers.get("HX-Request"):
        # The progress poll: while the worker is busy, only the bar; once it is done,
        # the whole page, so the result and the next action appear.
        if upload.is_working:
            return render(request, "steps/adl_upload_detail.html#progress", context)
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "steps/adl_upload_detail.html", context)


@login_required
@require_POST
def adl_upload_apply(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = access.get_adl_upload_for(request.user, upload_id)
    try:
        services.adl_upload_request_apply(actor=cast(User, request.user), upload=upload)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("adl_upload_detail", upload_id=upload.pk)


@login_required
@require_GET
def adl_upload_errors(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = access.get_adl_upload_for(request.user, upload_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "message"])
    for issue in upload.errors:
        writer.writerow([issue["row"], issue["column"], issue["message"]])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="adl-errors-{upload.pk}.csv"'
    return response


def _status(request: HttpRequest) -> tuple[int | None, list[int], list[selectors.StatusRow]]:
    """The year asked for (else the newest), the years on offer, and that year's rows in
    the user's scope."""
    years = cim_selectors.monitoring_years()
    requested = request.GET.get("year", "")
    # fullmatch on ASCII digits: str.isdigit() also accepts "²", which int() refuses.
    year = int(requested) if re.fullmatch(r"[0-9]{1,4}", requested) else None
    year = year if year in years else None
    year = year or (years[0] if years else None)
    engagements = access.status_engagements_for(request.user)
    rows = selectors.status_rows(engagements=engagements, year=year) if year else []
    return year, years, rows


@login_required
@require_GET
def cim_status_csv(request: HttpRequest) -> HttpResponse:
    year, _, rows = _status(request)
    if year is not None:
        # Each LEA in the file has a row in its own access record (lea.AccessRecord).
        engagements = access.status_engagements_for(request.user)
        leas = engagements.filter(cohort__year__year=year).values_list("lea_id", flat=True)
        record_export(request, kind=Kind.STATUS_EXPORT, lea_ids=list(leas))
    response = HttpResponse(queues.status_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cim-status-{year or "none"}.csv"'
    return response
