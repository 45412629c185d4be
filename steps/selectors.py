"""Reads for the steps app. Each starts from a queryset that lea/access.py scoped."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import Count, F, Prefetch, QuerySet
from django.db.models.functions import Collate

from cim.models import ActivityDefinition, Tier
from cim.resolver import ResolvedActivity, resolve_activities
from steps import access
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
    of_year = engagements.filter(cohort__year__year=year)
    scoped = (
        of_year.select_related("lea", "cohort", "determination")
        .prefetch_related(
            Prefetch(
                "cohort__activities",
                queryset=ActivityDefinition.objects.prefetch_related("requirements"),
            ),
            "determination__unmet_indicators",
            Prefetch(
                "records",
                queryset=access.records_for_engagement_ids(of_year).order_by(),
            ),
        )
        .order_by("lea__name", "lea__code", "pk")
    )
    return [row for engagement in scoped for row in _engagement_rows(engagement)]


# The rows' order in status_rows (LEA, step, catalog order), as SQL: the key in the "C"
# collation, the code-point order Python sorts it in.
STATUS_ORDER = (
    "engagement__lea__name",
    "engagement__lea__code",
    "engagement_id",
    "definition__step",
    "definition__position",
    Collate(F("definition__key"), "C"),
)
_STATUS_VALUES = {
    "engagement_id": "engagement_id",
    "cds_code": "engagement__lea__code",
    "lea_name": "engagement__lea__name",
    "tier": "engagement__cohort__tier",
    "level": "engagement__determination__level",
    "step": "definition__step",
    "activity": "definition__key",
    "activity_name": "definition__name",
    "requirement": "requirement",
    "status": "status",
    "due_date": "due_date",
    "review_by": "approver",
}


def status_records(*, engagements: QuerySet[Engagement], year: int) -> StatusRowsQuery | None:
    """The records behind status_rows, to filter, order and page in SQL; None when an
    engagement lacks a record of an activity of its cohort (the catalog gained it after
    the load): only status_rows resolves those, in Python.

    The gap shows as fewer records than activities owed: the records' count (the page's
    count too, when it is not filtered) against each activity times its cohort's
    engagements, rather than an anti-join of every engagement with every activity. A
    record is always of its engagement's cohort's activity (the load makes it from that
    catalog), so no other record can fill a gap."""
    scoped = engagements.filter(cohort__year__year=year).order_by()
    records = access.records_for_engagement_ids(scoped)
    held = records.count()
    per_cohort = dict(scoped.values("cohort").annotate(n=Count("pk")).values_list("cohort", "n"))
    activities = (
        ActivityDefinition.objects.filter(cohort__in=per_cohort)
        .order_by()
        .values("cohort")
        .annotate(n=Count("pk"))
        .values_list("cohort", "n")
    )
    owed = sum(per_cohort[cohort] * n for cohort, n in activities)
    return StatusRowsQuery(records, count=held) if held == owed else None


class StatusRowsQuery:
    """Status rows of a queryset of records, built a slice at a time: a paginator counts
    them in SQL and builds only the page it shows, not the 60,000 rows of the state."""

    def __init__(self, records: QuerySet[ActivityRecord], count: int | None = None) -> None:
        self.records = records
        self._count = count

    def filter(self, *args: Any, **kwargs: Any) -> StatusRowsQuery:
        return StatusRowsQuery(self.records.filter(*args, **kwargs))

    def annotate(self, **annotations: Any) -> StatusRowsQuery:
        return StatusRowsQuery(self.records.annotate(**annotations), self._count)

    def order_by(self, *order: Any) -> StatusRowsQuery:
        return StatusRowsQuery(self.records.order_by(*order), self._count)

    def count(self) -> int:
        if self._count is None:
            self._count = self.records.count()
        return self._count

    def __getitem__(self, index: slice) -> list[StatusRow]:
        names = tuple(_STATUS_VALUES)
        page = self.records.values_list(*_STATUS_VALUES.values())[index]
        return [_status_row(dict(zip(names, values, strict=True))) for values in page]


def _status_row(values: dict[str, Any]) -> StatusRow:
    due = values["due_date"]
    return StatusRow(
        **values
        | {
            "tier": Tier(values["tier"]).label,
            "status": str(values["status"]),
            "due_date": due.isoformat() if due else "",
        }
    )


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
