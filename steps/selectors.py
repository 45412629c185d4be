"""Reads for the steps app. Each starts from a queryset that lea/access.py scoped."""

from __future__ import annotations

import csv
import io
from dataclasses import astuple, dataclass, fields

from django.db.models import Prefetch, QuerySet

from cim.models import ActivityDefinition, Tier
from cim.resolver import ResolvedActivity, resolve_activities
from steps.models import ActivityRecord, Engagement


@dataclass(frozen=True)
class StatusRow:
    """One activity of one engagement, as the status export lists it."""

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


STATUS_COLUMNS = tuple(column.name for column in fields(StatusRow))
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


def status_csv(rows: list[StatusRow]) -> str:
    """The rows as CSV with the header `cds_code,lea_name,...,review_by`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(STATUS_COLUMNS)
    writer.writerows([_cell(value) for value in astuple(row)] for row in rows)
    return buffer.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return "" if value is None else value
