"""What the views of the structured parts share: finding the activity that carries the
part, showing the activity page again with a part's bound forms, and going back to it."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from lea.access import AnyUser
from lea.auth import current_user
from steps import access, parts, workspace
from steps.merge import Edit
from steps.merge_forms import RowFormMixin, labels_of
from steps.models import ActivityRecord, Engagement
from steps.services.parts_merge import RowConflict, RowSaved, already_removed, removed_by
from steps.views.work import activity_page_context, record_activity_read

RowT = TypeVar("RowT", bound=Model)

# Where every part's URLs live: under the activity whose form carries the part.
PREFIX = "engagements/<int:engagement_id>/activities/<slug:activity_key>/"


def record_with_part(
    user: AnyUser, engagement: Engagement, activity_key: str, name: str
) -> ActivityRecord:
    """The activity, only if its form carries the part: rows cannot be hung off an
    unrelated activity by editing the URL."""
    record = access.get_record_for(user, engagement, activity_key)
    if name not in workspace.activity_form(record=record).parts:
        raise Http404("This activity has no such part.")
    return cast(ActivityRecord, record)


def part_record(
    request: HttpRequest, engagement_id: int, activity_key: str, name: str
) -> tuple[Engagement, ActivityRecord]:
    """The engagement and activity, both in the user's scope, carrying the part."""
    engagement = access.get_engagement_for(request.user, engagement_id)
    return engagement, record_with_part(request.user, engagement, activity_key, name)


def back(record: ActivityRecord, name: str) -> HttpResponse:
    url = reverse("activity_detail", args=[record.engagement_id, record.definition.key])
    return redirect(f"{url}#{name}")


def render_part(
    request: HttpRequest,
    record: ActivityRecord,
    name: str,
    part_context: dict[str, Any],
    *,
    status: int = 400,
) -> HttpResponse:
    """The whole activity page with this part's context replaced (a bound form with its
    errors, or an edit form), so what was typed stays beside its messages."""
    context = activity_page_context(request, record)
    # A row's edit page (GET) shows the whole activity: a read of it.
    record_activity_read(request, record.engagement, record)
    template = parts.part(name).TEMPLATE
    for block in cast(list[dict[str, Any]], context["part_blocks"]):
        if block["template"] == template:
            block["context"] = {**block["context"], **part_context}
    return render(request, "steps/activity.html", context, status=status)


def page_with(
    request: HttpRequest, record: ActivityRecord, part: ModuleType, status: int, **forms: Any
) -> HttpResponse:
    """The activity page with the part's context rebuilt around the given forms."""
    context = part.context(record=record, user=current_user(request), **forms)
    name = part.__name__.rsplit(".", 1)[-1]
    return render_part(request, record, name, context, status=status)


def refused(request: HttpRequest, form: Form, error: ValidationError) -> None:
    """Put a service's refusal where it belongs, keeping what was typed: a field's error
    beside that field; a stale version or a locked activity as a message on top (the
    caller shows the page again with the bound form, so nothing typed is lost)."""
    if not hasattr(error, "error_dict"):
        messages.error(request, " ".join(error.messages))
    else:
        form.add_error(None, error)


def refuse(
    request: HttpRequest, record: ActivityRecord, name: str, error: ValidationError
) -> HttpResponse:
    """A refusal no form field could show (someone saved the activity first, it is
    submitted, ...): say why on top of the page."""
    messages.error(request, " ".join(error.messages))
    return back(record, name)


def meanwhile(form: Any, incoming: dict[str, Edit]) -> str:
    """ " Meanwhile Pat Lead changed: Quantification." for the fields others changed that
    the writer left alone (kept as they saved them), or nothing."""
    by_who: dict[str, list[str]] = {}
    for name, edit in incoming.items():
        by_who.setdefault(edit.who, []).append(name)
    return "".join(
        f" Meanwhile {who} changed: {', '.join(labels_of(form, names))}."
        for who, names in sorted(by_who.items())
    )


def save_row(
    request: HttpRequest,
    form: RowFormMixin,
    save: Callable[[RowFormMixin], object],
    *,
    done: str | Callable[[object], str],
    show: Callable[[int], HttpResponse],
    back: Callable[[], HttpResponse],
) -> HttpResponse:
    """Every structured row's save, one way: a valid form goes to `save` (a service that
    merges it with what others saved); success goes `back` saying what came in from
    whom; a conflict `show`s the form again with both texts beside each field both
    changed; any other refusal shows it again with the reason, the text kept."""
    if not form.is_valid():
        return show(400)
    try:
        saved = save(form)
    except RowConflict as conflict:
        form.show_conflict(conflict)
        messages.error(request, " ".join(conflict.messages))
        return show(409)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            form.add_error(None, _on_fields(form, error))
            return show(400)
        # A refused version, a row removed meanwhile, a locked activity: say it on top.
        messages.error(request, " ".join(error.messages))
        return show(409)
    message = done(saved) if callable(done) else done
    if isinstance(saved, RowSaved):
        message += meanwhile(form, saved.incoming)
    messages.success(request, message)
    return back()


def _on_fields(form: RowFormMixin, error: ValidationError) -> ValidationError:
    """A service's error on a field the form lacks goes on top of the form."""
    by_field: dict[str, list[Any]] = {}
    for name, errors in error.error_dict.items():
        by_field.setdefault(name if name in form.fields else "__all__", []).extend(errors)
    return ValidationError(by_field)


def row_or_gone[RowT: Model](
    rows: QuerySet[RowT], pk: int, holder: Model, model: type[Model], what: str
) -> RowT | str:
    """The row, or (when the holder's history says it removed that row) the words saying
    it is already gone. A row it never held is not found (404), as any other's row."""
    row = rows.filter(pk=pk).first()
    if row is not None:
        return row
    key = f"{model._meta.model_name}:{pk}"
    if removed_by(holder, key) is None:
        raise Http404("No such row.")
    return already_removed(holder, key, what)


def remove_row(
    request: HttpRequest,
    record: ActivityRecord,
    name: str,
    remove: Callable[[str, str], object],
    done: str,
) -> HttpResponse:
    """A one-button remove of a part's row, back to the part."""
    return one_button_remove(request, remove, done, back(record, name))


def one_button_remove(
    request: HttpRequest, remove: Callable[[str, str], object], done: str, then: HttpResponse
) -> HttpResponse:
    """A one-button remove: call `remove` with the version token and the row's fingerprint
    the page showed, say what happened on top of the page (done, or refused with the
    reason), and go on to `then`."""
    try:
        remove(str(request.POST.get("version", "")), str(request.POST.get("base", "")))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return then


def gone(request: HttpRequest, record: ActivityRecord, name: str, words: str) -> HttpResponse:
    """A remove of a row already removed: say so plainly, no error page."""
    messages.info(request, words)
    return back(record, name)
