"""Writes to Boxes 13 and 14, the Consolidation's areas of strength and weakness. Each
change is a new version of the Consolidation activity, with its history row, in the same
transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from lea.audit import diff
from lea.models import AuditVerb, User
from steps.models import ActivityRecord, Finding
from steps.services.parts_merge import (
    ROW,
    RowSaved,
    holder_open,
    record_holder,
    row_key,
    row_remove,
    row_save,
    values_for,
)
from steps.services.records import record_touch

# Supporting data is a summary with numbers; longer text is a stray paste.
SUPPORTING_DATA_MAX = 10_000
TOO_LONG = "This is longer than {limit:,} characters."


def _checked(finding: Finding) -> None:
    finding.full_clean()
    # A TextField has no length of its own; the form's limit must hold for every caller.
    if len(finding.supporting_data) > SUPPORTING_DATA_MAX:
        raise ValidationError({"supporting_data": TOO_LONG.format(limit=SUPPORTING_DATA_MAX)})


def _what(finding: Finding) -> str:
    return finding.get_kind_display().lower()


@values_for(Finding)
def finding_values(finding: Finding) -> dict[str, Any]:
    """The finding's values as the form names them (its kind stays)."""
    return {"area": finding.area, "supporting_data": finding.supporting_data}


def _write(finding: Finding, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(finding, name, value)
    _checked(finding)
    finding.save(update_fields=list(values))


def _about(finding: Finding) -> dict[str, Any]:
    return {_what(finding): finding.area}


@transaction.atomic
def finding_add(
    *,
    actor: User,
    record: ActivityRecord,
    version: str,
    kind: str,
    area: str,
    supporting_data: str,
) -> Finding:
    """Name an area of strength or weakness with the data that supports it."""
    finding = Finding(
        engagement=record.engagement,
        record=record,
        kind=kind,
        area=area,
        supporting_data=supporting_data,
    )
    _checked(finding)
    locked = holder_open(record_holder(actor=actor, record=record), version)
    last = Finding.objects.filter(engagement_id=record.engagement_id, kind=kind).aggregate(
        Max("position")
    )
    finding.position = (last["position__max"] or 0) + 1
    finding.save()
    record_touch(
        actor=actor,
        record=locked,  # type: ignore[arg-type]
        verb=AuditVerb.FINDINGS_ADD_FINDING,
        changes=diff(
            None,
            {ROW: row_key(finding), **_about(finding), "supporting data": supporting_data},
        ),
    )
    return finding


@transaction.atomic
def finding_edit(
    *,
    actor: User,
    finding: Finding,
    version: str,
    bases: Mapping[str, str] | None = None,
    **values: Any,
) -> RowSaved:
    """Change an area's wording or its supporting data, merged with others' saves since."""
    return row_save(
        holder=record_holder(actor=actor, record=finding.record),
        version=version,
        row=finding,
        what=_what(finding),
        bases=bases,
        mine=values,
        values_of=finding_values,
        write=_write,
        verb=AuditVerb.FINDINGS_EDIT_FINDING,
        about=_about,
    )


@transaction.atomic
def finding_remove(*, actor: User, finding: Finding, version: str, base: str | None = None) -> None:
    """Take an area of strength or weakness off the list."""
    row_remove(
        holder=record_holder(actor=actor, record=finding.record),
        version=version,
        row=finding,
        what=_what(finding),
        base=base,
        values_of=finding_values,
        verb=AuditVerb.FINDINGS_REMOVE_FINDING,
        about=_about,
    )
