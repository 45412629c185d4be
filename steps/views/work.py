"""The LEA workspace and its activity forms. Each view: authorize through access, call one
selector or service, render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cim.models import INFERRED_DATE
from lea import access as lea_access
from lea.auth import current_user
from lea.services_access_records import Kind, record_read
from steps import access, checklist, facts, parts, presence, services, submissions, workspace
from steps.forms import ANSWERS_FORM_ID, AnswersForm, PriorPlanForm
from steps.merge import (
    ConflictView,
    conflict_view,
    fingerprint,
    fingerprints,
    normal,
    started_version,
    version_token,
)
from steps.models import ActivityRecord, Engagement
from steps.services.records import AnswersSaved


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
    record_read(
        request,
        kind=Kind.WORKSPACE,
        lea_id=engagement.lea_id,
        object_id=engagement.pk,
        description=engagement.cohort.name,
    )
    steps = workspace.workspace(engagement=engagement)
    for step in steps:
        step.holder = submissions.holder(step.submission)
    return render(
        request,
        "steps/workspace.html",
        {
            "engagement": engagement,
            "steps": steps,
            "can_edit": access.may_edit_engagement(request.user, engagement),
            "sees_access_record": lea_access.may_see_access_record(request.user, engagement.lea_id),
            "facts": facts.facts_for(engagement=engagement, user=current_user(request)),
            "about": workspace.about_the_work(engagement=engagement),
            "other_years": workspace.other_years(user=request.user, engagement=engagement),
            "prior_plan_form": (
                PriorPlanForm() if access.may_set_prior_plan(request.user, engagement) else None
            ),
        },
    )


def activity_page_context(request: HttpRequest, record: ActivityRecord) -> dict[str, object]:
    form_spec = workspace.activity_form(record=record)
    can_edit = access.may_edit_engagement(request.user, record.engagement)
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
    answers = AnswersForm(
        initial={**record.responses, "version": version_token(record)},
        specs=form_spec.answer_fields,
    )
    return {
        **_form_context(answers, record),
        "engagement": record.engagement,
        "record": record,
        "spec": form_spec,
        "can_edit": can_edit,
        "editable": editable,
        "part_blocks": part_blocks,
        "review": review,
        "closed_by": closed_by,
        "inferred_date": INFERRED_DATE,
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
    record = access.get_record_for(request.user, engagement, activity_key)
    if request.method == "POST":
        access.require_edit_engagement(request.user, engagement)
        if "application/json" in request.headers.get("Accept", ""):
            # The page's script applies the save in place: no page to build.
            return _save_answers_in_place(request, record)
        context = activity_page_context(request, record)
        specs = context["spec"].answer_fields  # type: ignore[attr-defined]
        return _save_answers(request, record, specs, context)
    record_activity_read(request, engagement, record)
    return render(request, "steps/activity.html", activity_page_context(request, record))


def record_activity_read(
    request: HttpRequest,
    engagement: Engagement,
    record: ActivityRecord,
    kind: Kind = Kind.ACTIVITY,
) -> None:
    """The access record's row for a page of the activity (lea.AccessRecord)."""
    record_read(
        request,
        kind=kind,
        lea_id=engagement.lea_id,
        object_id=record.pk,
        description=record.definition.name,
    )


def _form_context(
    form: AnswersForm, record: ActivityRecord, seen: dict[str, object] | None = None
) -> dict[str, object]:
    """The answers form with each box's base: the answer as saved now, or, after a
    conflict the writer has been shown, the other person's answer they have now seen."""
    current = {name: record.responses.get(name) for name in form.answer_names}
    return {"form": form, "bases": fingerprints({**current, **(seen or {})})}


def _save_answers_in_place(request: HttpRequest, record: ActivityRecord) -> HttpResponse:
    """A save from the page's script (static/js/autosave.js), answered in JSON."""
    specs = workspace.activity_form(record=record).answer_fields
    form, saved = _merge_answers(request, record, specs)
    return JsonResponse(answers_result(request, form, saved, record))


def _save_answers(
    request: HttpRequest, record: ActivityRecord, specs: list, context: dict[str, object]
) -> HttpResponse:
    """A plain form post of the answers: the page again, or back to it once saved."""
    form, saved = _merge_answers(request, record, specs)
    if saved is None:
        return render(
            request, "steps/activity.html", {**context, **_form_context(form, record)}, status=400
        )
    if not saved.conflicts:
        messages.success(request, " ".join(["Draft saved.", *_incoming_words(form, saved)]))
        return redirect(
            "activity_detail", engagement_id=record.engagement_id,
            activity_key=record.definition.key,
        )  # fmt: skip
    return _show_conflicts(request, form, saved, context)


def _merge_answers(
    request: HttpRequest, record: ActivityRecord, specs: list
) -> tuple[AnswersForm, AnswersSaved | None]:
    """Merge the posted answers into what is saved (steps/merge.py); None when refused."""
    form = AnswersForm(request.POST, specs=specs)
    saved = None
    if form.is_valid():
        try:
            saved = services.record_save_answers(
                actor=current_user(request),
                record=record,
                expected_version=started_version(record, form.cleaned_data["version"]),
                answers=form.answers(),
                bases=form.bases(),
                labels=form.labels(),
            )
        except ValidationError as error:
            form.add_error(None, error)
    return form, saved


