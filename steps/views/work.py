"""The LEA workspace and its activity forms. Each view: authorize through access, call one
selector or service, render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lea import access
from lea.auth import current_user
from steps import checklist, parts, services, submissions, workspace
from steps.forms import AnswersForm
from steps.models import ActivityRecord
from steps.services.records import StaleEdit


def posted_version(request: HttpRequest) -> int:
    """The version a one-button form was rendered with; garbage counts as stale."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return 0


@login_required
@require_GET
def engagement_workspace(request: HttpRequest, engagement_id: int) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    steps = workspace.workspace(engagement=engagement)
    for step in steps:
        step.holder = submissions.holder(step.submission)
    return render(
        request,
        "steps/workspace.html",
        {
            "engagement": engagement,
            "steps": steps,
            "can_edit": access.can_edit_engagement(request.user, engagement),
        },
    )


def activity_page_context(request: HttpRequest, record: ActivityRecord) -> dict[str, object]:
    form_spec = workspace.activity_form(record=record)
    can_edit = access.can_edit_engagement(request.user, record.engagement)
    closed_by = submissions.closing_submission(record)
    editable = can_edit and record.status in services.EDITABLE and closed_by is None
    review, notes = submissions.review_notes_for_record(record)
    for box in form_spec.boxes:
        for spec_field in box.fields:
            spec_field["threads"] = notes.get(f"field:{spec_field['name']}", [])
    answer_anchors = {f"field:{spec_field['name']}" for spec_field in form_spec.answer_fields}
    part_blocks = []
    for name in form_spec.parts:
        module = parts.part(name)
        block = module.context(record=record, user=request.user)
        part_blocks.append({"template": module.TEMPLATE, "context": block})
    return {
        "engagement": record.engagement,
        "record": record,
        "spec": form_spec,
        "can_edit": can_edit,
        "editable": editable,
        "part_blocks": part_blocks,
        "review": review,
        "closed_by": closed_by,
        # Notes on the structured parts and the activity as a whole, shown above the form.
        "other_threads": [
            thread
            for anchor, threads in notes.items()
            if anchor not in answer_anchors
            for thread in threads
        ],
    }


@login_required
@require_http_methods(["GET", "POST"])
def activity_detail(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = access.get_record_in_engagement(engagement, activity_key)
    context = activity_page_context(request, record)
    specs = context["spec"].answer_fields  # type: ignore[attr-defined]
    if request.method == "POST":
        access.require_edit_engagement(request.user, engagement)
        return _save_answers(request, record, specs, context)
    form = AnswersForm(initial={**record.responses, "version": record.version}, specs=specs)
    return render(request, "steps/activity.html", {**context, "form": form})


def _save_answers(
    request: HttpRequest, record: ActivityRecord, specs: list, context: dict[str, object]
) -> HttpResponse:
    form = AnswersForm(request.POST, specs=specs)
    autosave = bool(request.headers.get("HX-Request"))
    status = 200
    if form.is_valid():
        try:
            record = services.record_save_answers(
                actor=current_user(request),
                record=record,
                expected_version=form.cleaned_data["version"],
                answers=form.answers(),
            )
        except StaleEdit as stale:
            context["stale"] = stale
            status = 409
        except ValidationError as error:
            form.add_error(None, error)
            status = 400
        else:
            if not autosave:
                messages.success(request, "Draft saved.")
                return redirect(
                    "activity_detail", engagement_id=record.engagement_id,
                    activity_key=record.definition.key,
                )  # fmt: skip
            context["record"] = record
    else:
        status = 400
    template = "steps/activity.html#save_status" if autosave else "steps/activity.html"
    # htmx swaps only 2xx responses by default; the status partial must show either way.
    return render(request, template, {**context, "form": form}, status=200 if autosave else status)


@login_required
@require_POST
def activity_set_aside(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = access.get_record_in_engagement(engagement, activity_key)
    access.require_edit_engagement(request.user, engagement)
    try:
        if request.POST.get("take_up"):
            services.record_take_up(actor=current_user(request), record=record)
            messages.success(request, f"{record.definition.name} is taken up again.")
        else:
            services.record_set_aside(
                actor=current_user(request),
                record=record,
                expected_version=posted_version(request),
            )
            messages.success(request, f"{record.definition.name} is marked not done (optional).")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("activity_detail", engagement_id=engagement.pk, activity_key=activity_key)


@login_required
@require_GET
def activity_history(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = access.get_record_in_engagement(engagement, activity_key)
    return render(
        request,
        "steps/activity_history.html",
        {"engagement": engagement, "record": record,
         "events": workspace.record_history(record=record)},
    )  # fmt: skip


@login_required
@require_GET
def activity_checklist(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = access.get_record_in_engagement(engagement, activity_key)
    problems = checklist.record_checklist(record=record)
    return render(
        request,
        "steps/activity.html#checklist",
        {"engagement": engagement, "record": record, "problems": problems, "checked": True},
    )
