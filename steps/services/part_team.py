"""Writes to Box 1, the CIM team. Each change is a new version of the Team Creation
activity, with its history row, in the same transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from cim.catalog_rules import Choice, box_field, item_choices, label_of
from lea import access
from lea import services as lea_services
from lea.audit import diff
from lea.models import AuditVerb, Invitation, Membership, Role, User
from steps.models import ActivityRecord, TeamMember
from steps.services.parts_merge import (
    ROW,
    RowSaved,
    holder_open,
    record_holder,
    row_key,
    row_remove,
    row_save,
    values_for,
    words,
)
from steps.services.records import record_touch

NO_EMAIL = "Add {name}'s email address before inviting them."
NOT_A_ROLE = "Choose one of the roles the state lists for the CIM team."
# The box 1 field whose items are the team's members; the catalog gives their roles.
MEMBERS_FIELD = "members"
ALREADY_ON_TEAM = "{email} already has an account on {lea}'s CIM team."


@values_for(TeamMember)
def member_values(member: TeamMember) -> dict[str, Any]:
    """The member's values as the form names them."""
    return {
        "name": member.name,
        "title": member.title,
        "role": member.role,
        "email": member.email,
        "is_lead": member.is_lead,
    }


def team_roles(*, cohort_id: int) -> list[Choice]:
    """The roles a member of the cohort's CIM teams may have, the required ones marked, in
    the state's words (the catalog's box 1)."""
    return item_choices(box_field(cohort_id=cohort_id, name=MEMBERS_FIELD), "role")


def _describer(roles: list[Choice]) -> Callable[[str, Any], Any]:
    def said(name: str, value: Any) -> Any:
        return label_of(roles, value) if name == "role" else words(value)

    return said


def _check_role(member: TeamMember, roles: list[Choice]) -> None:
    if member.role not in {role.value for role in roles}:
        raise ValidationError({"role": NOT_A_ROLE})


def _keep_one_lead(member: TeamMember) -> None:
    # The box names one lead: choosing a new one moves the designation.
    if member.is_lead:
        TeamMember.objects.filter(engagement_id=member.engagement_id, is_lead=True).exclude(
            pk=member.pk
        ).update(is_lead=False)


def _write(member: TeamMember, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(member, name, value)
    member.full_clean()
    if "role" in values:
        _check_role(member, team_roles(cohort_id=member.engagement.cohort_id))
    member.save(update_fields=list(values))
    _keep_one_lead(member)


def _about(member: TeamMember) -> dict[str, Any]:
    role = label_of(team_roles(cohort_id=member.engagement.cohort_id), member.role)
    return {"member": f"{member.name} ({role})"}


@transaction.atomic
def team_member_add(
    *,
    actor: User,
    record: ActivityRecord,
    version: str,
    name: str,
    title: str,
    role: str,
    email: str,
    is_lead: bool,
) -> TeamMember:
    """Add a member to the CIM team (an addition never conflicts with others' saves)."""
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
    _check_role(member, team_roles(cohort_id=record.engagement.cohort_id))
    locked = holder_open(record_holder(actor=actor, record=record), version)
    last = TeamMember.objects.filter(engagement_id=record.engagement_id).aggregate(Max("position"))
    member.position = (last["position__max"] or 0) + 1
    member.save()
    _keep_one_lead(member)
    record_touch(
        actor=actor,
        record=locked,  # type: ignore[arg-type]
        verb=AuditVerb.TEAM_ADD_MEMBER,
        changes=diff(
            None,
            {ROW: row_key(member), **_about(member)} | ({"team lead": "yes"} if is_lead else {}),
        ),
    )
    return member


@transaction.atomic
def team_member_edit(
    *,
    actor: User,
    member: TeamMember,
    version: str,
    bases: Mapping[str, str] | None = None,
    **values: Any,
) -> RowSaved:
    """Change a member's details, merged with what others saved since (parts_merge)."""
    return row_save(
        holder=record_holder(actor=actor, record=member.record),
        version=version,
        row=member,
        what="team member",
        bases=bases,
        mine=values,
        values_of=member_values,
        write=_write,
        verb=AuditVerb.TEAM_EDIT_MEMBER,
        about=_about,
        described=_describer(team_roles(cohort_id=member.engagement.cohort_id)),
    )


@transaction.atomic
def team_member_remove(
    *, actor: User, member: TeamMember, version: str, base: str | None = None
) -> None:
    """Take a member off the CIM team (their account, if any, is not touched)."""
    row_remove(
        holder=record_holder(actor=actor, record=member.record),
        version=version,
        row=member,
        what="team member",
        base=base,
        values_of=member_values,
        verb=AuditVerb.TEAM_REMOVE_MEMBER,
        about=_about,
    )


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