def _show_conflicts(
    request: HttpRequest, form: AnswersForm, saved: AnswersSaved, context: dict[str, object]
) -> HttpResponse:
    """The page again, the writer's text in the boxes they changed, the saved text in
    the boxes only others changed, and both texts beside each box both changed."""
    record = saved.record
    data = request.POST.copy()
    data["version"] = version_token(record)
    for name in saved.incoming:
        data[name] = record.responses.get(name) or ""
    shown = AnswersForm(data, specs=context["spec"].answer_fields)  # type: ignore[attr-defined]
    shown.is_valid()
    views = _conflict_views(form, saved)
    for box in context["spec"].boxes:  # type: ignore[attr-defined]
        for spec_field in box.fields:
            spec_field["conflict"] = views.get(spec_field["name"])
    for note in _incoming_words(form, saved):
        messages.info(request, note)
    page = {
        **context,
        "record": record,
        **_form_context(shown, record, seen=saved.conflicts),
        "conflict_count": len(views),
    }
    return render(request, "steps/activity.html", page, status=409)


def _conflict_views(form: AnswersForm, saved: AnswersSaved) -> dict[str, ConflictView]:
    mine = form.answers()
    return {
        name: conflict_view(
            form_id=ANSWERS_FORM_ID,
            name=name,
            label=str(form.fields[name].label),
            mine=mine[name],
            theirs=theirs,
            edit=saved.conflict_edits[name],
            shown=_in_words(form, name, theirs),
        )
        for name, theirs in saved.conflicts.items()
    }


def _in_words(form: AnswersForm, name: str, value: object) -> object:
    """A choice as its label ("Yes", not "yes"); other values as they are."""
    choices = getattr(form.fields[name], "choices", None)
    if choices and value not in (None, ""):
        return dict(choices).get(value, value)
    return None


def _incoming_words(form: AnswersForm, saved: AnswersSaved) -> list[str]:
    """What others saved meanwhile in boxes the writer left alone, by whom."""
    by_who: dict[str, list[str]] = {}
    for name, edit in saved.incoming.items():
        by_who.setdefault(edit.who, []).append(f"“{form.fields[name].label}”")
    return [
        f"Meanwhile {who} changed {', '.join(labels)}: their text is kept and shown."
        for who, labels in by_who.items()
    ]


def answers_result(
    request: HttpRequest, form: AnswersForm, saved: AnswersSaved | None, record: ActivityRecord
) -> dict[str, object]:
    """What the page's script needs to apply a save in place (static/js/autosave.js)."""
    if saved is not None:
        # The record as this save left it (locked, written, its writer set): no read again.
        record = saved.record
    else:
        record.refresh_from_db(fields=["responses", "version", "updated_at", "updated_by"])
    values = {name: record.responses.get(name) for name in form.answer_names}
    result: dict[str, object] = {
        "version": version_token(record),
        "fields": {
            name: {"value": normal(value), "base": fingerprint(value)}
            for name, value in values.items()
        },
        "errors": {
            name: [str(error) for error in errors]
            for name, errors in form.errors.items()
            if name != "__all__"
        },
        "message": " ".join(str(error) for error in form.non_field_errors()),
        "incoming": [],
        "conflicts": {},
    }
    if saved is None:
        result["outcome"] = "invalid" if result["errors"] else "refused"
        return result
    result["outcome"] = "conflict" if saved.conflicts else "saved"
    result["written"] = saved.written
    result["incoming"] = _incoming_words(form, saved)
    result["conflicts"] = {
        name: render_to_string("steps/includes/conflict.html", {"c": view}, request=request)
        for name, view in _conflict_views(form, saved).items()
    }
    result["saved_by"] = _saved_by(record)
    return result


def _saved_by(record: ActivityRecord) -> str:
    when = timezone.localtime(record.updated_at)
    who = record.updated_by.display_name if record.updated_by else "someone"
    return f"Version {record.version}, last saved by {who} at {date_format(when, 'g:i A')}."


@login_required
@require_POST
def activity_set_aside(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = access.get_record_for(request.user, engagement, activity_key)
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
    record = access.get_record_for(request.user, engagement, activity_key)
    record_activity_read(request, engagement, record, Kind.ACTIVITY_HISTORY)
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
    record = access.get_record_for(request.user, engagement, activity_key)
    result = {
        "problems": checklist.record_checklist(record=record),
        "warnings": checklist.record_warnings(record=record),
        "checked": True,
    }
    record_activity_read(request, engagement, record)
    if request.headers.get("HX-Request"):
        context = {"engagement": engagement, "record": record, **result}
        return render(request, "steps/activity.html#checklist", context)
    # Followed as a link (no JavaScript, a new tab): the whole page, the result in place.
    page = {**activity_page_context(request, record), **result}
    return render(request, "steps/activity.html", page)


@login_required
@require_POST
def activity_presence(request: HttpRequest, engagement_id: int, activity_key: str) -> JsonResponse:
    """The page's heartbeat: who else is editing this activity (and whether a newer
    version was saved), so each person sees the others without reloading."""
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = access.get_record_for(request.user, engagement, activity_key)
    access.require_edit_engagement(request.user, engagement)
    user = current_user(request)
    if request.POST.get("leave"):
        presence.presence_leave(record=record, user=user)
        return JsonResponse({"others": []})
    others = presence.presence_beat(record=record, user=user)
    return JsonResponse(
        {
            "others": others,
            "text": _others_words(others),
            "version": version_token(record),
            "heartbeat_seconds": presence.heartbeat_seconds(),
        }
    )


def _others_words(others: list[str]) -> str:
    if not others:
        return ""
    names = others[0] if len(others) == 1 else ", ".join(others[:-1]) + " and " + others[-1]
    verb = "is" if len(others) == 1 else "are"
    return (
        f"{names} {verb} also editing this activity. Your changes and theirs are merged as "
        "you save; if you both change the same box, you will be asked which to keep."
    )
