"""Box 10 views: add, edit and remove the Data Drill Down's data sources. Each view
authorizes through access, calls one service, then redirects back to the list, or shows
the activity page again with what was typed and the errors beside the fields."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from steps import access
from steps.models import DataSource
from steps.parts import data_sources
from steps.services import part_data_sources as services
from steps.views import parts_common as common

NAME = "data_sources"


@login_required
@require_POST
def data_source_add(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = common.record_with_part(request.user, engagement, activity_key, NAME)
    access.require_edit_engagement(request.user, engagement)
    form = data_sources.DataSourceForm(
        request.POST, prefix=data_sources.ADD, tags=data_sources.tags_of(record)
    )
    return common.save_row(
        request,
        form,
        lambda form: services.data_source_add(
            actor=common.current_user(request),
            record=record,
            version=form.version(),
            **form.values(),
        ),
        done=lambda source: f"“{source.name}” is on the list of data sources.",  # type: ignore[attr-defined]
        show=lambda status: common.page_with(request, record, data_sources, status, add_form=form),
        back=lambda: common.back(record, NAME),
    )


@login_required
@require_http_methods(["GET", "POST"])
def data_source_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, source_id: int
) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = common.record_with_part(request.user, engagement, activity_key, NAME)
    source = data_sources.get_source_in_engagement(engagement, source_id)
    access.require_edit_engagement(request.user, engagement)
    if request.method == "GET":
        form = data_sources.edit_form(record, source)
        return common.page_with(request, record, data_sources, 200, edit_form=form, editing=source)
    form = data_sources.DataSourceForm(
        request.POST, prefix=data_sources.EDIT, tags=data_sources.tags_of(record)
    )
    return common.save_row(
        request,
        form,
        lambda form: services.data_source_edit(
            actor=common.current_user(request),
            source=source,
            version=form.version(),
            bases=form.posted_bases(),
            **form.values(),
        ),
        done=lambda saved: f"“{saved.row.name}” is saved.",  # type: ignore[attr-defined]
        show=lambda status: common.page_with(
            request, record, data_sources, status, edit_form=form, editing=source
        ),
        back=lambda: common.back(record, NAME),
    )


@login_required
@require_POST
def data_source_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, source_id: int
) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = common.record_with_part(request.user, engagement, activity_key, NAME)
    source = common.row_or_gone(
        data_sources.data_sources_of(engagement), source_id, record, DataSource, "data source"
    )
    access.require_edit_engagement(request.user, engagement)
    if isinstance(source, str):
        return common.gone(request, record, NAME, source)
    return common.remove_row(
        request,
        record,
        NAME,
        lambda version, base: services.data_source_remove(
            actor=common.current_user(request), source=source, version=version, base=base
        ),
        f"“{source.name}” is no longer on the list.",
    )


_SOURCE = "engagements/<int:engagement_id>/activities/<slug:activity_key>/data-sources/"
urlpatterns = [
    path(f"{_SOURCE}add/", data_source_add, name="data_source_add"),
    path(f"{_SOURCE}<int:source_id>/edit/", data_source_edit, name="data_source_edit"),
    path(f"{_SOURCE}<int:source_id>/remove/", data_source_remove, name="data_source_remove"),
]
