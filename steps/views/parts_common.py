"""What the views of the structured parts share: finding the activity that carries the
part, showing the activity page again with a part's bound forms, and going back to it."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from lea import access
from lea.auth import current_user
from steps import parts, workspace
from steps.forms import AnswersForm
from steps.models import ActivityRecord, Engagement
from steps.services.records import StaleEdit
from steps.views.work import activity_page_context, posted_version

# Where every part's URLs live: under the activity whose form carries the part.
PREFIX = "engagements/<int:engagement_id>/activities/<slug:activity_key>/"


def record_with_part(engagement: Engagement, activity_key: str, name: str) -> ActivityRecord:
    """The activity, only if its form carries the part: rows cannot be hung off an
    unrelated activity by editing the URL."""
    record = access.get_record_in_engagement(engagement, activity_key)
    if name not in workspace.activity_form(record=record).parts:
        raise Http404("This activity has no such part.")
    return cast(ActivityRecord, record)


def part_record(
    request: HttpRequest, engagement_id: int, activity_key: str, name: str
) -> tuple[Engagement, ActivityRecord]:
    """The engagement and activity, both in the user's scope, carrying the part."""
    engagement = access.get_engagement_for(request.user, engagement_id)
    return engagement, record_with_part(engagement, activity_key, name)


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
    template = parts.part(name).TEMPLATE
    for block in cast(list[dict[str, Any]], context["part_blocks"]):
        if block["template"] == template:
            block["context"] = {**block["context"], **part_context}
    specs = context["spec"].answer_fields  # type: ignore[attr-defined]
    answers = AnswersForm(initial={**record.responses, "version": record.version}, specs=specs)
    return render(request, "steps/activity.html", {**context, "form": answers}, status=status)


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
    if isinstance(error, StaleEdit) or not hasattr(error, "error_dict"):
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


def remove_row(
    request: HttpRequest,
    record: ActivityRecord,
    name: str,
    remove: Callable[[int], object],
    done: str,
) -> HttpResponse:
    """A one-button remove: call `remove` with the version the page showed (garbage counts
    as stale), say what happened on top of the page, and go back to the part."""
    try:
        remove(posted_version(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return back(record, name)
