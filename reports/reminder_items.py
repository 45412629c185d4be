"""What reminders are about: the work an LEA still owes, with a due date.

The sweep (reports/services/reminders.py) asks every provider in `PROVIDERS` for the
items due on the dates it is interested in and never looks at their models itself. A
provider is a function `(due_dates) -> Iterable[DueItem]`:

- it returns only work the LEA still owes (not approved, not set aside or not
  applicable, not waiting for review);
- `item` names the reminder's foreign key and its value, e.g. ("record", 12): the
  Reminder model has one nullable foreign key per kind of item.

Progress reports are the second provider (reports.progress_reminders, returning
DueItem(item=("report", report.pk), ...): Reminder has a `report` key); their rows are
brought up to date first by a callable `(*, today) -> None` in `BEFORE_SWEEP`, which the
sweep runs first, in its own transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.module_loading import import_string

from steps import access
from steps.models import ActivityRecord, ResolvedRequirement, SubmissionState


@dataclass(frozen=True)
class DueItem:
    """One piece of work an LEA owes by a date, as the sweep needs to know it."""

    item: tuple[str, int]  # the Reminder foreign key's name and value
    lea_id: int
    lea_name: str
    selpa_id: int | None
    year_id: int  # the cohort's monitoring year: consultants are assigned per year
    title: str
    due_date: date
    path: str  # where the work is done, e.g. the activity page
    approver: str  # who reviews it: "SELPA", "CDE" or "" (overdue work escalates there)
    editor_ids: frozenset[int] = frozenset()  # accounts that worked on it

    def reminder_fields(self) -> dict[str, int]:
        name, pk = self.item
        return {f"{name}_id": pk}


Provider = Callable[[Collection[date]], Iterable[DueItem]]

PROVIDERS: tuple[str, ...] = (
    "reports.reminder_items.activity_records_due",
    "reports.progress_reminders.progress_reports_due",
)
# Progress reports open (and follow their periods' dates) before the sweep reads them.
BEFORE_SWEEP: tuple[str, ...] = ("reports.services.progress.progress_reports_open",)


@cache
def providers() -> list[Provider]:
    return [import_string(path) for path in PROVIDERS]


def before_sweep(today: date) -> None:
    for path in BEFORE_SWEEP:
        import_string(path)(today=today)


def due_items(due_dates: Collection[date]) -> list[DueItem]:
    return [item for provider in providers() for item in provider(due_dates)]


_OPEN = (
    ActivityRecord.Status.NOT_STARTED,
    ActivityRecord.Status.IN_PROGRESS,
    ActivityRecord.Status.RETURNED,
)
# Optional work is owed once the LEA has taken it up (started it), never before.
_OWED = Q(requirement=ResolvedRequirement.REQUIRED, status__in=_OPEN) | Q(
    requirement=ResolvedRequirement.OPTIONAL,
    status__in=(ActivityRecord.Status.IN_PROGRESS, ActivityRecord.Status.RETURNED),
)


def owed_records(records: QuerySet[ActivityRecord]) -> QuerySet[ActivityRecord]:
    """Of the records, those the LEA still owes. A record whose step (or whose own
    submission) waits for review or is approved is not owed: the LEA cannot change it,
    e.g. a required activity added by an ADL reload after the step went in. The homes
    (reports/selectors/home.py) list the same work the reminders are about."""
    waiting = (SubmissionState.SUBMITTED, SubmissionState.APPROVED)
    step_closed = access.submissions_for_engagement(OuterRef("engagement")).filter(
        step=OuterRef("definition__step"),
        activity__isnull=True,
        state__in=waiting,
    )
    alone_closed = access.submissions_for_engagement(OuterRef("engagement")).filter(
        activity=OuterRef("definition"), state__in=waiting
    )
    closed = Q(Exists(step_closed), definition__approved_alone=False) | Q(
        Exists(alone_closed), definition__approved_alone=True
    )
    return records.filter(_OWED).exclude(closed)


def activity_records_due(due_dates: Collection[date]) -> list[DueItem]:
    """Activity records due on the dates that the LEA still owes (`owed_records`)."""
    rows = list(
        owed_records(access.records_for_system().filter(due_date__in=list(due_dates)))
        .values_list(
            "pk", "engagement_id", "engagement__lea_id", "engagement__lea__name",
            "engagement__lea__selpa_id", "engagement__cohort__year_id", "definition__name",
            "definition__step", "definition__key", "due_date", "approver", "updated_by_id",
        )
        .order_by("engagement_id", "definition__position")
    )  # fmt: skip
    editors = _editors({row[2] for row in rows}, [row[0] for row in rows])
    # One reverse() for all rows: 50,000 of them would cost more than the query.
    path = reverse("activity_detail", args=[918273645, "activity-key"])
    path = path.replace("918273645", "{engagement}").replace("activity-key", "{key}")
    return [
        DueItem(
            item=("record", pk),
            lea_id=lea_id,
            lea_name=lea_name,
            selpa_id=selpa_id,
            year_id=year_id,
            title=f"{name} (Step {step})",
            due_date=due,  # type: ignore[arg-type]  # filtered on due_date__in
            path=path.format(engagement=engagement_id, key=key),
            approver=approver,
            editor_ids=frozenset(editors[pk] | ({updated_by} if updated_by else set())),
        )
        for (
            pk, engagement_id, lea_id, lea_name, selpa_id, year_id, name, step, key, due,
            approver, updated_by,
        ) in rows
    ]  # fmt: skip


def _editors(lea_ids: set[int], record_ids: list[int]) -> dict[int, set[int]]:
    editors: dict[int, set[int]] = defaultdict(set)
    if record_ids:
        for record_id, user_id in access.record_editors_for_system(lea_ids, record_ids):
            editors[int(record_id)].add(user_id)
    return editors
