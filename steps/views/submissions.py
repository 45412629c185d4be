"""Submitting a step, and reviewing it: the submission page with its versions and notes,
the decision, comments and replies. Each view: authorize through access, call one
selector or service, render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from lea import access as lea_access
from lea.auth import current_user
from lea.services_access_records import Kind, record_read
from steps import access, services, submissions
from steps.forms import CommentForm, DecisionForm, ReplyForm, SubmitForm, UndoForm
from steps.models import (
    Comment,
    Engagement,
    Review,
    Submission,
    SubmissionState,
    SubmissionVersion,
)
from steps.services.submissions import SUBMIT_DENIED


def _submit_page(
    request: HttpRequest, engagement: Engagement, step: int, activity_key: str | None
) -> HttpResponse:
    activity = None
    if activity_key is not None:
        record = access.get_record_for(request.user, engagement, activity_key)
        if not record.definition.approved_alone:
            raise Http404("This activity is submitted with its step.")
        activity, step = record.definition, record.definition.step
    elif step not in submissions.SUBMITTABLE_STEPS:
        raise Http404("Only Steps 1 to 3 are submitted here.")
    # The LEA's team sees what stands in the way; reviewers read submissions, not this.
    access.require_edit_engagement(request.user, engagement)
    is_lead = access.may_lead(request.user, engagement)
    if request.method == "POST" and not is_lead:
        raise PermissionDenied(SUBMIT_DENIED)
    existing = submissions.submission_of(engagement, step, activity)
    form = SubmitForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                version = services.submission_submit(
                    actor=current_user(request),
                    engagement=engagement,
                    step=step,
                    activity=activity,
                    confirmation_name=form.cleaned_data["confirmation_name"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                submission = version.submission
                messages.success(
                    request,
                    f"{submission.title} is submitted as version {version.number} "
                    f"and waits for {submission.routed_to} review.",
                )
                return redirect("submission_detail", submission_id=submission.pk)
        existing = submissions.submission_of(engagement, step, activity)
    ready = submissions.readiness(engagement=engagement, step=step, activity=activity)
    record_read(
        request,
        kind=Kind.SUBMISSION_CHECKLIST,
        lea_id=engagement.lea_id,
        object_id=engagement.pk,
        description=f"{activity.name} (Step {step})" if activity else f"Step {step}",
    )
    return render(
        request,
        "steps/submit.html",
        {
            "engagement": engagement,
            "step": step,
            "activity": activity,
            "ready": ready,
            "existing": existing,
            "open": existing is None
            or existing.state in (SubmissionState.DRAFT, SubmissionState.RETURNED),
            "reviewers": access.reviewers_for(engagement, ready.routed_to),
            "is_lead": is_lead,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def step_submit(request: HttpRequest, engagement_id: int, step: int) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    return _submit_page(request, engagement, step, None)


@login_required
@require_http_methods(["GET", "POST"])
def activity_submit(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    return _submit_page(request, engagement, 0, activity_key)


def _page(
    request: HttpRequest,
    submission: Submission,
    number: int | None = None,
    *,
    decision_form: DecisionForm | None = None,
    comment_form: CommentForm | None = None,
    reply_form: ReplyForm | None = None,
    reply_to_id: int | None = None,
    written: tuple[Comment, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    try:
        page = submissions.submission_page(submission=submission, number=number)
    except SubmissionVersion.DoesNotExist:
        raise Http404("No such version.") from None
    reviewing = (
        page.is_latest
        and submission.state == SubmissionState.SUBMITTED
        and access.may_review(request.user, submission)
    )
    engagement = submission.engagement
    record_read(
        request,
        kind=Kind.SUBMISSION_VERSION,
        lea_id=engagement.lea_id,
        object_id=page.shown.pk,
        description=f"{submission.title}, version {page.shown.number}",
    )
    return render(
        request,
        "steps/submission.html",
        {
            "engagement": engagement,
            "submission": submission,
            "page": page,
            "holder": submissions.holder(submission),
            "reviewing": reviewing,
            "can_reply": access.may_edit_engagement(request.user, engagement)
            and submission.state in (SubmissionState.SUBMITTED, SubmissionState.RETURNED)
            and page.is_latest,
            "decision_form": decision_form or DecisionForm(initial={"version": page.shown.number}),
            "comment_form": comment_form,
            "reply_form": reply_form or ReplyForm(),
            # The comment whose reply was refused: its thread shows the typed text again.
            "reply_to_id": reply_to_id,
            # The comment form whose post was refused ("<activity key>/<anchor>", or
            # "question"): the error and the typed text are shown beside it.
            "refused_box": _box_of(comment_form) if comment_form is not None else "",
            # A note just written (htmx): marked, and focused once swapped in.
            "written_id": written[0].pk if written else None,
            "written_note": written[1] if written else "",
            "undo": submissions.undo_for(submission=submission, user=request.user)
            if page.is_latest
            else None,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def submission_detail(request: HttpRequest, submission_id: int) -> HttpResponse:
    submission = access.get_submission_for(request.user, submission_id)
    return _page(request, submission)


@login_required
@require_http_methods(["GET"])
def submission_version(request: HttpRequest, submission_id: int, number: int) -> HttpResponse:
    submission = access.get_submission_for(request.user, submission_id)
    return _page(request, submission, number)


@login_required
@require_POST
def submission_decide(request: HttpRequest, submission_id: int) -> HttpResponse:
    """A decision takes two posts: the first is checked and asks for confirmation (naming
    the LEA, the step, the version and who will be told), the second (`confirm`) makes it;
    `back` returns to the submission page with the decision as it was filled in."""
    submission = access.get_submission_for(request.user, submission_id)
    form = DecisionForm(request.POST)
    if form.is_valid() and "back" not in request.POST:
        decision = {
            "actor": current_user(request),
            "submission": submission,
            "version_number": form.cleaned_data["version"],
            "decision": form.cleaned_data["decision"],
            "summary": form.cleaned_data["summary"],
        }
        try:
            if "confirm" not in request.POST:
                services.decision_check(**decision)
                return _confirm_decision(request, submission, form)
            review = services.submission_decide(**decision)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Version {review.version.number} is {review.get_decision_display().lower()}; "
                "the LEA's CIM team is told by email.",
            )
            return redirect("submission_detail", submission_id=submission.pk)
    submission = access.get_submission_for(request.user, submission_id)
    return _page(request, submission, decision_form=form, status=400 if form.errors else 200)


def _confirm_decision(
    request: HttpRequest, submission: Submission, form: DecisionForm
) -> HttpResponse:
    engagement = submission.engagement
    return render(
        request,
        "steps/decision_confirm.html",
        {
            "engagement": engagement,
            "submission": submission,
            "version": form.cleaned_data["version"],
            "approving": form.cleaned_data["decision"] == Review.Decision.APPROVED,
            "decision": form.cleaned_data["decision"],
            "summary": form.cleaned_data["summary"],
            "told": lea_access.lea_teams_for_system([engagement.lea_id]).order_by(
                "role", "user__full_name"
            ),
        },
    )


@login_required
@require_POST
def submission_undo(request: HttpRequest, submission_id: int) -> HttpResponse:
    submission = access.get_submission_for(request.user, submission_id)
    form = UndoForm(request.POST)
    if not form.is_valid():
        raise Http404("No such version.")
    try:
        undone = services.decision_undo(
            actor=current_user(request),
            submission=submission,
            version_number=form.cleaned_data["version"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Your decision is undone: version {undone.current_version} waits for your review "
            "again, and the LEA's CIM team is told by email.",
        )
    return redirect("submission_detail", submission_id=submission.pk)


@login_required
@require_POST
def submission_comment(request: HttpRequest, submission_id: int) -> HttpResponse:
    submission = access.get_submission_for(request.user, submission_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.comment_add(
                actor=current_user(request),
                submission=submission,
                version_number=form.cleaned_data["version"],
                body=form.cleaned_data["body"],
                activity_key=form.cleaned_data["activity_key"],
                anchor=form.cleaned_data["anchor"],
                question=form.cleaned_data["question"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            asked = form.cleaned_data["question"]
            note = "Question sent to the LEA by email." if asked else "Comment added."
            return _written(request, submission_id, comment, note)
    submission = access.get_submission_for(request.user, submission_id)
    return _page(request, submission, comment_form=form, status=400)


def _box_of(form: CommentForm) -> str:
    """Which comment form of the page was posted: "question", else "<key>/<anchor>"."""
    if form.data.get("question"):
        return "question"
    return f"{form.data.get('activity_key', '')}/{form.data.get('anchor', '')}"


@login_required
@require_POST
def submission_reply(request: HttpRequest, submission_id: int, comment_id: int) -> HttpResponse:
    submission = access.get_submission_for(request.user, submission_id)
    comment = access.get_comment_for(request.user, submission, comment_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            reply = services.comment_reply(
                actor=current_user(request), comment=comment, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            form.add_error(None, error)
            messages.error(request, " ".join(error.messages))
        else:
            return _written(request, submission_id, reply, "Reply sent to the reviewer.")
    else:
        messages.error(request, " ".join(str(error) for error in form.errors["body"]))
    # Refused: the page again, as it is now, with the typed reply kept beside its comment.
    submission = access.get_submission_for(request.user, submission_id)
    return _page(request, submission, reply_form=form, reply_to_id=comment.pk, status=400)


def _written(request: HttpRequest, submission_id: int, note: Comment, said: str) -> HttpResponse:
    """After a comment, question or reply is written. With htmx, the submission page as it
    is now, the note marked with what happened: htmx takes only the notes the form was in
    (their hx-select) and focuses the new one, and the page stays where it was. Without
    JavaScript, back to the thread on the page (a redirect, so a reload does not post
    again), which static/js/keep-place.js focuses with the message beside it."""
    if request.headers.get("HX-Request"):
        submission = access.get_submission_for(request.user, submission_id)
        return _page(request, submission, written=(note, said))
    messages.success(request, said)
    url = reverse("submission_detail", args=[submission_id])
    return redirect(f"{url}#comment-{note.pk}")


urlpatterns = [
    path(
        "engagements/<int:engagement_id>/steps/<int:step>/submit/",
        step_submit,
        name="step_submit",
    ),
    path(
        "engagements/<int:engagement_id>/activities/<slug:activity_key>/submit/",
        activity_submit,
        name="activity_submit",
    ),
    path("submissions/<int:submission_id>/", submission_detail, name="submission_detail"),
    path(
        "submissions/<int:submission_id>/versions/<int:number>/",
        submission_version,
        name="submission_version",
    ),
    path("submissions/<int:submission_id>/decide/", submission_decide, name="submission_decide"),
    path("submissions/<int:submission_id>/undo/", submission_undo, name="submission_undo"),
    path(
        "submissions/<int:submission_id>/comments/", submission_comment, name="submission_comment"
    ),
    path(
        "submissions/<int:submission_id>/comments/<int:comment_id>/reply/",
        submission_reply,
        name="submission_reply",
    ),
]
