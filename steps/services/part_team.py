"""Box 1, the CIM team, beyond its rows (those are the declared part steps.parts.team.TEAM,
written by steps/services/part_rows.py): inviting a member to work in the app."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from lea import access
from lea import services as lea_services
from lea.models import Invitation, Membership, Role, User
from steps.models import TeamMember

NO_EMAIL = "Add {name}'s email address before inviting them."
ALREADY_ON_TEAM = "{email} already has an account on {lea}'s CIM team."


@transaction.atomic
def team_member_invite(*, actor: User, member: TeamMember) -> Invitation:
    """Invite a member to the LEA as an LEA CIM team member, so they can work in the app.
    The actor must manage the LEA's members (its lead, or a CDE administrator): refused
    here, before anything is written, as invitation_create would."""
    lea = member.engagement.lea
    if not access.may_manage_members(actor, lea):
        raise PermissionDenied(access.MANAGE_MEMBERS_DENIED)
    if not member.email:
        raise ValidationError(NO_EMAIL.format(name=member.name))
    # Someone who already leads or works on the LEA's CIM team needs no second role.
    if Membership.objects.filter(
        organization=lea,
        user__email__iexact=member.email,
        role__in=(Role.LEA_LEAD, Role.LEA_MEMBER),
    ).exists():
        raise ValidationError(ALREADY_ON_TEAM.format(email=member.email, lea=lea.name))
    return lea_services.invitation_create(
        actor=actor,
        organization=lea,
        email=member.email,
        role=Role.LEA_MEMBER,
        full_name=member.name,
    )
