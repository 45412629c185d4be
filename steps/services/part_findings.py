"""Writes to Boxes 13 and 14, the Consolidation's areas of strength and weakness. Each
change is a new version of the Consolidation activity, with its history row, in the same
transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from lea.models import User
from steps.models import ActivityRecord, Finding
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


@transaction.atomic
def finding_add(
    *,
    actor: User,
    record: ActivityRecord,
    expected_version: int,
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
    locked = record_touch(
        actor=actor,
        record=record,
        expected_version=expected_version,
        verb="findings.add_finding",
        changes={_what(finding): finding.area, "supporting data": finding.supporting_data},
    )
    last = Finding.objects.filter(engagement=locked.engagement, kind=kind).aggregate(
        Max("position")
    )
    finding.position = (last["position__max"] or 0) + 1
    finding.save()
    return finding


@transaction.atomic
def finding_edit(
    *,
    actor: User,
    finding: Finding,
    expected_version: int,
    area: str,
    supporting_data: str,
) -> Finding:
    """Change an area's wording or its supporting data (its kind stays)."""
    before = {"area": finding.area, "supporting data": finding.supporting_data}
    finding.area, finding.supporting_data = area, supporting_data
    _checked(finding)
    after = {"area": finding.area, "supporting data": finding.supporting_data}
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    record_touch(
        actor=actor,
        record=finding.record,
        expected_version=expected_version,
        verb="findings.edit_finding",
        changes={_what(finding): finding.area, **changed},
    )
    finding.save(update_fields=["area", "supporting_data"])
    return finding


@transaction.atomic
def finding_remove(*, actor: User, finding: Finding, expected_version: int) -> None:
    """Take an area of strength or weakness off the list."""
    record_touch(
        actor=actor,
        record=finding.record,
        expected_version=expected_version,
        verb="findings.remove_finding",
        changes={_what(finding): finding.area},
    )
    finding.delete()
