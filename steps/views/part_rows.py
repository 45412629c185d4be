"""The views of every declared part's rows (steps/parts/rows.py): add, edit (GET shows the
form on the activity page, POST saves it) and remove. Each finds the engagement and the
activity through access, then the row among the activity's own, or the row a nested one
is added to (an id from elsewhere is a 404 for everyone), before asking whether the user
may write; then it calls one service and goes back to the part, or shows the activity
page again with what was typed and the errors (or both texts of a field two people
changed) beside the fields."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods, require_POST

from steps import access, parts
from steps.models import Engagement
from steps.parts.rows import RowPart
from steps.services.part_rows import part_row_add, part_row_edit, part_row_remove
from steps.views.parts_common import (
    PREFIX,
    back,
    current_user,
    gone,
    page_with,
    part_record,
    remove_row,
    row_or_gone,
    save_row,
)


def _may_write(request: HttpRequest, rows: RowPart[Any], engagement: Engagement) -> None:
    access.require_edit_engagement(request.user, engagement)
    if rows.may_write is not None:
        rows.may_write(request.user, engagement)  # type: ignore[arg-type]


@login_required
@require_POST
def row_add(
    request: HttpRequest, engagement_id: int, activity_key: str, rows: RowPart[Any], **words: str
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, rows.part)
    fixed = rows.fixed_by_url(record, **words) if rows.fixed_by_url else {}
    if fixed is None:
        raise Http404(f"No {rows.noun} can be added here.")
    _may_write(request, rows, engagement)
    form = rows.add_form(record, request.POST, **fixed)
    part = parts.part(rows.part)
    return save_row(
        request,
        form,
        lambda form: part_row_add(
            actor=current_user(request),
            rows=rows,
            record=record,
            version=form.version(),
            **fixed,
            **form.values(),
        ),
        done=rows.said_added,
        show=lambda status: page_with(request, record, part, status, add_form=form),
        back=lambda: back(record, rows.part),
    )


@login_required
@require_http_methods(["GET", "POST"])
def row_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, row_id: int, rows: RowPart[Any]
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, rows.part)
    row = get_object_or_404(rows.rows_of(record), pk=row_id)
    _may_write(request, rows, engagement)
    part = parts.part(rows.part)
    if request.method == "GET":
        form = rows.edit_form(record, row)
        return page_with(request, record, part, 200, edit_form=form, editing=row)
    form = rows.posted_edit_form(record, request.POST)
    return save_row(
        request,
        form,
        lambda form: part_row_edit(
            actor=current_user(request),
            rows=rows,
            record=record,
            row=row,
            version=form.version(),
            bases=form.posted_bases(),
            **form.values(),
        ),
        done=lambda saved: rows.said_saved(saved.row),  # type: ignore[attr-defined]
        show=lambda status: page_with(request, record, part, status, edit_form=form, editing=row),
        back=lambda: back(record, rows.part),
    )


@login_required
@require_POST
def row_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, row_id: int, rows: RowPart[Any]
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, rows.part)
    row = row_or_gone(rows.rows_of(record), row_id, record, rows.model, rows.noun)
    _may_write(request, rows, engagement)
    if isinstance(row, str):
        return gone(request, record, rows.part, row)
    return remove_row(
        request,
        record,
        rows.part,
        lambda version, base: part_row_remove(
            actor=current_user(request),
            rows=rows,
            record=record,
            row=row,
            version=version,
            base=base,
        ),
        rows.said_removed(row),
    )


def row_urlpatterns(rows: RowPart[Any]) -> list[URLPattern]:
    """The add, edit and remove URLs of a declared part's rows, named after it."""
    base = f"{PREFIX}{rows.url}/<int:row_id>/"
    declared = {"rows": rows}
    return [
        path(f"{PREFIX}{rows.add_path}", row_add, declared, name=f"{rows.url_name}_add"),
        path(f"{base}{rows.edit_words}", row_edit, declared, name=f"{rows.url_name}_edit"),
        path(f"{base}remove/", row_remove, declared, name=f"{rows.url_name}_remove"),
    ]
