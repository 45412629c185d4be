"""Box 1 views: add, edit and remove CIM team members, and invite one as a user. Each view
authorizes through access, calls one service, then redirects back to the team, or shows
the activity page again with what was typed and the errors beside the fields."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from lea import access as lea_access
from steps import access
from steps.models import Engagement, TeamMember
from steps.parts import team
from steps.services import part_team as services
from steps.views import parts_common as common

NAME = "team"
ONLY_LEAD_INVITES = "Only the LEA's CIM team lead invites people to the LEA."


def _may_manage(request: HttpRequest, engagement: Engagement) -> None:
    access.require_edit_engagement(request.user, engagement)
    # Members write the other activities; the lead manages who is on the team.
    lea_access.require_manage_members(request.user, engagement.lea)


@login_required
@require_POST
def team_member_add(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = common.record_with_part(request.user, engagement, activity_key, NAME)
    _may_manage(request, engagement)
    form = team.TeamMemberForm(request.POST, prefix=team.ADD, roles=team.roles_of(record))
    return common.save_row(
        request,
        form,
        lambda form: services.team_member_add(
            actor=common.current_user(request),
            record=record,
            version=form.version(),
            **form.values(),
        ),
        done=lambda member: f"{member.name} is on the team.",  # type: ignore[attr-defined]
        show=lambda status: common.page_with(request, record, team, status, add_form=form),
        back=lambda: common.back(record, NAME),
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_member_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, member_id: int
) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = common.record_with_part(request.user, engagement, activity_key, NAME)
    member = team.get_member_in_engagement(engagement, member_id)
    _may_manage(request, engagement)
    if request.method == "GET":
        form = team.edit_form(record, member)
        return common.page_with(request, record, team, 200, edit_form=form, editing=member)
    form = team.TeamMemberForm(request.POST, prefix=team.EDIT, roles=team.roles_of(record))
    return common.save_row(
        request,
        form,
        lambda form: services.team_member_edit(
            actor=common.current_user(request),
            member=member,
            version=form.version(),
            bases=form.posted_bases(),
            **form.values(),
        ),
        done=lambda saved: f"{saved.row.name}'s details are saved.",  # type: ignore[attr-defined]
        show=lambda status: common.page_with(
            request, record, team, status, edit_form=form, editing=member
        ),
        back=lambda: common.back(record, NAME),
    )


@login_required
@require_POST
def team_member_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, member_id: int
) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = common.record_with_part(request.user, engagement, activity_key, NAME)
    member = common.row_or_gone(
        team.team_members_of(engagement), member_id, record, TeamMember, "team member"
    )
    _may_manage(request, engagement)
    if isinstance(member, str):
        return common.gone(request, record, NAME, member)
    return common.remove_row(
        request,
        record,
        NAME,
        lambda version, base: services.team_member_remove(
            actor=common.current_user(request), member=member, version=version, base=base
        ),
        f"{member.name} is no longer on the team.",
    )


@login_required
@require_POST
def team_member_invite(
    request: HttpRequest, engagement_id: int, activity_key: str, member_id: int
) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = common.record_with_part(request.user, engagement, activity_key, NAME)
    member = team.get_member_in_engagement(engagement, member_id)
    if not lea_access.may_manage_members(request.user, engagement.lea):
        raise PermissionDenied(ONLY_LEAD_INVITES)
    try:
        invitation = services.team_member_invite(actor=common.current_user(request), member=member)
    except ValidationError as error:
        return common.refuse(request, record, NAME, error)
    messages.success(
        request, f"An invitation to join {engagement.lea.name} went to {invitation.email}."
    )
    return common.back(record, NAME)


_MEMBER = "engagements/<int:engagement_id>/activities/<slug:activity_key>/team/"
urlpatterns = [
    path(f"{_MEMBER}add/", team_member_add, name="team_member_add"),
    path(f"{_MEMBER}<int:member_id>/edit/", team_member_edit, name="team_member_edit"),
    path(f"{_MEMBER}<int:member_id>/remove/", team_member_remove, name="team_member_remove"),
    path(f"{_MEMBER}<int:member_id>/invite/", team_member_invite, name="team_member_invite"),
]
