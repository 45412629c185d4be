"""Engagements and their activity records: started and kept in line with the catalog."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from cim.models import Cohort, Determination
from cim.resolver import ResolvedActivity
from lea import services as lea_services
from lea.models import Organization, User
from steps.models import ActivityRecord, Engagement

RECORD_FIELDS = ("requirement", "requirement_reason", "assistance", "approver", "due_date")


def engagement_is_stale(*, engagement: Engagement, activities: list[ResolvedActivity]) -> bool:
    """Whether engagement_resolve would change anything (checked first: no savepoint)."""
    records = {record.definition_id: record for record in engagement.records.all()}
    return any(
        activity.definition.pk not in records
        or any(
            getattr(records[activity.definition.pk], name) != value
            for name, value in _resolution_values(activity).items()
        )
        for activity in activities
    )


def required_summary(activities: list[ResolvedActivity]) -> str:
    required = sum(activity.requirement == "required" for activity in activities)
    return f"{len(activities)} activities, {required} required"


@dataclass(frozen=True)
class EngagementStart:
    """One LEA to start in a cohort, with its activities resolved."""

    lea: Organization
    cohort: Cohort
    determination: Determination
    activities: list[ResolvedActivity]


@transaction.atomic
def engagement_start(
    *,
    actor: User | None,
    lea: Organization,
    cohort: Cohort,
    determination: Determination,
    activities: list[ResolvedActivity],
) -> Engagement:
    """Start an LEA's CIM process in a cohort, with one record per resolved activity."""
    start = EngagementStart(lea, cohort, determination, activities)
    [engagement] = engagements_start(actor=actor, starts=[start])
    return engagement


@transaction.atomic
def engagements_start(*, actor: User | None, starts: list[EngagementStart]) -> list[Engagement]:
    """engagement_start for many LEAs in a fixed number of queries (the statewide load)."""
    engagements = [
        Engagement(lea=start.lea, cohort=start.cohort, determination=start.determination)
        for start in starts
    ]
    for engagement in engagements:
        # The ADL load has just read or written lea, cohort and determination for all
        # rows, so re-querying each foreign key per LEA would only slow a statewide load.
        engagement.full_clean(
            exclude=["lea", "cohort", "determination"], validate_constraints=False
        )
    Engagement.objects.bulk_create(engagements)
    ActivityRecord.objects.bulk_create(
        [
            _new_record(engagement, activity)
            for engagement, start in zip(engagements, starts, strict=True)
            for activity in start.activities
        ]
    )
    lea_services.audit_many(
        [
            lea_services.audit_event(
                actor=actor,
                verb="engagement.start",
                target=engagement,
                organization=start.lea,
                changes={
                    "cohort": start.cohort.name,
                    "activities": required_summary(start.activities),
                },
            )
            for engagement, start in zip(engagements, starts, strict=True)
        ]
    )
    return engagements


@transaction.atomic
def engagement_resolve(
    *, actor: User | None, engagement: Engagement, activities: list[ResolvedActivity]
) -> list[str]:
    """Bring the records in line with a corrected determination or catalog.

    Updates what was resolved (requirement, reason, assistance, approver, due date) and
    adds records for activities new to the catalog. It never deletes a record and never
    touches status or content: the LEA's work stays as it is. Returns what changed.
    """
    records = {record.definition_id: record for record in engagement.records.all()}
    added, changed, notes = [], [], []
    changes: dict[str, Any] = {}
    for activity in activities:
        record = records.get(activity.definition.pk)
        if record is None:
            added.append(_new_record(engagement, activity))
            notes.append(f"{activity.definition.name} added ({activity.requirement})")
            continue
        diff = _record_diff(record, activity)
        if diff:
            changed.append(record)
            changes[activity.key] = diff
            if "requirement" in diff:
                old, new = diff["requirement"]
                notes.append(f"{activity.definition.name} {old} -> {new}")
    if not (added or changed):
        return []
    ActivityRecord.objects.bulk_create(added)
    ActivityRecord.objects.bulk_update(changed, [*RECORD_FIELDS, "updated_at"])
    lea_services.audit(
        actor=actor,
        verb="engagement.resolve",
        target=engagement,
        organization=engagement.lea,
        changes={"added": [record.definition.key for record in added], "changed": changes},
    )
    return notes or [f"{len(changed)} activity details updated"]


def _new_record(engagement: Engagement, activity: ResolvedActivity) -> ActivityRecord:
    record = ActivityRecord(engagement=engagement, definition=activity.definition)
    _apply_resolution(record, activity)
    return record


def _record_diff(record: ActivityRecord, activity: ResolvedActivity) -> dict[str, list[Any]]:
    wanted = _resolution_values(activity)
    diff = {
        name: [_jsonable(getattr(record, name)), _jsonable(value)]
        for name, value in wanted.items()
        if getattr(record, name) != value
    }
    if diff:
        _apply_resolution(record, activity)
        record.updated_at = timezone.now()  # bulk_update does not run auto_now
    return diff


def _apply_resolution(record: ActivityRecord, activity: ResolvedActivity) -> None:
    for name, value in _resolution_values(activity).items():
        setattr(record, name, value)
    # Validates choices and lengths only: the foreign keys come straight from the catalog.
    record.full_clean(exclude=["engagement", "definition", "status"], validate_constraints=False)


def _resolution_values(activity: ResolvedActivity) -> dict[str, Any]:
    return {
        "requirement": activity.requirement,
        "requirement_reason": activity.reason,
        "assistance": activity.assistance,
        "approver": activity.approver,
        "due_date": activity.due_date,
    }


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
