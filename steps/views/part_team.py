"""Box 1 beyond its rows (added, edited and removed by steps/views/part_rows.py): inviting a
team member as a user of the app."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST

from lea import access as lea_access
from steps import access
from steps.parts import team
from steps.services import part_team as services
from steps.views import parts_common as common

NAME = "team"
ONLY_LEAD_INVITES = "Only the LEA's CIM team lead invites people to the LEA."


@login_required
@require_POST
def team_member_invite(
    request: HttpRequest, engagement_id: int, activity_key: str, row_id: int
) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    record = common.record_with_part(request.user, engagement, activity_key, NAME)
    member = team.get_member_in_engagement(engagement, row_id)
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
    path(f"{_MEMBER}<int:row_id>/invite/", team_member_invite, name="team_member_invite"),
]
