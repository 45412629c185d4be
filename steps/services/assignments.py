"""Which CDE FMTA consultant reviews which LEA: assigned one by one or by CCSESA region."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from cim.models import MonitoringYear
from lea import access as lea_access
from lea import data_version
from lea.audit import diff
from lea.models import AuditVerb, Organization, User
from lea.services import audit, audit_event, audit_many
from steps import access
from steps.models import ConsultantAssignment, Engagement

NOT_A_CONSULTANT = "{name} is not a CDE consultant: only consultants review LEAs."
NO_LEAS = "Choose at least one LEA or a region."
NO_LEAS_IN_REGION = "No LEA in region {region} is in CIM in {year}."
NO_CDE_LEAS_IN_REGION = "No LEA in region {region} has CIM work going to CDE in {year}."
NO_SUCH_YEAR = "There is no monitoring year {year}."
ASSIGN_DENIED = "Only a CDE administrator assigns consultants."


def _refuse_unless_assigner(actor: User) -> None:
    if not access.may_assign_consultants(actor):
        raise PermissionDenied(ASSIGN_DENIED)


@transaction.atomic
def consultant_assign(
    *, actor: User, consultant: User, year: MonitoringYear, leas: list[Organization]
) -> int:
    """Assign the consultant to each LEA for the year; an assignment already there stays.
    Returns how many assignments are new. A CDE administrator assigns (seed_demo passes
    its administrator too)."""
    _refuse_unless_assigner(actor)
    if not lea_access.consultants().filter(pk=consultant.pk).exists():
        raise ValidationError(NOT_A_CONSULTANT.format(name=consultant.display_name))
    if not leas:
        raise ValidationError(NO_LEAS)
    existing = set(
        ConsultantAssignment.objects.filter(
            consultant=consultant, year=year, lea__in=leas
        ).values_list("lea_id", flat=True)
    )
    new = [lea for lea in leas if lea.pk not in existing and lea.kind == Organization.Kind.LEA]
    ConsultantAssignment.objects.bulk_create(
        [
            ConsultantAssignment(consultant=consultant, lea=lea, year=year, assigned_by=actor)
            for lea in new
        ],
        ignore_conflicts=True,
    )
    # One insert for the audit rows too: a region can bring a hundred LEAs at once.
    audit_many(
        [
            audit_event(
                actor=actor,
                verb=AuditVerb.CONSULTANT_ASSIGN,
                target=lea,
                organization=lea,
                changes=diff(None, {"consultant": consultant.email, "year": year.year}),
            )
            for lea in new
        ]
    )
    data_version.changed()
    return len(new)


def leas_in_region(
    *, year: MonitoringYear, region: int, cde_only: bool = False
) -> list[Organization]:
    """The LEAs of a CCSESA region that are in CIM in the year; with `cde_only`, only
    those whose work goes to a CDE consultant (see `access.work_goes_to_cde`)."""
    leas = Organization.objects.filter(
        kind=Organization.Kind.LEA,
        region=region,
        pk__in=Engagement.objects.filter(cohort__year=year).values("lea"),
    )
    if cde_only:
        leas = leas.filter(access.work_goes_to_cde(year=year.year))
    found = list(leas.order_by("name"))
    if not found:
        message = NO_CDE_LEAS_IN_REGION if cde_only else NO_LEAS_IN_REGION
        raise ValidationError(message.format(region=region, year=year.year))
    return found


def monitoring_year_get(*, year: int) -> MonitoringYear:
    """The monitoring year an assignment is for, from the number a form carried."""
    try:
        return MonitoringYear.objects.get(year=year)
    except MonitoringYear.DoesNotExist:
        raise ValidationError(NO_SUCH_YEAR.format(year=year)) from None


@transaction.atomic
def consultant_unassign(*, actor: User, assignment: ConsultantAssignment) -> None:
    _refuse_unless_assigner(actor)
    audit(
        actor=actor,
        verb=AuditVerb.CONSULTANT_UNASSIGN,
        target=assignment.lea,
        organization=assignment.lea,
        changes=diff(
            {"consultant": assignment.consultant.email, "year": assignment.year.year}, None
        ),
    )
    data_version.changed()
    assignment.delete()
