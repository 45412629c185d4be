"""Box 1 views: add, edit and remove CIM team members, and invite one as a user. Each view
authorizes through access, calls one service, then redirects back to the team, or shows
the activity page again with what was typed and the errors beside the fields."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from lea import access
from lea.models import User
from steps import workspace
from steps.forms import AnswersForm
from steps.models import ActivityRecord, Engagement
from steps.parts import team
from steps.services import part_team as services
from steps.views.work import _activity_context

NAME = "team"
ONLY_LEAD_INVITES = "Only the LEA's CIM team lead invites people to the LEA."


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _record(engagement: Engagement, activity_key: str) -> ActivityRecord:
    record = access.get_record_in_engagement(engagement, activity_key)
    if NAME not in workspace.activity_form(record=record).parts:
        raise Http404("This activity has no team.")
    return cast(ActivityRecord, record)


def _back(record: ActivityRecord) -> HttpResponse:
    url = reverse("activity_detail", args=[record.engagement_id, record.definition.key])
    return redirect(f"{url}#{NAME}")


def _page(request: HttpRequest, record: ActivityRecord, status: int, **forms: Any) -> HttpResponse:
    """The activity page with this part's forms as given (bound, with their errors)."""
    context = _activity_context(request, record)
    for block in context["part_blocks"]:  # type: ignore[attr-defined]
        if block["template"] == team.TEMPLATE:
            block["context"] = team.context(record=record, user=_user(request), **forms)
    specs = context["spec"].answer_fields  # type: ignore[attr-defined]
    answers = AnswersForm(initial={**record.responses, "version": record.version}, specs=specs)
    return render(request, "steps/activity.html", {**context, "form": answers}, status=status)


def _refused(request: HttpRequest, record: ActivityRecord, error: ValidationError) -> HttpResponse:
    """A refusal no form field could show (someone saved the activity first, it is
    submitted, ...): the forms checked every field the model checks. Say why on top."""
    messages.error(request, " ".join(error.messages))
    return _back(record)


@login_required
@require_POST
def team_member_add(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = _record(engagement, activity_key)
    access.require_edit_engagement(request.user, engagement)
    form = team.TeamMemberForm(request.POST, prefix=team.ADD)
    if form.is_valid():
        try:
            member = services.team_member_add(
                actor=_user(request),
                record=record,
                expected_version=form.cleaned_data["version"],
                **form.member_fields(),
            )
        except ValidationError as error:
            return _refused(request, record, error)
        else:
            messages.success(request, f"{member.name} is on the team.")
            return _back(record)
    return _page(request, record, 400, add_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def team_member_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, member_id: int
) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = _record(engagement, activity_key)
    member = team.get_member_in_engagement(engagement, member_id)
    access.require_edit_engagement(request.user, engagement)
    if request.method == "GET":
        form = team.TeamMemberForm(
            instance=member, initial={"version": record.version}, prefix=team.EDIT
        )
        return _page(request, record, 200, edit_form=form, editing=member)
    form = team.TeamMemberForm(request.POST, prefix=team.EDIT)
    if form.is_valid():
        try:
            services.team_member_edit(
                actor=_user(request),
                member=member,
                expected_version=form.cleaned_data["version"],
                **form.member_fields(),
            )
        except ValidationError as error:
            return _refused(request, record, error)
        else:
            messages.success(request, f"{member.name}'s details are saved.")
            return _back(record)
    return _page(request, record, 400, edit_form=form, editing=member)


@login_required
@require_POST
def team_member_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, member_id: int
) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = _record(engagement, activity_key)
    member = team.get_member_in_engagement(engagement, member_id)
    access.require_edit_engagement(request.user, engagement)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return HttpResponseBadRequest("The form was incomplete; reload the page and try again.")
    try:
        services.team_member_remove(actor=_user(request), member=member, expected_version=version)
    except ValidationError as error:
        return _refused(request, record, error)
    messages.success(request, f"{member.name} is no longer on the team.")
    return _back(record)


@login_required
@require_POST
def team_member_invite(
    request: HttpRequest, engagement_id: int, activity_key: str, member_id: int
) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = _record(engagement, activity_key)
    member = team.get_member_in_engagement(engagement, member_id)
    if not access.can(request.user, "manage_members", engagement.lea):
        raise PermissionDenied(ONLY_LEAD_INVITES)
    try:
        invitation = services.team_member_invite(actor=_user(request), member=member)
    except ValidationError as error:
        return _refused(request, record, error)
    messages.success(
        request, f"An invitation to join {engagement.lea.name} went to {invitation.email}."
    )
    return _back(record)


_MEMBER = "engagements/<int:engagement_id>/activities/<slug:activity_key>/team/"
urlpatterns = [
    path(f"{_MEMBER}add/", team_member_add, name="team_member_add"),
    path(f"{_MEMBER}<int:member_id>/edit/", team_member_edit, name="team_member_edit"),
    path(f"{_MEMBER}<int:member_id>/remove/", team_member_remove, name="team_member_remove"),
    path(f"{_MEMBER}<int:member_id>/invite/", team_member_invite, name="team_member_invite"),
]
