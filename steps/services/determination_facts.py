"""Facts about an LEA's year that the ADL cannot give, recorded later by the people who
decide them; each one decides a catalog condition (cim/conditions.py), so recording it
re-resolves what the LEA owes."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from cim.models import Determination
from cim.resolver import resolve_activities
from lea import data_version
from lea import services as lea_services
from lea.models import AuditVerb, User
from steps import access
from steps.models import Engagement
from steps.services.engagements import engagement_resolve

SELPA_REPORTS_DENIED = (
    "Only a reviewer of the LEA's SELPA, or a CDE administrator, records whether the SELPA "
    "requires progress reports."
)
SRR_FINDING_DENIED = (
    "Only CDE staff (the LEA's consultant or a CDE administrator) record whether CDE issued "
    "a final SRR finding of noncompliance."
)


def determination_record_selpa_requires_reports(
    *, actor: User, engagement: Engagement, requires: bool | None
) -> list[str]:
    """Record whether the LEA's SELPA requires Step 4 progress reports (None: not decided
    yet); returns what changed in the LEA's activities."""
    if not access.may_record_selpa_requires_reports(actor, engagement):
        raise PermissionDenied(SELPA_REPORTS_DENIED)
    return _record(
        actor=actor,
        engagement=engagement,
        field="selpa_requires_progress_reports",
        value=requires,
        verb=AuditVerb.DETERMINATION_SELPA_REQUIRES_PROGRESS_REPORTS,
    )


def determination_record_srr_finding(
    *, actor: User, engagement: Engagement, noncompliant: bool | None
) -> list[str]:
    """Record whether CDE issued the LEA a final SRR finding of noncompliance (None: not
    known yet); returns what changed in the LEA's activities."""
    if not access.may_record_srr_finding(actor, engagement):
        raise PermissionDenied(SRR_FINDING_DENIED)
    return _record(
        actor=actor,
        engagement=engagement,
        field="srr_final_finding_of_noncompliance",
        value=noncompliant,
        verb=AuditVerb.DETERMINATION_SRR_FINAL_FINDING_OF_NONCOMPLIANCE,
    )


@transaction.atomic
def _record(
    *, actor: User, engagement: Engagement, field: str, value: bool | None, verb: AuditVerb
) -> list[str]:
    # Locked: two people recording at once must not both audit the same "before".
    determination = (
        Determination.objects.select_for_update(of=("self",))
        .select_related("lea")
        .get(pk=engagement.determination_id)
    )
    before = getattr(determination, field)
    if before == value:
        return []
    setattr(determination, field, value)
    setattr(determination, f"{field}_by", actor)
    setattr(determination, f"{field}_at", timezone.now())
    determination.full_clean(exclude=["lea", "year"], validate_constraints=False)
    determination.save(update_fields=[field, f"{field}_by", f"{field}_at"])
    lea_services.audit(
        actor=actor,
        verb=verb,
        target=determination,
        organization=determination.lea,
        changes={field: [before, value]},
    )
    data_version.changed()
    return _resolve_engagements(determination)


def _resolve_engagements(determination: Determination) -> list[str]:
    """Bring the LEA's engagements of the year in line: the LEA's work stays as it is.

    Re-resolving follows from the fact, whose own audit row names the person; it runs as
    the system because engagement_resolve is otherwise the ADL load's alone."""
    notes: list[str] = []
    engagements = Engagement.objects.filter(determination=determination).select_related(
        "lea", "cohort"
    )
    for engagement in engagements:
        activities = resolve_activities(determination=determination, cohort=engagement.cohort)
        notes += engagement_resolve(actor=None, engagement=engagement, activities=activities)
    return notes
