"""Writes to Box 1, the CIM team. Each change is a new version of the Team Creation
activity, with its history row, in the same transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from lea import services as lea_services
from lea.models import Invitation, Membership, Role, User
from steps.models import ActivityRecord, TeamMember
from steps.services.records import record_touch

NO_EMAIL = "Add {name}'s email address before inviting them."
ALREADY_ON_TEAM = "{email} already has an account on {lea}'s CIM team."


def _described(member: TeamMember) -> dict[str, str]:
    """The member's fields as a person reads them, for the history."""
    return {
        "name": member.name,
        "title": member.title,
        "role": member.get_role_display(),
        "email": member.email,
        "team lead": "yes" if member.is_lead else "no",
    }


def _keep_one_lead(member: TeamMember) -> None:
    # The box names one lead: choosing a new one moves the designation.
    if member.is_lead:
        TeamMember.objects.filter(engagement_id=member.engagement_id, is_lead=True).exclude(
            pk=member.pk
        ).update(is_lead=False)


@transaction.atomic
def team_member_add(
    *,
    actor: User,
    record: ActivityRecord,
    expected_version: int,
    name: str,
    title: str,
    role: str,
    email: str,
    is_lead: bool,
) -> TeamMember:
    """Add a member to the CIM team."""
    member = TeamMember(
        engagement=record.engagement,
        record=record,
        name=name,
        title=title,
        role=role,
        email=email,
        is_lead=is_lead,
    )
    member.full_clean()
    locked = record_touch(
        actor=actor,
        record=record,
        expected_version=expected_version,
        verb="team.add_member",
        changes={"member": str(member)} | ({"team lead": "yes"} if is_lead else {}),
    )
    last = TeamMember.objects.filter(engagement=locked.engagement).aggregate(Max("position"))
    member.position = (last["position__max"] or 0) + 1
    member.save()
    _keep_one_lead(member)
    return member


@transaction.atomic
def team_member_edit(
    *,
    actor: User,
    member: TeamMember,
    expected_version: int,
    name: str,
    title: str,
    role: str,
    email: str,
    is_lead: bool,
) -> TeamMember:
    """Change a member's details."""
    before = _described(member)
    member.name, member.title, member.role = name, title, role
    member.email, member.is_lead = email, is_lead
    member.full_clean()
    after = _described(member)
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    record_touch(
        actor=actor,
        record=member.record,
        expected_version=expected_version,
        verb="team.edit_member",
        changes={"member": str(member), **changed},
    )
    member.save(update_fields=["name", "title", "role", "email", "is_lead"])
    _keep_one_lead(member)
    return member


@transaction.atomic
def team_member_remove(*, actor: User, member: TeamMember, expected_version: int) -> None:
    """Take a member off the CIM team (their account, if any, is not touched)."""
    record_touch(
        actor=actor,
        record=member.record,
        expected_version=expected_version,
        verb="team.remove_member",
        changes={"member": str(member)},
    )
    member.delete()


@transaction.atomic
def team_member_invite(*, actor: User, member: TeamMember) -> Invitation:
    """Invite a member to the LEA as an LEA CIM team member, so they can work in the app.
    The caller has checked that the actor manages the LEA's members."""
    lea = member.engagement.lea
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
