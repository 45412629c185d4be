"""Reads for the steps app. Each starts from a queryset that lea/access.py scoped."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from django.db.models import Prefetch, QuerySet

from cim.models import ActivityDefinition, Tier
from cim.resolver import ResolvedActivity, resolve_activities
from steps.models import ActivityRecord, Engagement


@dataclass(frozen=True)
class StatusRow:
    """One activity of one engagement, as the status page and its export list it: the
    requirement and status as codes, which steps/queues.py puts in words for both."""

    cds_code: str
    lea_name: str
    tier: str
    level: int | None
    step: int
    activity: str
    requirement: str
    status: str
    due_date: str
    review_by: str
    # Not a column: which engagement the row is of, for the page to link the LEA's name.
    engagement_id: int = field(default=0, compare=False, metadata={"column": False})
    # Not a column: the activity as the page and the CSV name it (`activity` is its key).
    activity_name: str = field(default="", compare=False, metadata={"column": False})


STATUS_COLUMNS = tuple(
    column.name for column in fields(StatusRow) if column.metadata.get("column", True)
)
# Cells Excel would run as a formula; an LEA name comes from an uploaded file.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def status_rows(*, engagements: QuerySet[Engagement], year: int) -> list[StatusRow]:
    """One row per engagement of the year and activity of its cohort's catalog, ordered by
    LEA name, step and catalog order. Five queries, however many engagements there are.

    A row comes from the LEA's activity record. An activity the catalog gained after the
    load has no record until the next load resolves it, so it is resolved here the same
    way, and is not started.
    """
    scoped = (
        engagements.filter(cohort__year__year=year)
        .select_related("lea", "cohort", "determination")
        .prefetch_related(
            Prefetch(
                "cohort__activities",
                queryset=ActivityDefinition.objects.prefetch_related("requirements"),
            ),
            "determination__unmet_indicators",
            Prefetch("records", queryset=ActivityRecord.objects.order_by()),
        )
        .order_by("lea__name", "lea__code", "pk")
    )
    return [row for engagement in scoped for row in _engagement_rows(engagement)]


def _engagement_rows(engagement: Engagement) -> list[StatusRow]:
    records = {record.definition_id: record for record in engagement.records.all()}
    definitions = sorted(
        engagement.cohort.activities.all(),
        key=lambda definition: (definition.step, definition.position, definition.key),
    )
    unresolved = any(definition.pk not in records for definition in definitions)
    resolved = _resolve(engagement) if unresolved else {}
    return [
        StatusRow(
            cds_code=engagement.lea.code,
            lea_name=engagement.lea.name,
            tier=Tier(engagement.cohort.tier).label,
            level=engagement.determination.level,
            step=definition.step,
            activity=definition.key,
            engagement_id=engagement.pk,
            activity_name=definition.name,
            **_state(records.get(definition.pk) or resolved[definition.pk]),
        )
        for definition in definitions
    ]


def _resolve(engagement: Engagement) -> dict[int, ResolvedActivity]:
    activities = resolve_activities(
        determination=engagement.determination, cohort=engagement.cohort
    )
    return {activity.definition.pk: activity for activity in activities}


def _state(source: ActivityRecord | ResolvedActivity) -> dict[str, str]:
    if isinstance(source, ActivityRecord):
        status = source.status
    else:
        status = ActivityRecord.Status.NOT_STARTED
    return {
        "requirement": source.requirement,
        "status": str(status),
        "due_date": source.due_date.isoformat() if source.due_date else "",
        # Empty only where the catalog names no approver: activities that do not apply.
        "review_by": source.approver,
    }
